package dev.beanstalkmigrator.cli;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationKey;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.model.VersionRef;
import dev.beanstalkmigrator.plan.Durations;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanError;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.reconcile.decide.Previews;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code wait}: follows the ledger until the migration of one (environment, version, rerun token) ends, printing a
 * line whenever what it sees changes, and answers the exit code of its outcome.
 *
 * <p>The key it waits for comes from the plan object as uploaded (the environment's rerun token, and its version
 * unless {@code --version} names one), so an older record of the environment never ends the wait: only a record of
 * that key in a terminal phase does. A plan whose version is {@code deployed} or {@code latest} names no label:
 * without {@code --version} the wait follows the version the ledger says it resolved to. The plan is looked at
 * again at every poll (a conditional GET, 304 while unchanged) and the wait follows a newer upload, as the
 * operator does: a plan that is invalid ends it (exit 6) with its errors, since the operator refuses it with the
 * same parser. Stalled and Suspended conditions are shown as they change; neither ends the wait, because both end
 * when a person acts (a grant, a new plan), which is what a CI job waiting for them may be waiting for.
 */
final class WaitCommand {

    /**
     * What to wait for.
     *
     * @param version the version to wait for; null: the plan's, or the ledger's resolved version for
     *     {@code deployed} and {@code latest}
     * @param approvalExits end with {@link Commands#AWAITING_APPROVAL} once the migration waits for a person to approve
     *     its preview (the preview and the line to commit are printed either way)
     */
    record Settings(String environment, String version, Duration timeout, Duration pollInterval,
                    boolean githubAnnotations, boolean approvalExits) {

        Settings(String environment, String version, Duration timeout, Duration pollInterval,
                 boolean githubAnnotations) {
            this(environment, version, timeout, pollInterval, githubAnnotations, false);
        }
    }

    private final PlanObjects objects;
    private final Clock clock;
    private final Commands.Pause pause;
    private final PrintStream out;

    WaitCommand(PlanObjects objects, Clock clock, Commands.Pause pause, PrintStream out) {
        this.objects = objects;
        this.clock = clock;
        this.pause = pause;
        this.out = out;
    }

    int run(Settings settings) throws InterruptedException {
        Instant start = clock.instant();
        Instant deadline = start.plus(settings.timeout());
        Progress progress = new Progress(start);
        Target target = null;
        String etag = null;
        MigrationStatus ledger = null;
        try {
            while (true) {
                try {
                    PlanObjects.Plan plan = objects.readPlan(target == null ? null : target.planEtag());
                    if (plan != null) {
                        Target next = target(plan, settings);
                        if (target == null) {
                            out.println("waiting up to " + Durations.format(settings.timeout()) + " for "
                                    + next.describe() + " (plan " + objects.plan() + " revision " + plan.etag()
                                    + ", ledger " + objects.ledger() + ")");
                        } else {
                            progress.show("plan", "plan revision " + plan.etag() + " uploaded; now waiting for "
                                    + next.describe());
                        }
                        if (next.suspended()) {
                            progress.show("note", "the plan suspends " + next.environment()
                                    + " (suspend: true): nothing new is launched there until it is false");
                        } else {
                            progress.showIfShown("note", "the plan no longer suspends " + next.environment());
                        }
                        target = next;
                    }
                    PlanObjects.Ledger read = objects.readLedger(etag);
                    if (read instanceof PlanObjects.Ledger.Found found) {
                        etag = found.etag();
                        ledger = found.status();
                        progress.clear("read");
                    } else if (read instanceof PlanObjects.Ledger.Missing missing) {
                        etag = null;
                        ledger = null;
                        progress.show("read", "no ledger at " + objects.ledger() + " yet (" + missing.reason()
                                + "): is the operator running with migrator.desired-state.uri=" + objects.plan()
                                + "?");
                    }
                } catch (CloudError e) {
                    if (target == null) {
                        throw new Stop(Commands.INVALID, "wait: cannot read the plan " + objects.plan() + ": "
                                + e.getMessage());
                    }
                    progress.show("read", "cannot read from S3 now (" + e.getMessage() + "); trying again");
                }
                if (ledger != null) {
                    Verdict verdict = look(target, ledger, progress);
                    if (verdict != null) {
                        return verdict.report(out, settings.githubAnnotations());
                    }
                    MigrationRecord preview = settings.approvalExits() ? awaitingApproval(target, ledger) : null;
                    if (preview != null) {
                        out.println("wait: " + target.describe() + " waits for approval of its preview (digest "
                                + preview.digest() + "); ending as --approval exit asks");
                        if (settings.githubAnnotations()) {
                            out.println("::warning title=Approval needed::" + Commands.data(target.environment()
                                    + ": commit " + Previews.approvalLine(preview.digest()) + " to approve the preview"
                                    + " of " + preview.version()));
                        }
                        return Commands.AWAITING_APPROVAL;
                    }
                }
                Instant now = clock.instant();
                if (!now.isBefore(deadline)) {
                    String last = progress.last();
                    out.println("wait: gave up after " + Durations.format(settings.timeout()) + ": "
                            + target.describe() + " has not finished" + (last == null ? "" : "; last seen: " + last));
                    if (settings.githubAnnotations()) {
                        out.println("::error title=Migration not finished::" + Commands.data(target.describe()
                                + " has not finished within " + Durations.format(settings.timeout())));
                    }
                    return Commands.WAIT_TIMED_OUT;
                }
                Duration left = Duration.between(now, deadline);
                pause.sleep(left.compareTo(settings.pollInterval()) < 0 ? left : settings.pollInterval());
            }
        } catch (PlanObjects.Unreadable e) {
            out.println("wait: " + e.getMessage());
            return Commands.INVALID;
        } catch (Stop stop) {
            if (stop.getMessage() != null) {
                out.println(stop.getMessage());
            }
            return stop.exit;
        }
    }

