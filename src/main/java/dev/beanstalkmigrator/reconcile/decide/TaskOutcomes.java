package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.ContainerService;
import java.time.Duration;
import java.time.Instant;

/** Judges a running migration from what ECS reports. Pure. */
public final class TaskOutcomes {

    /**
     * How long after a task started an ECS answer that does not know it (DescribeTasks' MISSING) is taken for
     * ECS's eventual consistency rather than a lost task: AWS advises retrying DescribeTasks with backoff "up to
     * five minutes". Past it, the task is LaunchLost.
     */
    public static final Duration MISSING_GRACE = Duration.ofMinutes(5);

    private TaskOutcomes() {}

    /** What became of a task. */
    public sealed interface Outcome {
        record StillRunning() implements Outcome {}

        /**
         * Past its timeout and not stopped: StopTask (again, if ECS still reports it running {@link #STOP_REPEAT}
         * after the last request); TimedOut follows once ECS reports it STOPPED.
         */
        record PastTimeout(Duration timeout) implements Outcome {}

        record Finished(Phase phase, Integer exitCode, String reason, Instant finishedAt) implements Outcome {}
    }

    /**
     * How long a task may go on being reported running after StopTask before StopTask is asked again: more than
     * Fargate's longest stop timeout (120 s) and the agent's usual slack. A second StopTask is harmless.
     */
    public static final Duration STOP_REPEAT = Duration.ofMinutes(5);

    public static Outcome judge(MigrationRecord record, ContainerService.TaskState task, Instant now,
                                Duration timeout) {
        if ((task == null || task.missing()) && justStarted(record, now)) {
            // Just started: ECS may not know it everywhere yet. Look again; never lose it, or take it for
            // stopped, for that.
            return new Outcome.StillRunning();
        }
        if (record.stopRequestedAt() != null) {
            return judgeStopping(record, task, now, timeout);
        }
        if (task == null || task.missing()) {
            return new Outcome.Finished(Phase.Failed, null, Reasons.LAUNCH_LOST, now);
        }
        if (task.stopped()) {
            ContainerService.ContainerState container = task.container(record.container());
            Integer exitCode = container == null ? null : container.exitCode();
            Instant finishedAt = task.stoppedAt() == null ? now : task.stoppedAt();
            if (exitCode != null && exitCode == 0) {
                return new Outcome.Finished(Phase.Succeeded, 0, null, finishedAt);
            }
            String reason = task.stoppedReason();
            if (container != null && container.reason() != null && !container.reason().isBlank()) {
                reason = reason == null ? container.reason() : reason + ": " + container.reason();
            }
            if (exitCode == null && reason == null) {
                reason = "the container never exited (stop code " + task.stopCode() + ")";
            }
            return new Outcome.Finished(Phase.Failed, exitCode, reason, finishedAt);
        }
        Instant started = record.startedAt() != null ? record.startedAt() : record.createdAt();
        if (started != null && now.isAfter(started.plus(timeout))) {
            return new Outcome.PastTimeout(timeout);
        }
        return new Outcome.StillRunning();
    }

    /** Started less than {@link #MISSING_GRACE} ago, when ECS may still answer MISSING for it. */
    private static boolean justStarted(MigrationRecord record, Instant now) {
        Instant started = record.startedAt() != null ? record.startedAt() : record.createdAt();
        return started != null && now.isBefore(started.plus(MISSING_GRACE));
    }

    /**
     * A migration past its timeout that StopTask was asked to stop: TimedOut once ECS reports the task STOPPED
     * (with ECS's reason and the container's exit code, whatever it is: a container may exit 0 on SIGTERM, so an
     * exit code says nothing about whether the migration completed); still running until then, and StopTask
     * again if ECS still reports it running {@link #STOP_REPEAT} after the request. A task ECS no longer knows
     * (MISSING) is TimedOut too, its stop unconfirmed: nothing more can be learnt of it.
     */
    private static Outcome judgeStopping(MigrationRecord record, ContainerService.TaskState task, Instant now,
                                         Duration timeout) {
        String past = "timed out after " + timeout + "; stop requested at " + record.stopRequestedAt();
        if (task == null || task.missing()) {
            return new Outcome.Finished(Phase.TimedOut, null, past + ", but ECS no longer knows the task (MISSING):"
                    + " its stop was not confirmed", now);
        }
        if (task.stopped()) {
            ContainerService.ContainerState container = task.container(record.container());
            Integer exitCode = container == null ? null : container.exitCode();
            StringBuilder reason = new StringBuilder(past).append("; ECS stopped the task");
            if (task.stoppedReason() != null && !task.stoppedReason().isBlank()) {
                reason.append(": ").append(task.stoppedReason());
            }
            if (exitCode != null) {
                reason.append(" (exit code ").append(exitCode).append(exitCode == 137 ? ": SIGKILL" : "").append(')');
            }
            return new Outcome.Finished(Phase.TimedOut, exitCode, reason.toString(),
                    task.stoppedAt() == null ? now : task.stoppedAt());
        }
        if (now.isAfter(record.stopRequestedAt().plus(STOP_REPEAT))) {
            return new Outcome.PastTimeout(timeout);
        }
        return new Outcome.StillRunning();
    }
}
