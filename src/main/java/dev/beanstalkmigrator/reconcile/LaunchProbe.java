package dev.beanstalkmigrator.reconcile;

/**
 * Called at the instants between the steps of a launch, where a crash is most dangerous. Production uses
 * {@link #NONE}; tests throw from it to stop the operator exactly there and prove that a restart adopts the
 * migration instead of launching it twice.
 */
@FunctionalInterface
public interface LaunchProbe {

    enum Point {
        /** The Launching record (intent) is in the ledger; RunTask not called yet. */
        INTENT_RECORDED,
        /** RunTask answered with a task ARN; the ARN is not in the ledger yet. */
        TASK_STARTED,
        /** The ARN is in the ledger. */
        ARN_RECORDED,
        /** A migration's outcome (Succeeded, Failed, TimedOut) is in the ledger. */
        OUTCOME_RECORDED
    }

    LaunchProbe NONE = (point, environment) -> { };

    void reached(Point point, String environment);
}
