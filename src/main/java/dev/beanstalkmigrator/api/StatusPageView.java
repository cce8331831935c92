package dev.beanstalkmigrator.api;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.Lease;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.reconcile.LoopProblem;
import dev.beanstalkmigrator.reconcile.Snapshot;
import dev.beanstalkmigrator.reconcile.decide.Previews;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the status page shows, drawn from the published {@link Snapshot} alone (the same data as
 * {@code /api/v1/status}; the page never calls AWS): every value already formatted for a person, so that the
 * template only lays it out.
 *
 * @param plan the plan in force and the newest plan's errors
 * @param operator this replica, the leader and its lease, the last sync and what keeps the loop from working
 * @param environments in ledger order
 * @param renderedAt when the page was rendered (UTC)
 * @param refreshSeconds how often the page reloads itself
 */
public record StatusPageView(Plan plan, Operator operator, List<Environment> environments, String renderedAt,
                             int refreshSeconds) {

    /** The page reloads itself this often (a meta refresh: no JavaScript). */
    public static final int REFRESH_SECONDS = 5;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    /** {@code file:line:column: rest}, as {@code PlanError.describe()} writes an error. */
    private static final Pattern LOCATED = Pattern.compile("^(.+?):(\\d+):(\\d+): (.*)$", Pattern.DOTALL);
    private static final Set<String> FAILED_REASONS = Set.of(Reasons.MIGRATION_FAILED, Reasons.MIGRATION_TIMED_OUT,
            Reasons.LAUNCH_LOST);

    /**
     * @param name metadata.name of the plan in force, or null when none is
     * @param revision its ETag, or null
     * @param errors why the newest plan was refused (empty: it is in force)
     */
    public record Plan(String name, String revision, List<PlanErrorLine> errors) {
        public boolean loaded() {
            return name != null;
        }

        public boolean refused() {
            return !errors.isEmpty();
        }
    }

    /**
     * One error of a refused plan. {@code line} and {@code column} are empty for an error about no place in the
     * file (the plan is missing, say).
     */
    public record PlanErrorLine(String file, String line, String column, String message) {
        public boolean located() {
            return !line.isEmpty();
        }
    }

    /**
     * @param identity this replica's identity
     * @param role {@code leader} or {@code standby}
     * @param leader who wrote the ledger last, or "" when nobody has yet
     * @param lease the lease in the ledger, or null with leader election off
     * @param lastSync when AWS last answered a full cycle, with how long ago, or "never"
     * @param lastError the last cycle's error, or null
     * @param problem what keeps the loop from working, or null
     */
    public record Operator(String identity, String role, String leader, LeaseView lease, String lastSync,
                           String lastError, LoopProblem problem) {}

    /**
     * @param holder the leader holding it, or "" when released
     * @param renewed when it was last renewed
     * @param expires when it ends unless renewed (renewal time plus its duration: a standby judges by seeing
     *     the ledger unchanged that long, not by clocks)
     */
    public record LeaseView(String holder, String acquired, String renewed, String expires, long durationSeconds,
                            int transitions) {}

    /**
     * @param state Ready, Migrating, Failed, Stalled, Suspended or Pending (see {@link #state})
     * @param stateReason the reason of the condition that decided the state
     * @param stateMessage its message
     * @param desiredVersion the version as the plan in force writes it (a label, deployed or latest)
     */
    public record Environment(String name, String application, String where, String state, String stateReason,
                              String stateMessage, String desiredVersion, String resolvedVersion,
                              String deployedVersion, List<Condition> conditions, List<HistoryRow> history,
                              PreviewView preview) {

        /** The state in lower case, for the badge's CSS class. */
        public String stateClass() {
            return state.toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One migration. Empty strings stand for what is not known (yet); {@code logTail} is empty unless the
     * migration failed and its container logs to CloudWatch; {@code database} is host:port/name (or the plan's
     * name for it), never a user or a password.
     */
    public record HistoryRow(String version, String rerun, String phase, String exitCode, String startedAt,
                             String finishedAt, String reason, String logTail, String taskArn, String database) {

        public String phaseClass() {
            return phase.toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The newest preview: its output in full (as kept: masked, up to {@code Previews.LINES} lines), its digest, and,
     * while the environment waits for its approval, the exact line to commit. Empty strings for what is not known.
     */
    public record PreviewView(String version, String rerun, String phase, String taskArn, String output, String digest,
                              String approvalLine) {

        public String phaseClass() {
            return phase.toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The page for a snapshot, rendered at {@code now}. */
    public static StatusPageView of(Snapshot snapshot, Instant now) {
        MigrationStatus status = snapshot.status();
        DesiredState.View desired = snapshot.plan();
        Plan plan = new Plan(desired == null || !desired.loaded() ? null : desired.plan().name(),
                desired == null ? null : desired.revision(),
                desired == null ? List.of() : desired.errors().stream().map(StatusPageView::planError).toList());
        Lease lease = status.lease();
        LeaseView leaseView = lease == null ? null : new LeaseView(lease.released() ? "" : lease.holder(),
                time(lease.acquireTime()), time(lease.renewTime()),
                lease.renewTime() == null ? "" : time(lease.renewTime().plusSeconds(lease.leaseDurationSeconds())),
                lease.leaseDurationSeconds(), lease.leaderTransitions());
        Operator operator = new Operator(snapshot.identity(), snapshot.leader() ? "leader" : "standby",
                status.leader() == null ? "" : status.leader(), leaseView,
                snapshot.lastSync() == null ? "never" : time(snapshot.lastSync()) + " (" + ago(snapshot.lastSync(), now)
                        + ")", snapshot.lastError(), snapshot.problem());
        List<Environment> environments = status.environments().stream()
                .map(e -> environment(e, desired == null || !desired.loaded() ? null : spec(desired, e.name())))
                .toList();
        return new StatusPageView(plan, operator, environments, time(now), REFRESH_SECONDS);
    }

    /**
     * The one word a person reads first, from the conditions: Suspended, Stalled (a human must act) and
     * Migrating win over Ready; a Ready that is False because the migration failed, timed out or was lost is
     * Failed; any other not-Ready (waiting for its turn, a dry run, an environment not found yet) is Pending.
     */
    static Condition state(EnvironmentStatus environment) {
        for (String type : List.of(Condition.SUSPENDED, Condition.STALLED, Condition.MIGRATING, Condition.READY)) {
            Condition condition = environment.condition(type);
            if (condition != null && condition.holds()) {
                return condition;
            }
        }
        return environment.condition(Condition.READY);
    }

    static String stateName(Condition decisive) {
        if (decisive == null) {
            return "Pending";
        }
        if (decisive.holds()) {
            return decisive.type();
        }
        return FAILED_REASONS.contains(decisive.reason()) ? "Failed" : "Pending";
    }

    private static Environment environment(EnvironmentStatus e, EnvironmentSpec spec) {
        Condition decisive = state(e);
        String desired = spec != null ? spec.version().toString() : e.desiredVersion();
        return new Environment(e.name(), text(e.application()), where(e), stateName(decisive),
                decisive == null ? "" : text(decisive.reason()), decisive == null ? "" : text(decisive.message()),
                text(desired), text(e.resolvedVersion()), text(e.deployedVersion()), e.conditions(),
                e.history().stream().map(StatusPageView::row).toList(), preview(e));
    }

    /** The account and Region the environment is in, as far as the ledger knows them; empty when it knows neither. */
    static String where(EnvironmentStatus e) {
        if (e.account() == null && e.region() == null) {
            return "";
        }
        return (e.account() == null ? "account unknown" : "account " + e.account())
                + (e.region() == null ? "" : ", " + e.region());
    }

    private static PreviewView preview(EnvironmentStatus e) {
        if (e.previews().isEmpty()) {
            return null;
        }
        MigrationRecord p = e.previews().get(0);
        boolean awaiting = Previews.awaitingApproval(e, null, null) != null;
        return new PreviewView(p.version(), text(p.rerun()), p.phase().name(), text(p.taskArn()),
                p.logTail() == null ? "" : String.join("\n", p.logTail()), text(p.digest()),
                awaiting ? Previews.approvalLine(p.digest()) : "");
    }

    private static HistoryRow row(MigrationRecord r) {
        return new HistoryRow(r.version(), text(r.rerun()), r.phase() == null ? "" : r.phase().name(),
                r.exitCode() == null ? "" : r.exitCode().toString(), time(r.startedAt()), time(r.finishedAt()),
                text(r.reason()), r.logTail() == null ? "" : String.join("\n", r.logTail()), text(r.taskArn()),
                text(r.database()));
    }

    private static EnvironmentSpec spec(DesiredState.View desired, String name) {
        return desired.plan().environments().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    static PlanErrorLine planError(String described) {
        Matcher m = LOCATED.matcher(described);
        return m.matches() ? new PlanErrorLine(m.group(1), m.group(2), m.group(3), m.group(4))
                : new PlanErrorLine("", "", "", described);
    }

    static String time(Instant instant) {
        return instant == null ? "" : TIME.format(instant);
    }

    static String ago(Instant then, Instant now) {
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        if (seconds < 120) {
            return seconds + " s ago";
        }
        if (seconds < 7200) {
            return seconds / 60 + " min ago";
        }
        return seconds / 3600 + " h ago";
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }
}
