package dev.beanstalkmigrator.faults;

import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.reconcile.decide.Launches;
import dev.beanstalkmigrator.sandbox.ObjectWrite;
import dev.beanstalkmigrator.sandbox.RunRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The exactly-once and fencing invariants, checked as the events happen (each RunTask as it takes effect, each
 * accepted ledger write in order), so that the fault suite stops at the first break with a message that names
 * the invariant and the launch. Fed from the sandbox's threads; thread-safe.
 *
 * <ul>
 *   <li>{@value #INTENT_FIRST}: the ledger holds the launch's record when ECS starts its task;</li>
 *   <li>{@value #ONE_TASK}: no second task for one (environment, version, rerun), nor for one launch, judged from
 *       the tags ECS holds for each task, not from the operator's records;</li>
 *   <li>{@value #RECORDED_AS_RAN}: the ledger's record of a task's launch names the version and rerun token the
 *       task was tagged with (a record under another token would let the planner launch that migration again);</li>
 *   <li>{@value #ONE_AT_A_TIME}: a task of an environment starts only once every earlier task of that
 *       environment has stopped (a stopped task's container runs on until its stop timeout);</li>
 *   <li>{@value #OUTCOME_KEPT}: once a task runs, its launch's record stays in the ledger until it records
 *       that task's outcome (not another task's, not none);</li>
 *   <li>{@value #FENCED}: no write moves the lease to another replica less than a lease after the previous
 *       holder's last accepted write (which is also what a deposed leader's write accepted after a takeover
 *       would look like);</li>
 *   <li>{@value #PARSES}: every accepted ledger write is a ledger;</li>
 *   <li>{@value #DATABASE_ONE_AT_A_TIME}: a task starts only once every earlier task on its database (of any
 *       environment) has stopped, the database judged from the variables ECS gave the task's container;</li>
 *   <li>{@value #DATABASE_ONE_RUN}: no second task for one (database, version, rerun), whichever environments they
 *       ran through;</li>
 *   <li>{@value #UPSTREAM_FIRST}: a task of an environment that comes after another starts only once a task of that
 *       other environment with the same version tag has stopped with exit code 0;</li>
 *   <li>{@value #ONE_PREVIEW}: no second preview task (tagged {@code beanstalk-migrator:task: preview}) for one
 *       (environment, version, rerun);</li>
 *   <li>{@value #APPROVED_FIRST}: a migrate task of an environment that previews starts only once its preview's task
 *       (same environment, version and rerun tags) has stopped with exit code 0, and, when what that task printed
 *       needs approval, once a plan approving its digest was uploaded.</li>
 * </ul>
 *
 * <p>A preview's task is held to the environment's own rules ({@value #ONE_AT_A_TIME}, the ledger's) but not to the
 * database's or the promotion's: it changes nothing, and runs before them.
 */
final class LaunchInvariants {

    static final String INTENT_FIRST = "the intent is in the ledger before RunTask";
    static final String ONE_TASK = "at most one task per (environment, version, rerun)";
    static final String RECORDED_AS_RAN = "the ledger records each task under the migration it ran";
    static final String ONE_AT_A_TIME = "no two tasks of one environment run at the same time";
    static final String OUTCOME_KEPT = "every started task's outcome ends in the ledger";
    static final String FENCED = "no ledger write accepted from a stale leader";
    static final String PARSES = "the ledger always parses";
    static final String DATABASE_ONE_AT_A_TIME = "no two tasks on one database run at the same time";
    static final String DATABASE_ONE_RUN = "at most one task per (database, version, rerun)";
    static final String UPSTREAM_FIRST = "no migrate task before its environment's upstream succeeded with that version";
    static final String ONE_PREVIEW = "at most one preview per (environment, version, rerun)";
    static final String APPROVED_FIRST = "no migrate task before its preview, and a matching approval where one is"
            + " required";

    /** The tags the operator puts on every migrate task. */
    static final String TAG_ENVIRONMENT = Launches.TAG_ENVIRONMENT;
    static final String TAG_VERSION = Launches.TAG_VERSION;
    static final String TAG_LAUNCH_ID = Launches.TAG_LAUNCH_ID;
    static final String TAG_RERUN = Launches.TAG_RERUN;
    static final String TAG_TASK = Launches.TAG_TASK;

    /** A broken invariant, and the evidence. */
    record Broken(String invariant, String detail) {
        String message() {
            return "invariant \"" + invariant + "\" broken: " + detail;
        }
    }

    /** A task ECS started, with the launch the ledger says it belongs to. */
    static final class Launch {
        final RunRecord run;
        final String environment;
        final String launchId;
        /** A preview's task, not a migration's. */
        final boolean preview;
        /** With several plans, the ledger that held its intent when the task started. */
        String ledger;
        String version;
        String rerun;
        boolean outcomeRecorded;
        boolean outcomeLost;

        Launch(RunRecord run) {
            this.run = run;
            this.environment = run.tags().getOrDefault(TAG_ENVIRONMENT, "?");
            this.launchId = run.tags().getOrDefault(TAG_LAUNCH_ID, "?");
            this.version = run.tags().getOrDefault(TAG_VERSION, "?");
            this.rerun = run.tags().get(TAG_RERUN);
            this.preview = Launches.TASK_PREVIEW.equals(run.tags().get(TAG_TASK));
        }

        String key() {
            return (preview ? "preview|" : "") + environment + "|" + version + "|" + (rerun == null ? "?" : rerun);
        }

        String describe(Collection<String> tasks) {
            return (preview ? "preview of " : "") + "environment " + environment + ", version " + version + ", rerun "
                    + (rerun == null ? "unknown" : "\"" + rerun + "\"") + ", launch " + launchId + ", tasks " + tasks;
        }
    }

    private final Duration lease;
    private final Map<String, Launch> byArn = new LinkedHashMap<>();
    private final Map<String, Set<String>> tasksByKey = new HashMap<>();
    private final Map<String, Set<String>> tasksByLaunch = new HashMap<>();
    private final Map<String, Set<String>> tasksByDatabaseKey = new HashMap<>();
    private int databaseOverlaps;
    private int promotionBreaks;
    private int approvalBreaks;
    /** The last write judged, per ledger (a prefix of plans has one per plan). */
    private final Map<String, Long> lastWriteSeq = new HashMap<>();
    /** Which ledger holds a launch's record (its plan's at launch), or null when there is one ledger. */
    private java.util.function.BiFunction<String, String, String> ledgerOf;
    private java.util.function.Predicate<ObjectWrite> takeoverAllowed;
    private int staleWrites;
    private int unparseable;
    private int lostOutcomes;
    private int overlaps;
    private Broken first;
    private String context = "";

    LaunchInvariants(Duration lease) {
        this.lease = lease;
    }

    /**
     * Several plans, each with its ledger, led as the roster beside them says: a launch's record is judged only in the
     * ledger {@code ledgerOf} names for its (environment, launch id) when its task starts, and a write that moves a ledger's lease is fenced when {@code takeoverAllowed} says
     * the roster did not give the plan to the writer (no lease is renewed in a plan's ledger: the roster's
     * membership is).
     */
    synchronized void ledgers(java.util.function.BiFunction<String, String, String> ledgerOf,
                              java.util.function.Predicate<ObjectWrite> takeoverAllowed) {
        this.ledgerOf = ledgerOf;
        this.takeoverAllowed = takeoverAllowed;
    }

    /** Where the suite is (scenario, seed), added to the first break's detail. */
    synchronized void context(String context) {
        this.context = context;
    }

    /** The first broken invariant, or null. */
    synchronized Broken firstBroken() {
        return first;
    }

    synchronized int staleWrites() {
        return staleWrites;
    }

    synchronized int unparseable() {
        return unparseable;
    }

    /** Started tasks whose outcome the ledger lost (their launch's record dropped or finished otherwise). */
    synchronized int lostOutcomes() {
        return lostOutcomes;
    }

    synchronized int duplicates() {
        return tasksByKey.entrySet().stream().filter(e -> !e.getKey().startsWith("preview|"))
                .mapToInt(e -> Math.max(0, e.getValue().size() - 1)).sum();
    }

    /** Second preview tasks of one (environment, version, rerun). */
    synchronized int previewDuplicates() {
        return tasksByKey.entrySet().stream().filter(e -> e.getKey().startsWith("preview|"))
                .mapToInt(e -> Math.max(0, e.getValue().size() - 1)).sum();
    }

    /** Preview tasks started so far. */
    synchronized long previews() {
        return byArn.values().stream().filter(l -> l.preview).count();
    }

    /** The tasks started so far, oldest first. */
    synchronized List<Launch> launches() {
        return List.copyOf(byArn.values());
    }

    /** The started tasks whose outcome is not in the ledger yet (and not known to be lost). */
    synchronized List<String> outcomesMissing() {
        return byArn.values().stream().filter(l -> !l.outcomeRecorded && !l.outcomeLost)
                .map(l -> "outcome of " + l.describe(List.of(l.run.taskArn()))).toList();
    }

    /**
     * ECS started {@code run}, and has not answered yet; {@code ledgerNow} is the ledger at that instant (null
     * when there is none or it does not parse). The caller cannot have written anything about this task yet.
     */
    synchronized void taskStarted(RunRecord run, MigrationStatus ledgerNow) {
        Launch launch = new Launch(run);
        if (byArn.putIfAbsent(run.taskArn(), launch) != null) {
            return;
        }
        if (ledgerOf != null) {
            launch.ledger = ledgerOf.apply(launch.environment, launch.launchId);
        }
        MigrationRecord record = find(ledgerNow, launch.environment, launch.launchId);
        if (record != null) {
            String recordedRerun = record.rerun() == null ? "" : record.rerun();
            if (launch.rerun == null) {
                // A task of an operator that did not tag the rerun token yet: only the ledger says which it ran.
                launch.rerun = recordedRerun;
            } else if (!launch.rerun.equals(recordedRerun) || !launch.version.equals(record.version())) {
                breaks(RECORDED_AS_RAN, launch.describe(List.of(run.taskArn())) + ": the ledger records its launch"
                        + " as version " + record.version() + ", rerun \"" + recordedRerun + "\"");
            }
        }
        Set<String> ofLaunch = tasksByLaunch.computeIfAbsent(launch.launchId, k -> new TreeSet<>());
        ofLaunch.add(run.taskArn());
        if (ofLaunch.size() > 1) {
            breaks(ONE_TASK, launch.describe(ofLaunch) + " (one launch, several tasks)");
        }
        if (record == null) {
            breaks(INTENT_FIRST, launch.describe(List.of(run.taskArn()))
                    + ": ECS started the task while the ledger held no record of the launch");
            return;
        }
        Set<String> ofKey = tasksByKey.computeIfAbsent(launch.key(), k -> new TreeSet<>());
        ofKey.add(run.taskArn());
        if (ofKey.size() > 1) {
            breaks(launch.preview ? ONE_PREVIEW : ONE_TASK, launch.describe(ofKey) + ", launches " + ofKey.stream()
                    .map(arn -> byArn.get(arn).launchId).distinct().toList());
        }
    }

    /**
     * ECS started {@code run}: every earlier task of its environment must have stopped by then ({@code stoppedAt}
     * answers when a task's containers stopped, or null while they run). Call after {@link #taskStarted}.
     */
    synchronized void environmentFree(RunRecord run, java.util.function.Function<String, java.time.Instant> stoppedAt) {
        Launch launch = byArn.get(run.taskArn());
        if (launch == null) {
            return;
        }
        for (Launch earlier : byArn.values()) {
            if (earlier == launch || !earlier.environment.equals(launch.environment)
                    || earlier.run.time().isAfter(run.time())) {
                continue;
            }
            java.time.Instant stopped = stoppedAt.apply(earlier.run.taskArn());
            if (stopped == null || stopped.isAfter(run.time())) {
                overlaps++;
                breaks(ONE_AT_A_TIME, launch.describe(List.of(run.taskArn())) + " started at " + run.time()
                        + " while task " + earlier.run.taskArn() + " of " + earlier.describe(List.of())
                        + (stopped == null ? " still runs" : " ran until " + stopped));
            }
        }
    }

    /** Tasks started while an earlier task of their environment still ran. */
    synchronized int overlaps() {
        return overlaps;
    }

    /**
     * ECS started {@code run}: every earlier task on the same database must have stopped by then, and no earlier task
     * ran the same (database, version, rerun). A task's database is {@link #databaseOf} the variables its container
     * got. Call after {@link #taskStarted}.
     */
    synchronized void databaseFree(RunRecord run, java.util.function.Function<String, java.time.Instant> stoppedAt) {
        Launch launch = byArn.get(run.taskArn());
        String database = databaseOf(run);
        if (launch == null || database == null || launch.preview) {
            return;
        }
        for (Launch earlier : byArn.values()) {
            if (earlier == launch || earlier.preview || earlier.run.time().isAfter(run.time())
                    || !database.equals(databaseOf(earlier.run))) {
                continue;
            }
            java.time.Instant stopped = stoppedAt.apply(earlier.run.taskArn());
            if (stopped == null || stopped.isAfter(run.time())) {
                databaseOverlaps++;
                breaks(DATABASE_ONE_AT_A_TIME, launch.describe(List.of(run.taskArn())) + " started on " + database
                        + " at " + run.time() + " while task " + earlier.run.taskArn() + " of "
                        + earlier.describe(List.of()) + (stopped == null ? " still runs" : " ran until " + stopped));
            }
        }
        if (launch.rerun != null) {
            Set<String> ofKey = tasksByDatabaseKey.computeIfAbsent(database + "|" + launch.version + "|"
                    + launch.rerun, k -> new TreeSet<>());
            ofKey.add(run.taskArn());
            if (ofKey.size() > 1) {
                breaks(DATABASE_ONE_RUN, "database " + database + ", " + launch.describe(ofKey) + ", environments "
                        + ofKey.stream().map(arn -> byArn.get(arn).environment).distinct().toList());
            }
        }
    }

    /**
     * ECS started {@code run} of an environment that comes after {@code upstream} (as every plan uploaded since before
     * the operator could have read it says): some earlier task of {@code upstream} with the same version tag must
     * have stopped, with exit code 0, before it started. Call after {@link #taskStarted}.
     */
    synchronized void upstreamFirst(RunRecord run, String upstream,
                                    java.util.function.Function<String, java.time.Instant> stoppedAt,
                                    java.util.function.Function<String, Integer> exitCode) {
        Launch launch = byArn.get(run.taskArn());
        if (launch == null || launch.preview) {
            return;
        }
        for (Launch earlier : byArn.values()) {
            if (!earlier.preview && earlier.environment.equals(upstream) && earlier.version.equals(launch.version)) {
                java.time.Instant stopped = stoppedAt.apply(earlier.run.taskArn());
                Integer exit = exitCode.apply(earlier.run.taskArn());
                if (stopped != null && !stopped.isAfter(run.time()) && exit != null && exit == 0) {
                    return;
                }
            }
        }
        promotionBreaks++;
        breaks(UPSTREAM_FIRST, launch.describe(List.of(run.taskArn())) + " started at " + run.time() + ", before any"
                + " task of " + upstream + " with version " + launch.version + " had succeeded");
    }

    /**
     * ECS started {@code run} of an environment whose every plan previews: unless it is itself the preview, a task
     * of the preview of its (environment, version, rerun) must have stopped with exit code 0 before it started; and
     * when {@code needsApproval} says that preview's output (the lines the sandbox printed for it) needs approval,
     * {@code approvedAt} must name when a plan approving its digest was first uploaded, before the start. Call after
     * {@link #taskStarted}.
     *
     * @param approvedAt the first upload of a plan approving a digest for this environment, by digest (null: none)
     */
    synchronized void approvedFirst(RunRecord run, java.util.function.Function<String, java.time.Instant> stoppedAt,
                                    java.util.function.Function<String, Integer> exitCode, String digest,
                                    boolean needsApproval,
                                    java.util.function.Function<String, java.time.Instant> approvedAt) {
        Launch launch = byArn.get(run.taskArn());
        if (launch == null || launch.preview) {
            return;
        }
        Launch preview = byArn.values().stream().filter(l -> l.preview && l.environment.equals(launch.environment)
                && l.version.equals(launch.version) && java.util.Objects.equals(l.rerun, launch.rerun))
                .findFirst().orElse(null);
        java.time.Instant stopped = preview == null ? null : stoppedAt.apply(preview.run.taskArn());
        Integer exit = preview == null ? null : exitCode.apply(preview.run.taskArn());
        if (stopped == null || stopped.isAfter(run.time()) || exit == null || exit != 0) {
            approvalBreaks++;
            breaks(APPROVED_FIRST, launch.describe(List.of(run.taskArn())) + " started at " + run.time()
                    + (preview == null ? " without a preview" : " before its preview " + preview.run.taskArn()
                    + " had succeeded"));
            return;
        }
        java.time.Instant approved = needsApproval ? approvedAt.apply(digest) : null;
        if (needsApproval && (approved == null || approved.isAfter(run.time()))) {
            approvalBreaks++;
            breaks(APPROVED_FIRST, launch.describe(List.of(run.taskArn())) + " started at " + run.time()
                    + " while its preview (" + digest + ") needs approval and " + (approved == null
                    ? "no plan approved it" : "the first plan approving it was uploaded at " + approved));
        }
    }

    /** Migrate tasks started before their preview succeeded, or before its required approval. */
    synchronized int approvalBreaks() {
        return approvalBreaks;
    }

    /** Tasks started before their environment's upstream had succeeded with their version. */
    synchronized int promotionBreaks() {
        return promotionBreaks;
    }

    /** Tasks started on a database while an earlier task on it still ran. */
    synchronized int databaseOverlaps() {
        return databaseOverlaps;
    }

    /** Second tasks of one (database, version, rerun). */
    synchronized int databaseDuplicates() {
        return tasksByDatabaseKey.values().stream().mapToInt(s -> Math.max(0, s.size() - 1)).sum();
    }

    /**
     * The database a task's container was given, as the suite's seed writes it: what follows the last {@code @} of
     * its {@code DATABASE_URL} (host:port/name); null without one. Read here from ECS's record, apart from the
     * operator's own reading of it.
     */
    static String databaseOf(RunRecord run) {
        String url = run.containerEnvironment() == null ? null : run.containerEnvironment().get("DATABASE_URL");
        return url == null || url.indexOf('@') < 0 ? null : url.substring(url.lastIndexOf('@') + 1);
    }

    /**
     * The sandbox accepted {@code write} of the ledger with {@code ledger} as its content (null when it does not
     * parse, with {@code parseError}). Writes seen out of order are judged only on fencing (the sandbox's record
     * says who wrote after whom): a later write has already shown the content.
     */
    synchronized void ledgerWritten(ObjectWrite write, MigrationStatus ledger, String parseError) {
        if (takeoverAllowed != null) {
            if (write.takeover() && !takeoverAllowed.test(write)) {
                staleWrites++;
                breaks(FENCED, "ledger write #" + write.seq() + " of " + write.key() + " by " + write.holder()
                        + " accepted " + write.sincePreviousNanos() / 1_000_000 + " ms after a write by "
                        + write.previousHolder() + ", while the roster did not give its plan to the writer");
            }
        } else if (write.takeover() && write.sincePreviousNanos() < lease.toNanos()) {
            staleWrites++;
            breaks(FENCED, "ledger write #" + write.seq() + " by " + write.holder() + " accepted "
                    + write.sincePreviousNanos() / 1_000_000 + " ms after a write by " + write.previousHolder()
                    + ", whose lease (" + lease.toMillis() + " ms) had not run out");
        }
        if (ledger == null) {
            unparseable++;
            breaks(PARSES, "ledger write #" + write.seq() + " by " + write.holder() + ": " + parseError);
            return;
        }
        if (write.seq() < lastWriteSeq.getOrDefault(write.key(), -1L)) {
            return;
        }
        lastWriteSeq.put(write.key(), write.seq());
        for (Launch launch : byArn.values()) {
            if (launch.outcomeRecorded || launch.outcomeLost
                    || launch.ledger != null && !write.key().equals(launch.ledger)) {
                continue;
            }
            MigrationRecord record = find(ledger, launch.environment, launch.launchId);
            List<String> task = List.of(launch.run.taskArn());
            if (record == null) {
                lost(launch);
                breaks(OUTCOME_KEPT, launch.describe(task) + ": ledger write #" + write.seq() + " by "
                        + write.holder() + " dropped the launch's record before its outcome");
            } else if (record.phase().terminal()) {
                if (launch.run.taskArn().equals(record.taskArn())) {
                    launch.outcomeRecorded = true;
                } else {
                    lost(launch);
                    breaks(OUTCOME_KEPT, launch.describe(task) + ": ledger write #" + write.seq() + " by "
                            + write.holder() + " recorded " + record.phase()
                            + (record.reason() == null ? "" : " (" + record.reason() + ")") + " for task "
                            + record.taskArn());
                }
            } else if (record.taskArn() != null && !record.taskArn().equals(launch.run.taskArn())) {
                lost(launch);
                breaks(OUTCOME_KEPT, launch.describe(task) + ": ledger write #" + write.seq() + " by "
                        + write.holder() + " follows task " + record.taskArn() + " instead");
            }
        }
    }

    private void lost(Launch launch) {
        launch.outcomeLost = true;
        lostOutcomes++;
    }

    private void breaks(String invariant, String detail) {
        if (first == null) {
            first = new Broken(invariant, detail + (context.isEmpty() ? "" : "; " + context));
        }
    }

    static MigrationRecord find(MigrationStatus ledger, String environment, String launchId) {
        if (ledger == null) {
            return null;
        }
        // Several plans' ledgers together may name an environment twice (moved from one plan to another).
        return ledger.environments().stream().filter(e -> e.name().equals(environment))
                .flatMap(status -> java.util.stream.Stream.concat(status.history().stream(),
                        status.previews().stream()))
                .filter(h -> launchId.equals(h.launchId())).findFirst().orElse(null);
    }

    /** The launch ids of the records {@code ledger} holds, with their records. */
    static Map<String, MigrationRecord> records(MigrationStatus ledger) {
        Map<String, MigrationRecord> records = new HashMap<>();
        if (ledger != null) {
            for (EnvironmentStatus status : ledger.environments()) {
                for (MigrationRecord record : java.util.stream.Stream.concat(status.history().stream(),
                        status.previews().stream()).toList()) {
                    if (record.launchId() != null) {
                        records.put(record.launchId(), record);
                    }
                }
            }
        }
        return records;
    }
}
