package dev.beanstalkmigrator.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.LedgerCodec;
import dev.beanstalkmigrator.sandbox.Fault;
import dev.beanstalkmigrator.sandbox.FaultKind;
import dev.beanstalkmigrator.sandbox.ObjectWrite;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three replicas of the packaged operator ({@code target/quarkus-app/quarkus-run.jar}) against one sandbox in this
 * JVM, under a seeded random schedule of faults: kill -9 (of the leader or anyone), halts at the instants of the
 * launch protocol (fault injection: after the intent, after RunTask, after the ARN, after the outcome), SIGSTOP
 * longer than the lease then SIGCONT, orderly restarts, and sandbox faults per operation (throttling storms, 5xx,
 * latency, dropped connections, S3 409 and 412), while the plan changes across eight environments (new versions
 * that succeed, fail or hang until their timeout, reruns, suspends).
 *
 * <p>A scenario is one round: a plan change, a few faults from the schedule, then a wait until quiescent (every
 * desired migration of an active environment finished, nothing in flight, every started task's outcome in the
 * ledger) or a deadline. Killed replicas are restarted; the others live on. Invariants, checked against the
 * sandbox's own records (every RunTask with its tags; every accepted write of the ledger, which holds the lease) and the
 * ledger: no (environment, version, rerun) has more than one task; every started task's outcome ends in the
 * ledger; every desired version ends Succeeded, Failed, TimedOut or LaunchLost; the ledger always parses; no
 * write moves the lease from one replica to another before the previous holder's lease ran out by the sandbox's
 * clock (which is also what a deposed leader's write accepted after a takeover would look like): stale-leader
 * writes accepted, 0.
 *
 * <p>Sizes: {@value #CI_SCENARIOS} scenarios by default (inside {@code ./mvnw verify}); {@code -Dsoak=500} for a
 * long run. {@code -Dfaults.seed=N} replays a seed (the schedule and every random choice; process timing is the
 * machine's). Replica logs: {@code target/fault-suite/}. Ends with one line of figures.
 */
class FaultSuiteIT {

    static final int CI_SCENARIOS = 12;
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    static final Path WORK = Path.of("target/fault-suite");
    static final String BUCKET = "fault-suite";
    static final String PLAN_KEY = "plans/fleet.yaml";
    static final String LEDGER_KEY = "plans/fleet.status.yaml";
    static final String APPLICATION = "fleet";
    static final int ENVIRONMENTS = 8;
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);
    static final Duration RETRY = Duration.ofMillis(500);
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final Duration SCENARIO_DEADLINE = Duration.ofSeconds(40);
    static final Duration FINAL_DEADLINE = Duration.ofSeconds(90);
    static final List<String> POINTS = List.of("INTENT_RECORDED", "TASK_STARTED", "ARN_RECORDED", "OUTCOME_RECORDED");
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

        Env(String name) {
            this.name = name;
        }

        String key() {
            return key(name, version, rerun);
        }

        static String key(String environment, String version, String rerun) {
            return environment + "|" + version + "|" + (rerun == null ? "" : rerun);
        }
    }

    /** A task the sandbox started, as the suite has matched it with the ledger. */
    static final class Launched {
        final RunRecord run;
        final String launchId;
        String key;
        boolean outcomeRecorded;

        Launched(RunRecord run) {
            this.run = run;
            this.launchId = run.tags().get("beanstalk-migrator:launch-id");
        }
    }

    /** The leader stopped acting (killed, halted, paused) at {@code atNanos}. */
    record Death(String identity, long atNanos, boolean paused, int scenario) {}

    SandboxCloud cloud;
    final List<Replica> replicas = new ArrayList<>();
    final List<Env> envs = new ArrayList<>();
    final Map<String, Launched> launches = new LinkedHashMap<>();
    final Map<String, Set<String>> tasksByKey = new HashMap<>();
    final List<Death> deaths = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    final Set<String> registeredVersions = new HashSet<>();
    final Map<String, Integer> faultCounts = new LinkedHashMap<>();
    Thread shutdownHook;
    Random random;
    long seed;
    int runsSeen;
    int writesSeen;
    int staleWrites;
    int lateRenewals;
    int ledgerReads;
    int ledgerParseFailures;
    int versionCounter;
    int unsettled;
    long longestTakeoverNanos = -1;
    int scenario;

    @AfterEach
    void tearDown() {
        replicas.forEach(Replica::destroy);
        if (cloud != null) {
            cloud.close();
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
        int scenarios = soak > 0 ? soak : Integer.getInteger("faults.scenarios", CI_SCENARIOS);
        seed = Long.getLong("faults.seed", new Random().nextLong());
        random = new Random(seed);
        System.out.println("FaultSuiteIT: seed " + seed + " (replay with -Dfaults.seed=" + seed + "), " + scenarios
                + " scenarios" + (soak > 0 ? " (soak)" : ""));
        long began = System.nanoTime();

        Files.createDirectories(WORK);
        for (int i = 0; i < 3; i++) {
            Files.deleteIfExists(WORK.resolve("r" + i + ".log"));
        }
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0).faultRandomSeed(seed)
                .seed(Path.of("src/test/resources/faults/seed.yaml")).threads(96).build());
        cloud.watchLedger(BUCKET, LEDGER_KEY);
        registeredVersions.add("v0-ok");
        for (int i = 0; i < ENVIRONMENTS; i++) {
            envs.add(new Env(String.format("fleet-%02d", i)));
        }
        uploadPlan();

        Replica.Launch launch = new Replica.Launch(JAR.toAbsolutePath(), WORK.toAbsolutePath(), List.of(
                "-Dquarkus.log.console.format=%d{HH:mm:ss,SSS} %-5p [%c{1.}] (%t) %s%e%n",
                "-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PLAN_KEY,
                "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                "-Dmigrator.aws.region=us-east-1",
                "-Dquarkus.s3.path-style-access=true",
                "-Dmigrator.poll.plan-interval=300ms",
                "-Dmigrator.poll.beanstalk-interval=300ms",
                "-Dmigrator.poll.task-interval=200ms",
                "-Dmigrator.leader-election.lease-duration=" + LEASE.toMillis() + "ms",
                "-Dmigrator.leader-election.renew-deadline=" + RENEW_DEADLINE.toMillis() + "ms",
                "-Dmigrator.leader-election.retry-period=" + RETRY.toMillis() + "ms"), Map.of(
                "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test", "AWS_EC2_METADATA_DISABLED", "true",
                "AWS_CONFIG_FILE", WORK.toAbsolutePath().resolve("no-aws-config").toString(),
                "AWS_SHARED_CREDENTIALS_FILE", WORK.toAbsolutePath().resolve("no-aws-credentials").toString()));
        for (int i = 0; i < 3; i++) {
            replicas.add(new Replica("r" + i, launch));
        }
        shutdownHook = new Thread(() -> replicas.forEach(Replica::destroy), "fault-suite-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        for (Replica replica : replicas) {
            startArmed(replica);
        }

        settle("start", Duration.ofSeconds(90));
        for (scenario = 1; scenario <= scenarios; scenario++) {
            runScenario();
        }

        // The end: no more faults, everyone back, nothing suspended; everything desired must finish.
        scenario = scenarios + 1;
        cloud.clearFaults();
        for (Replica replica : replicas) {
            replica.resume();
        }
        restartDead(true);
        envs.forEach(e -> e.suspended = false);
        uploadPlan();
        boolean settled = settle("final", FINAL_DEADLINE);
        observe();

        int lost = (int) launches.values().stream().filter(l -> !l.outcomeRecorded).count();
        int duplicates = tasksByKey.values().stream().mapToInt(s -> Math.max(0, s.size() - 1)).sum();
        List<String> undone = undone(readLedger());
        int injected = faultCounts.values().stream().mapToInt(Integer::intValue).sum();
        String figures = String.format("FaultSuiteIT figures: scenarios %d, faults injected %d %s, tasks launched %d,"
                        + " duplicates %d, lost outcomes %d, stale-leader writes accepted %d (late renewals of a"
                        + " lease nobody took: %d), longest leader death to new leader acting %s, ledger reads"
                        + " %d (unparseable %d), unsettled scenarios %d, seed %d, wall %d s",
                scenarios, injected, faultCounts, launches.size(), duplicates, lost, staleWrites, lateRenewals,
                longestTakeoverNanos < 0 ? "n/a" : longestTakeoverNanos / 1_000_000 + " ms", ledgerReads,
                ledgerParseFailures, unsettled, seed, Duration.ofNanos(System.nanoTime() - began).toSeconds());
        System.out.println(figures);
        launches.values().stream().filter(l -> !l.outcomeRecorded).forEach(l -> violations.add(
                "lost outcome: task " + l.run.taskArn() + " launch " + l.launchId + " key " + l.key));
        violations.forEach(v -> System.out.println("FaultSuiteIT violation: " + v));
        assertTrue(settled, () -> "not settled after the faults stopped: " + undone + "; " + figures);
        assertEquals(List.of(), violations, figures);
        assertEquals(0, duplicates, figures);
        assertEquals(0, lost, figures);
        assertEquals(0, staleWrites, figures);
        assertEquals(0, ledgerParseFailures, figures);
        assertEquals(List.of(), undone, figures);
    }

    // --- one scenario ---------------------------------------------------------------------------------------

    /** A fault at an offset from the plan change. */
    record Step(long offsetMillis, String what, Runnable action) {}

    void runScenario() throws Exception {
        MigrationStatus before = readLedger();
        List<String> changes = changePlan(before);
        List<Step> steps = scheduleFaults();
        uploadPlan();
        long start = System.nanoTime();
        List<String> done = new ArrayList<>();
        for (Step step : steps.stream().sorted(Comparator.comparingLong(Step::offsetMillis)).toList()) {
            long wait = step.offsetMillis() - (System.nanoTime() - start) / 1_000_000;
            if (wait > 0) {
                Thread.sleep(wait); // the schedule's own timing, not a wait for a condition
            }
            observe();
            step.action().run();
            done.add(step.what());
        }
        cloud.clearFaults();
        for (Replica replica : replicas) {
            replica.resume();
        }
        long faultsOver = System.nanoTime();
        boolean settled = settle("scenario " + scenario, SCENARIO_DEADLINE);
        if (!settled) {
            unsettled++;
        }
        System.out.printf("scenario %d: plan %s; faults %s; %s in %d ms%n", scenario, changes, done,
                settled ? "settled" : "NOT settled", (System.nanoTime() - faultsOver) / 1_000_000);
    }

    List<String> changePlan(MigrationStatus ledger) {
        List<String> changes = new ArrayList<>();
        List<Env> pick = new ArrayList<>(envs);
        java.util.Collections.shuffle(pick, random);
        int n = 2 + random.nextInt(3);
        for (Env env : pick.subList(0, n)) {
            double r = random.nextDouble();
            if (env.suspended) {
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
                env.rerun = "r" + (++env.reruns);
                changes.add(env.name + " rerun " + env.version + "/" + env.rerun);
            } else {
                newVersion(env, changes);
            }
        }
        return changes;
    }

    void newVersion(Env env, List<String> changes) {
        double r = random.nextDouble();
        String kind = r < 0.6 ? "ok" : r < 0.85 ? "fail" : "hang";
        String label = "v" + (++versionCounter) + "-" + kind;
        if (registeredVersions.add(label)) {
            cloud.registerApplicationVersion(APPLICATION, label, null, null);
        }
        env.version = label;
        env.rerun = "";
        changes.add(env.name + " " + label);
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
                        boolean wasLeader = victim[0].identity.equals(leaseHolder());
                        unchecked(victim[0]::kill);
                        count("kill -9");
                        if (wasLeader) {
                            deaths.add(new Death(victim[0].identity, System.nanoTime(), false, scenario));
                        }
                    }
                }));
                steps.add(new Step(back, "restart", () -> {
                    if (victim[0] != null && !victim[0].isAlive()) {
                        unchecked(() -> startArmed(victim[0]));
                    }
                }));
            } else if (r < 0.37) {
                long pause = LEASE.toMillis() + 300 + random.nextInt(1500);
                Replica[] victim = new Replica[1];
                steps.add(new Step(at, "SIGSTOP leader " + pause + " ms", () -> {
                    victim[0] = leaderOrNull();
                    if (victim[0] != null && victim[0].isAlive()) {
                        victim[0].pause();
                        count("SIGSTOP");
                        deaths.add(new Death(victim[0].identity, System.nanoTime(), true, scenario));
                    }
                }));
                steps.add(new Step(at + pause, "SIGCONT", () -> {
                    if (victim[0] != null) {
                        victim[0].resume();
                    }
                }));
            } else if (r < 0.45) {
                int which = random.nextInt(3);
                long back = at + 100 + random.nextInt(500);
                steps.add(new Step(at, "SIGTERM r" + which, () -> {
                    Replica replica = replicas.get(which);
                    if (replica.isAlive()) {
                        unchecked(replica::terminate);
                        count("restart");
                    }
                }));
                steps.add(new Step(back, "start r" + which, () -> {
                    Replica replica = replicas.get(which);
                    if (!replica.isAlive()) {
                        unchecked(() -> startArmed(replica));
                    }
                }));
            } else {
                Fault fault = randomFault();
                steps.add(new Step(at, "sandbox " + describe(fault), () -> {
                    cloud.injectFault(fault);
                    count("sandbox " + fault.kind().name().toLowerCase());
                }));
            }
        }
        return steps;
    }

    Fault randomFault() {
        String operation = OPERATIONS.get(random.nextInt(OPERATIONS.size()));
        double r = random.nextDouble();
        if (r < 0.3) {
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

    /** Starts a replica, armed to halt at launch-protocol points half of the time (seeded per incarnation). */
    void startArmed(Replica replica) throws IOException {
        Random arming = new Random(seed ^ (replica.identity.hashCode() * 1_000_003L + replica.incarnation()));
        List<String> points = new ArrayList<>();
        if (arming.nextBoolean()) {
            for (String point : POINTS) {
                if (arming.nextInt(3) == 0) {
                    points.add(point);
                }
            }
        }
        double[] chances = {0.1, 0.25, 0.5, 1.0};
        replica.start(points, chances[arming.nextInt(chances.length)], arming.nextLong());
    }

    /**
     * Counts the replicas that halted by themselves (fault injection) and restarts every dead replica: armed
     * again unless {@code unarmed}.
     */
    void restartDead(boolean unarmed) throws IOException {
        for (Replica replica : replicas) {
            if (replica.isAlive()) {
                continue;
            }
            if (replica.halted() && halts.add(replica.identity + "#" + replica.incarnation())) {
                if (replica.exitCode() == 137) {
                    count("halt at protocol point");
                    long died = replica.diedAtNanos() < 0 ? System.nanoTime() : replica.diedAtNanos();
                    if (replica.identity.equals(holderAt(died))) {
                        deaths.add(new Death(replica.identity, died, false, scenario));
                    }
                } else {
                    violations.add("scenario " + scenario + ": " + replica.identity + " exited with "
                            + replica.exitCode() + " (see " + WORK.resolve(replica.identity + ".log") + ")");
                }
            }
            if (unarmed) {
                replica.start(List.of(), 0, 0);
            } else {
                startArmed(replica);
            }
        }
    }

    final Set<String> halts = new HashSet<>();

    Replica leaderOrNull() {
        String holder = leaseHolder();
        return replicas.stream().filter(r -> r.identity.equals(holder)).findFirst().orElse(null);
    }

    /** The lease holder the last accepted ledger write named; null when released or none. */
    String leaseHolder() {
        List<ObjectWrite> writes = cloud.writes();
        String holder = writes.isEmpty() ? "" : writes.get(writes.size() - 1).holder();
        return holder.isEmpty() ? null : holder;
    }

    String holderAt(long nanos) {
        String holder = null;
        for (ObjectWrite write : cloud.writes()) {
            if (write.atNanos() > nanos) {
                break;
            }
            holder = write.holder().isEmpty() ? null : write.holder();
        }
        return holder;
    }

    // --- observing ------------------------------------------------------------------------------------------

    /** Waits until quiescent or the deadline; restarts halted replicas meanwhile. */
    boolean settle(String what, Duration deadline) {
        AtomicBoolean quiet = new AtomicBoolean();
        try {
            await(what + " to settle").atMost(deadline).pollInterval(Duration.ofMillis(100)).until(() -> {
                restartDead(false);
                MigrationStatus ledger = observe();
                quiet.set(ledger != null && undone(ledger).isEmpty()
                        && launches.values().stream().allMatch(l -> l.outcomeRecorded));
                return quiet.get();
            });
        } catch (ConditionTimeoutException e) {
            MigrationStatus ledger = readLedger();
            System.out.println("FaultSuiteIT: " + what + " did not settle within " + deadline + ": undone "
                    + undone(ledger) + ", outcomes missing for " + launches.values().stream()
                    .filter(l -> !l.outcomeRecorded).map(l -> l.launchId + "/" + l.key).toList()
                    + ", replicas " + replicas.stream().map(r -> r.identity + (r.isAlive() ? r.isStopped()
                    ? ":stopped" : ":up" : ":down")).toList());
        }
        return quiet.get();
    }

    /** The keys of active environments whose desired migration has not finished, and in-flight records. */
    List<String> undone(MigrationStatus ledger) {
        List<String> undone = new ArrayList<>();
        if (ledger == null) {
            return List.of("(no readable ledger)");
        }
        for (Env env : envs) {
            EnvironmentStatus status = ledger.environment(env.name);
            MigrationRecord record = status == null ? null : status.find(env.version, env.rerun);
            if (!env.suspended && (record == null || !record.phase().terminal())) {
                undone.add(env.key() + (record == null ? "" : ":" + record.phase()));
            }
            if (status != null) {
                status.history().stream().filter(h -> h.phase().inFlight() && !(h.matches(env.version, env.rerun)))
                        .forEach(h -> undone.add(Env.key(env.name, h.version(), h.rerun()) + ":" + h.phase()));
            }
        }
        return undone;
    }

    /** Reads what the sandbox recorded since last time, and the ledger; checks the invariants on them. */
    MigrationStatus observe() {
        MigrationStatus ledger = readLedger();
        List<RunRecord> runs = cloud.runs();
        for (RunRecord run : runs.subList(runsSeen, runs.size())) {
            Launched launched = new Launched(run);
            Launched previous = launches.putIfAbsent(run.taskArn(), launched);
            if (previous == null && launched.launchId != null && launches.values().stream()
                    .filter(l -> launched.launchId.equals(l.launchId)).count() > 1) {
                violations.add("scenario " + scenario + ": two tasks of launch " + launched.launchId);
            }
        }
        runsSeen = runs.size();
        if (ledger != null) {
            for (Launched launched : launches.values()) {
                if (launched.outcomeRecorded) {
                    continue;
                }
                String environment = launched.run.tags().get("beanstalk-migrator:environment");
                EnvironmentStatus status = ledger.environment(environment);
                MigrationRecord record = status == null ? null : status.history().stream()
                        .filter(h -> h.launchId().equals(launched.launchId)).findFirst().orElse(null);
                if (record == null) {
                    continue;
                }
                if (launched.key == null) {
                    launched.key = Env.key(environment, record.version(), record.rerun());
                    Set<String> tasks = tasksByKey.computeIfAbsent(launched.key, k -> new TreeSet<>());
                    tasks.add(launched.run.taskArn());
                    if (tasks.size() > 1) {
                        violations.add("scenario " + scenario + ": duplicate tasks for " + launched.key + ": " + tasks);
                    }
                }
                if (record.phase().terminal() && launched.run.taskArn().equals(record.taskArn())) {
                    launched.outcomeRecorded = true;
                }
            }
        }
        List<ObjectWrite> writes = cloud.writesSince(writesSeen);
        writesSeen += writes.size();
        for (ObjectWrite write : writes) {
            boolean early = write.sincePreviousNanos() < LEASE.toNanos();
            if (write.takeover() && early) {
                // Either a standby took the lease before it had lain unchanged for a whole lease, or a deposed
                // leader's write was accepted after another replica had taken the lease.
                staleWrites++;
                violations.add("scenario " + scenario + ": ledger write #" + write.seq() + " by " + write.holder()
                        + " accepted " + write.sincePreviousNanos() / 1_000_000 + " ms after a write by "
                        + write.previousHolder() + ", whose lease had not run out");
            } else if (!write.takeover() && !early && write.holder().equals(write.previousHolder())
                    && !write.holder().isEmpty()) {
                // A leader paused past its lease whose write reached S3 when it resumed, nobody having taken the
                // lease meanwhile: its compare-and-swap proves nobody else acted in between.
                lateRenewals++;
                System.out.println("FaultSuiteIT late renewal: scenario " + scenario + ": ledger write #"
                        + write.seq() + " by " + write.holder() + ", " + write.sincePreviousNanos() / 1_000_000
                        + " ms after its previous write");
            }
            for (var it = deaths.iterator(); it.hasNext(); ) {
                Death death = it.next();
                if (death.scenario() < scenario - 1) {
                    it.remove(); // nobody else took over (the replica came back first): no takeover to time
                } else if (write.atNanos() > death.atNanos() && !write.holder().isEmpty()
                        && !write.holder().equals(death.identity())) {
                    longestTakeoverNanos = Math.max(longestTakeoverNanos, write.atNanos() - death.atNanos());
                    System.out.printf("  leader %s %s; %s acting %d ms later%n", death.identity(),
                            death.paused() ? "paused" : "died", write.holder(),
                            (write.atNanos() - death.atNanos()) / 1_000_000);
                    it.remove();
                }
            }
        }
        return ledger;
    }

    MigrationStatus readLedger() {
        byte[] bytes = cloud.getObject(BUCKET, LEDGER_KEY);
        if (bytes == null) {
            return null;
        }
        ledgerReads++;
        try {
            return LedgerCodec.read(bytes);
        } catch (RuntimeException e) {
            ledgerParseFailures++;
            violations.add("scenario " + scenario + ": the ledger does not parse: " + e.getMessage());
            return null;
        }
    }

    void uploadPlan() {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: fleet}
                spec:
                  defaults:
                    application: fleet
                    cluster: fleet
                    taskDefinition: fleet-app
                    container: app
                    command: [python, manage.py, migrate, --noinput]
                    image: "registry.example/fleet:{version}"
                    timeout: %s
                    network: {subnets: [subnet-1], securityGroups: [sg-1]}
                  environments:
                """.formatted(TIMEOUT.toSeconds() + "s"));
        for (Env env : envs) {
            yaml.append("    - {name: ").append(env.name).append(", version: ").append(env.version)
                    .append(", rerun: \"").append(env.rerun).append("\", suspend: ").append(env.suspended)
                    .append("}\n");
        }
        cloud.putObject(BUCKET, PLAN_KEY, yaml.toString().getBytes(StandardCharsets.UTF_8));
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

    static String joined(List<String> items) {
        return items.stream().collect(Collectors.joining(", "));
    }
}
