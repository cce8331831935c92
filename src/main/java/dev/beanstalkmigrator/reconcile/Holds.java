package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;

/** The hold an AWS error puts on an environment: stalled (a human must act) or waiting (look again). */
final class Holds {

    private Holds() {}

    static Hold of(CloudError error) {
        String code = error.code();
        return switch (error.policy()) {
            case STALL -> Hold.stalled(code == null ? Reasons.AWS_ERROR : code,
                    error.getMessage() + (error.hint() == null ? "" : "; " + error.hint()));
            case WAIT -> Hold.waiting(code == null ? Reasons.WAITING : code, error.getMessage());
            case REREAD -> Hold.waiting(Reasons.CONFLICT, error.getMessage());
            case RETRY -> Hold.waiting(Reasons.AWS_UNAVAILABLE, error.getMessage() + "; retrying");
        };
    }
}
