package dev.beanstalkmigrator.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudwatchlogs.model.CloudWatchLogsException;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;
import software.amazon.awssdk.services.elasticbeanstalk.model.ElasticBeanstalkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import dev.beanstalkmigrator.aws.AwsErrorClassifier;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.testing.SandboxClients;
import dev.beanstalkmigrator.testing.ThrottledCalls;

/** Fault injection, counters, rate limits and ECS's request throttling, the plan watcher and the /_sandbox/ control API. */
class SandboxFaultsAndControlTest {
    static SandboxCloud cloud;
    static SandboxClients aws;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.read(SandboxTestSupport.testSeed()));
        aws = new SandboxClients(cloud.endpoint(), false);
    }

    @AfterAll
    static void stop() {
        aws.close();
        cloud.close();
    }

    @AfterEach
    void clean() {
        cloud.clearFaults();
        cloud.setGlobalLatency(Duration.ZERO);
        cloud.clearRunTaskRateLimit();
        cloud.setListTasksLag(Duration.ZERO);
        cloud.setDescribeTasksLag(Duration.ZERO);
        cloud.setEcsThrottling(EcsThrottles.OFF);
    }

    private static RunTaskRequest runRequest() {
        return RunTaskRequest.builder().cluster("acme-prod").taskDefinition("acme-web").launchType(LaunchType.FARGATE)
                .networkConfiguration(n -> n.awsvpcConfiguration(v -> v.subnets("subnet-1").assignPublicIp(AssignPublicIp.DISABLED)))
                .build();
    }

    @Test
    void throttlingLooksLikeEachService() {
        cloud.injectFault(Fault.throttle("ecs:RunTask"));
        EcsException ecs = assertThrows(EcsException.class, () -> aws.ecs.runTask(runRequest()));
        assertEquals("ThrottlingException", ecs.awsErrorDetails().errorCode());
        assertEquals(400, ecs.statusCode());
        assertTrue(ecs.isThrottlingException());
        aws.ecs.runTask(runRequest()); // the fault was for one call

        cloud.injectFault(Fault.throttle("s3:GetObject"));
        S3Exception s3 = assertThrows(S3Exception.class,
                () -> aws.s3.getObjectAsBytes(b -> b.bucket("acme-bundles").key("acme/v41.zip")));
        assertEquals(503, s3.statusCode());
        assertEquals("SlowDown", s3.awsErrorDetails().errorCode());

        cloud.injectFault(Fault.throttle("elasticbeanstalk:DescribeEnvironments"));
        ElasticBeanstalkException eb = assertThrows(ElasticBeanstalkException.class, () -> aws.eb.describeEnvironments());
        assertEquals("Throttling", eb.awsErrorDetails().errorCode());
        assertEquals(400, eb.statusCode());
        assertTrue(eb.isThrottlingException());

        cloud.injectFault(Fault.throttle("logs:*"));
        CloudWatchLogsException logs = assertThrows(CloudWatchLogsException.class, () -> aws.logs.describeLogGroups());
        assertEquals("ThrottlingException", logs.awsErrorDetails().errorCode());
    }

    @Test
    void serverErrorsConflictsAndPreconditions() {
        cloud.injectFault(Fault.serverError("ecs:DescribeTasks"));
        EcsException ecs = assertThrows(EcsException.class,
                () -> aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks("0".repeat(32))));
        assertEquals(500, ecs.statusCode());
        assertEquals("ServerException", ecs.awsErrorDetails().errorCode());

        cloud.injectFault(Fault.serverError("s3:PutObject"));
        S3Exception s3 = assertThrows(S3Exception.class, () -> aws.s3.putObject(
                b -> b.bucket("acme-migrator").key("f/x"), RequestBody.fromString("x")));
        assertEquals(500, s3.statusCode());
        assertEquals("InternalError", s3.awsErrorDetails().errorCode());

        cloud.injectFault(Fault.serverError("elasticbeanstalk:*"));
        ElasticBeanstalkException eb = assertThrows(ElasticBeanstalkException.class,
                () -> aws.eb.describeApplicationVersions(b -> b.applicationName("acme")));
        assertEquals(500, eb.statusCode());
        assertEquals("InternalFailure", eb.awsErrorDetails().errorCode());

        cloud.injectFault(Fault.conflict("s3:PutObject"));
        S3Exception conflict = assertThrows(S3Exception.class, () -> aws.s3.putObject(
                b -> b.bucket("acme-migrator").key("f/x").ifNoneMatch("*"), RequestBody.fromString("x")));
        assertEquals(409, conflict.statusCode());
        assertEquals("ConditionalRequestConflict", conflict.awsErrorDetails().errorCode());

        cloud.injectFault(Fault.precondition("s3:PutObject"));
        S3Exception pre = assertThrows(S3Exception.class, () -> aws.s3.putObject(
                b -> b.bucket("acme-migrator").key("f/x"), RequestBody.fromString("x")));
        assertEquals(412, pre.statusCode());
        assertEquals("PreconditionFailed", pre.awsErrorDetails().errorCode());
        assertEquals(null, cloud.getObject("acme-migrator", "f/x"));
    }

    @Test
    void droppedConnectionsAndLatency() {
        cloud.injectFault(Fault.drop("ecs:ListTasks").times(3));
        assertThrows(SdkClientException.class, () -> aws.ecs.listTasks(b -> b.cluster("acme-prod")));
        cloud.clearFaults();
        cloud.injectFault(Fault.drop("s3:GetObject").times(3));
        assertThrows(SdkClientException.class,
                () -> aws.s3.getObjectAsBytes(b -> b.bucket("acme-bundles").key("acme/v41.zip")));
        assertTrue(cloud.calls("s3:GetObject:dropped") >= 1);
        cloud.clearFaults();

        cloud.injectFault(Fault.latency("ecs:ListClusters", Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        aws.ecs.listClusters();
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() >= 300);

        cloud.setGlobalLatency(Duration.ofMillis(150));
        t0 = System.nanoTime();
        aws.ecs.listClusters();
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() >= 150);
    }

    @Test
    void anAnswerLostAfterTheCallRanLeavesItsEffect() throws Exception {
        // RunTask: the task starts, the caller hears nothing; a replay with the client token gets that task.
        cloud.clearRuns();
        cloud.injectFault(Fault.answerLost("ecs:RunTask"));
        RunTaskRequest run = runRequest().toBuilder().clientToken("lost-answer-1").startedBy("lost-answer").build();
        assertThrows(SdkClientException.class, () -> aws.ecs.runTask(run));
        assertEquals(1, cloud.calls("ecs:RunTask:dropped"));
        List<RunRecord> runs = cloud.runs();
        assertEquals(1, runs.size(), () -> "runs: " + runs);
        assertEquals("lost-answer-1", runs.get(0).clientToken());
        assertEquals(runs.get(0).taskArn(), aws.ecs.runTask(run).tasks().get(0).taskArn());
        assertEquals(1, cloud.runs().size(), "the replay started nothing");

        // RegisterTaskDefinition: the revision exists.
        call("POST", "/_sandbox/faults", "{\"operation\":\"ecs:RegisterTaskDefinition\",\"kind\":\"ANSWER_LOST\",\"times\":1}");
        assertThrows(SdkClientException.class, () -> aws.ecs.registerTaskDefinition(b -> b.family("acme-lost")
                .containerDefinitions(c -> c.name("web").image("registry.example/acme:lost"))));
        var latest = aws.ecs.describeTaskDefinition(b -> b.taskDefinition("acme-lost")).taskDefinition();
        assertEquals(1, latest.revision());
        assertEquals("registry.example/acme:lost", latest.containerDefinitions().get(0).image());

        // PutObject: the object is stored.
        assertEquals(200, call("POST", "/_sandbox/faults",
                "{\"operation\":\"s3:PutObject\",\"kind\":\"answer_lost\",\"times\":1}").statusCode());
        assertEquals("ANSWER_LOST", JSON.readTree(call("GET", "/_sandbox/faults", null).body()).get(0).get("kind").asText());
        assertThrows(SdkClientException.class, () -> aws.s3.putObject(b -> b.bucket("acme-migrator").key("lost.txt"),
                RequestBody.fromString("stored")));
        assertEquals("stored", new String(cloud.getObject("acme-migrator", "lost.txt"), StandardCharsets.UTF_8));
        assertEquals(1, cloud.calls("s3:PutObject:dropped"));
        assertTrue(cloud.faults().isEmpty(), "each fault fired once");
    }

    @Test
    void theSdksOwnRetryOfALostRunTaskAnswerReusesTheClientToken() {
        // The SDK fills in a client token when the caller gives none, and retries the same request after an I/O
        // error: the retry is a replay, and ECS answers it with the task the lost call started.
        cloud.clearRuns();
        cloud.resetCalls();
        cloud.injectFault(Fault.answerLost("ecs:RunTask"));
        try (SandboxClients retrying = new SandboxClients(cloud.endpoint(), true)) {
            String arn = retrying.ecs.runTask(runRequest()).tasks().get(0).taskArn();
            assertEquals(2, cloud.calls("ecs:RunTask"), "the lost call and the SDK's retry");
            List<RunRecord> runs = cloud.runs();
            assertEquals(1, runs.size(), () -> "runs: " + runs);
            assertEquals(arn, runs.get(0).taskArn());
            assertTrue(runs.get(0).clientToken() != null && !runs.get(0).clientToken().isEmpty(),
                    "the SDK sent a client token");
        }
    }

    @Test
    void listTasksLagsBehindRunTask() throws Exception {
        assertEquals(200, call("PUT", "/_sandbox/list-tasks-lag", "{\"millis\":1500}").statusCode());
        assertEquals(1500, JSON.readTree(call("GET", "/_sandbox/list-tasks-lag", null).body()).get("millis").asInt());
        RunTaskRequest run = runRequest().toBuilder().clientToken("lagging-1").startedBy("lagging").build();
        String arn = aws.ecs.runTask(run).tasks().get(0).taskArn();

        assertEquals(List.of(), listed("lagging"), "not listed yet");
        assertEquals(arn, aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(arn)).tasks().get(0).taskArn(),
                "DescribeTasks knows it");
        assertEquals(arn, aws.ecs.runTask(run).tasks().get(0).taskArn(), "and so does a replay of its client token");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> listed("lagging"), arns -> arns.equals(List.of(arn)));

        assertEquals(200, call("PUT", "/_sandbox/list-tasks-lag", "{\"millis\":0}").statusCode());
        String now = aws.ecs.runTask(runRequest().toBuilder().startedBy("not-lagging").build()).tasks().get(0).taskArn();
        assertEquals(List.of(now), listed("not-lagging"));
        assertEquals(400, call("PUT", "/_sandbox/list-tasks-lag", "{\"millis\":-1}").statusCode());
    }

    @Test
    void describeTasksMayNotKnowAJustStartedTaskYet() throws Exception {
        assertEquals(200, call("PUT", "/_sandbox/describe-tasks-lag", "{\"millis\":1000}").statusCode());
        assertEquals(1000, JSON.readTree(call("GET", "/_sandbox/describe-tasks-lag", null).body()).get("millis").asInt());
        String arn = aws.ecs.runTask(runRequest()).tasks().get(0).taskArn();

        var early = aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(arn));
        assertEquals(List.of(), early.tasks());
        assertEquals("MISSING", early.failures().get(0).reason());
        assertEquals(arn, early.failures().get(0).arn());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> aws.ecs
                .describeTasks(b -> b.cluster("acme-prod").tasks(arn)).tasks(), tasks -> tasks.size() == 1);
        assertEquals(400, call("PUT", "/_sandbox/describe-tasks-lag", "{\"millis\":-5}").statusCode());
    }

    /** The tasks ListTasks knows by {@code startedBy}, running or stopped. */
    private static List<String> listed(String startedBy) {
        List<String> arns = new java.util.ArrayList<>();
        for (DesiredStatus status : DesiredStatus.knownValues()) {
            if (status != DesiredStatus.PENDING) {
                arns.addAll(aws.ecs.listTasks(b -> b.cluster("acme-prod").startedBy(startedBy).desiredStatus(status))
                        .taskArns());
            }
        }
        return arns;
    }

    @Test
    void probabilisticFaultsUseTheSeededRandom() {
        cloud.injectFault(Fault.throttle("ecs:ListClusters").probability(0.5));
        int failed = 0;
        for (int i = 0; i < 40; i++) {
            try {
                aws.ecs.listClusters();
            } catch (EcsException e) {
                failed++;
            }
        }
        assertTrue(failed > 5 && failed < 35, "failed " + failed);
    }

    @Test
    void runTaskRateLimitIsATokenBucket() {
        cloud.setRunTaskRateLimit(0.01, 2);
        aws.ecs.runTask(runRequest());
        aws.ecs.runTask(runRequest());
        EcsException e = assertThrows(EcsException.class, () -> aws.ecs.runTask(runRequest()));
        assertEquals("ThrottlingException", e.awsErrorDetails().errorCode());
        cloud.clearRunTaskRateLimit();
        aws.ecs.runTask(runRequest());
    }

    @Test
    void countersByOperationAndStatus() {
        cloud.resetCalls();
        aws.eb.describeEnvironments(b -> b.applicationName("acme"));
        aws.eb.describeEnvironments(b -> b.applicationName("acme"));
        aws.ecs.listClusters();
        assertThrows(S3Exception.class, () -> aws.s3.getObjectAsBytes(b -> b.bucket("acme-migrator").key("missing")));
        assertEquals(2, cloud.calls("elasticbeanstalk:DescribeEnvironments"));
        assertEquals(2, cloud.calls("elasticbeanstalk:DescribeEnvironments:200"));
        assertEquals(1, cloud.calls("ecs:ListClusters"));
        assertEquals(1, cloud.calls("s3:GetObject:404"));
        assertEquals(cloud.calls().get("s3:GetObject"), 1L);
        cloud.resetCalls();
        assertTrue(cloud.calls().isEmpty());
    }

    @Test
    void planFileIsUploadedAtStartAndWhenItChanges(@TempDir Path dir) throws Exception {
        Path plan = dir.resolve("desired-state.yaml");
        Files.writeString(plan, "environments: []\n");
        SandboxOptions options = SandboxOptions.builder().plan(plan).planWatchInterval(Duration.ofMillis(50)).build();
        try (SandboxCloud c = SandboxCloud.start(options, SandboxSeed.empty());
                SandboxClients clients = new SandboxClients(c.endpoint(), true)) {
            assertEquals("acme-migrator", c.planBucket());
            assertEquals("desired-state.yaml", c.planKey());
            assertEquals("environments: []\n", clients.s3.getObjectAsBytes(
                    b -> b.bucket("acme-migrator").key("desired-state.yaml")).asUtf8String());
            Files.writeString(plan, "environments: [acme-web-prod]\n");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(25)).until(() -> clients.s3.getObjectAsBytes(
                    b -> b.bucket("acme-migrator").key("desired-state.yaml")).asUtf8String(), s -> s.contains("acme-web-prod"));
            assertEquals(2, c.planUploads());
        }
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cloud.endpoint() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void controlApiOverHttp() throws Exception {
        assertEquals("UP", JSON.readTree(call("GET", "/_sandbox/health", null).body()).get("status").asText());
        assertEquals(200, call("DELETE", "/_sandbox/calls", null).statusCode());
        aws.ecs.listClusters();
        JsonNode calls = JSON.readTree(call("GET", "/_sandbox/calls", null).body());
        assertEquals(1, calls.get("ecs:ListClusters").asInt());

        assertEquals(200, call("POST", "/_sandbox/faults", "{\"operation\":\"ecs:ListClusters\",\"kind\":\"THROTTLE\",\"times\":1}")
                .statusCode());
        assertThrows(EcsException.class, () -> aws.ecs.listClusters());
        aws.ecs.listClusters();
        call("POST", "/_sandbox/faults", "{\"operation\":\"ecs:ListClusters\",\"kind\":\"SERVER_ERROR\",\"probability\":1}");
        assertEquals(1, JSON.readTree(call("GET", "/_sandbox/faults", null).body()).size());
        assertEquals(200, call("DELETE", "/_sandbox/faults", null).statusCode());
        aws.ecs.listClusters();

        call("PUT", "/_sandbox/run-task-rate-limit", "{\"ratePerSecond\":0.01,\"burst\":1}");
        aws.ecs.runTask(runRequest());
        assertThrows(EcsException.class, () -> aws.ecs.runTask(runRequest()));
        call("DELETE", "/_sandbox/run-task-rate-limit", null);
        JsonNode runs = JSON.readTree(call("GET", "/_sandbox/runs", null).body());
        String arn = runs.get(runs.size() - 1).get("taskArn").asText();
        assertEquals(200, call("POST", "/_sandbox/tasks/expire", "{\"task\":\"" + arn + "\"}").statusCode());
        assertEquals("MISSING", aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(arn)).failures().get(0).reason());

        assertEquals(200, call("POST", "/_sandbox/application-versions",
                "{\"application\":\"acme\",\"label\":\"v77\",\"bucket\":\"acme-bundles\",\"key\":\"acme/v77.zip\"}").statusCode());
        assertEquals(200, call("PUT", "/_sandbox/environments/acme-web-staging/version", "{\"version\":\"v77\"}").statusCode());
        assertEquals("v77", aws.eb.describeEnvironments(b -> b.environmentNames("acme-web-staging")).environments().get(0).versionLabel());

        assertEquals(200, call("PUT", "/_sandbox/task-behaviours",
                "{\"default\":{\"pending\":\"10ms\",\"duration\":\"20ms\",\"exitCode\":3}}").statusCode());
        String t = aws.ecs.runTask(runRequest()).tasks().get(0).taskArn();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> aws.ecs.describeTasks(
                b -> b.cluster("acme-prod").tasks(t)).tasks().get(0).containers().get(0).exitCode(), c -> c != null && c == 3);
        assertTrue(call("GET", "/_sandbox/task-behaviours", null).body().contains("\"20ms\""));
        cloud.setTaskBehaviours(SandboxSeed.read(SandboxTestSupport.testSeed()).tasks());
        assertEquals(404, call("GET", "/_sandbox/nothing-here", null).statusCode());
        assertEquals(400, call("POST", "/_sandbox/faults", "{\"kind\":\"THROTTLE\"}").statusCode());
    }

    // ---------------------------------------------------------------- ECS's request throttling

    static int families;

    /** Registers a revision of {@code family}; answers the failure, or null. */
    static EcsException register(SandboxClients clients, String family) {
        try {
            clients.ecs.registerTaskDefinition(b -> b.family(family).containerDefinitions(c -> c.name("app").image("busybox")));
            return null;
        } catch (EcsException e) {
            return e;
        }
    }

    @Test
    void ecsThrottlingIsOffByDefault() {
        try (SandboxCloud fresh = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.empty())) {
            assertEquals(EcsThrottles.OFF, fresh.ecsThrottling());
        }
    }

    @Test
    void withTheDocumentedTableThe21stRegistrationInABurstIsThrottledAsEcsAnswersIt() {
        String family = "burst-" + families++;
        cloud.setEcsThrottling(EcsThrottles.DOCUMENTED);
        cloud.resetCalls();
        long began = System.nanoTime();
        int registered = 0;
        EcsException throttled = null;
        while (throttled == null && registered < 40) {
            throttled = register(aws, family);
            registered += throttled == null ? 1 : 0;
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        // 20 at once, and one more for each second the burst took (none when it took less than one: the 21st).
        assertTrue(registered >= 20 && registered <= 20 + seconds, registered + " registered in " + seconds + " s");

        assertEquals(400, throttled.statusCode());
        assertEquals("ThrottlingException", throttled.awsErrorDetails().errorCode());
        assertEquals("Rate exceeded", throttled.awsErrorDetails().errorMessage());
        assertTrue(throttled.isThrottlingException(), "the SDK's retry policies back off on it");
        assertInstanceOf(CloudError.Throttled.class, AwsErrorClassifier.classify("ecs:RegisterTaskDefinition", throttled));
        assertEquals(1, cloud.calls("ecs:RegisterTaskDefinition:throttled"));
        assertEquals(1, cloud.calls("ecs:RegisterTaskDefinition:400"));
        assertEquals(Map.of("RegisterTaskDefinition", 1L), ThrottledCalls.perAction(cloud.calls()));
        assertEquals(registered, aws.ecs.listTaskDefinitions(b -> b.familyPrefix(family)
                .status(TaskDefinitionStatus.ACTIVE)).taskDefinitionArns().size(), "a throttled call registers nothing");
        assertEquals(family, aws.ecs.describeTaskDefinition(b -> b.taskDefinition(family)).taskDefinition().family(),
                "reads have a bucket of their own");
        assertEquals(0, cloud.calls("ecs:DescribeTaskDefinition:throttled"));
    }

    @Test
    void withTheTableOffABurstIsNeverThrottled() {
        String family = "burst-" + families++;
        cloud.resetCalls();
        List<EcsException> failures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            failures.add(register(aws, family));
        }
        assertTrue(failures.stream().allMatch(f -> f == null), failures::toString);
        assertEquals(0, cloud.calls("ecs:RegisterTaskDefinition:throttled"));
    }

    @Test
    void theSdksOwnRetriesBackOffOnEcsThrottlingAndTryAgain() {
        String family = "burst-" + families++;
        // One registration, then one token every 100 s: every attempt after the first is refused.
        cloud.setEcsThrottling(EcsThrottles.DOCUMENTED.scaled(0.01));
        cloud.resetCalls();
        assertEquals(null, register(aws, family));
        try (SandboxClients retrying = new SandboxClients(cloud.endpoint(), true)) {
            EcsException e = register(retrying, family);
            assertTrue(e != null && e.isThrottlingException(), String.valueOf(e));
        }
        assertTrue(cloud.calls("ecs:RegisterTaskDefinition:throttled") >= 2,
                () -> "tried again after the throttling: " + cloud.calls());
    }

    @Test
    void ecsThrottlingThroughTheControlApi() throws Exception {
        assertEquals(200, call("PUT", "/_sandbox/ecs-throttling", "{\"table\":\"documented\",\"scale\":0.5}").statusCode());
        assertEquals("documented x0.5", cloud.ecsThrottling().toString());
        JsonNode read = JSON.readTree(call("GET", "/_sandbox/ecs-throttling", null).body());
        assertEquals("documented", read.get("table").asText());
        assertEquals(0.5, read.get("scale").asDouble());
        assertEquals(400, call("PUT", "/_sandbox/ecs-throttling", "{\"table\":\"on\"}").statusCode());
        assertEquals(200, call("PUT", "/_sandbox/ecs-throttling", "{\"table\":\"off\"}").statusCode());
        assertEquals(EcsThrottles.OFF, cloud.ecsThrottling());
    }

    @Test
    void seedIsValidatedWithClearErrors() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> SandboxSeed.parse("clusters: [a]\ntaskDefinitions:\n  - family: f\n    contaners: []\n"));
        assertTrue(unknown.getMessage().contains("unknown field 'contaners'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("taskDefinitions[0]"), unknown.getMessage());
        IllegalArgumentException badVersion = assertThrows(IllegalArgumentException.class, () -> SandboxSeed.parse(
                "applications:\n  - name: a\n    versions: [{label: v1}]\n    environments: [{name: e, version: v2}]\n"));
        assertTrue(badVersion.getMessage().contains("unknown version v2"), badVersion.getMessage());
        IllegalArgumentException badDuration = assertThrows(IllegalArgumentException.class,
                () -> SandboxSeed.parse("environmentUpdateDuration: soon\n"));
        assertTrue(badDuration.getMessage().contains("soon"), badDuration.getMessage());
        IllegalArgumentException badRole = assertThrows(IllegalArgumentException.class,
                () -> SandboxSeed.parse("roles: [{arn: 'arn:aws:iam::1234:user/bob'}]\n"));
        assertTrue(badRole.getMessage().contains("is not a role ARN; write arn:aws:iam::<12-digit account>:role/<name>"),
                badRole.getMessage());
        // the shipped demo world parses and starts
        SandboxSeed demo = SandboxSeed.read(Path.of("config/sandbox.yaml"));
        assertEquals(List.of("v41", "v42", "v43-broken", "v43-risky"),
                demo.applications().get(0).versions().stream().map(SandboxSeed.Version::label).toList());
        try (SandboxCloud c = SandboxCloud.start(SandboxOptions.defaults(), demo)) {
            assertEquals("v41", c.deployedVersion("acme-web-prod"));
            assertTrue(c.getObject("acme-bundles", "acme/v43-broken.zip").length > 0);
        }
    }
}
