package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.Reasons;

import dev.beanstalkmigrator.port.CloudError;

/** The hold an AWS error puts on an environment: stalled (a human must act) or waiting (look again). */
final class Holds {

    private Holds() {}

    static Hold of(CloudError error) {
        if (error instanceof CloudError.Stalled stalled) {
            return Hold.stalled(stalled.code() == null ? Reasons.AWS_ERROR : stalled.code(),
                    stalled.getMessage() + (stalled.hint() == null ? "" : "; " + stalled.hint()));
        }
        if (error instanceof CloudError.Waiting waiting) {
            return Hold.waiting(waiting.code() == null ? Reasons.WAITING : waiting.code(), waiting.getMessage());
        }
        if (error instanceof CloudError.Conflict conflict) {
            return Hold.waiting(Reasons.CONFLICT, conflict.getMessage());
        }
        return Hold.waiting(Reasons.AWS_UNAVAILABLE, error.getMessage() + "; retrying");
    }
}
