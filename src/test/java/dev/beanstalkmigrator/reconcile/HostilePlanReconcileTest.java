package dev.beanstalkmigrator.reconcile;

import static dev.beanstalkmigrator.plan.ByteEdits.delete;
import static dev.beanstalkmigrator.plan.ByteEdits.insert;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.plan.HostilePlanCorpusTest;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.LogTarget;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.reconcile.decide.Launches;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.desired.S3PlanSource;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reconciler while the plan in force is replaced by hostile input: every invalid file of the hostile corpus,
 * and seeded random mutations of a valid plan. Whatever is uploaded, a cycle throws nothing, an invalid plan
 * launches nothing and is reported (planError, SpecInvalid), the last valid plan stays in force, a running
 * migration's outcome is still recorded, the ledger stays readable, and no (environment, version, rerun) is
 * ever launched twice.
 */
class HostilePlanReconcileTest {

    static final ObjectLocation PLAN = new ObjectLocation("plans", "acme.yaml");
    static final ObjectLocation LEDGER = new ObjectLocation("plans", "acme.status.yaml");
    static final String ENV = "acme-web-prod";
    static final String SECRET = "canary-0c4f-postgres-password";

    static final int MUTATIONS = 1_000;
    static final long SEED = 0x0bad_91a4L;

    /**
     * Fragments that steer mutations into YAML's corners rather than only into UTF-8 errors; the single letters
     * and digits, landing in a version or rerun value, make valid plans that ask for a new migration.
     */
    static final List<String> TOKENS = List.of(":", ": ", "- ", "[", "]", "{", "}", ",", "\n", "\n  ", "\t", "#",
            "&a ", "*a", "!!str ", "!x ", "---\n", "...\n", "? ", "|\n", ">-\n", "\"", "'", "<<: ", "~", "null",
            "true", "42", "\u00e9", "\u202e", "\u0000", "\r", "$DATABASE_URL", "../", "rerun: again\n",
            "version: v43\n", "suspend: true\n", "x", "7", "-", "7", "x");

    FakeCloud cloud;
    MutableClock clock;
    /** Each task launched, by ARN: the (environment, version, rerun) its ledger record names. */
    final Map<String, String> launchedKeys = new HashMap<>();

    @BeforeEach
    void world() {
        cloud = new FakeCloud();
        clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        cloud.environment("acme", ENV, "v41", "Ready");
        cloud.environment("acme", "acme-web-staging", "v41", "Ready");
        cloud.version("acme", "v41", null, null);
        cloud.version("acme", "v42", null, null);
        cloud.variables.put(ENV, Map.of("DATABASE_URL", "postgres://acme:" + SECRET + "@db/acme"));
        cloud.taskDefinition("acme-web", "web", "acme:v41", new LogTarget("/ecs/acme", "ecs", null));
    }

    static String validPlan(String version, String rerun) {
        return """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  defaults:
                    cluster: acme-prod
                    taskDefinition: acme-web
                    container: web
                    command: ["sh", "-c", "echo $DATABASE_URL && python manage.py migrate"]
                    timeout: 24h
                    network: {subnets: [subnet-1]}
                    image: "acme:{version}"
                  environments:
                    - name: acme-web-prod
                      application: acme
                      version: %s
                      rerun: "%s"
                """.formatted(version, rerun);
    }

    Reconciler operator() {
        return operator(20);
    }

    Reconciler operator(int historyLimit) {
        DesiredState desired = new DesiredState(new S3PlanSource(cloud, PLAN), new PlanParser());
        ReconcileSettings settings = ReconcileSettings.builder("test-replica").historyLimit(historyLimit)
                .logTailLines(5).planInterval(Duration.ofSeconds(10)).beanstalkInterval(Duration.ofSeconds(30))
                .taskInterval(Duration.ofSeconds(5)).build();
        return new Reconciler(desired, new MigrationLedger(cloud, LEDGER), cloud, cloud, cloud,
                new ImageResolver(cloud), settings, clock, () -> 0, Runnable::run, null);
    }

    /** Uploads raw bytes as the plan object, as a user's `aws s3 cp` would: a new ETag every time. */
    void upload(byte[] content) {
        cloud.objects.put(PLAN, content.clone());
        cloud.versions.merge(PLAN, 1, Integer::sum);
    }

    void upload(String content) {
        upload(content.getBytes(UTF_8));
    }

    MigrationStatus ledger() {
        byte[] bytes = cloud.objects.get(LEDGER);
        assertNotNull(bytes, "no ledger written");
        return LedgerCodec.read(bytes);
    }

