package dev.beanstalkmigrator.reconcile;

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
    static final Duration MISSING_GRACE = Duration.ofMinutes(5);

    private TaskOutcomes() {}

    /** What became of a task. */
    public sealed interface Outcome {
        record StillRunning() implements Outcome {}

        /** Past its timeout and not stopped: stop it, then record TimedOut. */
        record PastTimeout(Duration timeout) implements Outcome {}

        record Finished(Phase phase, Integer exitCode, String reason, Instant finishedAt) implements Outcome {}
    }

    public static Outcome judge(MigrationRecord record, ContainerService.TaskState task, Instant now,
                                Duration timeout) {
        if (task == null || task.missing()) {
            Instant started = record.startedAt() != null ? record.startedAt() : record.createdAt();
            if (started != null && now.isBefore(started.plus(MISSING_GRACE))) {
                // Just started: ECS may not know it everywhere yet. Look again; never lose it for that.
                return new Outcome.StillRunning();
            }
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
}
