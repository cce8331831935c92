package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.Fault;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.Crashes;
import dev.beanstalkmigrator.testing.DefaultRetry;
import dev.beanstalkmigrator.testing.Plans;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launch protocol survives a crash at its most dangerous instants. An operator (a {@link Reconciler} wired
 * as {@code OperatorWiring} wires it, on the real adapters, against the sandbox) is stopped from outside, by
 * {@link Crashes} decorators of its ports, between two steps of a launch; a new operator, built from nothing but
 * what is stored,
 * takes over. Whatever the crash point, the sandbox's ECS records exactly one task for the (environment,
 * version), and the ledger names that task.
 */
class CrashRecoveryOnSandboxIT {

    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plan.yaml";
    static final String ENVIRONMENT = "shop-crash1";
    static final String VERSION = "v2";
    static final Duration DEADLINE = Duration.ofSeconds(30);

    SandboxCloud cloud;
    /** The reconcilers' parallel reads, as OperatorWiring's pool runs them. */
    final ExecutorService workers = Executors.newFixedThreadPool(8);
    final List<SandboxAdapters> opened = new ArrayList<>();

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        cloud.putObject(BUCKET, PLAN_KEY, Plans.plan("{name: " + ENVIRONMENT + ", version: " + VERSION + "}")
                .getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        opened.forEach(SandboxAdapters::close);
        workers.shutdownNow();
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void crashAfterTheIntentIsRecordedThenARestartLaunchesOnce() {
        MigrationRecord intent = crashAt(Crashes.Instant.INTENT_RECORDED);
        assertTrue(runsOf(ENVIRONMENT, VERSION).isEmpty(), "RunTask was never called");

        MigrationRecord done = restartUntilFinished(Clock.systemUTC());

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        RunRecord run = exactlyOneRun();
        assertEquals(run.taskArn(), done.taskArn());
        assertEquals(intent.launchId(), done.launchId(), "the restart adopted the recorded launch");
        assertEquals(intent.launchId(), run.clientToken(), "repeated with the recorded client token");
        assertEquals("bm-" + intent.launchId(), run.startedBy());
        assertEquals(0, done.exitCode());
    }

    @Test
    void crashAfterRunTaskAnsweredThenARestartAdoptsTheTask() {
        MigrationRecord intent = crashAt(Crashes.Instant.TASK_STARTED);
        RunRecord started = exactlyOneRun();
        assertNull(intent.taskArn(), "the ARN never reached the ledger");
        long runTaskCalls = cloud.calls("ecs:RunTask");

        MigrationRecord done = restartUntilFinished(Clock.systemUTC());

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals(started, exactlyOneRun(), "the task of the crashed launch, no other");
        assertEquals(started.taskArn(), done.taskArn());
        assertEquals(intent.launchId(), done.launchId());
        assertEquals(runTaskCalls, cloud.calls("ecs:RunTask"), "found by startedBy, RunTask not repeated");
    }

    @Test
    void crashAfterTheIntentAndNoTaskPastTheClientTokenWindowIsLaunchLost() {
        crashAt(Crashes.Instant.INTENT_RECORDED);
        long runTaskCalls = cloud.calls("ecs:RunTask");

        // The operator comes back 25 hours later: ECS would no longer honour the client token.
        MigrationRecord lost = restartUntilFinished(Clock.offset(Clock.systemUTC(), Duration.ofHours(25)));

        assertEquals(Phase.Failed, lost.phase(), lost::toString);
        assertEquals("LaunchLost", lost.reason());
        assertNull(lost.taskArn());
        assertTrue(cloud.runs().isEmpty(), () -> "runs: " + cloud.runs());
        assertEquals(runTaskCalls, cloud.calls("ecs:RunTask"), "no RunTask after the window");
        EnvironmentStatus environment = ledger().environment(ENVIRONMENT);
        assertEquals("False", environment.condition("Ready").status());
        assertEquals("LaunchLost", environment.condition("Ready").reason());
    }

    @Test
    void crashAfterRunTaskThenTheTaskVanishesPastTheClientTokenWindowIsLaunchLost() {
        crashAt(Crashes.Instant.TASK_STARTED);
        RunRecord started = exactlyOneRun();
        assertTrue(cloud.expireTask(started.taskArn()), "ECS forgets the task");

        MigrationRecord lost = restartUntilFinished(Clock.offset(Clock.systemUTC(), Duration.ofHours(25)));

        assertEquals(Phase.Failed, lost.phase(), lost::toString);
        assertEquals("LaunchLost", lost.reason());
        assertEquals(List.of(started), cloud.runs(), "nothing started again");
    }

    @Test
    void runTaskAnsweredByADroppedConnectionStartsOneTask() {
        // The sandbox drops the connection before it handles the call: that RunTask started nothing, and the
        // retry (same client token) starts the one task.
        cloud.injectFault(Fault.drop("ecs:RunTask").times(1));
        SandboxAdapters aws = new SandboxAdapters(cloud.endpoint());
        Reconciler operator = operator(aws, Clock.systemUTC(), aws.objects, aws.ecs);

        MigrationRecord done = cycleUntilFinished(operator);

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals(1, cloud.calls("ecs:RunTask:dropped"));
        assertEquals(2, cloud.calls("ecs:RunTask"), "the dropped call and its retry");
        RunRecord run = exactlyOneRun();
        assertEquals(run.taskArn(), done.taskArn());
        assertEquals(done.launchId(), run.clientToken());
    }

    @Test
    void runTaskThatStartedTheTaskButWhoseAnswersWereLostIsAdoptedNotRepeated() {
        // Started, then the answer lost: every RunTask attempt is handled only after the client gave up
        // waiting (latency beyond the ECS client's read timeout). The first one handled starts the task;
        // the later ones carry the same client token and get that task back, unread.
        cloud.injectFault(Fault.latency("ecs:RunTask", Duration.ofMillis(3000)).times(4));
        SandboxAdapters impatient = new SandboxAdapters(cloud.endpoint(), Duration.ofMillis(1200));
        Reconciler operator = operator(impatient, Clock.systemUTC(), impatient.objects, impatient.ecs);

        MigrationStatus afterFirstCycle = operator.cycle(false).status();
        MigrationRecord unanswered = afterFirstCycle.environment(ENVIRONMENT).find(VERSION, "");
        assertEquals(Phase.Launching, unanswered.phase(), "RunTask unanswered: the intent stays");
        assertEquals(4, cloud.calls("ecs:RunTask"), "every attempt timed out");
        await().atMost(DEADLINE).until(() -> cloud.runs().size() == 1);

        MigrationRecord done = cycleUntilFinished(operator);

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        RunRecord run = exactlyOneRun();
        assertEquals(run.taskArn(), done.taskArn());
        assertEquals(unanswered.launchId(), done.launchId());
        assertEquals(4, cloud.calls("ecs:RunTask"), "adopted by startedBy, RunTask not repeated");
    }

    @Test
    void aRetryOfARunTaskWhoseAnswerWasLostGetsTheTaskTheLostCallStarted() {
        // The task starts, the answer is lost; ListTasks does not know the task yet. The in-call retry carries
        // the same client token, and ECS answers it with the task the lost call started.
        cloud.setListTasksLag(Duration.ofHours(1));
        cloud.injectFault(Fault.answerLost("ecs:RunTask").times(1));
        SandboxAdapters aws = new SandboxAdapters(cloud.endpoint());
        Reconciler operator = operator(aws, Clock.systemUTC(), aws.objects, aws.ecs);

        MigrationRecord running = operator.cycle(false).status().environment(ENVIRONMENT).find(VERSION, "");

        assertEquals(Phase.Running, running.phase(), running::toString);
        RunRecord run = exactlyOneRun();
        assertEquals(run.taskArn(), running.taskArn());
        assertEquals(running.launchId(), run.clientToken());
        assertEquals(1, cloud.calls("ecs:RunTask:dropped"));
        assertEquals(2, cloud.calls("ecs:RunTask"), "the lost call and its retry");
        assertEquals(Phase.Succeeded, cycleUntilFinished(operator).phase());
    }

    @Test
    void aLaunchWhoseAnswersWereAllLostWhileListTasksLagsIsSavedByTheClientTokenAlone() {
        // Every RunTask attempt of the first cycle starts or finds the task and loses its answer; ListTasks lags,
        // so the adoption by startedBy finds nothing. Only the client token stands between the adoption's RunTask
        // and a second migration on the same database.
        cloud.setListTasksLag(Duration.ofHours(1));
        int attempts = DefaultRetry.config(java.util.Map.of()).retry().maxAttempts();
        cloud.injectFault(Fault.answerLost("ecs:RunTask").times(attempts));
        SandboxAdapters aws = new SandboxAdapters(cloud.endpoint());
        Reconciler operator = operator(aws, Clock.systemUTC(), aws.objects, aws.ecs);

        MigrationRecord unanswered = operator.cycle(false).status().environment(ENVIRONMENT).find(VERSION, "");
        assertEquals(Phase.Launching, unanswered.phase(), "RunTask unanswered: the intent stays");
        assertEquals(attempts, cloud.calls("ecs:RunTask:dropped"), "every attempt ran and lost its answer");
        RunRecord started = exactlyOneRun();

        MigrationRecord done = cycleUntilFinished(operator);

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals(0, done.exitCode());
        assertEquals(started, exactlyOneRun(), "the task of the first attempt, no other");
        assertEquals(started.taskArn(), done.taskArn(), "the outcome is the started task's");
        assertEquals(unanswered.launchId(), done.launchId());
        assertEquals(done.launchId(), started.clientToken());
        assertTrue(cloud.calls("ecs:ListTasks:200") >= 1, "the adoption asked ListTasks first");
        assertEquals(attempts + 1, cloud.calls("ecs:RunTask"), "the lost attempts and the adoption's replay");
    }

    @Test
    void aTaskDescribeTasksDoesNotKnowYetIsWatchedNotLost() {
        // ECS's DescribeTasks is eventually consistent too: for a moment after RunTask it may answer MISSING for
        // the task just started. That is no lost task: the operator looks again and records the real outcome.
        cloud.setDescribeTasksLag(Duration.ofSeconds(2));
        SandboxAdapters aws = new SandboxAdapters(cloud.endpoint());
        Reconciler operator = operator(aws, Clock.systemUTC(), aws.objects, aws.ecs);

        MigrationRecord done = cycleUntilFinished(operator);

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals(exactlyOneRun().taskArn(), done.taskArn());
        assertTrue(cloud.calls("ecs:DescribeTasks") >= 2, "described again after a MISSING");
    }

    @Test
    void aVariableEditedBetweenTheIntentAndItsAdoptionIsAnsweredWithTheFirstCallsTask() {
        String original = "postgres://shop:shop-crash1-pw@db.internal:5432/shop_crash1";
        MigrationRecord intent = crashAt(Crashes.Instant.TASK_STARTED);
        RunRecord started = exactlyOneRun();
        assertEquals(original, started.environment().get("DATABASE_URL"), "the variable rides in the overrides");
        assertNotNull(intent.placement(), "the intent says how RunTask places the task");
        // Someone edits the environment, and ListTasks does not show the task yet: the adoption replays RunTask.
        cloud.setListTasksLag(Duration.ofHours(1));
        cloud.setEnvironmentVariable(ENVIRONMENT, "DATABASE_URL", "postgres://shop:edited@db.internal:5432/shop_crash1");
        long runTaskCalls = cloud.calls("ecs:RunTask");
        long accepted = cloud.calls("ecs:RunTask:200");
        long settingsReads = cloud.calls("elasticbeanstalk:DescribeConfigurationSettings");

        SandboxAdapters aws = new SandboxAdapters(cloud.endpoint());
        MigrationRecord done = cycleUntilFinished(operator(aws, Clock.systemUTC(), aws.objects, aws.ecs));

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals(started, exactlyOneRun(), "the task of the first call, no other");
        assertEquals(started.taskArn(), done.taskArn());
        assertEquals(intent.launchId(), done.launchId());
        assertEquals(runTaskCalls + 1, cloud.calls("ecs:RunTask"), "replayed once");
        assertEquals(accepted, cloud.calls("ecs:RunTask:200"),
                "the replay carried today's variables: ECS answered ConflictException naming the first call's task");
        assertEquals(settingsReads + 1, cloud.calls("elasticbeanstalk:DescribeConfigurationSettings"),
                "the replay read the variables again: they are never recorded");
    }

    @Test
    void anIntentOfThePreviousVersionWhoseVariablesChangedIsAdoptedFromTheConflict() {
        // The previous version recorded no placement and sent the variables as RunTask overrides.
        String original = "postgres://shop:shop-crash1-pw@db.internal:5432/shop_crash1";
        MigrationRecord intent = crashAt(Crashes.Instant.INTENT_RECORDED);
        MigrationRecord legacy = new MigrationRecord(intent.version(), intent.rerun(), intent.phase(),
                intent.launchId(), intent.cluster(), intent.container(), null, intent.image(), intent.imageSource(),
                intent.taskDefinitionArn(), "container-overrides", intent.command(), intent.createdAt(), null, null,
                null, null, null, null);
        MigrationStatus status = ledger();
        cloud.putObject(BUCKET, "plan.status.yaml", LedgerCodec.write(status.withEnvironments(
                status.environments().stream().map(e -> e.name().equals(ENVIRONMENT)
                        ? e.withHistory(List.of(legacy)) : e).toList())));
        try (SandboxAdapters previous = new SandboxAdapters(cloud.endpoint())) {
            previous.ecs.runTask(new ContainerService.TaskLaunch(legacy.cluster(), legacy.taskDefinitionArn(),
                    legacy.container(), legacy.command(), java.util.Map.of("DATABASE_URL", original,
                    "DJANGO_SETTINGS_MODULE", "shop.settings"), "FARGATE", null,
                    new dev.beanstalkmigrator.model.NetworkSpec(List.of("subnet-1"), List.of(), false),
                    "bm-" + legacy.launchId(), legacy.launchId(), java.util.Map.of(
                    "beanstalk-migrator:environment", ENVIRONMENT, "beanstalk-migrator:version", VERSION,
                    "beanstalk-migrator:launch-id", legacy.launchId())), () -> true);
        }
        RunRecord started = exactlyOneRun();
        cloud.setEnvironmentVariable(ENVIRONMENT, "DATABASE_URL", "postgres://shop:edited@db.internal:5432/shop_crash1");
        cloud.setListTasksLag(Duration.ofHours(1));

        SandboxAdapters aws = new SandboxAdapters(cloud.endpoint());
        MigrationRecord done = cycleUntilFinished(operator(aws, Clock.systemUTC(), aws.objects, aws.ecs));

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals(started, exactlyOneRun(), "the first call's task, adopted from ECS's answer");
        assertEquals(started.taskArn(), done.taskArn());
        assertEquals(1, cloud.calls("ecs:RunTask:400"), "the replay differed: ConflictException");
    }

    // --- the operator, by hand ------------------------------------------------------------------------------

    /**
     * A reconciler wired as OperatorWiring wires it, on the given adapters, writing its ledger through
     * {@code ledgerStore} and launching through {@code ecs} (the adapters themselves, or crashing decorators).
     */
    Reconciler operator(SandboxAdapters aws, Clock clock, ObjectStore ledgerStore, ContainerService ecs) {
        opened.add(aws);
        return aws.reconciler("s3://" + BUCKET + "/" + PLAN_KEY, SandboxAdapters.quickSettings("crash-test").build(),
                clock, ledgerStore, ecs, workers);
    }

    /** Runs an operator that dies at {@code point}; returns the launch as the ledger holds it after the crash. */
    MigrationRecord crashAt(Crashes.Instant instant) {
        SandboxAdapters aws = new SandboxAdapters(cloud.endpoint());
        ObjectLocation ledger = ObjectLocation.parse(OperatorWiring.statusUriFor("s3://" + BUCKET + "/" + PLAN_KEY));
        Reconciler doomed = instant == Crashes.Instant.TASK_STARTED
                ? operator(aws, Clock.systemUTC(), aws.objects, Crashes.afterRunTask(aws.ecs, ENVIRONMENT))
                : operator(aws, Clock.systemUTC(), Crashes.afterLedgerWrite(aws.objects, ledger, ENVIRONMENT, instant),
                        aws.ecs);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
                    try {
                        doomed.cycle(false);
                        return false;
                    } catch (Crashes.Crash crash) {
                        return true;
                    }
                });
        MigrationRecord intent = ledger().environment(ENVIRONMENT).find(VERSION, "");
        assertNotNull(intent, "the intent is in the ledger before the crash");
        assertEquals(Phase.Launching, intent.phase());
        assertNotNull(intent.launchId());
        return intent;
    }

    /** A restart: new clients, adapters, plan source, ledger and reconciler; cycles until the launch ends. */
    MigrationRecord restartUntilFinished(Clock clock) {
        SandboxAdapters aws = new SandboxAdapters(cloud.endpoint());
        return cycleUntilFinished(operator(aws, clock, aws.objects, aws.ecs));
    }

    MigrationRecord cycleUntilFinished(Reconciler operator) {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            MigrationRecord record = recordInLedger();
            return record != null && record.phase().terminal();
        });
        return recordInLedger();
    }

    // --- what is stored -------------------------------------------------------------------------------------

    MigrationStatus ledger() {
        byte[] stored = cloud.getObject(BUCKET, "plan.status.yaml");
        assertNotNull(stored, "no ledger in the sandbox");
        return LedgerCodec.read(stored);
    }

    MigrationRecord recordInLedger() {
        byte[] stored = cloud.getObject(BUCKET, "plan.status.yaml");
        if (stored == null) {
            return null;
        }
        EnvironmentStatus environment = LedgerCodec.read(stored).environment(ENVIRONMENT);
        return environment == null ? null : environment.find(VERSION, "");
    }

    List<RunRecord> runsOf(String environment, String version) {
        return cloud.runs().stream()
                .filter(r -> environment.equals(r.tags().get("beanstalk-migrator:environment"))
                        && version.equals(r.tags().get("beanstalk-migrator:version")))
                .toList();
    }

    RunRecord exactlyOneRun() {
        List<RunRecord> runs = runsOf(ENVIRONMENT, VERSION);
        assertEquals(1, runs.size(), () -> "tasks started for " + ENVIRONMENT + " " + VERSION + ": " + runs);
        assertEquals(cloud.runs().size(), runs.size(), "no other task started");
        return runs.get(0);
    }
}