    MigrationRecord record(String environment, String launchId) {
        EnvironmentStatus status = ledger().environment(environment);
        assertNotNull(status, "the ledger has no " + environment);
        return status.history().stream().filter(r -> r.launchId().equals(launchId)).findFirst().orElse(null);
    }

    /** A few cycles, forced and timed, as the loop and the API would run them; none may throw. */
    void cycles(Reconciler operator, Supplier<String> context) {
        for (int i = 0; i < 3; i++) {
            try {
                operator.cycle(i != 1);
            } catch (RuntimeException | Error e) {
                fail("cycle " + i + " threw for " + context.get() + ": " + e, e);
            }
            clock.advance(Duration.ofSeconds(11));
        }
        noLaunchRepeated();
    }

    /**
     * Every task launched so far maps to its ledger record's (environment, version, rerun), and no two tasks
     * share one: exactly-once holds whatever the plan did.
     */
    void noLaunchRepeated() {
        if (cloud.launches.size() == launchedKeys.size()) {
            return;
        }
        MigrationStatus status = ledger();
        for (Map.Entry<String, ContainerService.TaskLaunch> launch : cloud.launches.entrySet()) {
            if (launchedKeys.containsKey(launch.getKey())) {
                continue;
            }
            String environment = launch.getValue().tags().get(Launches.TAG_ENVIRONMENT);
            MigrationRecord record = status.environment(environment).history().stream()
                    .filter(r -> r.launchId().equals(launch.getValue().clientToken())).findFirst()
                    .orElseThrow(() -> new AssertionError("launched task " + launch.getKey() + " has no record"));
            String key = environment + " " + record.version() + " rerun=" + record.rerun();
            assertFalse(launchedKeys.containsValue(key), "launched twice: " + key);
            launchedKeys.put(launch.getKey(), key);
        }
    }

    /** What must hold while the newest plan is invalid and {@code name}/{@code revision} is in force. */
    void assertRefused(Reconciler operator, String file, String revision) {
        MigrationStatus status = ledger();
        assertNotNull(status.planError(), file + ": no planError in the ledger");
        assertFalse(status.planError().isBlank(), file);
        assertTrue(status.planError().startsWith("acme.yaml:"), () -> file + ": planError does not name the file: "
                + status.planError());
        assertEquals("acme", status.plan(), file);
        assertEquals(revision, status.observedPlanRevision(), file + ": the ledger left the last valid revision");
        EnvironmentStatus environment = status.environment(ENV);
        assertEquals("True", environment.condition(Condition.SPEC_INVALID).status(), file + ": SpecInvalid not set");
        DesiredState.View view = operator.snapshot().plan();
        assertTrue(view.loaded(), file + ": no plan in force");
        assertEquals("acme", view.plan().name(), file);
        assertEquals(revision, view.revision(), file + ": the plan in force changed");
        assertNotNull(view.error(), file);
        assertNotNull(operator.snapshot().lastError(), file);
    }

    static Stream<HostilePlanCorpusTest.Case> invalidCorpus() {
        return HostilePlanCorpusTest.corpus().stream().filter(c -> !c.valid());
    }

    @Test
    void everyInvalidCorpusPlanIsRefusedWhileTheLastValidOneStaysInForce() {
        List<HostilePlanCorpusTest.Case> invalid = invalidCorpus().toList();
        assertTrue(invalid.size() >= 60, "only " + invalid.size() + " invalid corpus files");
        upload(validPlan("v42", ""));
        Reconciler operator = operator();
        cycles(operator, () -> "the first valid plan");
        assertEquals(1, cloud.launches.size());
        String revision = operator.snapshot().plan().revision();
        String arn = cloud.launches.keySet().iterator().next();
        String launchId = cloud.launches.get(arn).clientToken();
        assertEquals(Phase.Running, record(ENV, launchId).phase());

        int stopAt = invalid.size() / 2;
        for (int i = 0; i < invalid.size(); i++) {
            HostilePlanCorpusTest.Case c = invalid.get(i);
            if (i == stopAt) {
                cloud.stop(arn, 0, "Essential container in task exited");
            }
            upload(c.content());
            cycles(operator, c::name);
            assertEquals(1, cloud.launches.size(), c.name() + ": an invalid plan launched a task");
            MigrationRecord running = record(ENV, launchId);
            assertNotNull(running, c.name() + ": the migration in flight was forgotten");
            assertEquals(arn, running.taskArn(), c.name());
            if (i < stopAt) {
                assertEquals(Phase.Running, running.phase(), c.name());
            } else {
                assertEquals(Phase.Succeeded, running.phase(), c.name() + ": the stopped task's outcome was lost");
                assertEquals(0, running.exitCode(), c.name());
            }
            assertRefused(operator, c.name(), revision);
        }

        upload(validPlan("v43", ""));
        cycles(operator, () -> "the valid plan after the corpus");
        cycles(operator, () -> "the valid plan after the corpus");
        assertEquals(2, cloud.launches.size(), "the new version is launched exactly once");
        MigrationStatus status = ledger();
        assertNull(status.planError());
        assertEquals("False", status.environment(ENV).condition(Condition.SPEC_INVALID).status());
        assertEquals("v43", status.environment(ENV).history().get(0).version());
        assertFalse(new String(cloud.objects.get(LEDGER), UTF_8).contains(SECRET), "the ledger holds a secret");
    }

