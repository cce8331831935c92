package dev.beanstalkmigrator.model;

/** Where one migration stands. */
public enum Phase {
    /** Planned, not launched (dry-run, or waiting for its turn). */
    Pending,
    /** Intent recorded; RunTask called or about to be. No task ARN known yet. */
    Launching,
    /** The task ARN is known; ECS has not reported it STOPPED (a task asked to stop stays Running until then). */
    Running,
    Succeeded,
    Failed,
    /** Past its timeout, asked to stop, and reported STOPPED by ECS (or lost by ECS after the request). */
    TimedOut;

    public boolean inFlight() {
        return this == Launching || this == Running;
    }

    public boolean terminal() {
        return this == Succeeded || this == Failed || this == TimedOut;
    }
}
