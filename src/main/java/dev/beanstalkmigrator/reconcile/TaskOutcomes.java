package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.ContainerService;
import java.time.Duration;
import java.time.Instant;

/** Judges a running migration from what ECS reports. Pure. */
public final class TaskOutcomes {

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