    /**
     * One invalid file at a time in a fresh world, the task stopping (failed) while it is the newest plan: first
     * as the only plan ever seen, then replacing a valid one whose migration runs.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCorpus")
    void anInvalidPlanNeverLaunchesAndNeverLosesAnOutcome(HostilePlanCorpusTest.Case c) {
        upload(c.content());
        Reconciler operator = operator();
        cycles(operator, () -> c.name() + " as the first plan");
        assertEquals(0, cloud.launches.size(), c.name());
        assertFalse(operator.snapshot().plan().loaded(), c.name());
        assertNotNull(operator.snapshot().lastError(), c.name());

        upload(validPlan("v42", "1"));
        cycles(operator, () -> c.name() + ": the valid plan");
        assertEquals(1, cloud.launches.size(), c.name());
        String revision = operator.snapshot().plan().revision();
        String arn = cloud.launches.keySet().iterator().next();
        String launchId = cloud.launches.get(arn).clientToken();
        assertEquals("False", ledger().environment(ENV).condition(Condition.SPEC_INVALID).status(), c.name());

        upload(c.content());
        cycles(operator, c::name);
        assertRefused(operator, c.name(), revision);
        cloud.stop(arn, 3, "Essential container in task exited");
        cycles(operator, c::name);
        assertEquals(1, cloud.launches.size(), c.name() + ": an invalid plan launched a task");
        MigrationRecord failed = record(ENV, launchId);
        assertEquals(Phase.Failed, failed.phase(), c.name() + ": the outcome was not recorded");
        assertEquals(3, failed.exitCode(), c.name());
        assertRefused(operator, c.name(), revision);

        upload(validPlan("v42", "2"));
        cycles(operator, () -> c.name() + ": the next valid plan");
        assertEquals(2, cloud.launches.size(), c.name() + ": the new rerun is launched exactly once");
        assertNull(ledger().planError(), c.name());
        assertEquals("False", ledger().environment(ENV).condition(Condition.SPEC_INVALID).status(), c.name());
        assertEquals(Phase.Failed, record(ENV, launchId).phase(), c.name() + ": the old outcome was dropped");
    }

    @Test
    void theCommandReachesEcsVerbatim() {
        upload(validPlan("v42", ""));
        Reconciler operator = operator();
        cycles(operator, () -> "the valid plan");
        ContainerService.TaskLaunch launch = cloud.launches.values().iterator().next();
        assertEquals(List.of("sh", "-c", "echo $DATABASE_URL && python manage.py migrate"), launch.command(),
                "no shell, no $ expansion: the exec array is passed as written");
        assertEquals(launch.command(), ledger().environment(ENV).history().get(0).command());
    }

    /**
     * Seeded mutations of the valid plan (byte flips, deletions, insertions of YAML tokens), each uploaded and
     * reconciled like a user's edit. Running tasks are stopped before each upload, so the plan in force has
     * launched whatever it wanted before the mutation arrives: a refused mutation must then launch nothing. A
     * mutation that happens to be valid may launch, at most once per (environment, version, rerun).
     *
     * <p>It runs with the default history of 20 records: over a thousand edits the base plan's own key returns
     * long after its record left the history, and only its archived key keeps it from running again.
     */
    @Test
    void mutatedPlansNeverBreakTheReconciler() {
        // Long version and rerun values give random edits a fair chance to ask for a new migration.
        byte[] valid = validPlan("v42-release-candidate-1", "initial-run-2026-11-25").getBytes(UTF_8);
        PlanParser parser = new PlanParser();
        upload(valid);
        Reconciler operator = operator(20);
        cycles(operator, () -> "the valid plan");
        assertEquals(1, cloud.launches.size());
        String revision = operator.snapshot().plan().revision();
        Random random = new Random(SEED);
        int accepted = 0;
        int launchedByMutations = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            long caseSeed = random.nextLong();
            byte[] input = mutate(valid, new Random(caseSeed));
            Supplier<String> context = describe(i, caseSeed, input);

            List<String> stopped = stopRunningTasks(i);
            cycles(operator, context);
            for (String arn : stopped) {
                ContainerService.TaskLaunch launch = cloud.launches.get(arn);
                MigrationRecord record = record(launch.tags().get(Launches.TAG_ENVIRONMENT), launch.clientToken());
                assertNotNull(record, () -> "outcome forgotten, " + context.get());
                assertTrue(record.phase().terminal(), () -> "outcome not recorded, " + context.get());
            }
            int before = cloud.launches.size();

            upload(input);
            cycles(operator, context);
            LedgerCodec.read(cloud.objects.get(LEDGER));
            if (parser.parse("acme.yaml", input) instanceof ParseOutcome.Valid) {
                accepted++;
                revision = operator.snapshot().plan().revision();
                assertNull(ledger().planError(), context);
                assertNull(operator.snapshot().plan().error(), context);
                launchedByMutations += cloud.launches.size() - before;
            } else {
                assertEquals(before, cloud.launches.size(), () -> "a refused plan launched, " + context.get());
                assertRefusedMutation(operator, revision, context);
            }
        }
        assertTrue(accepted < MUTATIONS, "no mutation was ever refused");
        assertTrue(launchedByMutations > 0, "no valid mutation launched: the at-most-once check was not exercised");

