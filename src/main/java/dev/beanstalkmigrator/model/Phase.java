package dev.beanstalkmigrator.model;

/** Where one migration stands. */
public enum Phase {
    /** Planned, not launched (dry-run, or waiting for its turn). */
    Pending,
    /** Intent recorded; RunTask called or about to be. No task ARN known yet. */
    Launching,
    /** The task ARN is known; the task has not stopped. */
    Running,
    Succeeded,
    Failed,
    TimedOut;

    public boolean inFlight() {
        return this == Launching || this == Running;
    }

    public boolean terminal() {
        return this == Succeeded || this == Failed || this == TimedOut;
    }
}