    /**
     * What to wait for under {@code plan}: the environment's rerun token, and the version {@code --version} names,
     * else the plan's label (else, for deployed and latest, whatever the ledger resolves).
     *
     * @throws Stop when the plan is refused, or names no such environment, or another version
     */
    private Target target(PlanObjects.Plan plan, Settings settings) {
        if (plan.outcome() instanceof ParseOutcome.Invalid invalid) {
            throw new Stop(refused(invalid.errors(), settings.githubAnnotations()), null);
        }
        MigrationPlan valid = ((ParseOutcome.Valid) plan.outcome()).plan();
        EnvironmentSpec spec = valid.environments().stream()
                .filter(e -> e.name().equals(settings.environment())).findFirst().orElse(null);
        if (spec == null) {
            throw new Stop(Commands.INVALID, "wait: environment " + settings.environment() + " is not in the plan "
                    + objects.plan() + " (it names " + (valid.environments().isEmpty() ? "none"
                    : String.join(", ", valid.environments().stream().map(EnvironmentSpec::name).toList()))
                    + "); add it to the plan and upload it, or name one of those with --environment");
        }
        String version = settings.version();
        if (spec.version().mode() == VersionRef.Mode.LABEL) {
            if (version != null && !version.equals(spec.version().label())) {
                throw new Stop(Commands.INVALID, "wait: the plan " + objects.plan() + " names version "
                        + spec.version().label() + " for " + spec.name() + ", so " + version + " would never be"
                        + " migrated; upload a plan that names " + version + ", or leave out --version");
            }
            version = spec.version().label();
        }
        return new Target(spec.name(), version, spec.version().toString(), spec.rerun(), plan.etag(),
                spec.suspend());
    }

    /** Ends the wait with an exit code, and {@code message} to print if there is one. */
    private static final class Stop extends RuntimeException {
        final int exit;

        Stop(int exit, String message) {
            super(message, null, false, false);
            this.exit = exit;
        }
    }

    /** The migration waited for: (environment, version, rerun) once the version is known. */
    record Target(String environment, String version, String planVersion, String rerun, String planEtag,
                  boolean suspended) {
        String describe() {
            return environment + " to migrate " + (version != null ? version : "its " + planVersion + " version")
                    + (rerun.isEmpty() ? "" : " (rerun \"" + rerun + "\")");
        }
    }

