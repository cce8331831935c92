package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationKey;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Derives an environment's conditions from its state. A condition's {@code lastTransitionTime} moves only
 * when its status changes.
 */
public final class Conditions {

    private Conditions() {}

    public static List<Condition> derive(List<Condition> previous, EnvironmentSpec spec, String resolvedVersion,
                                         List<MigrationRecord> history, List<MigrationKey> archived, Hold hold,
                                         String planError, String warning, Instant now) {
        List<Condition> next = new ArrayList<>();
        MigrationKey old = spec == null || resolvedVersion == null ? null : archived.stream()
                .filter(k -> k.matches(resolvedVersion, spec.rerun())).findFirst().orElse(null);
        boolean inHistory = spec != null && resolvedVersion != null
                && history.stream().anyMatch(r -> r.matches(resolvedVersion, spec.rerun()));
        next.add(old != null && !inHistory
                ? condition(Condition.READY, old.phase() == Phase.Succeeded,
                        old.phase() == Phase.Succeeded ? Reasons.MIGRATION_SUCCEEDED
                                : old.phase() == Phase.TimedOut ? Reasons.MIGRATION_TIMED_OUT
                                : old.phase() == Phase.Pending ? Reasons.MIGRATION_PENDING : Reasons.MIGRATION_FAILED,
                        resolvedVersion + " " + old.phase().name().toLowerCase()
                                + " (its record has left the history; only its key is kept)")
                : ready(spec, resolvedVersion, history, hold, warning));
        MigrationRecord inFlight = history.stream().filter(r -> r.phase().inFlight()).findFirst().orElse(null);
        next.add(inFlight == null
                ? condition(Condition.MIGRATING, false, Reasons.IDLE, "no migration in flight")
                : condition(Condition.MIGRATING, true, inFlight.phase() == Phase.Launching ? Reasons.LAUNCHING
                        : inFlight.stopRequestedAt() != null ? Reasons.STOPPING : Reasons.RUNNING, describe(inFlight)));
        next.add(hold != null && hold.kind() == Hold.Kind.STALLED
                ? condition(Condition.STALLED, true, hold.reason(), hold.message())
                : condition(Condition.STALLED, false, Reasons.PROGRESSING, "nothing needs a human"));
        next.add(planError != null
                ? condition(Condition.SPEC_INVALID, true, Reasons.INVALID_PLAN,
                        "the newest plan was refused and the last valid one stays in force: " + planError)
                : condition(Condition.SPEC_INVALID, false, Reasons.VALID, "the plan in force is the newest"));
        next.add(spec != null && spec.suspend()
                ? condition(Condition.SUSPENDED, true, Reasons.SUSPENDED_BY_PLAN, "suspend: true; nothing new is launched")
                : condition(Condition.SUSPENDED, false, Reasons.ACTIVE, "launches allowed"));
        return next.stream().map(c -> keepTransitionTime(c, previous, now)).toList();
    }

    private static Condition ready(EnvironmentSpec spec, String resolvedVersion, List<MigrationRecord> history,
                                   Hold hold, String warning) {
        if (spec == null) {
            return condition(Condition.READY, false, Reasons.NOT_IN_PLAN, "this environment is no longer in the plan");
        }
        if (resolvedVersion == null) {
            return condition(Condition.READY, false, hold == null ? Reasons.UNRESOLVED : hold.reason(),
                    hold == null ? "version '" + spec.version() + "' not resolved yet" : hold.message());
        }
        MigrationRecord record = history.stream().filter(r -> r.matches(resolvedVersion, spec.rerun()))
                .findFirst().orElse(null);
        if (record != null && record.phase() == Phase.Succeeded) {
            String message = resolvedVersion + " migrated";
            if (ImageResolver.FROM_BASE.equals(record.imageSource())) {
                message += "; warning: the image was not pinned to the version (base task definition's image)";
            }
            return condition(Condition.READY, true, Reasons.MIGRATION_SUCCEEDED, message);
        }
        if (record != null && record.phase().terminal()) {
            String reason = record.phase() == Phase.TimedOut ? Reasons.MIGRATION_TIMED_OUT
                    : Reasons.LAUNCH_LOST.equals(record.reason()) ? Reasons.LAUNCH_LOST : Reasons.MIGRATION_FAILED;
            return condition(Condition.READY, false, reason, describe(record)
                    + "; change rerun (or version) in the plan to try again");
        }
        if (hold != null) {
            return condition(Condition.READY, false, hold.reason(), hold.message());
        }
        if (record != null && record.phase().inFlight()) {
            return condition(Condition.READY, false, Reasons.MIGRATING, describe(record)
                    + (warning == null ? "" : "; warning: " + warning));
        }
        return condition(Condition.READY, false, Reasons.MIGRATION_PENDING, resolvedVersion + " not migrated yet");
    }

    static String describe(MigrationRecord record) {
        StringBuilder text = new StringBuilder(record.version());
        if (!record.rerun().isEmpty()) {
            text.append(" (rerun ").append(record.rerun()).append(')');
        }
        text.append(' ').append(record.phase().name().toLowerCase());
        if (record.taskArn() != null) {
            text.append(", task ").append(record.taskArn());
        }
        if (record.exitCode() != null) {
            text.append(", exit code ").append(record.exitCode());
        }
        if (record.reason() != null) {
            text.append(": ").append(record.reason());
        }
        if (record.phase().inFlight() && record.stopRequestedAt() != null) {
            text.append("; past its timeout, ").append(stopping(record));
        }
        return text.toString();
    }

    /** What a migration whose task was asked to stop waits for. */
    static String stopping(MigrationRecord record) {
        return "stopping: waiting for ECS to stop task " + record.taskArn() + " (stop requested at "
                + record.stopRequestedAt() + ")";
    }

    private static Condition condition(String type, boolean status, String reason, String message) {
        return new Condition(type, status ? "True" : "False", reason, message, null);
    }

    private static Condition keepTransitionTime(Condition next, List<Condition> previous, Instant now) {
        Condition before = previous == null ? null
                : previous.stream().filter(c -> c.type().equals(next.type())).findFirst().orElse(null);
        Instant at = before != null && before.status().equals(next.status()) && before.lastTransitionTime() != null
                ? before.lastTransitionTime() : now;
        return new Condition(next.type(), next.status(), next.reason(), next.message(), at);
    }
}
