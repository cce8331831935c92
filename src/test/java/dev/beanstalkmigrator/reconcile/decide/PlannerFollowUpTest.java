package dev.beanstalkmigrator.reconcile.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.testing.Samples;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner's decisions after an outcome, and those it takes over a whole pass (batching, retry gating,
 * which watches are due): one row per decision, the outcome in, the follow-up out, in words.
 */
class PlannerFollowUpTest {

    static final Instant T = Samples.T;
    static final EnvironmentSpec SPEC = Samples.spec("v42");
    static final ContainerService.TaskDefinition BASE = new ContainerService.TaskDefinition("arn:td/acme-web:1",
            "acme-web", 1, "awsvpc", List.of(new ContainerService.Container("web", "acme:v41", null)));
    static final ImageResolver.Resolved TEMPLATE = new ImageResolver.Resolved("acme:v42", ImageResolver.FROM_TEMPLATE,
            null);
    static final ImageResolver.Resolved UNCHANGED = new ImageResolver.Resolved("acme:v41", ImageResolver.FROM_BASE,
            "not pinned");
    static final Map<String, String> SMALL = Map.of("DATABASE_URL", "postgres://db");
    static final Map<String, String> HUGE = Map.of("BLOB", "x".repeat(Overrides.LIMIT_BYTES));

    static MigrationRecord running(Instant startedAt) {
        return Samples.record("v42", "", Phase.Launching).running("arn:task/1", startedAt);
    }

    static Planner.Inputs at(Instant now, boolean withSpec, boolean logTails) {
        return new Planner.Inputs(new MigrationPlan("acme", withSpec ? List.of(SPEC) : List.of(), List.of()), "\"1\"",
                Samples.ledger(), Samples.READY, Map.of(), now, true, false, logTails, () -> "new-id");
    }

    static final Map<String, String> SECRETS = Map.of("STRIPE_KEY",
            "arn:aws:secretsmanager:us-east-1:000000000000:secret:acme/stripe-AbCd12");

    static Outcome prepared(ContainerService.TaskDefinition base, ImageResolver.Resolved image,
                            Map<String, String> variables) {
        return prepared(SPEC, base, image, variables, Map.of());
    }

    static Outcome prepared(EnvironmentSpec spec, ContainerService.TaskDefinition base, ImageResolver.Resolved image,
                            Map<String, String> variables, Map<String, String> secrets) {
        return new Outcome.Prepared(new Action.Prepare(spec, "v42", "L1"), base, image,
                new Beanstalk.Configuration(variables, secrets));
    }

    /** An intent of the version before placements were recorded, or of this one (with its placement). */
    static MigrationRecord intent(boolean placed, String overrides) {
        MigrationRecord r = Samples.record("v42", "", Phase.Launching);
        r = new MigrationRecord(r.version(), r.rerun(), r.phase(), r.launchId(), r.cluster(), r.container(), null,
                r.image(), r.imageSource(), r.taskDefinitionArn(), overrides, r.command(), r.createdAt(), null, null,
                null, null, null, null);
        return placed ? r.withPlacement(Launches.placement(SPEC)) : r;
    }

    static Outcome described(MigrationRecord record, ContainerService.TaskState state) {
        return new Outcome.Described(new Action.DescribeTasks("acme-prod", List.of(new Action.Watch(SPEC.name(),
                record))), state == null ? Map.of() : Map.of(record.taskArn(), state));
    }

    /** Past its 30-minute timeout, StopTask asked at T+31m. */
    static MigrationRecord stopping() {
        return running(T).stopRequested(T.plus(Duration.ofMinutes(31)));
    }

    static ContainerService.TaskState stopped(Integer exitCode) {
        return stopped(exitCode, Map.of());
    }

    /** Stopped, its container given {@code overridden} by RunTask's overrides. */
    static ContainerService.TaskState stopped(Integer exitCode, Map<String, String> overridden) {
        return new ContainerService.TaskState("arn:task/1", false, "STOPPED", "Essential container in task exited",
                "EssentialContainerExited", T, T, T,
                List.of(new ContainerService.ContainerState("web", exitCode, null, overridden)));
    }

    static final ContainerService.TaskState RUNNING = new ContainerService.TaskState("arn:task/1", false, "RUNNING",
            null, null, T, T, null, List.of());