    /**
     * Shows what the ledger says about the target, and returns the verdict once its migration ended.
     */
    static Verdict look(Target target, MigrationStatus ledger, Progress progress) {
        if (!target.planEtag().equals(ledger.observedPlanRevision())) {
            progress.show("plan", ledger.planError() != null
                    ? "the ledger shows a refused plan (an earlier upload, or a plan over the operator's "
                            + "migrator.desired-state.max-bytes): " + firstLine(ledger.planError())
                    : "the operator has not taken plan revision " + target.planEtag() + " yet ("
                            + (ledger.observedPlanRevision() == null ? "it has no plan in force"
                            : "it runs revision " + ledger.observedPlanRevision()) + ")");
        } else {
            progress.showIfShown("plan", "the operator took plan revision " + target.planEtag());
        }
        EnvironmentStatus environment = ledger.environment(target.environment());
        if (environment == null) {
            progress.show("migration", target.environment() + ": not in the ledger yet");
            return null;
        }
        showCondition(progress, environment, Condition.STALLED, "stalled");
        showCondition(progress, environment, Condition.SUSPENDED, "suspended");
        MigrationRecord preview = awaitingApproval(target, ledger);
        if (preview != null) {
            progress.show("approval", approvalRequest(environment.name(), preview));
        } else {
            progress.showIfShown("approval", environment.name() + ": no longer waiting for approval");
        }
        String version = target.version() != null ? target.version() : environment.resolvedVersion();
        if (version == null) {
            progress.show("migration", environment.name() + ": the operator has not resolved "
                    + target.planVersion() + " to a version yet" + ready(environment));
            return null;
        }
        MigrationRecord record = environment.find(version, target.rerun());
        if (record == null) {
            MigrationKey archived = environment.archivedKey(version, target.rerun());
            if (archived != null && archived.phase().terminal()) {
                return new Verdict(environment.name(), version, null, archived.phase());
            }
            progress.show("migration", environment.name() + ": no migration of " + version
                    + (target.rerun().isEmpty() ? "" : " (rerun \"" + target.rerun() + "\")") + " yet"
                    + ready(environment));
            return null;
        }
        if (record.phase().terminal()) {
            return new Verdict(environment.name(), version, record, record.phase());
        }
        progress.show("migration", environment.name() + ": " + version + " " + record.phase() + details(record));
        return null;
    }

    /**
     * The preview the target's migration waits to have approved (its Ready condition False, ApprovalPending, naming
     * the preview's digest), or null.
     */
    static MigrationRecord awaitingApproval(Target target, MigrationStatus ledger) {
        EnvironmentStatus environment = ledger.environment(target.environment());
        String version = target.version() != null ? target.version()
                : environment == null ? null : environment.resolvedVersion();
        return version == null ? null : Previews.awaitingApproval(environment, version, target.rerun());
    }

    /** The preview's output and the exact line to commit, as a person reads them in a CI log. */
    static String approvalRequest(String environment, MigrationRecord preview) {
        StringBuilder text = new StringBuilder(environment + ": the migration of " + preview.version()
                + " waits for approval of its preview (task " + preview.taskArn() + ", digest " + preview.digest()
                + "); it printed:");
        (preview.logTail() == null ? List.<String>of() : preview.logTail())
                .forEach(line -> text.append("\n    ").append(line));
        text.append("\n  to approve it, commit this line to ").append(environment)
                .append(" (or spec.defaults) in the plan and upload it:\n    ")
                .append(Previews.approvalLine(preview.digest()));
        return text.toString();
    }

    private static void showCondition(Progress progress, EnvironmentStatus environment, String type, String key) {
        Condition condition = environment.condition(type);
        if (condition != null && condition.holds()) {
            progress.show(key, environment.name() + ": " + type + " (" + condition.reason() + "): "
                    + condition.message());
        } else {
            progress.showIfShown(key, environment.name() + ": no longer " + type);
        }
    }

    private static String ready(EnvironmentStatus environment) {
        Condition ready = environment.condition(Condition.READY);
        return ready == null || ready.holds() ? ""
                : " (Ready False, " + ready.reason() + (ready.message() == null ? "" : ": " + ready.message()) + ")";
    }

