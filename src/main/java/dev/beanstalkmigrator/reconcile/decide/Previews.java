package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import java.util.List;
import java.util.Locale;

/**
 * The preview before a migration ({@code preview} in the plan): run once per (environment, version, rerun token) as
 * its own ECS task, before the migration and whatever else holds it (promotion, the database), so that a person can
 * review and approve it while those wait. Its record is kept in the environment's {@code previews}, apart from the
 * migrations. Pure, from the plan and the ledger.
 *
 * <p>The migration goes on once the preview Succeeded and its output, read once ECS reported the task STOPPED, needs
 * no approval, or its digest is in the plan's {@code approved}. Level-based: the approval is looked at in every pass
 * until the migration is launched, so an approval taken back before then holds it again. A preview that failed, timed
 * out or was lost is a failure of the version, recorded as the migration's. A version whose database another
 * environment migrated to it already (with this rerun token) needs no approval here: it is not run again.
 */
public final class Previews {

    /** Lines of a preview's output kept (the last ones, as CloudWatch Logs gives them), each cut at {@link #LINE}. */
    public static final int LINES = 500;
    /** Characters of one output line kept. */
    public static final int LINE = 1000;
    /**
     * How the first line of an output that did not fit ({@link #LINES}, {@link #LINE}) begins: what was cut may be
     * what {@code matches} looks for, so such an output always needs approval.
     */
    public static final String CUT = "[cut]";

    private Previews() {}

    /**
     * What the preview asks of a pass: an action (run it, read its output), a record (the version failed with it), a
     * hold; all null when the migration may go on.
     */
    record Step(Action action, MigrationRecord record, Hold hold) {}

    /**
     * The step of {@code spec}'s preview of {@code version}, or null when the migration may go on (no preview asked
     * for, or its output passed).
     *
     * @param existing the migration's Pending record, or null
     * @param environmentId the environment's id as read in this cycle
     */
    static Step step(EnvironmentSpec spec, String version, EnvironmentStatus status, MigrationRecord existing,
                     String environmentId, Planner.Inputs in) {
        if (spec.preview() == null) {
            return null;
        }
        MigrationRecord preview = status == null ? null : status.preview(version, spec.rerun());
        if (preview == null) {
            return new Step(new Action.Prepare(spec.previewing(), version, in.launchIds().get(), environmentId, true),
                    null, Hold.waiting(Reasons.PREVIEWING, "previewing " + version + " before migrating it"));
        }
        if (preview.phase() == Phase.Pending) {
            // RunTask placed no task, or was refused: the same request again (or prepared again under the same
            // launch id when the plan changed what it is made of).
            EnvironmentSpec previewing = spec.previewing();
            Action again = Launches.sendsAgain(preview, previewing)
                    ? new Action.Launch(previewing, preview.relaunching(), Launches.taskLaunch(spec.name(), previewing,
                    preview.relaunching(), null), Launches.variablesInOverrides(preview) ? spec.application() : null)
                    : new Action.Prepare(previewing, version, preview.launchId(), environmentId, true);
            return new Step(again, null, Hold.waiting(Reasons.PREVIEWING, "previewing " + version
                    + " before migrating it"));
        }
        if (preview.phase().inFlight()) {
            return new Step(null, null, Hold.waiting(Reasons.PREVIEWING, "previewing " + version + " (task "
                    + preview.taskArn() + ") before migrating it"));
        }
        if (preview.phase() != Phase.Succeeded) {
            return new Step(null, failed(spec, preview, existing, in), null);
        }
        if (preview.digest() == null) {
            if (preview.logTail() == null) {
                return new Step(read(spec, preview), null, Hold.waiting(Reasons.PREVIEWING, "reading the output of"
                        + " the preview of " + version + " (task " + preview.taskArn() + ")"));
            }
            if (spec.preview().approval() == dev.beanstalkmigrator.model.PreviewSpec.Approval.NEVER) {
                return null;
            }
            return new Step(null, null, Hold.stalled(Reasons.APPROVAL_PENDING, "the output of the preview of "
                    + version + " (task " + preview.taskArn() + ") cannot be read, so it cannot be approved: "
                    + String.join(" ", preview.logTail()) + "; send the container's logs to CloudWatch Logs"
                    + " (awslogs) and change rerun, or set preview.approval: never"));
        }
        if (!spec.preview().needsApproval(output(preview)) || spec.approved().contains(preview.digest())
                || ranElsewhere(spec, version, preview, in)) {
            return null;
        }
        return new Step(null, null, Hold.waiting(Reasons.APPROVAL_PENDING, "the preview of " + version + " (task "
                + preview.taskArn() + ") needs approval (" + why(spec) + "); review its output, then commit "
                + approvalLine(preview.digest()) + " to " + spec.name() + " or spec.defaults"));
    }

