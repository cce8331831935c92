package dev.beanstalkmigrator.model;

/**
 * A transition a notification channel can subscribe to. Each is made once, by the leader's pass that makes the
 * transition, and recorded in the ledger's outbox in the same write (see {@link Notification}).
 */
public enum NotificationEvent {
    /** A migration's record became Succeeded. */
    Succeeded,
    /** A migration's record became Failed (a non-zero exit code, or no exit code), except a lost launch. */
    Failed,
    /** A migration's record became TimedOut: past its timeout, stopped, and reported STOPPED by ECS. */
    TimedOut,
    /** A migration's record became Failed with reason LaunchLost: its task can no longer be found. */
    LaunchLost,
    /** An environment's Stalled condition turned True: a human must act. */
    Stalled,
    /** A new plan revision was refused; the last valid plan stays in force. */
    PlanRefused,
    /**
     * An environment's promotion was blocked (its Ready condition turned False, reason PromotionBlocked): an
     * environment it comes after failed or timed out with the version.
     */
    PromotionBlocked,
    /**
     * A preview needs approval (an environment's Ready condition turned False, reason ApprovalPending): the event
     * carries the preview's output, its digest and the line to commit.
     */
    ApprovalRequested;

    /** The events a channel gets when it names none: everything but success. */
    public static final java.util.List<NotificationEvent> DEFAULTS =
            java.util.List.of(Failed, TimedOut, LaunchLost, Stalled, PlanRefused, PromotionBlocked, ApprovalRequested);
}