    private static String details(MigrationRecord record) {
        List<String> parts = new ArrayList<>();
        if (record.phase() == Phase.Launching && record.launchId() != null) {
            parts.add("launch id " + record.launchId());
        }
        if (record.taskArn() != null) {
            parts.add("task " + record.taskArn());
        }
        if (record.stopRequestedAt() != null) {
            parts.add("past its timeout, stop requested at " + record.stopRequestedAt());
        }
        if (record.phase() == Phase.Pending && record.reason() != null) {
            parts.add(record.reason());
        }
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    private int refused(List<PlanError> errors, boolean githubAnnotations) {
        out.println("wait: the plan " + objects.plan() + " is invalid, so the operator refuses it and keeps the last"
                + " valid plan in force; fix these and upload it again:");
        for (PlanError error : errors) {
            out.println(error.describe());
            if (githubAnnotations) {
                out.println("::error title=Plan refused::" + Commands.data(objects.plan() + ": " + error.describe()));
            }
        }
        return Commands.PLAN_REFUSED;
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline) + " (and more)";
    }

    /** How the migration ended, and what to print about it. */
    record Verdict(String environment, String version, MigrationRecord record, Phase phase) {

        int exitCode() {
            return switch (phase) {
                case Succeeded -> Commands.OK;
                case TimedOut -> Commands.MIGRATION_TIMED_OUT;
                default -> record != null && Reasons.LAUNCH_LOST.equals(record.reason())
                        ? Commands.LAUNCH_LOST : Commands.MIGRATION_FAILED;
            };
        }

        int report(PrintStream out, boolean githubAnnotations) {
            String head = environment + ": " + version + " " + phase;
            if (record == null) {
                out.println(head + " (its record has left the ledger's history; only its outcome is kept)");
            } else if (phase == Phase.Succeeded) {
                out.println(head + (record.finishedAt() == null ? "" : " at " + record.finishedAt())
                        + (record.taskArn() == null ? "" : " (task " + record.taskArn() + ")")
                        + (record.deployedAt() == null ? "" : "; deploy asked at " + record.deployedAt()));
            } else {
                out.println(head + (record.finishedAt() == null ? "" : " at " + record.finishedAt()) + ": exit code "
                        + (record.exitCode() == null ? "none" : record.exitCode()));
                out.println("  reason: " + (record.reason() == null ? "none recorded" : record.reason()));
                if (record.taskArn() != null) {
                    out.println("  task: " + record.taskArn());
                }
                if (record.logTail() != null && !record.logTail().isEmpty()) {
                    out.println("  log tail:");
                    record.logTail().forEach(line -> out.println("    " + line));
                }
                if (Reasons.LAUNCH_LOST.equals(record.reason())) {
                    out.println("  ECS no longer knows the task, so whether the migration ran is unknown; check the"
                            + " database, then change rerun for " + environment + " in the plan to run it again");
                } else {
                    out.println("  to run it again, change rerun for " + environment + " in the plan and upload it");
                }
            }
            if (phase != Phase.Succeeded && githubAnnotations) {
                out.println("::error title=Migration " + phase + "::" + Commands.data(head
                        + (record == null ? "" : ": exit code " + (record.exitCode() == null ? "none"
                        : record.exitCode()) + ", " + (record.reason() == null ? "no reason recorded"
                        : record.reason()))));
            }
            return exitCode();
        }
    }

    /**
     * What has been shown, by kind ({@code plan}, {@code migration}, {@code stalled}, ...): a line is printed only
     * when what it says about its kind changes, so a long wait prints a line per change, not per poll.
     */
    final class Progress {
        private final Instant start;
        private final Map<String, String> shown = new LinkedHashMap<>();
        private String last;

        Progress(Instant start) {
            this.start = start;
        }

        /** Prints {@code line} unless it is what was last shown for {@code kind}. */
        void show(String kind, String line) {
            if (!Objects.equals(shown.put(kind, line), line)) {
                long seconds = Math.max(0, Duration.between(start, clock.instant()).toSeconds());
                out.println("[" + Durations.format(Duration.ofSeconds(seconds)) + "] " + line);
                if (!"plan".equals(kind) && !"read".equals(kind)) {
                    last = line;
                }
            }
        }

        /** {@link #show}, but only once something was shown for {@code kind}: the news that a state ended. */
        void showIfShown(String kind, String line) {
            if (shown.containsKey(kind)) {
                show(kind, line);
            }
        }

        /** Forgets {@code kind}, silently. */
        void clear(String kind) {
            shown.remove(kind);
        }

        /** The last line about the migration, or null. */
        String last() {
            return last;
        }
    }
}
