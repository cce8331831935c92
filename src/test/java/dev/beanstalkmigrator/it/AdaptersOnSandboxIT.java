package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.aws.AwsContainerService;
import dev.beanstalkmigrator.model.NetworkSpec;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService.TaskLaunch;
import dev.beanstalkmigrator.port.ContainerService.TaskState;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.LogTarget;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.sandbox.Fault;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's AWS adapters on real SDK clients and real HTTP, against the sandbox: what each port method
 * promises (conditional reads and writes, newest-first versions, the variables namespace, migrate revision
 * reuse, idempotent RunTask, batched DescribeTasks, log tails) and how wire-level failures are classified.
 */
class AdaptersOnSandboxIT {

    static final String CLUSTER = "shop-cluster";
    static final NetworkSpec NETWORK = new NetworkSpec(List.of("subnet-0aa11bb22"), List.of("sg-0cc33dd44"), false);
    static final String IMAGE_REPO = "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:";

    SandboxCloud cloud;
    SandboxAdapters aws;

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        aws = new SandboxAdapters(cloud.endpoint());
    }

    @AfterEach
    void stop() {
        if (aws != null) {
            aws.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    // --- S3 -------------------------------------------------------------------------------------------------

    @Test
    void s3ConditionalReadsAndCompareAndSwapWrites() {
        ObjectLocation location = new ObjectLocation("it-migrator", "adapters/ledger.yaml");
        assertInstanceOf(ObjectStore.Read.Missing.class, aws.objects.get(location, null));

        String first = aws.objects.put(location, bytes("one"), "application/yaml", null);
        assertNotNull(first);
        ObjectStore.Read.Found found = assertInstanceOf(ObjectStore.Read.Found.class, aws.objects.get(location, null));
        assertEquals("one", text(found.body()));
        assertEquals(first, found.etag());

        ObjectStore.Read notModified = aws.objects.get(location, first);
        assertEquals(new ObjectStore.Read.NotModified(first), notModified);
        assertEquals(1, cloud.calls("s3:GetObject:304"));

        // Create-only write on an existing object: someone was first.
        CloudError.Conflict exists = assertThrows(CloudError.Conflict.class,
                () -> aws.objects.put(location, bytes("other"), "application/yaml", null));
        assertEquals("s3:PutObject", exists.operation());

        String second = aws.objects.put(location, bytes("two"), "application/yaml", first);
        assertNotEquals(first, second);
        assertEquals("two", text(cloud.getObject("it-migrator", "adapters/ledger.yaml")));

        CloudError.Conflict stale = assertThrows(CloudError.Conflict.class,
                () -> aws.objects.put(location, bytes("three"), "application/yaml", first));
        assertEquals("PreconditionFailed", stale.code());
        assertEquals("two", text(cloud.getObject("it-migrator", "adapters/ledger.yaml")));

        // The old ETag no longer matches: the read is a full one again.
        ObjectStore.Read.Found changed = assertInstanceOf(ObjectStore.Read.Found.class, aws.objects.get(location, first));
        assertEquals(second, changed.etag());
        assertEquals("two", text(changed.body()));

        assertInstanceOf(ObjectStore.Read.Missing.class,
                aws.objects.get(new ObjectLocation("no-such-bucket", "x.yaml"), null));
    }

    @Test
    void s3ReadsOverTheirLimitAreRefusedUnreadAndPartsAreReadByRange() {
        ObjectLocation location = new ObjectLocation("it-bundles", "adapters/large.zip");
        byte[] content = new byte[3 * 1024 * 1024];
        new java.util.Random(5).nextBytes(content);
        cloud.putObject("it-bundles", "adapters/large.zip", content);
        int limit = 1024 * 1024;

        ObjectStore.Read.TooLarge tooLarge = assertInstanceOf(ObjectStore.Read.TooLarge.class,
                aws.objects.get(location, null, limit));
        assertEquals(content.length, tooLarge.size());
        String etag = tooLarge.etag();
        assertNotNull(etag);
        assertEquals(new ObjectStore.Read.NotModified(etag), aws.objects.get(location, etag, limit),
                "a conditional read of a large object is a 304 like any other");
        ObjectStore.Read.Found whole = assertInstanceOf(ObjectStore.Read.Found.class,
                aws.objects.get(location, null, content.length));
        assertEquals(etag, whole.etag());
        assertEquals(content.length, whole.body().length);

        assertArrayEquals(java.util.Arrays.copyOfRange(content, limit, limit + 100),
                aws.objects.getRange(location, limit, 100, etag));
        assertArrayEquals(java.util.Arrays.copyOfRange(content, content.length - 22, content.length),
                aws.objects.getRange(location, content.length - 22, 65_557, etag), "the object ends first");

        cloud.putObject("it-bundles", "adapters/large.zip", new byte[] {1, 2, 3});
        CloudError.Conflict changed = assertThrows(CloudError.Conflict.class,
                () -> aws.objects.getRange(location, 0, 2, etag));
        assertEquals("s3:GetObject", changed.operation());
        assertEquals("PreconditionFailed", changed.code());
        assertInstanceOf(ObjectStore.Read.Missing.class,
                aws.objects.get(new ObjectLocation("it-bundles", "adapters/none.zip"), null, limit));
    }

    // --- Elastic Beanstalk ----------------------------------------------------------------------------------

    @Test
    void beanstalkEnvironmentsVersionsVariablesAndDeploy() {
        List<Beanstalk.Environment> environments = aws.beanstalk.environments("shop");
        Map<String, Beanstalk.Environment> byName = environments.stream()
                .collect(Collectors.toMap(Beanstalk.Environment::name, Function.identity()));
        assertEquals(24, environments.size(), () -> "environments: " + byName.keySet());
        Beanstalk.Environment e2e = byName.get("shop-e2e");
        assertEquals("shop", e2e.application());
        assertEquals("v1", e2e.versionLabel());
        assertTrue(e2e.ready(), e2e::toString);
        assertTrue(aws.beanstalk.environments("no-such-application").isEmpty());

        List<Beanstalk.ApplicationVersion> versions = aws.beanstalk.versions("shop", List.of());
        assertEquals(List.of("v3", "v2", "v1", "v-promo", "v-risky", "v-bg2", "v-bg1", "v-leaky", "v-nopull", "v-slow", "v-broken"),
                versions.stream().map(Beanstalk.ApplicationVersion::label).toList(), "newest first");
        for (int i = 1; i < versions.size(); i++) {
            assertTrue(versions.get(i - 1).created().isAfter(versions.get(i).created()));
        }
        assertEquals("it-bundles", versions.get(0).bundleBucket());
        assertEquals("shop/v3.zip", versions.get(0).bundleKey());
        assertEquals(List.of("v2", "v1"), aws.beanstalk.versions("shop", List.of("v1", "v2")).stream()
                .map(Beanstalk.ApplicationVersion::label).toList());

        // DescribeConfigurationSettings also answers autoscaling, environment, command and ELB options.
        Map<String, String> variables = aws.beanstalk.environmentVariables("shop", "shop-e2e");
        assertEquals(Map.of("DATABASE_URL", "postgres://shop:shop-e2e-pw@db.internal:5432/shop_e2e",
                "DJANGO_SETTINGS_MODULE", "shop.settings"), variables);
        assertEquals(Map.of(), aws.beanstalk.configuration("shop", "shop-e2e").secrets());
        // Secrets in the same call: their ARNs, never their values.
        long reads = cloud.calls("elasticbeanstalk:DescribeConfigurationSettings");
        Beanstalk.Configuration secrets = aws.beanstalk.configuration("shop", "shop-secrets");
        assertEquals(Map.of("DJANGO_SETTINGS_MODULE", "shop.settings"), secrets.variables());
        assertEquals(Map.of("DATABASE_URL", "arn:aws:secretsmanager:us-east-1:000000000000:secret:shop/database-url-Ab12Cd",
                "STRIPE_KEY", "arn:aws:ssm:us-east-1:000000000000:parameter/shop/stripe-key"), secrets.secrets());
        assertEquals(reads + 1, cloud.calls("elasticbeanstalk:DescribeConfigurationSettings"), "one call for both");

        aws.beanstalk.deploy("shop-e2e", "v2");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                aws.beanstalk.environments("shop").stream()
                        .anyMatch(e -> e.name().equals("shop-e2e") && e.ready() && "v2".equals(e.versionLabel())));
        assertEquals("v2", cloud.deployedVersion("shop-e2e"));

        CloudError.Stalled unknownVersion = assertThrows(CloudError.Stalled.class,
                () -> aws.beanstalk.deploy("shop-e2e", "v-does-not-exist"));
        assertEquals("elasticbeanstalk:UpdateEnvironment", unknownVersion.operation());
    }

    // --- ECS: task definitions ------------------------------------------------------------------------------

    @Test
    void describeTaskDefinitionGivesContainersAndTheirAwslogsTarget() {
        ContainerService.TaskDefinition base = aws.ecs.describeTaskDefinition("shop-app");
        assertEquals("shop-app", base.family());
        assertEquals(1, base.revision());
        assertEquals("arn:aws:ecs:us-east-1:000000000000:task-definition/shop-app:1", base.arn());
        assertEquals("awsvpc", base.networkMode());
        assertEquals(1, base.containers().size());
        ContainerService.Container app = base.container("app");
        assertEquals(IMAGE_REPO + "v1", app.image());
        assertEquals(new LogTarget("/ecs/shop-app", "ecs", "us-east-1"), app.logs());
        assertEquals(base, aws.ecs.describeTaskDefinition(base.arn()), "by ARN");
        assertEquals(base, aws.ecs.describeTaskDefinition("shop-app:1"), "by family:revision");

        assertThrows(CloudError.Stalled.class, () -> aws.ecs.describeTaskDefinition("no-such-family"));
    }

    @Test
    void aBurstOfPreparationsWantingOneNewRevisionRegistersItOnce() throws Exception {
        ContainerService.TaskDefinition base = aws.ecs.describeTaskDefinition("shop-app");
        cloud.resetCalls();
        // Ten environments of one base and image prepared at once, as a cycle's worker pool does after a release:
        // one registration, the others wait for its answer (ECS would throttle copies past 20).
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(10);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return aws.ecs.migrateRevision(base, "app", IMAGE_REPO + "burst", null, null, null);
                }));
            }
            start.countDown();
            Set<String> arns = new java.util.HashSet<>();
            for (java.util.concurrent.Future<String> answer : answers) {
                arns.add(answer.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertEquals(1, arns.size(), "one revision for all: " + arns);
            assertEquals(1, cloud.calls("ecs:RegisterTaskDefinition"));
            assertEquals(1, cloud.calls("ecs:ListTaskDefinitions"), "looked up once too");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void migrateRevisionIsRegisteredOnceAndReused() {
        ContainerService.TaskDefinition base = aws.ecs.describeTaskDefinition("shop-app");
        cloud.resetCalls();

        String v2 = aws.ecs.migrateRevision(base, "app", IMAGE_REPO + "v2", null, null, null);
        assertEquals("arn:aws:ecs:us-east-1:000000000000:task-definition/shop-app-migrate:1", v2);
        assertEquals(1, cloud.calls("ecs:RegisterTaskDefinition"));
        ContainerService.TaskDefinition migrate = aws.ecs.describeTaskDefinition(v2);
        assertEquals("shop-app-migrate", migrate.family());
        assertEquals(IMAGE_REPO + "v2", migrate.container("app").image());
        assertEquals(base.container("app").logs(), migrate.container("app").logs(), "logs where the app logs");

        // Same image again: the identical active revision is reused, by this adapter ...
        assertEquals(v2, aws.ecs.migrateRevision(base, "app", IMAGE_REPO + "v2", null, null, null));
        // ... and by a fresh one that knows nothing of it (a restarted operator).
        AwsContainerService restarted = new AwsContainerService(aws.ecsClient, aws.retrying);
        assertEquals(v2, restarted.migrateRevision(restarted.describeTaskDefinition("shop-app"), "app",
                IMAGE_REPO + "v2", null, null, null));
        assertEquals(1, cloud.calls("ecs:RegisterTaskDefinition"), "the identical revision is reused");

        String v3 = aws.ecs.migrateRevision(base, "app", IMAGE_REPO + "v3", null, null, null);
        assertEquals("arn:aws:ecs:us-east-1:000000000000:task-definition/shop-app-migrate:2", v3);
        assertEquals(2, cloud.calls("ecs:RegisterTaskDefinition"));

        // Variables and command baked in (too big for overrides) make a different revision, reused in turn.
        Map<String, String> environment = Map.of("DATABASE_URL", "postgres://x", "B", "2");
        List<String> command = List.of("python", "manage.py", "migrate");
        String baked = aws.ecs.migrateRevision(base, "app", IMAGE_REPO + "v3", environment, null, command);
        assertEquals("arn:aws:ecs:us-east-1:000000000000:task-definition/shop-app-migrate:3", baked);
        assertEquals(environment, aws.ecs.describeTaskDefinition(baked).container("app").environment(),
                "the values the task runs with, for masking its log");
        assertEquals(baked, restarted.migrateRevision(base, "app", IMAGE_REPO + "v3", environment, null, command));
        assertEquals(3, cloud.calls("ecs:RegisterTaskDefinition"));
    }

    @Test
    void migrateRevisionsWithVariablesAndSecretsAreLookedUpOncePerBurstAndComparedWithTheirSecrets() {
        ContainerService.TaskDefinition base = aws.ecs.describeTaskDefinition("shop-app");
        AwsContainerService fresh = new AwsContainerService(aws.ecsClient, aws.retrying);
        Map<String, String> variables = Map.of("DJANGO_SETTINGS_MODULE", "shop.settings", "REGION", "eu");
        Map<String, String> secrets = Map.of("DATABASE_URL",
                "arn:aws:secretsmanager:us-east-1:000000000000:secret:shop/database-url-Ab12Cd");
        cloud.resetCalls();

        // A burst of twenty environments with the same variables: one lookup, one registration.
        String plain = null;
        for (int i = 0; i < 20; i++) {
            plain = fresh.migrateRevision(base, "app", IMAGE_REPO + "v9", variables, null, null);
        }
        assertEquals(1, cloud.calls("ecs:ListTaskDefinitions"));
        assertEquals(1, cloud.calls("ecs:RegisterTaskDefinition"));

        // The same variables with a secret are another revision; the comparison sees the secrets.
        String withSecrets = fresh.migrateRevision(base, "app", IMAGE_REPO + "v9", variables, secrets, null);
        assertNotEquals(plain, withSecrets);
        assertEquals(2, cloud.calls("ecs:RegisterTaskDefinition"));
        var registered = aws.ecsClient.describeTaskDefinition(b -> b.taskDefinition(withSecrets)).taskDefinition()
                .containerDefinitions().stream().filter(c -> c.name().equals("app")).findFirst().orElseThrow();
        assertEquals(List.of(software.amazon.awssdk.services.ecs.model.Secret.builder().name("DATABASE_URL")
                .valueFrom(secrets.get("DATABASE_URL")).build()), registered.secrets(), "a reference, not a value");

        // A restarted operator finds each by comparing, secrets included, and registers nothing.
        AwsContainerService restarted = new AwsContainerService(aws.ecsClient, aws.retrying);
        assertEquals(plain, restarted.migrateRevision(base, "app", IMAGE_REPO + "v9", variables, null, null));
        assertEquals(withSecrets, restarted.migrateRevision(base, "app", IMAGE_REPO + "v9", variables, secrets,
                null));
        assertEquals(2, cloud.calls("ecs:RegisterTaskDefinition"));
    }

    @Test
    void aReplayThatDiffersIsAnsweredWithTheClientTokensTask() {
        ContainerService.TaskLaunch first = new ContainerService.TaskLaunch("shop-cluster", "shop-app", "app",
                List.of("migrate"), null, "FARGATE", null, NETWORK, "bm-conflict-1", "conflict-1", Map.of());
        ContainerService.LaunchResult started = aws.ecs.runTask(first, () -> true);
        assertNull(started.conflict());
        ContainerService.TaskLaunch edited = new ContainerService.TaskLaunch("shop-cluster", "shop-app", "app",
                List.of("migrate"), Map.of("A", "edited"), "FARGATE", null, NETWORK, "bm-conflict-1", "conflict-1",
                Map.of());
        ContainerService.LaunchResult replayed = aws.ecs.runTask(edited, () -> true);
        assertEquals(started.taskArn(), replayed.taskArn());
        assertNotNull(replayed.conflict());
        assertTrue(replayed.conflict().contains("already in use"), replayed.conflict());
        assertEquals(1, cloud.runs().stream().filter(r -> "conflict-1".equals(r.clientToken())).count());
    }

    // --- ECS: tasks -----------------------------------------------------------------------------------------

    @Test
    void runTaskCarriesOverridesStartedByClientTokenAndTagsAndIsIdempotent() {
        TaskLaunch launch = launch("v1", "tok-" + UUID.randomUUID().toString().substring(0, 8));
        ContainerService.LaunchResult first = aws.ecs.runTask(launch, () -> true);
        assertNotNull(first.taskArn(), first::failure);
        assertNull(first.failure());

        ContainerService.LaunchResult again = aws.ecs.runTask(launch, () -> true);
        assertEquals(first.taskArn(), again.taskArn(), "same client token, same task");
        assertEquals(2, cloud.calls("ecs:RunTask"));

        List<RunRecord> runs = cloud.runs();
        assertEquals(1, runs.size(), () -> "runs: " + runs);
        RunRecord run = runs.get(0);
        assertEquals(first.taskArn(), run.taskArn());
        assertEquals(CLUSTER, run.cluster());
        assertEquals("arn:aws:ecs:us-east-1:000000000000:task-definition/shop-app:1", run.taskDefinitionArn());
        assertEquals(launch.startedBy(), run.startedBy());
        assertEquals(launch.clientToken(), run.clientToken());
        assertEquals(launch.tags(), run.tags());
        assertEquals("app", run.containerName());
        assertEquals(launch.command(), run.command());
        assertEquals(launch.environment(), run.environment());
        assertEquals(launch.environment(), aws.ecs.describeTasks(CLUSTER, List.of(first.taskArn())).get(0)
                .container("app").environment(), "what the overrides gave the container, for masking its log");

        // A new token is a new task.
        ContainerService.LaunchResult other = aws.ecs.runTask(launch("v1", "tok-other"), () -> true);
        assertNotEquals(first.taskArn(), other.taskArn());
        assertEquals(2, cloud.runs().size());

        // Without overrides the task definition's command runs.
        TaskLaunch plain = new TaskLaunch(CLUSTER, launch.taskDefinitionArn(), "app", null, null, "FARGATE", null,
                NETWORK, "bm-plain", "tok-plain", Map.of());
        aws.ecs.runTask(plain, () -> true);
        RunRecord plainRun = cloud.runs().get(2);
        assertNull(plainRun.command());
        assertTrue(plainRun.environment().isEmpty());
    }

    @Test
    void describeTasksIsBatchedByHundredAndUnknownTasksComeBackMissing() {
        List<String> real = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            real.add(aws.ecs.runTask(launch("v1", "batch-" + i), () -> true).taskArn());
        }
        List<String> arns = new ArrayList<>(real);
        for (int i = 0; i < 245; i++) {
            arns.add("arn:aws:ecs:us-east-1:000000000000:task/" + CLUSTER + "/" + String.format("%032x", i + 1));
        }
        // Real tasks spread over the batches.
        arns.add(120, arns.remove(0));
        arns.add(230, arns.remove(0));
        cloud.resetCalls();

        List<TaskState> states = aws.ecs.describeTasks(CLUSTER, arns);
        assertEquals(3, cloud.calls("ecs:DescribeTasks"), "250 ARNs: ceil(250/100) calls");
        assertEquals(250, states.size());
        Map<String, TaskState> byArn = states.stream().collect(Collectors.toMap(TaskState::arn, s -> s));
        assertEquals(Set.copyOf(arns), byArn.keySet());
        for (String arn : arns) {
            assertEquals(!real.contains(arn), byArn.get(arn).missing(), arn);
        }
        for (String arn : real) {
            TaskState state = byArn.get(arn);
            assertNotNull(state.lastStatus());
            assertNotNull(state.createdAt());
            assertEquals("app", state.containers().get(0).name());
        }

        cloud.resetCalls();
        assertEquals(100, aws.ecs.describeTasks(CLUSTER, arns.subList(0, 100)).size());
        assertEquals(1, cloud.calls("ecs:DescribeTasks"), "exactly 100 ARNs: one call");
        cloud.resetCalls();
        assertEquals(101, aws.ecs.describeTasks(CLUSTER, arns.subList(0, 101)).size());
        assertEquals(2, cloud.calls("ecs:DescribeTasks"), "101 ARNs: two calls");
    }

    @Test
    void findTasksFindsRunningAndStoppedTasksAndStopTaskStopsOne() {
        TaskLaunch slow = launch("v-slow", "find-slow");
        TaskLaunch quick = new TaskLaunch(CLUSTER, slow.taskDefinitionArn(), "app", slow.command(),
                slow.environment(), "FARGATE", null, NETWORK, slow.startedBy(), "find-quick",
                tags("shop-e2e", "v1", "find-quick"));
        String running = aws.ecs.runTask(slow, () -> true).taskArn();
        String finished = aws.ecs.runTask(quick, () -> true).taskArn();
        String stranger = aws.ecs.runTask(launch("v1", "someone-else"), () -> true).taskArn();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                aws.ecs.describeTasks(CLUSTER, List.of(finished)).get(0).stopped());
        assertEquals("RUNNING", aws.ecs.describeTasks(CLUSTER, List.of(running)).get(0).lastStatus());

        List<String> found = aws.ecs.findTasks(CLUSTER, slow.startedBy());
        assertEquals(sorted(running, finished), found, "running and stopped, never another launch's");
        assertFalse(found.contains(stranger));
        assertTrue(aws.ecs.findTasks(CLUSTER, "bm-nobody").isEmpty());

        TaskState done = aws.ecs.describeTasks(CLUSTER, List.of(finished)).get(0);
        assertEquals(0, done.container("app").exitCode());
        assertEquals("EssentialContainerExited", done.stopCode());
        assertNotNull(done.stoppedAt());

        aws.ecs.stopTask(CLUSTER, running, "beanstalk-migrator: test stop");
        TaskState stopping = aws.ecs.describeTasks(CLUSTER, List.of(running)).get(0);
        assertEquals("RUNNING", stopping.lastStatus(), "StopTask only asks: the container runs on for its stop timeout");
        assertFalse(stopping.stopped());
        assertEquals(sorted(running, finished), aws.ecs.findTasks(CLUSTER, slow.startedBy()),
                "a stopping task is still found");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                aws.ecs.describeTasks(CLUSTER, List.of(running)).get(0).stopped());
        TaskState stopped = aws.ecs.describeTasks(CLUSTER, List.of(running)).get(0);
        assertEquals("UserInitiated", stopped.stopCode());
        assertEquals("beanstalk-migrator: test stop", stopped.stoppedReason());
        assertEquals(137, stopped.container("app").exitCode(), "SIGKILL after the stop timeout");
        assertEquals(sorted(running, finished), aws.ecs.findTasks(CLUSTER, slow.startedBy()));

        CloudError.Stalled unknown = assertThrows(CloudError.Stalled.class, () -> aws.ecs.stopTask(CLUSTER,
                "arn:aws:ecs:us-east-1:000000000000:task/" + CLUSTER + "/ffffffffffffffffffffffffffffffff", "x"));
        assertEquals("ecs:StopTask", unknown.operation());
    }

    // --- CloudWatch Logs ------------------------------------------------------------------------------------

    @Test
    void logsTailGivesTheLastLinesOfTheTasksStream() {
        String task = aws.ecs.runTask(launch("v-broken", "logs-broken"), () -> true).taskArn();
        LogTarget target = aws.ecs.describeTaskDefinition("shop-app").container("app").logs();
        String stream = target.stream("app", task);
        assertEquals("ecs/app/" + task.substring(task.lastIndexOf('/') + 1), stream);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                aws.logs.tail(target, stream, 10).size() == 3);
        assertEquals(List.of("Running migrations:", "  Applying orders.0007_refunds...",
                "django.db.utils.ProgrammingError: column \"refund_id\" does not exist"),
                aws.logs.tail(target, stream, 10));
        assertEquals(List.of("  Applying orders.0007_refunds...",
                "django.db.utils.ProgrammingError: column \"refund_id\" does not exist"),
                aws.logs.tail(target, stream, 2), "the last lines, oldest first");
        assertTrue(aws.logs.tail(target, "ecs/app/no-such-task", 5).isEmpty());
        assertTrue(aws.logs.tail(new LogTarget("/ecs/no-such-group", "ecs", null), stream, 5).isEmpty());
    }

    // --- error classification through real HTTP -------------------------------------------------------------

    @Test
    void throttledRunTaskSurfacesAtOnceForThePacerToRetry() {
        // The reconciler's pacer retries RunTask's throttling and slows down; the adapter must not retry it too.
        cloud.injectFault(Fault.throttle("ecs:RunTask").times(2));
        CloudError.Throttled error = assertThrows(CloudError.Throttled.class,
                () -> aws.ecs.runTask(launch("v1", "throttled-twice"), () -> true));
        assertInstanceOf(CloudError.Transient.class, error);
        assertEquals("ecs:RunTask", error.operation());
        assertEquals("ThrottlingException", error.code());
        assertEquals(1, cloud.calls("ecs:RunTask"), "not retried by the adapter");
        assertTrue(cloud.runs().isEmpty());
    }

    @Test
    void runTaskServerErrorsAreStillRetriedByTheAdapter() {
        cloud.injectFault(Fault.serverError("ecs:RunTask").times(2));
        ContainerService.LaunchResult result = aws.ecs.runTask(launch("v1", "server-error-twice"), () -> true);
        assertNotNull(result.taskArn());
        assertEquals(3, cloud.calls("ecs:RunTask"));
        assertEquals(2, cloud.calls("ecs:RunTask:500"));
        assertEquals(1, cloud.calls("ecs:RunTask:200"));
        assertEquals(1, cloud.runs().size(), "one task for the client token");
    }

    @Test
    void throttlingOfOtherCallsIsStillRetriedByTheAdapter() {
        cloud.injectFault(Fault.throttle("ecs:ListTasks").times(2));
        assertTrue(aws.ecs.findTasks(CLUSTER, "bm-throttled").isEmpty());
        assertEquals(2, cloud.calls("ecs:ListTasks:400"));
    }

    @Test
    void droppedConnectionsSurfaceTransient() {
        cloud.injectFault(Fault.drop("ecs:ListTasks").probability(1));
        CloudError.Transient error = assertThrows(CloudError.Transient.class,
                () -> aws.ecs.findTasks(CLUSTER, "bm-dropped"));
        assertEquals("ecs:ListTasks", error.operation());
        assertEquals("NetworkError", error.code(), error::getMessage);
        assertTrue(cloud.calls("ecs:ListTasks:dropped") >= 4, () -> "calls: " + cloud.calls());
        cloud.clearFaults();

        // One dropped answer is retried like any transient failure.
        cloud.injectFault(Fault.drop("s3:GetObject").times(1));
        assertInstanceOf(ObjectStore.Read.Missing.class,
                aws.objects.get(new ObjectLocation("it-migrator", "nothing.yaml"), null));
        assertEquals(1, cloud.calls("s3:GetObject:dropped"));
    }

    @Test
    void unknownClusterSurfacesStalled() {
        TaskLaunch launch = launch("v1", "no-cluster");
        TaskLaunch elsewhere = new TaskLaunch("no-such-cluster", launch.taskDefinitionArn(), "app", launch.command(),
                launch.environment(), "FARGATE", null, NETWORK, launch.startedBy(), launch.clientToken(), launch.tags());
        CloudError.Stalled error = assertThrows(CloudError.Stalled.class, () -> aws.ecs.runTask(elsewhere, () -> true));
        assertEquals("ecs:RunTask", error.operation());
        assertEquals("ClusterNotFoundException", error.code());
        assertTrue(error.hint().contains("cluster"), error::hint);
        assertEquals(1, cloud.calls("ecs:RunTask"), "not retried");
        assertThrows(CloudError.Stalled.class, () -> aws.ecs.findTasks("no-such-cluster", "bm-x"));
        assertThrows(CloudError.Stalled.class, () -> aws.ecs.describeTasks("no-such-cluster", List.of("t")));
        assertTrue(cloud.runs().isEmpty());
    }

    // --- helpers --------------------------------------------------------------------------------------------

    /** A launch of shop-app:1 for shop-e2e, tagged with {@code version} (the sandbox's rules match on it). */
    static TaskLaunch launch(String version, String clientToken) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("DATABASE_URL", "postgres://shop:pw@db.internal:5432/shop");
        environment.put("DJANGO_SETTINGS_MODULE", "shop.settings");
        return new TaskLaunch(CLUSTER, "arn:aws:ecs:us-east-1:000000000000:task-definition/shop-app:1", "app",
                List.of("python", "manage.py", "migrate", "--noinput"), environment, "FARGATE", null, NETWORK,
                "bm-" + clientToken, clientToken, tags("shop-e2e", version, clientToken));
    }

    static Map<String, String> tags(String environment, String version, String launchId) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("beanstalk-migrator:environment", environment);
        tags.put("beanstalk-migrator:version", version);
        tags.put("beanstalk-migrator:launch-id", launchId);
        return tags;
    }

    static List<String> sorted(String... arns) {
        return java.util.Arrays.stream(arns).sorted().toList();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