    static Stream<Arguments> followUps() {
        MigrationRecord intent = intent(true, Overrides.IN_TASK_DEFINITION);
        Outcome notFound = new Outcome.Found(new Action.FindTask(SPEC.name(), intent), null);
        EnvironmentSpec hugeCommand = new EnvironmentSpec(SPEC.name(), SPEC.application(), SPEC.version(), false, "",
                SPEC.cluster(), SPEC.taskDefinition(), SPEC.container(), List.of("x".repeat(Overrides.LIMIT_BYTES)),
                SPEC.timeout(), SPEC.launchType(), null, SPEC.network(), "", AfterSuccess.NONE);
        return Stream.of(
                Arguments.of("image unchanged, no variables: the base task definition runs, the command in overrides",
                        prepared(BASE, UNCHANGED, Map.of()), at(T, true, true),
                        "Record Launching td=arn:td/acme-web:1 container-overrides placed, Launch v42 command=true"
                                + " environment=false"),
                Arguments.of("image unchanged but variables: the base task definition runs, they ride in overrides",
                        prepared(BASE, UNCHANGED, SMALL), at(T, true, true),
                        "Record Launching td=arn:td/acme-web:1 container-overrides placed, Launch v42 command=true"
                                + " environment=true"),
                Arguments.of("a new image: the migrate revision is registered first",
                        prepared(BASE, TEMPLATE, Map.of()), at(T, true, true),
                        "RegisterRevision v42 variables=0 secrets=0 command=false container-overrides placed"),
                Arguments.of("a new image and variables: one revision for the image, the variables in overrides",
                        prepared(BASE, TEMPLATE, SMALL), at(T, true, true),
                        "RegisterRevision v42 variables=0 secrets=0 command=false container-overrides placed"
                                + " overridden=1"),
                Arguments.of("secrets: registered as references, their names in the intent",
                        prepared(SPEC, BASE, UNCHANGED, SMALL, SECRETS), at(T, true, true),
                        "RegisterRevision v42 variables=0 secrets=1 command=false container-overrides placed"
                                + " secrets=[STRIPE_KEY] overridden=1"),
                Arguments.of("variables past 8 KiB: in the revision like any, the command still in overrides",
                        prepared(BASE, UNCHANGED, HUGE), at(T, true, true),
                        "RegisterRevision v42 variables=1 secrets=0 command=false task-definition placed"),
                Arguments.of("a command past 8 KiB: baked into the migrate revision",
                        prepared(hugeCommand, BASE, UNCHANGED, Map.of(), Map.of()), at(T, true, true),
                        "RegisterRevision v42 variables=0 secrets=0 command=true task-definition placed"),
                Arguments.of("no such container: refused, stalled", prepared(new ContainerService.TaskDefinition(
                        "arn:td/x:1", "x", 1, "awsvpc", List.of()), null, Map.of()), at(T, true, true),
                        "Refused ContainerNotFound"),
                Arguments.of("the migrate revision registered: intent, then RunTask from the intent alone",
                        new Outcome.Registered(new Action.RegisterRevision(SPEC, intent, BASE, SMALL, null, null,
                                Map.of()), "arn:td/acme-web-migrate:3"), at(T, true, true),
                        "Record Launching td=arn:td/acme-web-migrate:3 task-definition placed, Launch v42"
                                + " command=true environment=false"),
                Arguments.of("the revision registered, the variables in overrides: RunTask carries them",
                        new Outcome.Registered(new Action.RegisterRevision(SPEC,
                                intent(true, Overrides.IN_CONTAINER_OVERRIDES), BASE, null, null, null, SMALL),
                                "arn:td/acme-web-migrate:3"), at(T, true, true),
                        "Record Launching td=arn:td/acme-web-migrate:3 container-overrides placed, Launch v42"
                                + " command=true environment=true"),
                Arguments.of("an intent's task not found within the client-token window: the same RunTask again",
                        notFound, at(T.plus(Duration.ofHours(22)), true, true), "Relaunch v42 variablesOf=null"),
                Arguments.of("an intent of the previous version, variables in its overrides: they are read again",
                        new Outcome.Found(new Action.FindTask(SPEC.name(),
                                intent(false, Overrides.IN_CONTAINER_OVERRIDES)), null),
                        at(T.plus(Duration.ofHours(22)), true, true), "Relaunch v42 variablesOf=acme"),
                Arguments.of("an intent with its variables in overrides: they are read again for the replay",
                        new Outcome.Found(new Action.FindTask(SPEC.name(),
                                intent(true, Overrides.IN_CONTAINER_OVERRIDES)), null),
                        at(T.plus(Duration.ofHours(22)), true, true), "Relaunch v42 variablesOf=acme"),
                Arguments.of("the same, its environment left out of the plan: the ledger names the application",
                        new Outcome.Found(new Action.FindTask(SPEC.name(),
                                intent(true, Overrides.IN_CONTAINER_OVERRIDES)), null),
                        at(T.plus(Duration.ofHours(22)), false, true), "Relaunch v42 variablesOf=acme"),
                Arguments.of("an intent of the previous version with everything in its revision: nothing to read",
                        new Outcome.Found(new Action.FindTask(SPEC.name(),
                                intent(false, Overrides.IN_TASK_DEFINITION)), null),
                        at(T.plus(Duration.ofHours(22)), true, true), "Relaunch v42 variablesOf=null"),
                Arguments.of("an intent's task not found past the client-token window: LaunchLost",
                        notFound, at(T.plus(Duration.ofHours(24)), true, true), "Record Failed LaunchLost"),
                Arguments.of("an intent of an environment left out of the plan: replayed from the intent alone",
                        notFound, at(T, false, true), "Relaunch v42 variablesOf=null"),
                Arguments.of("an intent of an environment left out of the plan, past the window: LaunchLost",
                        notFound, at(T.plus(Duration.ofHours(24)), false, true), "Record Failed LaunchLost"),
                Arguments.of("an intent of the previous version, left out of the plan: looked for again",
                        new Outcome.Found(new Action.FindTask(SPEC.name(),
                                intent(false, Overrides.IN_CONTAINER_OVERRIDES)), null),
                        at(T.plus(Duration.ofHours(22)), false, true), ""),
                Arguments.of("a 2 h migration left out of the plan: followed with its own timeout, not 30 min",
                        described(running(T).withTimeout(Duration.ofHours(2)), RUNNING),
                        at(T.plus(Duration.ofMinutes(31)), false, true), ""),
                Arguments.of("a 2 h migration left out of the plan, past its own timeout: StopTask",
                        described(running(T).withTimeout(Duration.ofHours(2)), RUNNING),
                        at(T.plus(Duration.ofMinutes(121)), false, true), "StopTask v42 after PT2H"),
                Arguments.of("the timeout of the intent wins over an edited plan",
                        described(running(T).withTimeout(Duration.ofHours(2)), RUNNING),
                        at(T.plus(Duration.ofMinutes(31)), true, true), ""),
                Arguments.of("an intent's task found: nothing more to decide",
                        new Outcome.Found(new Action.FindTask(SPEC.name(), intent), "arn:task/1"), at(T, true, true),
                        ""),
                Arguments.of("still running within its timeout", described(running(T), RUNNING),
                        at(T.plus(Duration.ofMinutes(29)), true, true), ""),
                Arguments.of("past its timeout: StopTask", described(running(T), RUNNING),
                        at(T.plus(Duration.ofMinutes(31)), true, true), "StopTask v42 after PT30M"),
                Arguments.of("succeeded: recorded, no log tail", described(running(T), stopped(0)), at(T, true, true),
                        "Record Succeeded"),
                Arguments.of("failed: recorded, then its log tail", described(running(T), stopped(1)),
                        at(T, true, true), "Record Failed, TailLog v42"),
                Arguments.of("failed, its variables given as overrides (an intent from before placements): the"
                                + " log tail masks what ECS says the task was given",
                        described(intent(false, Overrides.IN_CONTAINER_OVERRIDES).running("arn:task/1", T),
                                stopped(1, SMALL)), at(T, true, true), "Record Failed, TailLog v42 overridden=1"),
                Arguments.of("failed with log tails off: recorded only", described(running(T), stopped(1)),
                        at(T, true, false), "Record Failed"),
                Arguments.of("failed with secrets in its container: the log tail is withheld",
                        described(running(T).withSecrets(List.of("STRIPE_KEY")), stopped(1)), at(T, true, true),
                        "Record Failed, TailLog v42 withheld"),
                Arguments.of("a batch of watches: each outcome goes to its own environment",
                        new Outcome.Described(new Action.DescribeTasks("acme-prod", List.of(
                                new Action.Watch(SPEC.name(), running(T)), new Action.Watch("acme-web-staging",
                                        Samples.record("v42", "", Phase.Launching).running("arn:task/2", T)))),
                                Map.of("arn:task/1", stopped(0), "arn:task/2", new ContainerService.TaskState(
                                        "arn:task/2", false, "STOPPED", "exited", "EssentialContainerExited", T, T, T,
                                        List.of(new ContainerService.ContainerState("web", 0, null, Map.of()))))),
                        at(T, true, true), "Record Succeeded, Record acme-web-staging Succeeded"),
                Arguments.of("unknown to ECS just after it started (eventual consistency): watched again",
                        described(running(T), null), at(T.plus(Duration.ofSeconds(3)), true, true), ""),
                Arguments.of("unknown to ECS within the grace after it started: watched again",
                        described(running(T), null), at(T.plus(TaskOutcomes.MISSING_GRACE).minusSeconds(1), true, true),
                        ""),
                Arguments.of("unknown to ECS past the grace after it started: LaunchLost", described(running(T), null),
                        at(T.plus(TaskOutcomes.MISSING_GRACE), true, true), "Record Failed LaunchLost, TailLog v42"),
                Arguments.of("StopTask accepted: still Running with the request recorded, nothing else yet",
                        new Outcome.Stopped(new Action.StopTask(SPEC.name(), running(T), Duration.ofMinutes(30)),
                                T.plus(Duration.ofMinutes(31))), at(T.plus(Duration.ofMinutes(31)), true, true),
                        "Record Running stopRequestedAt=2026-11-25T10:31:00Z"),
                Arguments.of("stopping, ECS still reports it RUNNING: wait, no second StopTask",
                        described(stopping(), RUNNING), at(T.plus(Duration.ofMinutes(35)), true, true), ""),
                Arguments.of("stopping, still RUNNING five minutes after StopTask: StopTask again",
                        described(stopping(), RUNNING), at(T.plus(Duration.ofMinutes(37)), true, true),
                        "StopTask v42 after PT30M"),
                Arguments.of("stopping, then STOPPED: TimedOut with ECS's reason and exit code, then its log tail",
                        described(stopping(), new ContainerService.TaskState("arn:task/1", false, "STOPPED",
                                "beanstalk-migrator: migration timed out after PT30M", "UserInitiated", T, T,
                                T.plus(Duration.ofMinutes(32)), List.of(new ContainerService.ContainerState("web", 137,
                                null, Map.of())))), at(T.plus(Duration.ofMinutes(33)), true, true),
                        "Record TimedOut exit=137 at 2026-11-25T10:32:00Z: timed out after PT30M; stop requested at"
                                + " 2026-11-25T10:31:00Z; ECS stopped the task: beanstalk-migrator: migration timed"
                                + " out after PT30M (exit code 137: SIGKILL), TailLog v42"),
                Arguments.of("stopping, and it exited 0 on SIGTERM: still TimedOut, its exit code says nothing",
                        described(stopping(), new ContainerService.TaskState("arn:task/1", false, "STOPPED",
                                "Task stopped by user", "UserInitiated", T, T, T.plus(Duration.ofMinutes(31)),
                                List.of(new ContainerService.ContainerState("web", 0, null, Map.of())))),
                        at(T.plus(Duration.ofMinutes(33)), true, true),
                        "Record TimedOut exit=0 at 2026-11-25T10:31:00Z: timed out after PT30M; stop requested at"
                                + " 2026-11-25T10:31:00Z; ECS stopped the task: Task stopped by user (exit code 0),"
                                + " TailLog v42"),
                Arguments.of("stopping soon after it started (a short timeout), unknown to ECS yet: watched again",
                        described(running(T).stopRequested(T.plus(Duration.ofSeconds(20))), null),
                        at(T.plus(Duration.ofSeconds(30)), true, true), ""),
                Arguments.of("stopping, and ECS no longer knows the task: TimedOut, its stop not confirmed",
                        described(stopping(), null), at(T.plus(Duration.ofMinutes(33)), true, true),
                        "Record TimedOut exit=null at 2026-11-25T10:33:00Z: timed out after PT30M; stop requested at"
                                + " 2026-11-25T10:31:00Z, but ECS no longer knows the task (MISSING): its stop was not"
                                + " confirmed, TailLog v42"),
                Arguments.of("RunTask placed no task (EC2 capacity): Pending again, same launch id, not Failed",
                        new Outcome.NotPlaced(new Action.Launch(SPEC, intent, null), intent,
                                "RESOURCE:MEMORY on 2 container instances", T), at(T, true, true),
                        "Record Pending launch=id-v42-Launching (waiting for capacity: RunTask placed no task"
                                + " (RESOURCE:MEMORY on 2 container instances))"),
                Arguments.of("a relaunch placed nowhere: Pending again too",
                        new Outcome.NotPlaced(new Action.Relaunch(SPEC.name(), SPEC, intent, "acme"), intent, "AGENT on 1 container"
                                + " instance", T), at(T, true, true),
                        "Record Pending launch=id-v42-Launching (waiting for capacity: RunTask placed no task"
                                + " (AGENT on 1 container instance))"),
                Arguments.of("no container instance in the cluster: Pending again, same launch id",
                        new Outcome.Failed(new Action.Launch(SPEC, intent, null), new CloudError.Waiting(
                                "ecs:RunTask", "InvalidParameterException",
                                "No Container Instances were found in your cluster.", null)), at(T, true, true),
                        "Record Pending launch=id-v42-Launching (waiting for capacity: RunTask placed no task"
                                + " (InvalidParameterException: No Container Instances were found in your cluster.))"),
                Arguments.of("a relaunch that could not read the variables (busy): not about capacity, nothing here",
                        new Outcome.Failed(new Action.Relaunch(SPEC.name(), SPEC, intent, "acme"), new CloudError.Waiting(
                                "elasticbeanstalk:DescribeConfigurationSettings", "OperationInProgressFailure", "busy",
                                null)), at(T, true, true), ""),
                Arguments.of("RunTask refused for a reason a human must fix: the ledger draft forgets the intent",
                        new Outcome.Failed(new Action.Launch(SPEC, intent, null), new CloudError.Stalled(
                                "ecs:RunTask", "InvalidParameterException", "bad", "fix it", null)),
                        at(T, true, true), ""),
                Arguments.of("a deploy: nothing follows",
                        new Outcome.Deployed(new Action.Deploy(SPEC.name(), running(T)), T), at(T, true, true), ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("followUps")
    void decidesWhatFollows(String situation, Outcome outcome, Planner.Inputs in, String expected) {
        assertEquals(expected, describe(Planner.next(outcome, in)), situation);
    }

    @org.junit.jupiter.api.Test
    void whatThePlanLeftOutIsWhereTheIntentRunsAndTheRecordSaysHowItWasFound() {
        EnvironmentSpec zeroConfig = Samples.zeroConfig("v42");
        Map<String, String> how = Map.of(
                "cluster", "cluster awseb-acme-web-prod-AbCd12: the only cluster tagged"
                        + " elasticbeanstalk:environment-name=acme-web-prod",
                "taskDefinition", "task definition acme-web:1: what the only running task of cluster"
                        + " awseb-acme-web-prod-AbCd12 run",
                "container", "container web: the only container of acme-web:1");
        EnvironmentSpec found = new EnvironmentSpec(zeroConfig.name(), zeroConfig.application(), zeroConfig.version(),
                false, "", "awseb-acme-web-prod-AbCd12", "arn:td/acme-web:1", "web", zeroConfig.command(),
                zeroConfig.timeout(), zeroConfig.launchType(), null, zeroConfig.network(), "", zeroConfig.afterSuccess());
        Planner.FollowUp followUp = Planner.next(new Outcome.Prepared(new Action.Prepare(zeroConfig, "v42", "L1"),
                BASE, UNCHANGED, Beanstalk.Configuration.EMPTY, found, how), at(T, true, true));

        assertEquals("Record Launching td=arn:td/acme-web:1 container-overrides placed, Launch v42 command=true"
                + " environment=false", describe(followUp));
        MigrationRecord intent = followUp.records().get(0).record();
        assertEquals("awseb-acme-web-prod-AbCd12", intent.cluster());
        assertEquals("web", intent.container());
        assertEquals(how, intent.discovered());
        Action.Launch launch = (Action.Launch) followUp.actions().get(0);
        assertEquals("awseb-acme-web-prod-AbCd12", launch.launch().cluster());
        assertEquals("web", launch.launch().container());

        Planner.FollowUp revision = Planner.next(new Outcome.Prepared(new Action.Prepare(zeroConfig, "v42", "L1"),
                BASE, TEMPLATE, new Beanstalk.Configuration(SMALL, Map.of()), found, how), at(T, true, true));
        Action.RegisterRevision register = (Action.RegisterRevision) revision.actions().get(0);
        assertEquals(how, register.intent().discovered());
        assertEquals("web", register.spec().container());
    }

    @Test
    void theIntentRecordsTheDatabaseByHostPortAndNameOnly() {
        Map<String, String> variables = Map.of("DATABASE_URL", "postgres://shop:canary-pw@db.internal:6432/shop",
                "DJANGO_SETTINGS_MODULE", "shop.settings");
        Planner.FollowUp direct = Planner.next(prepared(BASE, UNCHANGED, variables), at(T, true, true));
        assertEquals("db.internal:6432/shop", direct.records().get(0).record().database());
        Planner.FollowUp registered = Planner.next(prepared(BASE, TEMPLATE, variables), at(T, true, true));
        assertEquals("db.internal:6432/shop",
                ((Action.RegisterRevision) registered.actions().get(0)).intent().database(), "through a revision");

        Map<String, String> rds = Map.of("RDS_HOSTNAME", "shop.abc.eu-west-1.rds.amazonaws.com", "RDS_PORT", "5432",
                "RDS_DB_NAME", "ebdb", "RDS_PASSWORD", "canary-pw", "DATABASE_URL", "postgres://other/other");
        assertEquals("shop.abc.eu-west-1.rds.amazonaws.com:5432/ebdb",
                Planner.next(prepared(BASE, UNCHANGED, rds), at(T, true, true)).records().get(0).record().database());
        assertEquals(null, Planner.next(prepared(BASE, UNCHANGED, Map.of("DJANGO_SETTINGS_MODULE", "x")),
                at(T, true, true)).records().get(0).record().database(), "none known");

        for (String named : List.of("shop-main", EnvironmentSpec.NO_DATABASE)) {
            EnvironmentSpec spec = new EnvironmentSpec(SPEC.name(), SPEC.application(), SPEC.version(), false, "",
                    SPEC.cluster(), SPEC.taskDefinition(), SPEC.container(), SPEC.command(), SPEC.timeout(),
                    SPEC.launchType(), null, SPEC.network(), "", SPEC.afterSuccess(), named);
            MigrationRecord intent = Planner.next(prepared(spec, BASE, UNCHANGED, variables, Map.of()),
                    at(T, true, true)).records().get(0).record();
            assertEquals(named.equals(EnvironmentSpec.NO_DATABASE) ? null : named, intent.database(), named);
        }
    }

    static Stream<Arguments> launchBatches() {
        Function<Throwable, Outcome> failed = e -> new Outcome.Failed(new Action.Launch(SPEC, null, null),
                (CloudError) e);
        return Stream.of(
                Arguments.of("a task started: go on", new Outcome.Started(new Action.Launch(SPEC, null, null), null,
                        "arn:task/1", T), false),
                Arguments.of("throttled past the pacer's patience: the rest wait", failed.apply(
                        new CloudError.Throttled("ecs:RunTask", "ThrottlingException", "Rate exceeded", null)), true),
                Arguments.of("unanswered: go on, the intent is adopted later", failed.apply(
                        new CloudError.Transient("ecs:RunTask", "ServerException", "boom", null)), false),
                Arguments.of("refused: go on with the others", failed.apply(
                        new CloudError.Stalled("ecs:RunTask", "InvalidParameterException", "no", "fix", null)), false),
                Arguments.of("no longer the leader: the rest wait for the next leader",
                        new Outcome.NotLeader(new Action.Launch(SPEC, null, null)), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchBatches")
    void decidesWhenABatchOfLaunchesStops(String situation, Outcome outcome, boolean stops) {
        assertEquals(stops, Planner.stopLaunching(outcome), situation);
    }

    static Stream<Arguments> passes() {
        Requeues.Retry retry = new Requeues.Retry(T.plusSeconds(30), 2, Hold.stalled("AccessDenied", "no"), "\"1\"");
        EnvironmentSpec deploys = Samples.spec("v42", false, "", AfterSuccess.DEPLOY);
        MigrationStatus running = Samples.ledger(Samples.record("v41", "", Phase.Running));
        MigrationStatus succeeded = Samples.ledger(Samples.record("v42", "", Phase.Succeeded));
        Requeues.Retry noCapacity = new Requeues.Retry(T.plusSeconds(30), 3, Holds.noCapacity("acme-prod",
                "RESOURCE:MEMORY on 2 container instances"), "\"1\"");
        MigrationStatus placedNowhere = Samples.ledger(Samples.record("v42", "", Phase.Pending));
        return Stream.of(
                Arguments.of("a launch ECS placed nowhere waits for capacity until its retry time", SPEC, placedNowhere,
                        Map.of(SPEC.name(), noCapacity), "\"1\"", T, true, "hold WaitingForCapacity, requeue PT30S"),
                Arguments.of("and is prepared again at its retry time", SPEC, placedNowhere,
                        Map.of(SPEC.name(), noCapacity), "\"1\"", T.plusSeconds(30), true, "Prepare"),
                Arguments.of("a failed launch waits for its retry time", SPEC, Samples.ledger(),
                        Map.of(SPEC.name(), retry), "\"1\"", T, true, "hold AccessDenied, requeue PT30S"),
                Arguments.of("a failed launch is tried again at its retry time", SPEC, Samples.ledger(),
                        Map.of(SPEC.name(), retry), "\"1\"", T.plusSeconds(30), true, "Prepare"),
                Arguments.of("a new plan revision lifts the wait", SPEC, Samples.ledger(),
                        Map.of(SPEC.name(), retry), "\"2\"", T, true, "Prepare"),
                Arguments.of("a failed deploy waits for its retry time too", deploys, succeeded,
                        Map.of(SPEC.name(), retry), "\"1\"", T, true, "hold AccessDenied, requeue PT30S"),
                Arguments.of("running tasks are described when tasks are due", Samples.spec("v41"), running,
                        Map.of(), "\"1\"", T, true, "DescribeTasks acme-prod x1"),
                Arguments.of("and not between task polls", Samples.spec("v41"), running, Map.of(), "\"1\"", T,
                        false, ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("passes")
    void decidesAPass(String situation, EnvironmentSpec spec, MigrationStatus ledger, Map<String, Requeues.Retry> retries,
                      String revision, Instant now, boolean tasksDue, String expected) {
        Planner.Pass pass = Planner.plan(new Planner.Inputs(new MigrationPlan("acme", List.of(spec), List.of()), revision, ledger,
                Samples.READY, retries, now, tasksDue, false, true, () -> "new-id"));
        List<String> words = new ArrayList<>();
        pass.actions().forEach(a -> words.add(a instanceof Action.DescribeTasks d
                ? "DescribeTasks " + d.cluster() + " x" + d.watches().size() : a.getClass().getSimpleName()));
        Decision decision = pass.decisions().get(0);
        if (decision.hold() != null && decision.requeueAfter() != null) {
            words.add("hold " + decision.hold().reason() + ", requeue " + decision.requeueAfter());
        }
        assertEquals(expected, String.join(", ", words), situation);
    }

    @org.junit.jupiter.api.Test
    void aLaunchPlacedNowhereIsPreparedAgainWithItsOwnLaunchIdSoItsClientTokenIsTheSame() {
        MigrationRecord pending = Samples.record("v42", "", Phase.Launching).pending("waiting for capacity");
        Planner.Pass pass = Planner.plan(new Planner.Inputs(new MigrationPlan("acme", List.of(SPEC), List.of()), "\"1\"",
                Samples.ledger(pending), Samples.READY, Map.of(), T, true, false, true, () -> "new-id"));
        assertEquals(List.of(new Action.Prepare(SPEC, "v42", "id-v42-Launching")), pass.actions());
    }

    @org.junit.jupiter.api.Test
    void theWaitForCapacitySaysWhereAndWhatToAdd() {
        assertEquals("waiting for capacity on cluster acme-prod: RunTask placed no task (RESOURCE:MEMORY on 2"
                + " container instances); add container instances or free memory",
                Holds.noCapacity("acme-prod", "RESOURCE:MEMORY on 2 container instances").message());
        assertEquals("waiting for capacity on cluster acme-prod: RunTask placed no task (InvalidParameterException:"
                + " No Container Instances were found in your cluster.); register container instances in the cluster",
                Holds.noCapacity("acme-prod", "InvalidParameterException: No Container Instances were found in your"
                        + " cluster.").message());
        assertEquals(Reasons.WAITING_FOR_CAPACITY, Holds.noCapacity("c", "RESOURCE:CPU on 1 container instance")
                .reason());
    }

    @org.junit.jupiter.api.Test
    void aBurstIsCutIntoBatchesAndTheRestIsRequeuedAtOnce() {
        List<EnvironmentSpec> specs = IntStream.range(0, Planner.MAX_LAUNCHES_PER_CYCLE + 5)
                .mapToObj(i -> new EnvironmentSpec("acme-web-prod", "acme", SPEC.version(), false, "" + i,
                        "acme-prod", "acme-web", "web", List.of("migrate"), Duration.ofMinutes(30), "FARGATE", null,
                        SPEC.network(), "", AfterSuccess.NONE)).toList();
        Planner.Pass pass = Planner.plan(new Planner.Inputs(new MigrationPlan("acme", specs, List.of()), "\"1\"",
                Samples.ledger(), Samples.READY, Map.of(), T, true, false, true, () -> "id"));
        assertEquals(Planner.MAX_LAUNCHES_PER_CYCLE, pass.actions().stream()
                .filter(a -> a instanceof Action.Prepare).count());
        assertEquals(5, pass.decisions().stream().filter(d -> Duration.ZERO.equals(d.requeueAfter())).count());
    }

    static String describe(Planner.FollowUp followUp) {
        List<String> words = new ArrayList<>();
        for (Planner.Recorded recorded : followUp.records()) {
            MigrationRecord r = recorded.record();
            words.add("Record " + (recorded.environment().equals(SPEC.name()) ? "" : recorded.environment() + " ")
                    + r.phase() + (r.phase() == Phase.Launching
                    ? " td=" + r.taskDefinitionArn() + " " + r.overrides() + (r.placement() != null ? " placed" : "")
                    : r.phase() == Phase.Running && r.stopRequestedAt() != null
                    ? " stopRequestedAt=" + r.stopRequestedAt()
                    : r.phase() == Phase.TimedOut
                    ? " exit=" + r.exitCode() + " at " + r.finishedAt() + ": " + r.reason()
                    : r.phase() == Phase.Pending ? " launch=" + r.launchId() + " (" + r.reason() + ")"
                    : Reasons.LAUNCH_LOST.equals(r.reason()) ? " " + r.reason() : ""));
        }
        for (Outcome.Failed refusal : followUp.refusals()) {
            words.add("Refused " + ((CloudError.Stalled) refusal.error()).code());
        }
        for (Action a : followUp.actions()) {
            words.add(a instanceof Action.Launch l ? "Launch " + l.intent().version() + " command="
                    + (l.launch().command() != null) + " environment=" + (l.launch().environment() != null)
                    : a instanceof Action.RegisterRevision r ? "RegisterRevision " + r.intent().version()
                    + " variables=" + (r.bakedVariables() == null ? 0 : r.bakedVariables().size())
                    + " secrets=" + (r.bakedSecrets() == null ? 0 : r.bakedSecrets().size())
                    + " command=" + (r.bakedCommand() != null) + " " + r.intent().overrides()
                    + (r.intent().placement() != null ? " placed" : "")
                    + (r.intent().secrets() != null ? " secrets=" + r.intent().secrets() : "")
                    + (r.overridden().isEmpty() ? "" : " overridden=" + r.overridden().size())
                    : a instanceof Action.Relaunch r ? "Relaunch " + r.intent().version() + " variablesOf="
                    + r.variablesOf()
                    : a instanceof Action.StopTask s ? "StopTask " + s.record().version() + " after " + s.timeout()
                    : a instanceof Action.TailLog t ? "TailLog " + t.record().version()
                    + (t.withhold() ? " withheld" : "")
                    + (t.overridden().isEmpty() ? "" : " overridden=" + t.overridden().size())
                    : a.getClass().getSimpleName());
        }
        return words.stream().collect(Collectors.joining(", "));
    }
}
