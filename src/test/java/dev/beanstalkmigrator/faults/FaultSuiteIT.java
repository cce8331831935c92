package dev.beanstalkmigrator.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.EcsThrottles;
import dev.beanstalkmigrator.sandbox.Fault;
import dev.beanstalkmigrator.sandbox.FaultKind;
import dev.beanstalkmigrator.sandbox.HeldAnswer;
import dev.beanstalkmigrator.sandbox.ObjectWrite;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCall;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.sandbox.SandboxSeed;
import dev.beanstalkmigrator.testing.SandboxClients;
import dev.beanstalkmigrator.testing.ThrottledCalls;
import dev.beanstalkmigrator.testing.WebhookReceiver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Event;
import software.amazon.awssdk.services.s3.model.FilterRuleName;
import software.amazon.awssdk.services.s3.model.NotificationConfiguration;
import software.amazon.awssdk.services.s3.model.QueueConfiguration;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Three replicas of the packaged operator ({@code target/quarkus-app/quarkus-run.jar}) against one sandbox in this
 * JVM, under a seeded random schedule of faults: kill -9 (of the leader or anyone), kill -9 or a lost answer at the
 * instants of the launch protocol, SIGSTOP longer than the lease then SIGCONT, orderly restarts (in some scenarios
 * one under another replica's configured identity, so that two processes share a name), and sandbox faults
 * per operation (throttling storms, 5xx, latency, dropped connections, S3 409 and 412, answers lost after a
 * RunTask, RegisterTaskDefinition or PutObject ran), a ListTasks that lags behind RunTask (ECS's eventual
 * consistency, so that adoption by {@code startedBy} finds nothing and the client token alone must hold), sometimes
 * with a DescribeTasks that answers MISSING for a task just started (which must not count as lost), and edits
 * of the environments' variables at random moments and between an intent and its adoption, while the plan
 * changes across eight environments (new versions that succeed, fail or hang until their timeout, reruns at any
 * time, suspends, edits of the command, timeout, network and afterSuccess, environments left out of the plan and
 * put back), between scenarios and at random instants within them; and the EC2 cluster of two of the
 * environments left without capacity for a while (instances full, or none registered). Two environments are
 * zero-config (found on their awseb- clusters), one follows {@code deployed} and one {@code latest}. Some scenarios
 * give an environment a hanging version and, the moment ECS starts it, a newer version or rerun token, which must
 * wait for the stop; some leave the environment of a launch out of the plan exactly at its intent or its started
 * task, which must be finished from the intent. Two pairs of environments share a database ({@link #DATABASES}),
 * one of them on the EC2 cluster whose capacity comes and goes, and a new version of one is often given to the other
 * at once ({@link #promote}): the two must take turns on the database, and only one of them may run the version.
 * One environment comes after another ({@link #UPSTREAM}, {@code after:} in every plan) and gets its versions by
 * promotion: it may launch a version only once the other has a task of it that exited 0. Three environments preview
 * every version ({@link #PREVIEWED}: {@code manage.py migrate --plan} as its own task, whose output the sandbox prints
 * per version, a destructive one for some and a failing preview for others); their migrations wait for an approval
 * when the output needs one, and the suite commits approvals at random instants of the scenarios (in the environment
 * or in the defaults, sometimes before the preview has run), and approves what still waits when a scenario settles.
 *
 * <p>All along, the sandbox throttles ECS's API as ECS does ({@link EcsThrottles#DOCUMENTED}: a token bucket per
 * category of actions, per account and Region, shared by the three replicas; {@code -Dfaults.ecs-throttling-scale=0.2}
 * gives the account a fifth of those quotas); the throttled calls per action are printed after the figures.
 *
 * <p>The launch protocol's instants are reached from outside, as a crash would meet them: the sandbox keeps back
 * its answer to the call that recorded the intent (a ledger write with a new Launching record), started the task
 * (a RunTask), recorded the task's ARN or recorded an outcome ({@link SandboxCloud#holdNext}); the suite kills the
 * replica that sent it (the process that owns the caller's socket) and answers only once it is dead, or closes the
 * connection without an answer while the replica lives on. Nothing in the product knows about it.
 *
 * <p>A scenario is one round: a plan change, a few faults from the schedule, then a wait until quiescent (every
 * desired migration of an active environment finished, nothing in flight, every started task's outcome in the
 * ledger) or a deadline. Killed replicas are restarted; the others live on. The invariants
 * ({@link LaunchInvariants}) are checked as the sandbox sees the events (every RunTask as it starts a task, every
 * accepted write of the ledger, which holds the lease): the intent is in the ledger before RunTask; no (environment,
 * version, rerun) has more than one task; no task of an environment starts while an earlier task of it still runs
 * (the hanging versions' containers run on for 1.5 s after StopTask, as ECS lets a container run until its stop
 * timeout, so a timeout recorded before ECS reports the task STOPPED would let a rerun overlap it); a started task's launch keeps its record until that record holds the
 * task's outcome; the ledger always parses; no write moves the lease from one replica to another before the previous
 * holder's lease ran out by the sandbox's clock (which is also what a deposed leader's write accepted after a
 * takeover would look like): stale-leader writes accepted, 0; no task starts on a database (read from the variables
 * ECS gave its container) while an earlier task on it still runs, whatever its environment; no (database, version,
 * rerun) gets a second task. The first break stops the run at once, and its failure
 * names the invariant and the launch. At the end, every desired version must have ended Succeeded, Failed, TimedOut
 * or LaunchLost, with every started task's outcome in the ledger.
 *
 * <p>Notifications ride through the same faults: every replica has an operator channel for the migration events
 * ({@value #CHANNEL_EVENTS}), its URL (an environment variable, as in production) pointing at a
 * {@link WebhookReceiver} in this JVM that answers 500 to the next few posts in about half the scenarios (drawn
 * from the seed apart from the schedule, so that a seed replays the faults it did before), and retry settings
 * quick enough for a scenario that never give up within a run. {@link NotificationInvariants} checks, on the same
 * record of accepted ledger writes and on the receiver's record of accepted posts: the write that makes a
 * transition holds its event in the outbox; no event recorded or delivered that no accepted write made (phantom);
 * and at the end, within {@link #NOTIFICATIONS_DEADLINE}, every transition delivered at least once and out of the
 * outbox (a give-up would look like a delivery in the ledger, so the settings leave none). Repeated deliveries are
 * allowed (at least once) and counted in the figures, but only those a replica's death, pause or a lease change
 * explains: a repeat outside the README's at-least-once window breaks the run like any other invariant, naming the
 * event.
 *
 * <p>In every run whose seed is even ({@code -Dfaults.many-plans=true|false} chooses), the replicas serve a prefix of
 * three plans ({@link #PLAN_OF}) with the bucket's S3 events through a queue, late, repeated or lost in half the
 * scenarios ({@link #eventFault}); some scenarios delete a plan's file whatever it has in flight
 * ({@link #PLAN_REMOVAL_CHANCE}), others move an environment to another plan, half of the time also to another account in
 * the same edit ({@link #MOVE_PLACE_WITH_PLAN_CHANCE}: two plans then name it, each in its place, on its one database,
 * until the old plan reads its new file). Each plan's ledger is judged on its own, and a write that takes a plan's ledger is
 * fenced by the roster as the sandbox stored it ({@link #takeoverAllowed}). The figures end with the takeovers per
 * plan.
 *
 * <p>Sizes: {@value #CI_SCENARIOS} scenarios by default (inside {@code ./mvnw verify}); {@code -Dsoak=500} for a
 * long run. {@code -Dfaults.seed=N} replays a seed (the schedule and every random choice; process timing is the
 * machine's). Replica logs: {@code target/fault-suite/}. Ends with one line of figures (the notification figures
 * last: events recorded, delivered, undelivered, duplicates by cause, receiver 500s).
 */
class FaultSuiteIT {

    static final int CI_SCENARIOS = 12;
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    static final Path WORK = Path.of("target/fault-suite");
    static final String BUCKET = "fault-suite";
    static final String PLAN_KEY = "plans/fleet.yaml";
    static final String LEDGER_KEY = "plans/fleet.status.yaml";
    /**
     * With several plans ({@code -Dfaults.many-plans}, else every run whose seed is even): the prefix the replicas
     * serve, and each environment's plan under it. Environments that share a database, or come after one another,
     * stay in one plan (a plan's turns and promotion order see only its own ledger).
     */
    static final String PREFIX = "plans/";
    static final Map<String, String> PLAN_OF = Map.of("fleet-00", "plans/fleet-a.yaml", "fleet-01",
            "plans/fleet-a.yaml", "fleet-04", "plans/fleet-a.yaml", "fleet-02", "plans/teams/fleet-b.yaml",
            "fleet-03", "plans/teams/fleet-b.yaml", "fleet-05", "plans/teams/fleet-b.yaml", "fleet-06",
            "plans/fleet-c.yml", "fleet-07", "plans/fleet-c.yml");
    /** With several plans, the environments that may move from one plan to another (no database or order shared). */
    static final List<String> MOVABLE = List.of("fleet-04", "fleet-05");
    /** With several plans, how often a scenario moves one of {@link #MOVABLE} to another plan. */
    static final double PLAN_MOVE_CHANCE = 0.25;
    /**
     * How often such a move also moves the environment to its other place ({@link #PLACED}) in the same edit
     * ({@code -Dfaults.move-place-with-plan-chance}, 0.5 unless set): two plans then name it, each in its place, on its
     * one database, until the old plan reads its new file. Claims know an environment by its name, so the new plan
     * waits for the old one to let it go (the first 500-scenario soak of the many-plans mode found both launching
     * while claims told the two places apart).
     */
    static final double MOVE_PLACE_WITH_PLAN_CHANCE = Double.parseDouble(System.getProperty(
            "faults.move-place-with-plan-chance", "0.5"));
    /** With several plans, how often the whole plan set is listed all the same (the plans' events come first). */
    static final Duration FULL_LISTING = Duration.ofSeconds(3);
    /** With several plans, how often a scenario's S3 events come late, twice, or not at all. */
    static final double EVENT_FAULT_CHANCE = 0.5;
    /**
     * With several plans, how often a scenario deletes one plan's file (its environments left out at once, whatever
     * they have in flight); each comes back in a later scenario as any environment left out does, in a new file.
     */
    static final double PLAN_REMOVAL_CHANCE = Double.parseDouble(System.getProperty("faults.plan-removal-chance",
            "0.15"));
    static final String APPLICATION = "fleet";
    static final int ENVIRONMENTS = 8;
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);
    static final Duration RETRY = Duration.ofMillis(500);
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final Duration SCENARIO_DEADLINE = Duration.ofSeconds(40);
    static final Duration FINAL_DEADLINE = Duration.ofSeconds(90);
    /**
     * How often a scenario arms a kill at a launch-protocol instant, and (drawn apart) a lost answer at one,
     * besides its scheduled faults.
     */
    static final double PROTOCOL_FAULT_CHANCE = 0.75;
    /** How often a scenario lets ListTasks lag behind RunTask, and the longest lag (drawn up to it). */
    static final double LIST_TASKS_LAG_CHANCE = 0.4;
    static final Duration LONGEST_LIST_TASKS_LAG = Duration.ofSeconds(5);
    /** With half of those lags, DescribeTasks also answers MISSING for a task started less long ago than this. */
    static final Duration LONGEST_DESCRIBE_TASKS_LAG = Duration.ofSeconds(2);
    /** How often a kill or a lost answer at an intent or a started task also edits that environment's variables. */
    static final double EDIT_AT_PROTOCOL_POINT_CHANCE = 0.5;
    /** The calls whose answer may be lost after they ran. */
    /** The variable the suite edits (every environment of its seed has it; the migrate task gets it). */
    static final String EDITED_VARIABLE = "DATABASE_URL";
    /**
     * Each environment's database, as its seed's {@code DATABASE_URL} names it: two pairs share one (blue/green), the
     * others have one each. An edit of the variable changes its password, never its database.
     */
    static final Map<String, String> DATABASES = Map.of("fleet-00", "db-a:5432/fleet_a", "fleet-01",
            "db-a:5432/fleet_a", "fleet-02", "db-02:5432/fleet_02", "fleet-03", "db-03:5432/fleet_03", "fleet-04",
            "db-04:5432/fleet_04", "fleet-05", "db-05:5432/fleet_05", "fleet-06", "db-b:5432/fleet_b", "fleet-07",
            "db-b:5432/fleet_b");
    /**
     * The other environment of a pair that shares a database, and how often a new version of one is also given to
     * the other at once (a blue/green pair's promotion): only one of them may run it, the other waits and records
     * how it ended there.
     */
    static final Map<String, String> PARTNER = Map.of("fleet-00", "fleet-01", "fleet-01", "fleet-00", "fleet-06",
            "fleet-07", "fleet-07", "fleet-06");
    static final double PROMOTE_TO_PARTNER_CHANCE = 0.5;
    /**
     * A promotion chain: each key says {@code after: [value]} in every plan, so it launches a version only once the
     * other has it Succeeded. Its new versions are the other's (promotion); the other is never left out of the plan,
     * so the order holds for every task ECS starts.
     */
    static final Map<String, String> UPSTREAM = Map.of("fleet-03", "fleet-02");
    /**
     * The environments whose every plan has a preview, with its approval rule: {@code whenMatches} ({@link #RISKY}) on
     * one of a database's pair and on the promoted one, {@code always} on the one that follows {@code latest}.
     */
    static final Map<String, String> PREVIEWED = Map.of("fleet-01", "whenMatches", "fleet-03", "whenMatches",
            "fleet-05", "always");
    static final String RISKY = "Remove field";
    /** What the sandbox prints for a preview of a version it has no rule of its own for (the seed's rule). */
    static final List<String> NO_PLANNED_OPERATIONS = List.of("Planned operations:", "  No planned migration operations.");
    static final double APPROVAL_STEP_CHANCE = 0.6;
    static final double APPROVE_IN_DEFAULTS_CHANCE = 0.3;
    static final String DEFAULTS = "(defaults)";
    static final List<String> ANSWER_LOST_OPERATIONS = List.of("ecs:RunTask", "ecs:RegisterTaskDefinition",
            "s3:PutObject");
    /**
     * Environments the plan names no cluster, task definition or container for: found on the awseb- cluster the
     * seed gives them (what was found is kept for a while, and must never freeze the plan's other fields).
     */
    static final Set<String> ZERO_CONFIG = Set.of("fleet-02", "fleet-03");
    /** The environment that follows {@code version: deployed} (the suite deploys its versions in the sandbox). */
    static final String FOLLOWS_DEPLOYED = "fleet-04";
    /** The environment that follows {@code version: latest} (every version the suite registers becomes it). */
    static final String FOLLOWS_LATEST = "fleet-05";
    /**
     * How often a scenario gives an environment a version that hangs until its timeout and, the moment ECS starts
     * that task, a newer version or a new rerun token: the new migration must wait until the running task has
     * stopped (no two tasks of an environment at once), whatever the faults around it.
     */
    static final double IN_FLIGHT_EDIT_CHANCE = 0.5;
    /** How often a scenario also edits the plan at a random instant while its migrations run. */
    static final double PLAN_EDIT_CHANCE = 0.6;
    /** How often a kill or a lost answer at an intent or a started task also removes that environment from the plan. */
    static final double REMOVE_AT_PROTOCOL_POINT_CHANCE = 0.25;
    /** Environments whose migrations run on the EC2 cluster of the seed, and how often a scenario empties it. */
    static final Set<String> EC2_ENVIRONMENTS = Set.of("fleet-06", "fleet-07");
    /**
     * Environments that exist in the operator's own account and Region and in a partner account's eu-west-1 (same
     * names, same database), reached there through {@link #PARTNER_ROLE}: where the plan places each is drawn (a plan
     * edit moves it, at any time, also while its task runs; the task must then be followed where it was launched).
     */
    static final Map<String, String> PLACED = Map.of("fleet-04", "partner", "fleet-05", "home");
    static final String PARTNER_ROLE = "arn:aws:iam::222222222222:role/fleet-migrator";
    static final double MOVE_WITH_VERSION_CHANCE = 0.4;
    static final String PARTNER_PLACE = ", region: eu-west-1, roleArn: \"" + PARTNER_ROLE + "\", externalId: fleet-suite";
    static final String EC2_CLUSTER = "fleet-ec2";
    static final List<String> EC2_INSTANCES = List.of("fleet-ec2-a", "fleet-ec2-b");
    static final double CAPACITY_FAULT_CHANCE = 0.3;
    /** The operator channel every replica has, where the receiver listens for it, and what it wants. */
    static final String CHANNEL = "suite";
    /** Its URL's path: a canary that must show in no replica's log and no ledger write (the URL is a secret). */
    static final String CHANNEL_PATH = "/hooks/suite/url-canary-5b1e";
    static final String CHANNEL_EVENTS = "Succeeded,Failed,TimedOut,LaunchLost";
    /** The replicas' notification timeouts: a post takes at most both to reach the receiver, unless paused. */
    static final Duration NOTIFICATION_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    static final Duration NOTIFICATION_REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** How often a scenario makes the receiver answer 500 to its next few posts (so that retries happen). */
    static final double RECEIVER_FAILURE_CHANCE = 0.5;
    /**
     * How often a scenario restarts one replica under another's configured identity (drawn apart from the schedule):
     * two processes with one name, as two replicas on one host with none configured would be.
     */
    static final double SHARED_IDENTITY_CHANCE = 0.3;
    /** How long after the end every event may take to be delivered and recorded. */
    static final Duration NOTIFICATIONS_DEADLINE = Duration.ofSeconds(60);
    static final List<String> OPERATIONS = List.of("s3:PutObject", "s3:GetObject", "s3:*", "ecs:RunTask",
            "ecs:DescribeTasks", "ecs:ListTasks", "ecs:StopTask", "ecs:DescribeTaskDefinition", "ecs:*",
            "elasticbeanstalk:DescribeEnvironments", "elasticbeanstalk:DescribeConfigurationSettings",
            "logs:GetLogEvents", "*");

    /** One environment as the suite plans it. */
    static final class Env {
        final String name;
        String version = "v0-ok";
        String rerun = "";
        int reruns;
        boolean suspended;
        /** Left out of the plan: its desired migration is nobody's, but what it has in flight must still finish. */
        boolean removed;
        /** The plan's other fields for it, edited by the scenarios (null: the defaults). */
        String command;
        String timeout;
        String subnet;
        boolean deploy;
        /**
         * The plan's {@code database}: null (found from DATABASE_URL), the key it is found as (for either of a pair,
         * so that the two still agree), or {@code none} for an environment alone on its database.
         */
        String database;
        /** Where the plan places it: {@code home} or {@code partner} (see {@link #PLACED}); null for the others. */
        String place;

        Env(String name) {
            this.name = name;
            this.place = PLACED.get(name);
        }

        /** A copy, to read outside the lock that guards the suite's model of the plan. */
        Env copy() {
            Env copy = new Env(name);
            copy.version = version;
            copy.rerun = rerun;
            copy.suspended = suspended;
            copy.removed = removed;
            copy.place = place;
            return copy;
        }

        /** What the plan's {@code version} says: a label, {@code deployed} or {@code latest}. */
        String planVersion() {
            return name.equals(FOLLOWS_DEPLOYED) ? "deployed" : name.equals(FOLLOWS_LATEST) ? "latest" : version;
        }

        String key() {
            return key(name, version, rerun);
        }

        static String key(String environment, String version, String rerun) {
            return environment + "|" + version + "|" + (rerun == null ? "" : rerun);
        }
    }

    /**
     * The instants between the steps of a launch where a crash is most dangerous, each recognised by the call
     * whose effect marks it: the sandbox holds that call's answer while the suite kills its sender (or loses the
     * answer).
     */
    enum ProtocolPoint {
        /**
         * A ledger write that records a new Launching record (the intent), or a Pending launch sent again; RunTask
         * not called yet.
         */
        INTENT_RECORDED(call -> call.isLedgerWrite() && changed(call, (before, after) -> (before == null
                || before.phase() == Phase.Pending) && after.phase() == Phase.Launching),
                ProtocolPoint::environmentOfNewIntent),
        /** A RunTask that started a task; its ARN is in no ledger yet. */
        TASK_STARTED(call -> !call.tasksStarted().isEmpty(),
                call -> call.tasksStarted().get(0).tags().get(LaunchInvariants.TAG_ENVIRONMENT)),
        /** A ledger write that records a task ARN where the launch had none. */
        ARN_RECORDED(call -> call.isLedgerWrite() && changed(call, (before, after) -> after.taskArn() != null
                && (before == null || before.taskArn() == null)), null),
        /** A ledger write that records a migration's outcome (Succeeded, Failed, TimedOut). */
        OUTCOME_RECORDED(call -> call.isLedgerWrite() && changed(call, (before, after) -> before != null
                && !before.phase().terminal() && after.phase().terminal()), null);

        final Predicate<SandboxCall> reached;
        /**
         * The environment whose launch is at stake at this instant, before its task ARN is recorded (the launch
         * is then adopted, by a replay of its RunTask if ListTasks does not show the task); null past that.
         */
        final Function<SandboxCall, String> launchOf;

        ProtocolPoint(Predicate<SandboxCall> reached, Function<SandboxCall, String> launchOf) {
            this.reached = reached;
            this.launchOf = launchOf;
        }

        /**
         * The environment of the Launching record the written ledger has and the one it replaced had not (or had
         * as Pending).
         */
        static String environmentOfNewIntent(SandboxCall call) {
            Map<String, MigrationRecord> before = LaunchInvariants.records(call.previousContent() == null ? null
                    : LedgerCodec.read(call.previousContent()));
            for (EnvironmentStatus status : LedgerCodec.read(call.content()).environments()) {
                for (MigrationRecord record : status.history()) {
                    MigrationRecord was = record.launchId() == null ? null : before.get(record.launchId());
                    if (record.phase() == Phase.Launching && record.launchId() != null
                            && (was == null || was.phase() == Phase.Pending)) {
                        return status.name();
                    }
                }
            }
            return null;
        }

        /** Whether some record of the written ledger, compared with the one it replaced, is such a change. */
        static boolean changed(SandboxCall call, BiPredicate<MigrationRecord, MigrationRecord> change) {
            Map<String, MigrationRecord> before = LaunchInvariants.records(call.previousContent() == null ? null
                    : LedgerCodec.read(call.previousContent()));
            return LaunchInvariants.records(LedgerCodec.read(call.content())).entrySet().stream()
                    .anyMatch(e -> change.test(before.get(e.getKey()), e.getValue()));
        }
    }

    /** The leader stopped acting (killed, paused) at {@code atNanos}. */
    record Death(String identity, long atNanos, boolean paused, int scenario) {}

    SandboxCloud cloud;
    final List<Replica> replicas = new ArrayList<>();
    final List<Env> envs = new ArrayList<>();
    final LaunchInvariants invariants = new LaunchInvariants(LEASE);
    final NotificationInvariants notifications = new NotificationInvariants(CHANNEL,
            NOTIFICATION_CONNECT_TIMEOUT.plus(NOTIFICATION_REQUEST_TIMEOUT));
    WebhookReceiver receiver;
    /** Draws the receiver's failures apart from the schedule, so that a seed replays the same faults as before. */
    Random receiverRandom;
    /** Draws the scenarios with a shared identity apart from the schedule, for the same reason. */
    Random identityRandom;
    /**
     * The replica each lease holder (one process's identity: a configured name and that process's own suffix) is an
     * incarnation of, learned from the ledger writes naming it: a replica writes only its own lease.
     */
    final Map<String, Replica> holders = new ConcurrentHashMap<>();
    int answersSeen;
    final List<Death> deaths = Collections.synchronizedList(new ArrayList<>());
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    /** The accounts each environment was placed in by the plans uploaded so far. */
    final Map<String, Set<String>> accountsPlanned = new ConcurrentHashMap<>();
    /** Tasks started in an account no plan placed their environment in. */
    final java.util.concurrent.atomic.AtomicInteger misplaced = new java.util.concurrent.atomic.AtomicInteger();
    final Set<String> registeredVersions = new HashSet<>();
    /** What the preview of each version prints (the sandbox's rule for it), by label; absent: the seed's rule. */
    final Map<String, List<String>> previewLines = new ConcurrentHashMap<>();
    /** Per environment (or {@link #DEFAULTS}), when a plan approving each digest was first uploaded. */
    final Map<String, Map<String, java.time.Instant>> approvals = new ConcurrentHashMap<>();
    /** Approvals drawn but not uploaded yet, as (environment or defaults, digest). */
    final List<String[]> unsentApprovals = new ArrayList<>();
    int approvalsAtSettle;
    final Map<String, Integer> faultCounts = new LinkedHashMap<>();
    final Map<String, Integer> protocolFaults = new TreeMap<>();
    final Map<HeldAnswer, String> armed = new LinkedHashMap<>();
    final Set<String> exits = new HashSet<>();
    Thread shutdownHook;
    Random random;
    long seed;
    long began;
    int scenarios;
    int writesSeen;
    int lateRenewals;
    int ledgerReads;
    int ledgerParseFailures;
    int versionCounter;
    /**
     * Armed by a scenario: the environment whose next task started gets a change, and which ("environment|version:<kind>"
     * or "environment|rerun").
     */
    final java.util.concurrent.atomic.AtomicReference<String> editOnStart = new java.util.concurrent.atomic.AtomicReference<>();
    /** The newest version registered, which {@link #FOLLOWS_LATEST} resolves to. */
    volatile String latestVersion = "v0-ok";
    int unsettled;
    /** Whether the replicas serve a prefix of plans (one ledger and leader per plan) rather than one plan. */
    boolean manyPlans;
    /** With several plans, each environment's plan now: {@link #PLAN_OF}, as moves changed it. */
    final Map<String, String> planOf = new ConcurrentHashMap<>(PLAN_OF);
    /** Draws the S3 events' faults, apart from the schedule. */
    Random eventRandom;
    /** Per plan, how many ledger writes moved its lease from one replica to another. */
    final Map<String, Integer> takeoversByPlan = new TreeMap<>();
    /** The launches seen recorded as ended through the other environment of their database's pair. */
    final Set<String> throughLaunches = new HashSet<>();
    int throughs;
    volatile long longestTakeoverNanos = -1;
    volatile int scenario;

    @AfterEach
    void tearDown() {
        replicas.forEach(Replica::destroy);
        if (cloud != null) {
            cloud.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    @Test
    void exactlyOnceAndOneLeaderUnderASeededStormOfFaults() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
        int soak = Integer.getInteger("soak", 0);
        scenarios = soak > 0 ? soak : Integer.getInteger("faults.scenarios", CI_SCENARIOS);
        seed = Long.getLong("faults.seed", new Random().nextLong());
        random = new Random(seed);
        receiverRandom = new Random(seed ^ 0x5DEECE66DL);
        identityRandom = new Random(seed ^ 0x9E3779B97F4A7C15L);
        eventRandom = new Random(seed ^ 0x2545F4914F6CDD1DL);
        manyPlans = Boolean.parseBoolean(System.getProperty("faults.many-plans", String.valueOf((seed & 1) == 0)));
        System.out.println("FaultSuiteIT: seed " + seed + " (replay with -Dfaults.seed=" + seed + "), " + scenarios
                + " scenarios" + (soak > 0 ? " (soak)" : "") + (manyPlans ? ", " + new TreeSet<>(PLAN_OF.values()).size()
                + " plans under s3://" + BUCKET + "/" + PREFIX + " with S3 events" : ", one plan"));
        began = System.nanoTime();

        Files.createDirectories(WORK);
        for (int i = 0; i < 3; i++) {
            Files.deleteIfExists(WORK.resolve("r" + i + ".log"));
        }
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0).faultRandomSeed(seed)
                .seed(Path.of("src/test/resources/faults/seed.yaml")).threads(96).build());
        cloud.setEcsThrottling(EcsThrottles.DOCUMENTED.scaled(Double.parseDouble(
                System.getProperty("faults.ecs-throttling-scale", "1"))));
        List<String> planArguments = new ArrayList<>();
        if (manyPlans) {
            cloud.watchPlans(BUCKET, key -> key.startsWith(PREFIX) && key.endsWith(".status.yaml"),
                    PREFIX + "beanstalk-migrator.roster.json");
            invariants.ledgers(this::ledgerHolding, this::takeoverAllowed);
            planArguments.add("-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PREFIX);
            planArguments.add("-Dmigrator.desired-state.events=" + planEventsQueue());
            planArguments.add("-Dmigrator.desired-state.full-listing-interval=" + FULL_LISTING.toMillis() + "ms");
        } else {
            cloud.watchLedger(BUCKET, LEDGER_KEY);
            planArguments.add("-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PLAN_KEY);
        }
        receiver = WebhookReceiver.start();
        cloud.watchCalls(this::checkInvariants);
        registeredVersions.add("v0-ok");
        for (int i = 0; i < ENVIRONMENTS; i++) {
            envs.add(new Env(String.format("fleet-%02d", i)));
        }
        synchronized (envs) {
            uploadPlan();
        }

        List<String> arguments = new ArrayList<>(List.of(
                // Plain lines with milliseconds for a person comparing replicas (production logs JSON).
                "-Dquarkus.log.console.json.enabled=false",
                "-Dquarkus.log.console.format=%d{HH:mm:ss,SSS} %-5p [%c{1.}] (%t) %s%e%n",
                "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                "-Dmigrator.aws.region=us-east-1",
                "-Dquarkus.s3.path-style-access=true",
                "-Dmigrator.poll.plan-interval=300ms",
                "-Dmigrator.poll.beanstalk-interval=300ms",
                "-Dmigrator.poll.task-interval=200ms",
                "-Dmigrator.leader-election.lease-duration=" + LEASE.toMillis() + "ms",
                "-Dmigrator.leader-election.renew-deadline=" + RENEW_DEADLINE.toMillis() + "ms",
                "-Dmigrator.leader-election.retry-period=" + RETRY.toMillis() + "ms",
                // One operator channel for the migration events; retries quick enough for a scenario, and nothing
                // ever given up within a run (the ledger cannot tell a give-up from a delivery).
                "-Dmigrator.notifications.channels." + CHANNEL + ".type=webhook",
                "-Dmigrator.notifications.channels." + CHANNEL + ".events=" + CHANNEL_EVENTS,
                "-Dmigrator.notifications.initial-delay=100ms",
                "-Dmigrator.notifications.max-delay=1s",
                "-Dmigrator.notifications.max-attempts=1000",
                "-Dmigrator.notifications.max-age=6h",
                "-Dmigrator.notifications.outbox-limit=10000",
                "-Dmigrator.notifications.connect-timeout=" + NOTIFICATION_CONNECT_TIMEOUT.toMillis() + "ms",
                "-Dmigrator.notifications.request-timeout=" + NOTIFICATION_REQUEST_TIMEOUT.toMillis() + "ms"));
        arguments.addAll(planArguments);
        Replica.Launch launch = new Replica.Launch(JAR.toAbsolutePath(), WORK.toAbsolutePath(), arguments, Map.of(
                "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test", "AWS_EC2_METADATA_DISABLED", "true",
                "AWS_CONFIG_FILE", WORK.toAbsolutePath().resolve("no-aws-config").toString(),
                "AWS_SHARED_CREDENTIALS_FILE", WORK.toAbsolutePath().resolve("no-aws-credentials").toString(),
                // A channel's URL is a secret: an environment variable, as in production.
                "MIGRATOR_NOTIFICATIONS_CHANNELS_" + CHANNEL.toUpperCase() + "_URL", receiver.url(CHANNEL_PATH)));
        for (int i = 0; i < 3; i++) {
            replicas.add(new Replica("r" + i, launch));
        }
        shutdownHook = new Thread(() -> replicas.forEach(Replica::destroy), "fault-suite-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        for (Replica replica : replicas) {
            replica.start();
        }

        settle("start", Duration.ofSeconds(90));
        for (scenario = 1; scenario <= scenarios; scenario++) {
            invariants.context("scenario " + scenario + ", seed " + seed + " (replay with -Dfaults.seed=" + seed + ")");
            notifications.context("scenario " + scenario + ", seed " + seed + " (replay with -Dfaults.seed=" + seed
                    + ")");
            runScenario();
        }

        // The end: no more faults, everyone back, nothing suspended; everything desired must finish.
        scenario = scenarios + 1;
        invariants.context("after the last scenario, seed " + seed + " (replay with -Dfaults.seed=" + seed + ")");
        notifications.context("after the last scenario, seed " + seed + " (replay with -Dfaults.seed=" + seed + ")");
        receiver.fail(CHANNEL_PATH, 0);
        cloud.clearFaults();
        cloud.setListTasksLag(Duration.ZERO);
        cloud.setDescribeTasksLag(Duration.ZERO);
        for (Replica replica : replicas) {
            replica.resume();
        }
        restartDead();
        synchronized (envs) {
            envs.forEach(e -> {
                e.suspended = false;
                e.removed = false;
            });
            uploadPlan();
        }
        boolean settled = settle("final", FINAL_DEADLINE);
        observe();
        List<String> unsettledNow = unsettled(readLedger());
        List<String> notificationsLeft = settleNotifications();
        for (Replica replica : replicas) {
            Path log = WORK.resolve(replica.identity + ".log");
            if (Files.isRegularFile(log)
                    && new String(Files.readAllBytes(log), StandardCharsets.UTF_8).contains(CHANNEL_PATH)) {
                violations.add(log + " holds the channel's URL, a secret");
            }
        }

        String figures = figures();
        synchronized (protocolFaults) {
            System.out.println("FaultSuiteIT faults at protocol points: " + protocolFaults);
        }
        System.out.println(figures);
        System.out.println("FaultSuiteIT ECS calls throttled (" + cloud.ecsThrottling() + "), per action: "
                + ThrottledCalls.perAction(cloud.calls()));
        int started = cloud.runsEverywhere().size();
        if (started != invariants.launches().size()) {
            violations.add(started + " tasks started, " + invariants.launches().size() + " seen as they started");
        }
        violations.forEach(v -> System.out.println("FaultSuiteIT violation: " + v));
        assertTrue(settled, () -> "not settled after the faults stopped: " + unsettledNow + "; " + figures);
        assertEquals(List.of(), violations, figures);
        assertEquals(0, invariants.duplicates(), figures);
        assertEquals(0, invariants.overlaps(), figures);
        assertEquals(0, invariants.databaseOverlaps(), figures);
        assertEquals(0, invariants.databaseDuplicates(), figures);
        assertEquals(0, invariants.promotionBreaks(), figures);
        assertEquals(0, invariants.previewDuplicates(), figures);
        assertEquals(0, invariants.approvalBreaks(), figures);
        assertEquals(0, invariants.lostOutcomes(), figures);
        assertEquals(List.of(), invariants.outcomesMissing(), figures);
        assertEquals(0, invariants.staleWrites(), figures);
        assertEquals(0, ledgerParseFailures + invariants.unparseable(), figures);
        assertEquals(List.of(), unsettledNow, figures);
        assertEquals(List.of(), notificationsLeft, () -> "invariant \"" + NotificationInvariants.NO_LOSS
                + "\" broken: " + notificationsLeft + "; seed " + seed + " (replay with -Dfaults.seed=" + seed + "); "
                + figures);
    }

    /**
     * Waits (deadline {@link #NOTIFICATIONS_DEADLINE}) until every event of a transition has been delivered and the
     * ledger's outbox holds nothing pending for the suite's channel; returns what is still missing: undelivered
     * events, and delivered ones still pending in the ledger (a delivery never recorded).
     */
    List<String> settleNotifications() {
        List<String> left = new ArrayList<>();
        try {
            await("notifications to be delivered and recorded").atMost(NOTIFICATIONS_DEADLINE)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        restartDead();
                        left.clear();
                        left.addAll(notificationsLeft(observe()));
                        return left.isEmpty() || notifications.firstBroken() != null;
                    });
        } catch (ConditionTimeoutException e) {
            System.out.println("FaultSuiteIT: notifications not settled within " + NOTIFICATIONS_DEADLINE + ": " + left);
        }
        failIfBroken();
        return List.copyOf(left);
    }

    List<String> notificationsLeft(MigrationStatus ledger) {
        List<String> left = new ArrayList<>();
        notifications.undelivered().forEach(id -> left.add("event " + id + " never delivered"));
        if (ledger == null) {
            left.add("(no readable ledger)");
        } else {
            ledger.notifications().stream().filter(n -> n.pending().contains(CHANNEL))
                    .forEach(n -> left.add("event " + n.id() + " still pending in the ledger's outbox"));
        }
        return left;
    }

    /**
     * The figures line. Lost outcomes: those the invariants saw lost, and after the last scenario those still
     * missing (while the run goes on, a missing outcome may just not be recorded yet).
     */
    String figures() {
        Map<String, Integer> counts;
        synchronized (faultCounts) {
            counts = new LinkedHashMap<>(faultCounts);
        }
        int injected = counts.values().stream().mapToInt(Integer::intValue).sum();
        NotificationInvariants.Duplicates duplicates = notifications.duplicates();
        return String.format("FaultSuiteIT figures: scenarios %d, faults injected %d %s, tasks launched %d,"
                        + " duplicates %d, overlapping tasks %d, tasks on a database in use %d, second runs of a"
                        + " (database, version, rerun) %d, migrations ended through the other of a pair %d,"
                        + " tasks before their upstream's success %d, previews %d, second previews of an (environment,"
                        + " version, rerun) %d, migrate tasks before their preview or a required approval %d,"
                        + " approvals %d (%d when a scenario settled), moves between accounts %d, tasks in the"
                        + " partner account %d, tasks where no plan placed their environment %d, lost outcomes %d, stale-leader writes accepted %d (late renewals of a"
                        + " lease nobody took: %d), longest leader death to new leader acting %s, ledger reads"
                        + " %d (unparseable %d), unsettled scenarios %d, seed %d, wall %d s, notification events"
                        + " recorded %d, delivered %d, undelivered %d, duplicates %d (%d before the write that"
                        + " recorded a delivery, with a replica killed, stopped or paused or the lease moved since"
                        + " the first; %d after that write, under way when their sender was killed, paused or"
                        + " deposed; %d otherwise), receiver 500s %d, %s",
                Math.min(scenario, scenarios), injected, counts, invariants.launches().size(), invariants.duplicates(),
                invariants.overlaps(), invariants.databaseOverlaps(), invariants.databaseDuplicates(), throughs,
                invariants.promotionBreaks(), invariants.previews(), invariants.previewDuplicates(),
                invariants.approvalBreaks(), counts.getOrDefault("approval", 0) + approvalsAtSettle, approvalsAtSettle,
                counts.getOrDefault("moves", 0), invariants.launches().stream()
                        .filter(l -> l.run.taskArn().contains(":222222222222:")).count(), misplaced.get(),
                invariants.lostOutcomes() + (scenario > scenarios ? invariants.outcomesMissing().size() : 0),
                invariants.staleWrites(), lateRenewals,
                longestTakeoverNanos < 0 ? "n/a" : longestTakeoverNanos / 1_000_000 + " ms", ledgerReads,
                ledgerParseFailures + invariants.unparseable(), unsettled, seed,
                Duration.ofNanos(System.nanoTime() - began).toSeconds(), notifications.recorded(),
                notifications.delivered(), notifications.undelivered().size(), duplicates.total(),
                duplicates.disrupted(), duplicates.afterRecorded(), duplicates.otherwise(), notifications.refused(),
                manyPlans ? new TreeSet<>(PLAN_OF.values()).size() + " plans under one prefix, takeovers per plan "
                        + takeoversByPlan : "one plan, takeovers " + takeoversByPlan.values().stream()
                        .mapToInt(Integer::intValue).sum());
    }

    /** Stops the run at the first broken invariant, naming it and the launch, with the figures so far. */
    void failIfBroken() {
        LaunchInvariants.Broken broken = invariants.firstBroken() != null ? invariants.firstBroken()
                : notifications.firstBroken();
        if (broken != null) {
            String figures = figures();
            System.out.println("FaultSuiteIT: " + broken.message());
            System.out.println(figures);
            throw new AssertionFailedError(broken.message() + "; " + figures);
        }
    }

    /** Sees each call as it takes effect, before it is answered: feeds the invariants. */
    void checkInvariants(SandboxCall call) {
        for (RunRecord run : call.tasksStarted()) {
            // The caller has no answer yet, so the ledger now holds all it wrote before calling RunTask.
            invariants.taskStarted(run, ledgerNow());
            invariants.environmentFree(run, cloud::taskStoppedAt);
            invariants.databaseFree(run, cloud::taskStoppedAt);
            String environment = run.tags().get(LaunchInvariants.TAG_ENVIRONMENT);
            String account = run.taskArn().split(":")[4];
            if (!accountsPlanned.getOrDefault(environment, Set.of()).contains(account)) {
                // Launched where no plan uploaded so far placed the environment.
                misplaced.incrementAndGet();
                violations.add("scenario " + scenario + ": " + run.taskArn() + " of " + environment + " started in"
                        + " account " + account + ", where no plan placed it (" + accountsPlanned.get(environment)
                        + ")");
            }
            String upstream = UPSTREAM.get(environment);
            if (upstream != null) {
                invariants.upstreamFirst(run, upstream, cloud::taskStoppedAt, cloud::taskExitCode);
            }
            if (PREVIEWED.containsKey(environment)) {
                List<String> lines = previewLinesOf(run.tags().get(LaunchInvariants.TAG_VERSION));
                invariants.approvedFirst(run, cloud::taskStoppedAt, cloud::taskExitCode,
                        dev.beanstalkmigrator.reconcile.decide.Previews.digest(lines),
                        needsApproval(environment, lines), digest -> approvedAt(environment, digest));
            }
        }
        for (RunRecord run : call.tasksStarted()) {
            String armed = editOnStart.get();
            if (armed != null && armed.startsWith(run.tags().get(LaunchInvariants.TAG_ENVIRONMENT) + "|")
                    && editOnStart.compareAndSet(armed, null)) {
                editWhileRunning(run, armed.substring(armed.indexOf('|') + 1));
            }
        }
        if (call.isLedgerWrite()) {
            learnHolder(call);
            MigrationStatus ledger;
            try {
                ledger = LedgerCodec.read(call.content());
            } catch (RuntimeException e) {
                invariants.ledgerWritten(call.ledgerWrite(), null, e.getMessage());
                return;
            }
            invariants.ledgerWritten(call.ledgerWrite(), ledger, null);
            if (new String(call.content(), StandardCharsets.UTF_8).contains(CHANNEL_PATH)) {
                violations.add("ledger write #" + call.ledgerWrite().seq() + " holds the channel's URL, a secret");
            }
            notifications.ledgerWritten(call.ledgerWrite(), parseOrNull(call.previousContent()), ledger);
        }
    }

    /**
     * Gives the environment of {@code run}, whose task ECS has just started, a new version or rerun token, from
     * another thread (the sandbox's waits for nobody): the plan now wants a migration its running one must finish
     * before.
     */
    void editWhileRunning(RunRecord run, String edit) {
        String environment = run.tags().get(LaunchInvariants.TAG_ENVIRONMENT);
        Env env = envs.stream().filter(e -> e.name.equals(environment)).findFirst().orElse(null);
        if (env == null) {
            return;
        }
        Thread thread = new Thread(() -> {
            List<String> changes = new ArrayList<>();
            synchronized (envs) {
                if (edit.startsWith("version:")) {
                    newVersion(env, changes, edit.substring("version:".length()));
                } else {
                    rerun(env, changes);
                }
                uploadPlan();
            }
            count("edit while running");
            System.out.printf("  edit while %s runs: %s%n", run.taskArn(), changes);
        }, "fault-suite-edit");
        thread.setDaemon(true);
        thread.start();
    }

    static MigrationStatus parseOrNull(byte[] ledger) {
        try {
            return ledger == null ? null : LedgerCodec.read(ledger);
        } catch (RuntimeException e) {
            return null;
        }
    }

    // --- one scenario ---------------------------------------------------------------------------------------

    /** A fault at an offset from the plan change. */
    record Step(long offsetMillis, String what, Runnable action) {}

    void runScenario() throws Exception {
        MigrationStatus before = readLedger();
        List<String> changes;
        synchronized (envs) {
            changes = changePlan(before);
        }
        List<Step> steps = scheduleFaults();
        steps.addAll(sharedIdentity());
        if (receiverRandom.nextDouble() < RECEIVER_FAILURE_CHANCE) {
            int failures = 1 + receiverRandom.nextInt(4);
            receiver.fail(CHANNEL_PATH, failures);
        }
        String eventFault = manyPlans ? eventFault() : null;
        synchronized (envs) {
            uploadPlan();
        }
        long start = System.nanoTime();
        List<String> done = new ArrayList<>();
        for (Step step : steps.stream().sorted(Comparator.comparingLong(Step::offsetMillis)).toList()) {
            watchUntil(start + step.offsetMillis() * 1_000_000);
            step.action().run();
            done.add(step.what());
        }
        cloud.clearFaults();
        cloud.setListTasksLag(Duration.ZERO);
        cloud.setDescribeTasksLag(Duration.ZERO);
        editOnStart.set(null);
        for (Replica replica : replicas) {
            replica.resume();
        }
        long faultsOver = System.nanoTime();
        boolean settled = settle("scenario " + scenario, SCENARIO_DEADLINE);
        if (eventFault != null) {
            done.add(eventFault);
            cloud.setEventDelivery(SandboxCloud.EventDelivery.PROMPT, seed);
        }
        if (!settled) {
            unsettled++;
        }
        armed.forEach((hold, fault) -> {
            if (hold.cancel()) {
                done.add("(" + fault + ": not reached)");
            }
        });
        armed.clear();
        System.out.printf("scenario %d: plan %s; faults %s; %s in %d ms%n", scenario, changes, done,
                settled ? "settled" : "NOT settled", (System.nanoTime() - faultsOver) / 1_000_000);
    }

    /**
     * Follows the run until {@code nanos} (the schedule's own timing, not a wait for a condition), looking at the
     * sandbox's records every 100 ms and stopping at once when an invariant broke.
     */
    void watchUntil(long nanos) throws InterruptedException {
        while (true) {
            observe();
            failIfBroken();
            long left = (nanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return;
            }
            Thread.sleep(Math.min(100, left));
        }
    }

    List<String> changePlan(MigrationStatus ledger) {
        List<String> changes = new ArrayList<>();
        List<Env> pick = new ArrayList<>(envs);
        java.util.Collections.shuffle(pick, random);
        int n = 2 + random.nextInt(3);
        for (Env env : pick.subList(0, n)) {
            double r = random.nextDouble();
            if (env.removed) {
                env.removed = false;
                changes.add(env.name + " back in the plan");
                String upstream = UPSTREAM.get(env.name);
                envs.stream().filter(e -> e.name.equals(upstream) && e.removed).forEach(e -> {
                    // A plan naming it in after: without it would be refused (the last good plan, if any, in force).
                    e.removed = false;
                    changes.add(e.name + " back in the plan (its downstream is)");
                });
                if (r < 0.5) {
                    newVersion(env, changes);
                }
            } else if (env.suspended) {
                env.suspended = false;
                changes.add(env.name + " resume");
                if (r < 0.5) {
                    newVersion(env, changes);
                }
            } else if (r < 0.12) {
                env.suspended = true;
                changes.add(env.name + " suspend");
                if (random.nextBoolean()) {
                    newVersion(env, changes);
                }
            } else if (r < 0.35 && lastFailed(ledger, env)) {
                rerun(env, changes);
            } else if (r < 0.45) {
                // A rerun token changed whatever the state: after a success, or while the migration still runs.
                rerun(env, changes);
            } else if (r < 0.55) {
                editField(env, changes);
            } else {
                newVersion(env, changes);
                promote(env, changes);
                if (env.place != null && random.nextDouble() < MOVE_WITH_VERSION_CHANCE) {
                    // The same edit moves it: the new version is launched at the new place, while what the last one
                    // has in flight is followed where it was launched.
                    move(env, changes);
                }
            }
        }
        if (manyPlans && eventRandom.nextDouble() < PLAN_REMOVAL_CHANCE) {
            List<String> plans = new ArrayList<>(new TreeSet<>(PLAN_OF.values()));
            String plan = plans.get(eventRandom.nextInt(plans.size()));
            envs.stream().filter(env -> plan.equals(planOf.get(env.name))).forEach(env -> env.removed = true);
            count("plan removed");
            changes.add(plan + " removed");
        }
        if (manyPlans && eventRandom.nextDouble() < PLAN_MOVE_CHANCE) {
            // The new plan takes it over once the old one lets it go (nothing of it in flight there), with what it
            // ran there: whatever the order S3 gets the two files in, it runs no version twice.
            String name = MOVABLE.get(eventRandom.nextInt(MOVABLE.size()));
            List<String> others = new ArrayList<>(new TreeSet<>(PLAN_OF.values()));
            others.remove(planOf.get(name));
            String to = others.get(eventRandom.nextInt(others.size()));
            planOf.put(name, to);
            count("moved between plans");
            changes.add(name + " moved to " + to);
            Env env = envs.stream().filter(e -> e.name.equals(name)).findFirst().orElseThrow();
            if (env.place != null && eventRandom.nextDouble() < MOVE_PLACE_WITH_PLAN_CHANCE) {
                // To another account too, in the same edit: for a while the old plan (until it reads its new file)
                // names the environment where it was, the new one where it is, both on its one database. Claimed by
                // its name, it stays with the old plan until that plan lets it go.
                move(env, changes);
                count("moved between plans and accounts");
            }
        }
        return changes;
    }

    /** Moves a {@link #PLACED} environment to its other place (home, partner). */
    void move(Env env, List<String> changes) {
        env.place = env.place.equals("home") ? "partner" : "home";
        count("moves");
        changes.add(env.name + " moved to " + env.place);
    }

    /**
     * Sometimes gives the new version of {@code env} to the other environment of its database's pair too, as a
     * blue/green pair is promoted: one runs it, the other waits for it and records how it ended there.
     */
    void promote(Env env, List<String> changes) {
        Env partner = PARTNER.containsKey(env.name) ? envs.stream().filter(e -> e.name.equals(PARTNER.get(env.name)))
                .findFirst().orElseThrow() : null;
        if (partner == null || partner.removed || partner.suspended
                || random.nextDouble() >= PROMOTE_TO_PARTNER_CHANCE) {
            return;
        }
        partner.version = env.version;
        partner.rerun = env.rerun;
        changes.add(partner.name + " " + env.version + " too (its database's pair)");
        count("promoted to the pair");
    }

    void rerun(Env env, List<String> changes) {
        env.rerun = "r" + (++env.reruns);
        changes.add(env.name + " rerun " + env.version + "/" + env.rerun);
    }

    /**
     * A plan edit at a random instant of the scenario, while its migrations run: a new version, a rerun, another
     * field, or an environment left out of the plan (and back later).
     */
    Step planEdit(long at) {
        Env env = envs.get(random.nextInt(envs.size()));
        double r = random.nextDouble();
        return new Step(at, "plan edit of " + env.name, () -> {
            List<String> changes = new ArrayList<>();
            synchronized (envs) {
                if (env.removed) {
                    env.removed = false;
                    changes.add(env.name + " back in the plan");
                } else if (r < 0.3) {
                    newVersion(env, changes);
                } else if (r < 0.55) {
                    rerun(env, changes);
                } else if (r < 0.8) {
                    editField(env, changes);
                } else if (UPSTREAM.containsValue(env.name)) {
                    rerun(env, changes);
                } else {
                    env.removed = true;
                    changes.add(env.name + " removed from the plan");
                }
                uploadPlan();
            }
            count("plan edit");
            System.out.printf("  plan edit: %s%n", changes);
        });
    }

    /**
     * A new version for {@code env}: a new label registered (zero-padded, so that the newest by Elastic Beanstalk's
     * order is the last registered, which the environment that follows {@code latest} then resolves to); the
     * environment that follows {@code deployed} gets it deployed instead of a plan change.
     */
    void newVersion(Env env, List<String> changes) {
        newVersion(env, changes, drawKind());
    }

    /** How a new version's migration behaves: ok, fail, or hang until its timeout. */
    String drawKind() {
        double r = random.nextDouble();
        return r < 0.6 ? "ok" : r < 0.85 ? "fail" : "hang";
    }

    void newVersion(Env env, List<String> changes, String kind) {
        String upstream = UPSTREAM.get(env.name);
        if (upstream != null) {
            Env up = envs.stream().filter(e -> e.name.equals(upstream)).findFirst().orElseThrow();
            if (!up.version.equals(env.version)) {
                env.version = up.version;
                env.rerun = "";
                changes.add(env.name + " " + up.version + " (promoted from " + upstream + ")");
                count("promoted along after");
            }
            return;
        }
        String label = String.format("v%04d-%s", ++versionCounter, kind);
        if (registeredVersions.add(label)) {
            cloud.registerApplicationVersion(APPLICATION, label, null, null);
            previewOf(label);
            latestVersion = label;
        }
        if (env.name.equals(FOLLOWS_DEPLOYED)) {
            cloud.setDeployedVersion(env.name, label);
        }
        env.version = label;
        env.rerun = "";
        changes.add(env.name + " " + label + (env.name.equals(FOLLOWS_DEPLOYED) ? " (deployed)" : ""));
    }

    /**
     * What the preview of a new version prints, as a rule of the sandbox's (first, so that it wins over the seed's):
     * a destructive plan (it matches {@link #RISKY}), a harmless one, or a failure (exit 1). Each names the version, so
     * each has a digest of its own.
     */
    void previewOf(String label) {
        double r = random.nextDouble();
        List<String> lines = r < 0.4
                ? List.of("Planned operations:", "fleet." + label + "_drop", "    " + RISKY + " legacy from order")
                : List.of("Planned operations:", "fleet." + label + "_add", "    Add field note to order");
        boolean fails = r >= 0.88;
        previewLines.put(label, lines);
        SandboxSeed.TaskBehaviours behaviours = cloud.taskBehaviours();
        List<SandboxSeed.Rule> rules = new ArrayList<>();
        rules.add(new SandboxSeed.Rule(new SandboxSeed.Match(null, label, null, "--plan"), null,
                Duration.ofMillis(200), fails ? 1 : 0, null, lines, null, null, null));
        rules.addAll(behaviours.rules());
        cloud.setTaskBehaviours(new SandboxSeed.TaskBehaviours(behaviours.defaults(), rules));
    }

    /** What the sandbox prints for the preview of {@code label}. */
    List<String> previewLinesOf(String label) {
        return previewLines.getOrDefault(label, NO_PLANNED_OPERATIONS);
    }

    /** Whether a preview that printed {@code lines} needs approval in {@code environment}. */
    static boolean needsApproval(String environment, List<String> lines) {
        return "always".equals(PREVIEWED.get(environment)) || String.join("\n", lines).contains(RISKY);
    }

    /** When a plan approving {@code digest} for {@code environment} (itself or in the defaults) was first uploaded. */
    java.time.Instant approvedAt(String environment, String digest) {
        java.time.Instant own = approvals.getOrDefault(environment, Map.of()).get(digest);
        java.time.Instant all = approvals.getOrDefault(DEFAULTS, Map.of()).get(digest);
        return own == null ? all : all == null || own.isBefore(all) ? own : all;
    }

    /**
     * Approves the preview of the version {@code env} wants now, as a person does who copies the digest from the
     * status page (here: computed from what the sandbox prints); the caller holds the lock on {@link #envs} and uploads
     * the plan. False when it is approved already.
     */
    boolean approve(Env env, boolean inDefaults) {
        String label = env.name.equals(FOLLOWS_LATEST) ? latestVersion : env.version;
        String digest = dev.beanstalkmigrator.reconcile.decide.Previews.digest(previewLinesOf(label));
        String where = inDefaults ? DEFAULTS : env.name;
        if (approvals.getOrDefault(where, Map.of()).containsKey(digest)
                || unsentApprovals.stream().anyMatch(a -> a[0].equals(where) && a[1].equals(digest))) {
            return false;
        }
        unsentApprovals.add(new String[] {where, digest});
        return true;
    }

    /** An approval at a random instant of the scenario: of what a previewed environment wants now. */
    Step approvalStep(long at) {
        List<String> names = PREVIEWED.keySet().stream().sorted().toList();
        String name = names.get(random.nextInt(names.size()));
        boolean inDefaults = random.nextDouble() < APPROVE_IN_DEFAULTS_CHANCE;
        return new Step(at, "approval for " + name + (inDefaults ? " in the defaults" : ""), () -> {
            synchronized (envs) {
                Env env = envs.stream().filter(e -> e.name.equals(name)).findFirst().orElseThrow();
                if (approve(env, inDefaults)) {
                    uploadPlan();
                    count("approval");
                }
            }
        });
    }

    /** When a scenario settles, the migrations that wait for approval get it, as a person gives it. */
    void approveWaiting(MigrationStatus ledger) {
        if (ledger == null) {
            return;
        }
        synchronized (envs) {
            boolean any = false;
            for (Env env : envs) {
                EnvironmentStatus status = ledger.environment(env.name);
                Condition ready = status == null ? null : status.condition(Condition.READY);
                if (PREVIEWED.containsKey(env.name) && !env.removed && !env.suspended && ready != null
                        && Reasons.APPROVAL_PENDING.equals(ready.reason()) && approve(env, false)) {
                    any = true;
                    approvalsAtSettle++;
                }
            }
            if (any) {
                uploadPlan();
            }
        }
    }

    /**
     * Edits one more of {@code env}'s plan fields, as a team would between or during migrations: its command,
     * timeout, network, afterSuccess or database. None changes what a migration is keyed by; a launch prepared before the edit
     * may be replayed, adopted or prepared again, but never run twice.
     */
    void editField(Env env, List<String> changes) {
        switch (random.nextInt(env.place == null ? 5 : 6)) {
            case 0 -> env.command = env.command == null ? "[python, manage.py, migrate, --noinput, --verbosity, '2']"
                    : null;
            case 1 -> env.timeout = env.timeout == null ? (TIMEOUT.toSeconds() + 1) + "s" : null;
            case 2 -> env.subnet = env.subnet == null ? "subnet-2" : null;
            case 3 -> env.database = env.database != null ? null
                    : PARTNER.containsKey(env.name) || random.nextBoolean() ? DATABASES.get(env.name) : "none";
            case 4 -> env.deploy = !env.deploy && !env.name.equals(FOLLOWS_DEPLOYED);
            default -> move(env, changes);
        }
        changes.add(env.name + " fields " + fields(env));
    }

    static String fields(Env env) {
        return "command=" + (env.command != null) + " timeout=" + (env.timeout == null ? TIMEOUT.toSeconds() + "s"
                : env.timeout) + " subnet=" + (env.subnet == null ? "subnet-1" : env.subnet) + " deploy=" + env.deploy
                + " database=" + (env.database == null ? "found" : env.database)
                + (env.place == null ? "" : " place=" + env.place);
    }

    static boolean lastFailed(MigrationStatus ledger, Env env) {
        EnvironmentStatus status = ledger == null ? null : ledger.environment(env.name);
        MigrationRecord record = status == null ? null : status.find(env.version, env.rerun);
        return record != null && (record.phase() == Phase.Failed || record.phase() == Phase.TimedOut);
    }

    List<Step> scheduleFaults() {
        List<Step> steps = new ArrayList<>();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            long at = random.nextInt(1500);
            double r = random.nextDouble();
            if (r < 0.22) {
                long back = at + 200 + random.nextInt(1500);
                boolean leader = random.nextDouble() < 0.7;
                int any = random.nextInt(3);
                Replica[] victim = new Replica[1];
                steps.add(new Step(at, "kill -9 " + (leader ? "leader" : "r" + any), () -> {
                    victim[0] = leader ? leaderOrNull() : replicas.get(any);
                    if (victim[0] != null && victim[0].isAlive()) {
                        boolean wasLeader = victim[0] == replicaOf(leaseHolder());
                        notifications.disrupted(System.nanoTime());
                        unchecked(victim[0]::kill);
                        count("kill -9");
                        if (wasLeader) {
                            deaths.add(new Death(victim[0].identity, System.nanoTime(), false, scenario));
                        }
                    }
                }));
                steps.add(new Step(back, "restart", () -> {
                    if (victim[0] != null && !victim[0].isAlive()) {
                        unchecked(victim[0]::start);
                    }
                }));
            } else if (r < 0.37) {
                long pause = LEASE.toMillis() + 300 + random.nextInt(1500);
                Replica[] victim = new Replica[1];
                Long[] stoppedAt = {null};
                steps.add(new Step(at, "SIGSTOP leader " + pause + " ms", () -> {
                    victim[0] = leaderOrNull();
                    if (victim[0] != null && victim[0].isAlive()) {
                        stoppedAt[0] = System.nanoTime();
                        notifications.disrupted(stoppedAt[0]);
                        victim[0].pause();
                        count("SIGSTOP");
                        deaths.add(new Death(victim[0].identity, System.nanoTime(), true, scenario));
                    }
                }));
                steps.add(new Step(at + pause, "SIGCONT", () -> {
                    if (victim[0] != null) {
                        victim[0].resume();
                    }
                    if (stoppedAt[0] != null) {
                        notifications.paused(stoppedAt[0], System.nanoTime());
                    }
                }));
            } else if (r < 0.45) {
                int which = random.nextInt(3);
                long back = at + 100 + random.nextInt(500);
                steps.add(new Step(at, "SIGTERM r" + which, () -> {
                    Replica replica = replicas.get(which);
                    if (replica.isAlive()) {
                        notifications.disrupted(System.nanoTime());
                        unchecked(replica::terminate);
                        count("restart");
                    }
                }));
                steps.add(new Step(back, "start r" + which, () -> {
                    Replica replica = replicas.get(which);
                    if (!replica.isAlive()) {
                        unchecked(replica::start);
                    }
                }));
            } else if (r < 0.52) {
                Env env = envs.get(random.nextInt(envs.size()));
                String value = databaseUrl(env.name, "edit-" + random.nextInt(1_000_000));
                steps.add(new Step(at, "variable edit " + env.name, () -> {
                    cloud.setEnvironmentVariable(env.name, EDITED_VARIABLE, value);
                    count("variable edit");
                }));
            } else {
                Fault fault = randomFault();
                steps.add(new Step(at, "sandbox " + describe(fault), () -> {
                    cloud.injectFault(fault);
                    count("sandbox " + fault.kind().name().toLowerCase());
                }));
            }
        }
        if (random.nextDouble() < PLAN_EDIT_CHANCE) {
            steps.add(planEdit(100 + random.nextInt(1500)));
        }
        if (random.nextDouble() < APPROVAL_STEP_CHANCE) {
            steps.add(approvalStep(random.nextInt(1500)));
        }
        if (random.nextDouble() < IN_FLIGHT_EDIT_CHANCE) {
            Env env = envs.get(random.nextInt(envs.size()));
            String edit = random.nextBoolean() ? "version:" + drawKind() : "rerun";
            steps.add(new Step(0, env.name + " hangs, then a new " + edit.replaceFirst(":.*", "") + " as it starts",
                    () -> {
                        List<String> changes = new ArrayList<>();
                        synchronized (envs) {
                            env.suspended = false;
                            env.removed = false;
                            newVersion(env, changes, "hang");
                            uploadPlan();
                        }
                        editOnStart.set(env.name + "|" + edit);
                        System.out.printf("  %s, armed: %s%n", changes, edit);
                    }));
        }
        // A kill and a lost answer at launch-protocol instants, each drawn on its own; armed early: the plan change
        // is seen within one plan interval, and its launches follow.
        for (boolean kill : new boolean[] {true, false}) {
            if (random.nextDouble() < PROTOCOL_FAULT_CHANCE) {
                ProtocolPoint point = ProtocolPoint.values()[random.nextInt(ProtocolPoint.values().length)];
                String edit = random.nextDouble() < EDIT_AT_PROTOCOL_POINT_CHANCE
                        ? "edit-" + random.nextInt(1_000_000) : null;
                boolean remove = random.nextDouble() < REMOVE_AT_PROTOCOL_POINT_CHANCE;
                steps.add(new Step(random.nextInt(250), (kill ? "kill -9 at " : "answer lost at ") + point
                        + (edit != null && point.launchOf != null ? " + variable edit" : "")
                        + (remove && point.launchOf != null ? " + removed from the plan" : ""),
                        () -> armAt(point, kill, edit, remove)));
            }
        }
        // ListTasks (and perhaps DescribeTasks) lagging behind RunTask for the whole scenario: set before the plan
        // change's launches.
        if (random.nextDouble() < LIST_TASKS_LAG_CHANCE) {
            Duration lag = Duration.ofMillis(200 + random.nextInt((int) LONGEST_LIST_TASKS_LAG.toMillis() - 200));
            Duration describeLag = random.nextBoolean() ? Duration.ofMillis(100 + random.nextInt(
                    (int) LONGEST_DESCRIBE_TASKS_LAG.toMillis() - 100)) : Duration.ZERO;
            steps.add(new Step(0, "ListTasks lag " + lag.toMillis() + " ms" + (describeLag.isZero() ? ""
                    : ", DescribeTasks lag " + describeLag.toMillis() + " ms"), () -> {
                cloud.setListTasksLag(lag);
                count("ListTasks lag");
                if (!describeLag.isZero()) {
                    cloud.setDescribeTasksLag(describeLag);
                    count("DescribeTasks lag");
                }
            }));
        }
        if (random.nextDouble() < CAPACITY_FAULT_CHANCE) {
            steps.addAll(capacityGone());
        }
        return steps;
    }

    /**
     * The EC2 cluster without capacity for a while, then given it back: its instances full (RunTask answers
     * RESOURCE:* failures) or deregistered (InvalidParameterException "No Container Instances"). Its launches
     * wait, and run once when the capacity is back.
     */
    List<Step> capacityGone() {
        // Early, so that it meets the launches the plan change brings (seen within one plan interval).
        long at = random.nextInt(200);
        long back = at + 500 + random.nextInt(2000);
        boolean deregistered = random.nextBoolean();
        return List.of(new Step(at, "capacity gone on " + EC2_CLUSTER + (deregistered ? " (no instances)" : " (full)")
                + " for " + (back - at) + " ms", () -> {
                    for (String instance : EC2_INSTANCES) {
                        if (deregistered) {
                            cloud.removeContainerInstance(EC2_CLUSTER, instance);
                        } else {
                            cloud.setContainerInstance(EC2_CLUSTER, instance, 0, 0, null);
                        }
                    }
                    count("capacity gone");
                }), new Step(back, "capacity back", () -> {
                    for (String instance : EC2_INSTANCES) {
                        if (deregistered) {
                            cloud.addContainerInstance(EC2_CLUSTER,
                                    new SandboxSeed.ContainerInstance(instance, 8192, 16384, null, null, null));
                        } else {
                            cloud.setContainerInstance(EC2_CLUSTER, instance, 8192, 16384, null);
                        }
                    }
                }));
    }

    Fault randomFault() {
        String operation = OPERATIONS.get(random.nextInt(OPERATIONS.size()));
        double r = random.nextDouble();
        if (random.nextDouble() < 0.2) {
            // The call runs, then its answer is lost: the caller cannot tell it from a call that never ran.
            return Fault.answerLost(ANSWER_LOST_OPERATIONS.get(random.nextInt(ANSWER_LOST_OPERATIONS.size())))
                    .times(1 + random.nextInt(4));
        } else if (r < 0.3) {
            // A throttling storm: most calls of the operation throttled until the schedule ends.
            return Fault.throttle(operation).probability(0.5 + random.nextDouble() / 2);
        } else if (r < 0.5) {
            return Fault.serverError(operation).times(1 + random.nextInt(8));
        } else if (r < 0.65) {
            return Fault.latency(operation, Duration.ofMillis(50 + random.nextInt(700))).times(1 + random.nextInt(10));
        } else if (r < 0.8) {
            return Fault.drop(operation).times(1 + random.nextInt(4));
        } else {
            String s3 = random.nextBoolean() ? "s3:PutObject" : "s3:*";
            return (random.nextBoolean() ? Fault.conflict(s3) : Fault.precondition(s3)).times(1 + random.nextInt(4));
        }
    }

    static String describe(Fault fault) {
        return fault.kind().name().toLowerCase() + " " + fault.operation()
                + (fault.times() > 0 ? " x" + fault.times() : "")
                + (fault.probability() < 1 ? String.format(" p%.2f", fault.probability()) : "")
                + (fault.kind() == FaultKind.LATENCY ? " " + fault.latency().toMillis() + "ms" : "");
    }

    void count(String what) {
        synchronized (faultCounts) {
            faultCounts.merge(what, 1, Integer::sum);
        }
    }

    // --- replicas -------------------------------------------------------------------------------------------

    /**
     * Arms a fault at a launch-protocol instant: the sandbox keeps back its answer to the next call that reaches
     * {@code point}. Then either the suite kills the replica that sent it and waits for it to be dead before the
     * answer goes (to nobody), or the connection is closed without an answer, as when a network fails after the
     * effect (the caller lives on, not knowing whether its call took effect). Disarmed at the end of the scenario
     * if no call reached it.
     */
    void armAt(ProtocolPoint point, boolean kill, String editedValue, boolean remove) {
        HeldAnswer hold = cloud.holdNext(point.reached);
        armed.put(hold, (kill ? "kill -9 at " : "answer lost at ") + point);
        hold.held().thenAccept(call -> {
            if (editedValue != null && point.launchOf != null) {
                editVariableOfLaunch(point, call, editedValue);
            }
            if (remove && point.launchOf != null) {
                removeEnvironmentOfLaunch(point, call);
            }
            if (!kill) {
                hold.drop();
                count("answer lost at protocol point");
                countAt("answer lost at " + point);
                System.out.printf("  answer lost at %s (%s)%n", point, call);
                return;
            }
            try {
                killSender(point, call);
            } finally {
                hold.release();
            }
        });
    }

    /**
     * Edits the variables of the environment whose launch is held at {@code point}: the intent is recorded (and
     * perhaps its task started) with the old values, and its adoption comes after the edit. An adoption that
     * rebuilt its RunTask from the new values would differ from the first call, which ECS refuses for a known client
     * token; whatever the replay, the invariants still hold the launch to one task and its outcome recorded.
     */
    /** The {@code DATABASE_URL} of {@code environment} with {@code password}: its database stays its own. */
    static String databaseUrl(String environment, String password) {
        return "postgres://fleet:" + password + "@" + DATABASES.get(environment);
    }

    void editVariableOfLaunch(ProtocolPoint point, SandboxCall call, String value) {
        String environment;
        try {
            environment = point.launchOf.apply(call);
        } catch (RuntimeException e) {
            environment = null;
        }
        if (environment == null) {
            return;
        }
        cloud.setEnvironmentVariable(environment, EDITED_VARIABLE, databaseUrl(environment, value));
        count("variable edit at protocol point");
        countAt("variable edit at " + point);
        System.out.printf("  variable %s of %s edited at %s%n", EDITED_VARIABLE, environment, point);
    }

    /**
     * Leaves the environment whose launch is held at {@code point} out of the plan: its intent (and perhaps its task)
     * is the ledger's, and must be finished from the intent alone, replayed, followed and recorded, as if the plan
     * still named it. It comes back in a later change.
     */
    void removeEnvironmentOfLaunch(ProtocolPoint point, SandboxCall call) {
        String launched;
        try {
            launched = point.launchOf.apply(call);
        } catch (RuntimeException e) {
            launched = null;
        }
        String environment = launched;
        Env env = envs.stream().filter(e -> e.name.equals(environment)).findFirst().orElse(null);
        if (env == null || UPSTREAM.containsValue(env.name)) {
            return;
        }
        synchronized (envs) {
            env.removed = true;
            uploadPlan();
        }
        count("removed from the plan at protocol point");
        countAt("removed from the plan at " + point);
        System.out.printf("  %s removed from the plan at %s%n", environment, point);
    }

    void countAt(String what) {
        synchronized (protocolFaults) {
            protocolFaults.merge(what, 1, Integer::sum);
        }
    }

    /** Runs on the sandbox's thread while the answer to {@code call} is held. */
    void killSender(ProtocolPoint point, SandboxCall call) {
        Replica sender = replicas.stream().filter(r -> r.sentFrom(call.client().getPort(), cloud.port()))
                .findFirst().orElse(null);
        if (sender == null) {
            System.out.printf("  %s reached by %s, whose sender is gone%n", point, call);
            return;
        }
        boolean wasLeader = sender == replicaOf(leaseHolder());
        // When the signal goes, not when the process is seen gone: a repeat's window starts here.
        notifications.disrupted(System.nanoTime());
        try {
            sender.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        count("kill -9 at protocol point");
        countAt("kill -9 at " + point);
        if (wasLeader) {
            deaths.add(new Death(sender.identity, System.nanoTime(), false, scenario));
        }
        System.out.printf("  kill -9 %s%s at %s (%s)%n", sender.identity, wasLeader ? " (leader)" : "", point, call);
    }

    /**
     * Restarts every dead replica. One that exited by itself (not killed, not stopped by the suite) is a
     * violation: nothing in the schedule makes a replica exit on its own.
     */
    void restartDead() throws IOException {
        for (Replica replica : replicas) {
            if (replica.isAlive()) {
                continue;
            }
            if (replica.exitedByItself() && exits.add(replica.identity + "#" + replica.incarnation())) {
                violations.add("scenario " + scenario + ": " + replica.identity + " exited with "
                        + replica.exitCode() + " (see " + WORK.resolve(replica.identity + ".log") + ")");
            }
            replica.start();
        }
    }

    Replica leaderOrNull() {
        return replicaOf(leaseHolder());
    }

    /** The replica {@code holder} (a lease holder) is an incarnation of; null when none or not known. */
    Replica replicaOf(String holder) {
        return holder == null ? null : holders.get(holder);
    }

    /** Learns whose lease an accepted ledger write names: the replica that sent it (its connection is still open). */
    void learnHolder(SandboxCall call) {
        String holder = call.ledgerWrite().holder();
        if (!holder.isEmpty()) {
            holders.computeIfAbsent(holder, h -> replicas.stream()
                    .filter(r -> r.sentFrom(call.client().getPort(), cloud.port())).findFirst().orElse(null));
        }
    }

    /**
     * In some scenarios, one replica restarted (SIGTERM) under another's configured identity for that incarnation:
     * two processes with one name. Each still has an identity of its own, so neither may take the other's lease for
     * its own; the invariants judge the rest.
     */
    List<Step> sharedIdentity() {
        if (identityRandom.nextDouble() >= SHARED_IDENTITY_CHANCE) {
            return List.of();
        }
        Replica replica = replicas.get(identityRandom.nextInt(3));
        String name = replicas.stream().filter(r -> r != replica).toList().get(identityRandom.nextInt(2)).identity;
        return List.of(new Step(identityRandom.nextInt(1500), replica.identity + " restarts as " + name, () -> {
            notifications.disrupted(System.nanoTime());
            unchecked(replica::terminate);
            unchecked(() -> replica.startAs(name));
            count("shared identity");
        }));
    }

    /** The name of the replica {@code holder} is an incarnation of, or the holder itself when not known. */
    String nameOf(String holder) {
        Replica replica = replicaOf(holder);
        return replica == null ? holder : replica.identity;
    }

    /** The lease holder the last accepted ledger write named; null when released or none. */
    String leaseHolder() {
        List<ObjectWrite> writes = cloud.writes();
        String holder = writes.isEmpty() ? "" : writes.get(writes.size() - 1).holder();
        return holder.isEmpty() ? null : holder;
    }

    // --- observing ------------------------------------------------------------------------------------------

    /**
     * Waits until quiescent or the deadline, restarting dead replicas meanwhile; stops at once when an invariant
     * broke.
     */
    boolean settle(String what, Duration deadline) {
        AtomicBoolean quiet = new AtomicBoolean();
        try {
            await(what + " to settle").atMost(deadline).pollInterval(Duration.ofMillis(100)).until(() -> {
                restartDead();
                MigrationStatus ledger = observe();
                approveWaiting(ledger);
                quiet.set(ledger != null && unsettled(ledger).isEmpty());
                return quiet.get() || invariants.firstBroken() != null || notifications.firstBroken() != null;
            });
        } catch (ConditionTimeoutException e) {
            System.out.println("FaultSuiteIT: " + what + " did not settle within " + deadline + ": "
                    + unsettled(readLedger()) + ", replicas " + replicas.stream().map(r -> r.identity
                    + (r.isAlive() ? r.isStopped() ? ":stopped" : ":up" : ":down")).toList());
        }
        failIfBroken();
        return quiet.get();
    }

    /**
     * What keeps the run from being quiescent: the keys of active environments whose desired migration has not
     * finished, in-flight records, and started tasks whose outcome is not in the ledger (a ledger can show every
     * desired migration finished while a task started along the way still misses its outcome).
     */
    List<String> unsettled(MigrationStatus ledger) {
        List<String> undone = new ArrayList<>();
        if (ledger == null) {
            undone.add("(no readable ledger)");
        } else {
            List<Env> model;
            synchronized (envs) {
                model = envs.stream().map(Env::copy).toList();
            }
            for (Env env : model) {
                EnvironmentStatus status = ledger.environment(env.name);
                MigrationRecord record = status == null ? null : status.find(env.version, env.rerun);
                // An archived key is a migration that ended (here, or in the plan the environment moved from).
                boolean archived = record == null && status != null && status.archivedKey(env.version, env.rerun) != null;
                if (!env.suspended && !env.removed && !archived && (record == null || !record.phase().terminal())
                        && !heldBackForGood(env, model, ledger)) {
                    undone.add(env.key() + (record == null ? "" : ":" + record.phase()
                            + " launch " + record.launchId() + " task " + record.taskArn()));
                }
                if (status != null) {
                    status.history().stream().filter(h -> h.phase().inFlight() && !(h.matches(env.version, env.rerun)))
                            .forEach(h -> undone.add(Env.key(env.name, h.version(), h.rerun()) + ":" + h.phase()
                                    + " launch " + h.launchId() + " task " + h.taskArn()));
                }
            }
        }
        undone.addAll(invariants.outcomesMissing());
        return undone;
    }

    /**
     * Whether {@code env} comes after an environment that will not give it its version: the upstream's migration of
     * it failed or timed out (PromotionBlocked), or the upstream is suspended or wants another version or rerun
     * token and has no success of it (WaitingForPromotion, for good). Then the downstream's migration is not
     * expected to run, and it is settled while it waits.
     */
    static boolean heldBackForGood(Env env, List<Env> model, MigrationStatus ledger) {
        String upstream = UPSTREAM.get(env.name);
        if (upstream == null) {
            return false;
        }
        Env up = model.stream().filter(e -> e.name.equals(upstream)).findFirst().orElseThrow();
        EnvironmentStatus status = ledger.environment(upstream);
        MigrationRecord record = status == null ? null : status.find(env.version, up.rerun);
        dev.beanstalkmigrator.model.MigrationKey archived = record != null || status == null ? null
                : status.archivedKey(env.version, up.rerun);
        Phase phase = record != null ? record.phase() : archived != null ? archived.phase() : null;
        if (phase == Phase.Succeeded) {
            return false;
        }
        if (phase == Phase.Failed || phase == Phase.TimedOut) {
            return true;
        }
        return up.suspended || up.removed || !up.version.equals(env.version);
    }

    /**
     * Reads the ledger, and the sandbox's record of ledger writes since last time: late renewals, and how long
     * each leader death took to be followed by another replica acting.
     */
    MigrationStatus observe() {
        MigrationStatus ledger = readLedger();
        if (ledger != null) {
            ledger.environments().forEach(e -> e.history().stream().filter(r -> r.through() != null)
                    .forEach(r -> throughLaunches.add(r.launchId())));
            throughs = throughLaunches.size();
        }
        List<WebhookReceiver.Answered> answers = receiver.answered();
        for (WebhookReceiver.Answered answer : answers.subList(answersSeen, answers.size())) {
            if (answer.request().path().equals(CHANNEL_PATH)) {
                notifications.answered(answer);
            }
        }
        answersSeen = answers.size();
        List<ObjectWrite> writes = cloud.writesSince(writesSeen);
        writesSeen += writes.size();
        for (ObjectWrite write : writes) {
            if (write.takeover()) {
                takeoversByPlan.merge(write.key().replaceFirst("\\.status\\.yaml$", ""), 1, Integer::sum);
            }
            boolean early = write.sincePreviousNanos() < LEASE.toNanos();
            // With several plans no lease is renewed in a ledger (the roster's membership is): no late renewal there.
            if (!manyPlans && !write.takeover() && !early && write.holder().equals(write.previousHolder())
                    && !write.holder().isEmpty()) {
                // A leader paused past its lease whose write reached S3 when it resumed, nobody having taken the
                // lease meanwhile: its compare-and-swap proves nobody else acted in between.
                lateRenewals++;
                System.out.println("FaultSuiteIT late renewal: scenario " + scenario + ": ledger write #"
                        + write.seq() + " by " + write.holder() + ", " + write.sincePreviousNanos() / 1_000_000
                        + " ms after its previous write");
            }
            synchronized (deaths) {
                for (var it = deaths.iterator(); it.hasNext(); ) {
                    Death death = it.next();
                    if (death.scenario() < scenario - 1) {
                        it.remove(); // nobody else took over (the replica came back first): no takeover to time
                    } else if (write.atNanos() > death.atNanos() && !write.holder().isEmpty()
                            && !death.identity().equals(nameOf(write.holder()))) {
                        longestTakeoverNanos = Math.max(longestTakeoverNanos, write.atNanos() - death.atNanos());
                        System.out.printf("  leader %s %s; %s acting %d ms later%n", death.identity(),
                                death.paused() ? "paused" : "died", write.holder(),
                                (write.atNanos() - death.atNanos()) / 1_000_000);
                        it.remove();
                    }
                }
            }
        }
        return ledger;
    }

    MigrationStatus readLedger() {
        if (!manyPlans) {
            return readLedger(LEDGER_KEY);
        }
        // One ledger per plan: their environments together are the fleet's, each environment's entry in its plan's
        // ledger first (one moved from another plan is also in that plan's, with what ran there).
        List<EnvironmentStatus> current = new ArrayList<>();
        List<EnvironmentStatus> before = new ArrayList<>();
        boolean any = false;
        for (String plan : new TreeSet<>(PLAN_OF.values())) {
            MigrationStatus ledger = readLedger(ledgerOf(plan));
            if (ledger != null) {
                any = true;
                ledger.environments().forEach(e -> (plan.equals(planOf.get(e.name())) ? current : before).add(e));
            }
        }
        current.addAll(before);
        return any ? MigrationStatus.empty().withEnvironments(current) : null;
    }

    MigrationStatus readLedger(String key) {
        byte[] bytes = cloud.getObject(BUCKET, key);
        if (bytes == null) {
            return null;
        }
        ledgerReads++;
        try {
            return LedgerCodec.read(bytes);
        } catch (RuntimeException e) {
            ledgerParseFailures++;
            violations.add("scenario " + scenario + ": the ledger " + key + " does not parse: " + e.getMessage());
            return null;
        }
    }

    /** The ledgers as stored now, their environments together (null when none parses), for a task just started. */
    MigrationStatus ledgerNow() {
        if (!manyPlans) {
            return parseOrNull(cloud.getObject(BUCKET, LEDGER_KEY));
        }
        List<EnvironmentStatus> environments = new ArrayList<>();
        for (String plan : new TreeSet<>(PLAN_OF.values())) {
            MigrationStatus ledger = parseOrNull(cloud.getObject(BUCKET, ledgerOf(plan)));
            if (ledger != null) {
                environments.addAll(ledger.environments());
            }
        }
        return MigrationStatus.empty().withEnvironments(environments);
    }

    /**
     * Whether the roster, as the sandbox stored it, gave the plan of a ledger to the replica whose write just took its
     * lease: at some instant of the writer's last renew deadline, and, for a plan handed over from a replica still
     * serving, at least a renew deadline after the roster first gave it: the old holder's last renewal was stored before
     * that roster version (a compare-and-swap), so by then it stopped acting, or it renewed on the new version and saw
     * the plan go (the new holder waits a whole lease, from its own request's start, for a margin). A deposed holder's
     * write accepted after the new one took the ledger moves the lease back to a replica the roster no longer gives the
     * plan.
     */
    boolean takeoverAllowed(ObjectWrite write) {
        String base = write.key().replaceFirst("\\.status\\.yaml$", "");
        List<SandboxCloud.RosterAssignment> history = new ArrayList<>(cloud.rosterAssignments(base + ".yaml"));
        history.addAll(cloud.rosterAssignments(base + ".yml"));
        for (SandboxCloud.RosterAssignment given : history) {
            long from = given.sinceNanos() + (given.handover() ? RENEW_DEADLINE.toNanos() : 0);
            if (given.holder().equals(write.holder()) && from <= write.atNanos() && from <= given.untilNanos()
                    && given.untilNanos() >= write.atNanos() - RENEW_DEADLINE.toNanos()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The ledger holding the record of {@code launchId} as stored now (a task just started: its intent is there),
     * else the ledger of the environment's plan.
     */
    String ledgerHolding(String environment, String launchId) {
        for (String plan : new TreeSet<>(PLAN_OF.values())) {
            byte[] ledger = cloud.getObject(BUCKET, ledgerOf(plan));
            if (ledger != null && new String(ledger, StandardCharsets.UTF_8).contains(launchId)) {
                return ledgerOf(plan);
            }
        }
        return ledgerOf(planOf.get(environment));
    }

    /** The ledger beside {@code plan}: {@code plans/fleet-a.yaml} gives {@code plans/fleet-a.status.yaml}. */
    static String ledgerOf(String plan) {
        return plan.replaceFirst("\\.ya?ml$", "") + ".status.yaml";
    }

    /**
     * The queue the bucket's S3 Event Notifications for the plans go to, made with the AWS SDK as a user makes it:
     * every object created or removed under the prefix whose key ends with {@code .yaml} or {@code .yml}.
     */
    String planEventsQueue() {
        try (SqsClient sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(cloud.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(SandboxClients.CREDENTIALS).build();
             S3Client s3 = S3Client.builder().httpClient(UrlConnectionHttpClient.create())
                     .endpointOverride(cloud.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                     .credentialsProvider(SandboxClients.CREDENTIALS).build()) {
            String url = sqs.createQueue(b -> b.queueName("fleet-plan-events")).queueUrl();
            List<QueueConfiguration> queues = new ArrayList<>();
            for (String suffix : List.of(".yaml", ".yml")) {
                queues.add(QueueConfiguration.builder().id("plans" + suffix)
                        .queueArn("arn:aws:sqs:us-east-1:000000000000:fleet-plan-events")
                        .events(Event.S3_OBJECT_CREATED, Event.S3_OBJECT_REMOVED)
                        .filter(f -> f.key(k -> k.filterRules(r -> r.name(FilterRuleName.PREFIX).value(PREFIX),
                                r -> r.name(FilterRuleName.SUFFIX).value(suffix)))).build());
            }
            s3.putBucketNotificationConfiguration(b -> b.bucket(BUCKET).notificationConfiguration(
                    NotificationConfiguration.builder().queueConfigurations(queues).build()));
            return url;
        }
    }

    /**
     * With several plans, in some scenarios: S3's events for the scenario's plan changes come late, some twice, some
     * never (the full listing must find what they miss), until the scenario settles. Returns what it drew, or null.
     */
    String eventFault() {
        if (eventRandom.nextDouble() >= EVENT_FAULT_CHANCE) {
            return null;
        }
        Duration delay = Duration.ofMillis(eventRandom.nextInt(2000));
        double duplicate = eventRandom.nextBoolean() ? 0.5 : 0;
        double loss = eventRandom.nextBoolean() ? 0.5 : 0;
        cloud.setEventDelivery(new SandboxCloud.EventDelivery(delay, duplicate, loss), eventRandom.nextLong());
        count("S3 events late" + (duplicate > 0 ? ", twice" : "") + (loss > 0 ? ", lost" : ""));
        return "S3 events " + delay.toMillis() + " ms late" + (duplicate > 0 ? ", half of them twice" : "")
                + (loss > 0 ? ", half of them lost" : "");
    }

    /** Uploads the plan the suite's model says; the caller holds the lock on {@link #envs}. */
    void uploadPlan() {
        if (!manyPlans) {
            cloud.putObject(BUCKET, PLAN_KEY, planText("fleet", env -> true).getBytes(StandardCharsets.UTF_8));
        } else {
            List<String> plans = new ArrayList<>(new TreeSet<>(PLAN_OF.values()));
            // In an order of the seed's: a moved environment's new plan reaches S3 before or after its old one.
            java.util.Collections.shuffle(plans, new Random(eventRandom.nextLong()));
            for (String plan : plans) {
                String name = plan.substring(plan.lastIndexOf('/') + 1).replaceFirst("\\.ya?ml$", "");
                if (envs.stream().noneMatch(env -> plan.equals(planOf.get(env.name)) && !env.removed)) {
                    // Nothing left in it: the file is deleted, as a team retiring its plan would (an event says so).
                    // Not through the wire: the sandbox's faults are armed for the operator's calls, and a throttle
                    // of S3 once stopped a soak here.
                    cloud.deleteObject(BUCKET, plan);
                    continue;
                }
                cloud.putObject(BUCKET, plan, planText(name, env -> plan.equals(planOf.get(env.name)))
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        // An approval counts from the moment S3 holds a plan with it, not before.
        java.time.Instant uploaded = java.time.Instant.now();
        unsentApprovals.forEach(a -> approvals.computeIfAbsent(a[0], k -> new ConcurrentHashMap<>())
                .putIfAbsent(a[1], uploaded));
        unsentApprovals.clear();
    }

    /** The plan named {@code name} of the environments {@code mine} accepts, as the suite's model says. */
    String planText(String name, java.util.function.Predicate<Env> mine) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: %s}
                spec:
                  defaults:
                    application: fleet
                    command: [python, manage.py, migrate, --noinput]
                    image: "registry.example/fleet:{version}"
                    timeout: %s
                    network: {subnets: [subnet-1], securityGroups: [sg-1]}
                    approved: %s
                  environments:
                """.formatted(name, TIMEOUT.toSeconds() + "s", approvedList(DEFAULTS)));
        for (Env env : envs) {
            if (!mine.test(env)) {
                continue;
            }
            if (env.name.equals(FOLLOWS_LATEST)) {
                env.version = latestVersion;
            }
            if (env.removed) {
                continue;
            }
            yaml.append("    - {name: ").append(env.name).append(", version: ").append(env.planVersion())
                    .append(", rerun: \"").append(env.rerun).append("\", suspend: ").append(env.suspended);
            if (EC2_ENVIRONMENTS.contains(env.name)) {
                yaml.append(", cluster: " + EC2_CLUSTER + ", taskDefinition: fleet-app, container: app, launchType: EC2");
            } else if (!ZERO_CONFIG.contains(env.name)) {
                yaml.append(", cluster: fleet, taskDefinition: fleet-app, container: app");
            }
            if (env.command != null) {
                yaml.append(", command: ").append(env.command);
            }
            if (env.timeout != null) {
                yaml.append(", timeout: ").append(env.timeout);
            }
            if (env.subnet != null) {
                yaml.append(", network: {subnets: [").append(env.subnet).append("], securityGroups: [sg-1]}");
            }
            if (env.deploy) {
                yaml.append(", afterSuccess: deploy");
            }
            if (env.database != null) {
                yaml.append(", database: ").append(env.database);
            }
            if ("partner".equals(env.place)) {
                yaml.append(PARTNER_PLACE);
            }
            // Before the upload: the operator may act on it as soon as S3 holds it.
            accountsPlanned.computeIfAbsent(env.name, k -> ConcurrentHashMap.newKeySet())
                    .add("partner".equals(env.place) ? "222222222222" : "000000000000");
            if (UPSTREAM.containsKey(env.name)) {
                yaml.append(", after: [").append(UPSTREAM.get(env.name)).append("]");
            }
            String approval = PREVIEWED.get(env.name);
            if (approval != null) {
                yaml.append(", preview: {command: [python, manage.py, migrate, --plan], approval: ").append(approval)
                        .append(approval.equals("whenMatches") ? ", matches: '" + RISKY + "'" : "").append("}")
                        .append(", approved: ").append(approvedList(env.name));
            }
            yaml.append("}\n");
        }
        return yaml.toString();
    }

    /** The digests approved in {@code where} (an environment or the defaults), uploaded or about to be. */
    String approvedList(String where) {
        List<String> digests = new ArrayList<>(approvals.getOrDefault(where, Map.of()).keySet());
        unsentApprovals.stream().filter(a -> a[0].equals(where)).forEach(a -> digests.add(a[1]));
        return "[" + String.join(", ", digests.stream().sorted().toList()) + "]";
    }

    interface Action {
        void run() throws Exception;
    }

    static void unchecked(Action action) {
        try {
            action.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