    /**
     * The preview an environment waits to have approved: its Ready condition False with reason ApprovalPending,
     * naming that preview's digest; the one of {@code version} and {@code rerun}, or, when {@code version} is null,
     * the newest. Null when it waits for none. What the page, {@code status} and {@code wait} show.
     */
    public static MigrationRecord awaitingApproval(EnvironmentStatus status, String version, String rerun) {
        if (status == null || status.previews().isEmpty()) {
            return null;
        }
        MigrationRecord preview = version == null ? status.previews().get(0) : status.preview(version, rerun);
        dev.beanstalkmigrator.model.Condition ready = status.condition(dev.beanstalkmigrator.model.Condition.READY);
        return preview != null && preview.digest() != null && ready != null && !ready.holds()
                && Reasons.APPROVAL_PENDING.equals(ready.reason()) && ready.message() != null
                && ready.message().contains(preview.digest()) ? preview : null;
    }

    /** The line a person commits to approve a preview whose digest is {@code digest}. */
    public static String approvalLine(String digest) {
        return "approved: [" + digest + "]";
    }

    private static String why(EnvironmentSpec spec) {
        return switch (spec.preview().approval()) {
            case ALWAYS -> "approval: always";
            case WHEN_MATCHES -> "its output matches " + spec.preview().matches();
            case NEVER -> "approval: never";
        };
    }

    /**
     * A preview's output as the approval rule reads it: null when it cannot be judged whole, because it was withheld
     * (the task had secrets) or cut (it did not fit).
     */
    static List<String> output(MigrationRecord preview) {
        if (preview.secrets() != null) {
            return null;
        }
        List<String> lines = preview.logTail() == null ? List.of() : preview.logTail();
        return !lines.isEmpty() && lines.get(0).startsWith(CUT) ? null : lines;
    }

    /**
     * The output kept of what a preview printed (oldest first, as read: at most one line more than {@link #LINES}):
     * the last {@link #LINES} lines, each cut at {@link #LINE} characters, after a {@link #CUT} line saying where all
     * of it is when anything was cut.
     */
    public static List<String> kept(List<String> printed, String group, String stream) {
        boolean cut = printed.size() > LINES || printed.stream().anyMatch(line -> line.length() > LINE);
        List<String> kept = new java.util.ArrayList<>();
        if (cut) {
            kept.add(CUT + " the output is longer than " + LINES + " lines, or has a line over " + LINE
                    + " characters: all of it is in CloudWatch Logs group " + group + ", stream " + stream
                    + "; it needs approval whatever it matches");
        }
        printed.subList(Math.max(0, printed.size() - LINES), printed.size())
                .forEach(line -> kept.add(line.length() > LINE ? line.substring(0, LINE) : line));
        return kept;
    }

    /** Reads a finished preview's output. */
    static Action.TailLog read(EnvironmentSpec spec, MigrationRecord preview) {
        return new Action.TailLog(spec.name(), spec.application(), preview, null);
    }

    /** Whether another environment migrated the preview's database to this version already: it is not run here. */
    private static boolean ranElsewhere(EnvironmentSpec spec, String version, MigrationRecord preview,
                                        Planner.Inputs in) {
        return preview.database() != null && Databases.ranThrough(preview.database(), version, spec.rerun(),
                spec.name(), in.ledger().environments()) != null;
    }

    /** The migration's record when its preview did not succeed: Failed (TimedOut with it), without a task. */
    private static MigrationRecord failed(EnvironmentSpec spec, MigrationRecord preview, MigrationRecord existing,
                                          Planner.Inputs in) {
        String launchId = existing != null ? existing.launchId() : in.launchIds().get();
        String reason = "the preview " + preview.phase().name().toLowerCase(Locale.ROOT)
                + (preview.taskArn() == null ? "" : " (task " + preview.taskArn() + ")")
                + (preview.exitCode() == null ? "" : " with exit code " + preview.exitCode())
                + (preview.reason() == null ? "" : ": " + preview.reason())
                + "; not migrated; change rerun to preview and migrate it again";
        Phase phase = preview.phase() == Phase.TimedOut ? Phase.TimedOut : Phase.Failed;
        return Launches.record(spec, preview.version(), launchId, phase, null, null, null, in.now())
                .withDatabase(preview.database())
                .finished(phase, in.now(), preview.exitCode(), reason, null);
    }

    /** The digest a person approves: SHA-256 of the lines, each ended by a newline, as UTF-8. */
    public static String digest(List<String> lines) {
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append('\n'));
        return "sha256:" + dev.beanstalkmigrator.model.Digests.sha256(text.toString());
    }
}
