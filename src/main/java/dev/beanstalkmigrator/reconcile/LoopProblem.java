package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;

/**
 * What keeps the reconcile loop from doing its work, classified: readiness is down while there is one, and
 * status and logs say what it is and what to do.
 *
 * @param reason a CamelCase reason (see {@link Reasons})
 * @param message what is wrong, naming the object or call
 * @param action what a human should do, or null
 */
public record LoopProblem(String reason, String message, String action) {

    /** A problem a cycle met at its boundary: a stalled call (a human must act), or a bug. */
    static LoopProblem of(RuntimeException error) {
        if (error instanceof CloudError cloud && cloud.policy() == CloudError.Policy.STALL) {
            return new LoopProblem(cloud.code() == null ? Reasons.AWS_ERROR : cloud.code(), cloud.getMessage(),
                    cloud.hint());
        }
        return new LoopProblem(Reasons.CYCLE_FAILED, "the reconcile cycle failed: " + error,
                "report it with the log line that names it; the next cycle tries again from what is stored");
    }
}
