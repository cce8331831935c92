package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;
import java.util.ArrayList;
import java.util.List;

/**
 * The hold an AWS error puts on an environment: stalled (a human must act) or waiting (look again); and the hold
 * of a launch ECS placed nowhere.
 */
public final class Holds {

    private Holds() {}

    /**
     * ECS placed no migrate task on {@code cluster}: waiting for EC2 capacity, in words that say what to add.
     *
     * @param failure what ECS said: RunTask's failures summed up, or its "No Container Instances" refusal
     */
    public static Hold noCapacity(String cluster, String failure) {
        List<String> remedies = new ArrayList<>();
        if (failure.contains("RESOURCE:CPU")) {
            remedies.add("free CPU");
        }
        if (failure.contains("RESOURCE:MEMORY")) {
            remedies.add("free memory");
        }
        if (failure.contains("AGENT")) {
            remedies.add("reconnect the ECS agent of the instances");
        }
        String fix = failure.contains("No Container Instances") ? "register container instances in the cluster"
                : "add container instances or " + (remedies.isEmpty() ? "free capacity on them"
                : String.join(" or ", remedies));
        return Hold.waiting(Reasons.WAITING_FOR_CAPACITY, "waiting for capacity on cluster " + cluster
                + ": RunTask placed no task (" + failure + "); " + fix);
    }

    public static Hold of(CloudError error) {
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