        stopRunningTasks(0);
        cycles(operator, () -> "after the mutations");
        int before = cloud.launches.size();
        upload(validPlan("v99", ""));
        cycles(operator, () -> "the final valid plan");
        cycles(operator, () -> "the final valid plan");
        assertEquals(before + 1, cloud.launches.size(), "a new version is launched exactly once");
        assertNull(ledger().planError());
        assertEquals("False", ledger().environment(ENV).condition(Condition.SPEC_INVALID).status());
        assertFalse(new String(cloud.objects.get(LEDGER), UTF_8).contains(SECRET), "the ledger holds a secret");
    }

    private void assertRefusedMutation(Reconciler operator, String revision, Supplier<String> context) {
        MigrationStatus status = ledger();
        assertNotNull(status.planError(), context);
        assertEquals(revision, status.observedPlanRevision(), context);
        DesiredState.View view = operator.snapshot().plan();
        assertEquals(revision, view.revision(), context);
        assertNotNull(view.error(), context);
        for (EnvironmentSpec spec : view.plan().environments()) {
            EnvironmentStatus environment = status.environment(spec.name());
            if (environment != null) {
                assertEquals("True", environment.condition(Condition.SPEC_INVALID).status(), context);
            }
        }
    }

    /** Stops every running task, alternating success and failure; returns their ARNs. */
    private List<String> stopRunningTasks(int round) {
        List<String> stopped = new ArrayList<>();
        for (Map.Entry<String, ContainerService.TaskState> task : new ArrayList<>(cloud.tasks.entrySet())) {
            if (!task.getValue().stopped()) {
                cloud.stop(task.getKey(), round % 2 == 0 ? 0 : 1, "Essential container in task exited");
                stopped.add(task.getKey());
            }
        }
        return stopped;
    }

    private static Supplier<String> describe(int index, long seed, byte[] input) {
        return () -> "mutation " + index + " (seed " + seed + "), input: " + Base64.getEncoder().encodeToString(input);
    }

    static byte[] mutate(byte[] original, Random random) {
        byte[] bytes = original.clone();
        int edits = 1 + random.nextInt(random.nextInt(10) == 0 ? 30 : 3);
        for (int e = 0; e < edits; e++) {
            int at = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
            switch (random.nextInt(5)) {
                case 0 -> bytes = delete(bytes, at, 1 + random.nextInt(8));
                case 1 -> {
                    if (at < bytes.length) {
                        bytes[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 2 -> bytes = insert(bytes, at, new byte[] {(byte) random.nextInt(256)});
                default -> bytes = insert(bytes, at, TOKENS.get(random.nextInt(TOKENS.size())).getBytes(UTF_8));
            }
        }
        return bytes;
    }
}
