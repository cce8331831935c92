package dev.beanstalkmigrator.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.services.ecs.model.LaunchType;

import dev.beanstalkmigrator.testing.AwsCli;
import dev.beanstalkmigrator.testing.SandboxClients;

/** The AWS CLI v2 as an independent real client of the sandbox. Skipped where /usr/bin/aws is missing. */
class SandboxAwsCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static SandboxCloud cloud;
    static SandboxClients sdk;
    static AwsCli cli;
    @TempDir
    static Path home;

    @BeforeAll
    static void start() {
        assumeTrue(AwsCli.installed(), "AWS CLI not installed at " + AwsCli.AWS);
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.read(SandboxTestSupport.testSeed()));
        sdk = new SandboxClients(cloud.endpoint(), false);
        cli = new AwsCli(cloud.endpoint(), home);
    }

    @AfterAll
    static void stop() {
        if (sdk != null) {
            sdk.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    /** Runs the CLI against the sandbox with a deadline; returns stdout, fails on a non-zero exit. */
    static String aws(String... args) throws Exception {
        return cli.run(args);
    }

    @Test
    void s3CopyListAndGetObject() throws Exception {
        Path plan = home.resolve("plan.yaml");
        Files.writeString(plan, "environments:\n  - name: acme-web-prod\n");
        aws("s3", "cp", plan.toString(), "s3://acme-migrator/cli/desired-state.yaml");
        assertEquals("environments:\n  - name: acme-web-prod\n",
                new String(cloud.getObject("acme-migrator", "cli/desired-state.yaml"), StandardCharsets.UTF_8));
        assertTrue(aws("s3", "ls", "s3://acme-migrator/cli/").contains("desired-state.yaml"));
        Path back = home.resolve("back.yaml");
        JsonNode meta = JSON.readTree(aws("s3api", "get-object", "--bucket", "acme-migrator", "--key",
                "cli/desired-state.yaml", back.toString()));
        assertEquals(Files.readString(plan), Files.readString(back));
        assertEquals(S3Service.etagOf(Files.readAllBytes(plan)), meta.get("ETag").asText());
    }

    @Test
    void s3CopyOfA20MbBundleGoesUpInPartsAndComesBackIdentical() throws Exception {
        byte[] bundle = new byte[20 * 1024 * 1024];
        new java.util.Random(20).nextBytes(bundle);
        Path up = home.resolve("bundle.zip");
        Files.write(up, bundle);
        aws("s3", "cp", up.toString(), "s3://acme-bundles/cli/bundle.zip");
        // Over the CLI's 8 MB threshold: a multipart upload of 8 MB parts.
        assertEquals(1, cloud.calls("s3:CreateMultipartUpload:200"));
        assertEquals(3, cloud.calls("s3:UploadPart:200"));
        assertEquals(1, cloud.calls("s3:CompleteMultipartUpload:200"));
        assertTrue(java.util.Arrays.equals(bundle, cloud.getObject("acme-bundles", "cli/bundle.zip")));

        Path down = home.resolve("bundle-back.zip");
        aws("s3", "cp", "s3://acme-bundles/cli/bundle.zip", down.toString());
        assertTrue(java.util.Arrays.equals(bundle, Files.readAllBytes(down)), "byte for byte");
        String etag = JSON.readTree(aws("s3api", "head-object", "--bucket", "acme-bundles", "--key", "cli/bundle.zip"))
                .get("ETag").asText();
        assertTrue(etag.matches("\"[0-9a-f]{32}-3\""), etag);
    }

    @Test
    void ecsListAndDescribeTasks() throws Exception {
        String arn = sdk.ecs.runTask(b -> b.cluster("acme-prod").taskDefinition("acme-web").launchType(LaunchType.FARGATE)
                .startedBy("cli-test").networkConfiguration(n -> n.awsvpcConfiguration(v -> v.subnets("subnet-1")))
                .tags(t -> t.key(EcsService.TAG_ENVIRONMENT).value("forever"))) // runs until stopped
                .tasks().get(0).taskArn();
        JsonNode list = JSON.readTree(aws("ecs", "list-tasks", "--cluster", "acme-prod", "--started-by", "cli-test"));
        assertEquals(arn, list.get("taskArns").get(0).asText());
        sdk.ecs.stopTask(b -> b.cluster("acme-prod").task(arn).reason("done"));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> sdk.taskStatus(arn), "STOPPED"::equals);
        JsonNode described = JSON.readTree(aws("ecs", "describe-tasks", "--cluster", "acme-prod", "--tasks", arn));
        JsonNode task = described.get("tasks").get(0);
        assertEquals("STOPPED", task.get("lastStatus").asText());
        assertEquals("UserInitiated", task.get("stopCode").asText());
        assertEquals("done", task.get("stoppedReason").asText());
    }

    @Test
    void aClientTokenReplayedWithOtherParametersIsAConflict() throws Exception {
        String[] request = {"ecs", "run-task", "--cluster", "acme-prod", "--task-definition", "acme-web",
                "--launch-type", "FARGATE", "--client-token", "cli-replay-1", "--started-by", "cli-replay",
                "--network-configuration", "awsvpcConfiguration={subnets=[subnet-1],assignPublicIp=DISABLED}"};
        // RunTask's clientToken came to the CLI's models in 2024: an older installation refuses the option itself,
        // so this takes the first installation on the machine that knows it.
        AwsCli replaying = null;
        String answer = null;
        java.util.List<String> refusing = new java.util.ArrayList<>();
        for (java.nio.file.Path installation : AwsCli.installations()) {
            AwsCli candidate = new AwsCli(cloud.endpoint(), home, installation);
            try {
                answer = candidate.run(request);
                replaying = candidate;
                break;
            } catch (AssertionError e) {
                if (!e.getMessage().contains("Unknown options: --client-token")) {
                    throw e;
                }
                refusing.add(installation.toString());
            }
        }
        assumeTrue(replaying != null, "no AWS CLI here knows RunTask's --client-token: " + refusing);
        AwsCli client = replaying;
        String first = JSON.readTree(answer).get("tasks").get(0).get("taskArn").asText();
        assertEquals(first, JSON.readTree(client.run(request)).get("tasks").get(0).get("taskArn").asText(),
                "the same request: the first call's task");

        String[] edited = java.util.Arrays.copyOf(request, request.length + 2);
        edited[request.length] = "--overrides";
        edited[request.length + 1] = "{\"containerOverrides\":[{\"name\":\"web\",\"environment\":"
                + "[{\"name\":\"DATABASE_URL\",\"value\":\"edited\"}]}]}";
        AssertionError refused = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> client.run(edited));
        assertTrue(refused.getMessage().contains("ConflictException"), refused.getMessage());
        assertTrue(refused.getMessage().contains("cli-replay-1"), refused.getMessage());
        assertEquals(1, cloud.runs().stream().filter(r -> "cli-replay-1".equals(r.clientToken())).count());
    }

    @Test
    void ecsStopTaskAnswersAStoppingTaskThatStopsAfterItsStopTimeout() throws Exception {
        String arn = sdk.ecs.runTask(b -> b.cluster("acme-prod").taskDefinition("acme-web").launchType(LaunchType.FARGATE)
                .networkConfiguration(n -> n.awsvpcConfiguration(v -> v.subnets("subnet-1")))
                .tags(t -> t.key(EcsService.TAG_ENVIRONMENT).value("forever"))) // stop timeout 1 s in the test seed
                .tasks().get(0).taskArn();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> sdk.taskStatus(arn), "RUNNING"::equals);
        JsonNode answer = JSON.readTree(aws("ecs", "stop-task", "--cluster", "acme-prod", "--task", arn, "--reason",
                "past its timeout")).get("task");
        assertEquals("STOPPED", answer.get("desiredStatus").asText());
        assertEquals("RUNNING", answer.get("lastStatus").asText());
        assertTrue(answer.has("stoppingAt") && !answer.has("stoppedAt"), answer.toString());
        JsonNode eni = answer.get("attachments").get(0);
        assertEquals("ElasticNetworkInterface", eni.get("type").asText());
        assertEquals("ATTACHED", eni.get("status").asText());
        assertEquals("subnetId", eni.get("details").get(0).get("name").asText());
        assertEquals(eni.get("id").asText(), answer.get("containers").get(0).get("networkInterfaces").get(0)
                .get("attachmentId").asText());

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> sdk.taskStatus(arn), "STOPPED"::equals);
        JsonNode task = JSON.readTree(aws("ecs", "describe-tasks", "--cluster", "acme-prod", "--tasks", arn)).get("tasks").get(0);
        assertEquals("STOPPED", task.get("lastStatus").asText());
        assertEquals("UserInitiated", task.get("stopCode").asText());
        assertEquals("past its timeout", task.get("stoppedReason").asText());
        assertEquals(137, task.get("containers").get(0).get("exitCode").asInt());
        assertEquals("DELETED", task.get("attachments").get(0).get("status").asText());
    }

    @Test
    void ecsRunTaskRefusedForCapacity() throws Exception {
        String instance = cloud.addContainerInstance("acme-prod",
                new SandboxSeed.ContainerInstance("cli-small", 1024, 1024, null, 256, null));
        JsonNode refused = JSON.readTree(aws("ecs", "run-task", "--cluster", "acme-prod", "--task-definition",
                "acme-bridge", "--launch-type", "EC2"));
        assertEquals(0, refused.get("tasks").size());
        assertEquals(instance, refused.get("failures").get(0).get("arn").asText());
        assertEquals("RESOURCE:MEMORY", refused.get("failures").get(0).get("reason").asText());
        JsonNode described = JSON.readTree(aws("ecs", "describe-container-instances", "--cluster", "acme-prod",
                "--container-instances", instance));
        JsonNode memory = described.get("containerInstances").get(0).get("remainingResources").get(1);
        assertEquals("MEMORY", memory.get("name").asText());
        assertEquals(256, memory.get("integerValue").asInt());
        cloud.removeContainerInstance("acme-prod", "cli-small");
    }

    @Test
    void stsAssumeRoleAndGetCallerIdentityAsTheCliAsksThem() throws Exception {
        try (SandboxCloud platform = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse("""
                roles:
                  - {arn: "arn:aws:iam::222222222222:role/beanstalk-migrator", externalId: acme-platform}
                """))) {
            AwsCli onPlatform = new AwsCli(platform.endpoint(), home);
            assertEquals("000000000000", JSON.readTree(onPlatform.run("sts", "get-caller-identity")).get("Account")
                    .asText());
            JsonNode assumed = JSON.readTree(onPlatform.run("sts", "assume-role", "--role-arn",
                    "arn:aws:iam::222222222222:role/beanstalk-migrator", "--role-session-name", "cli-check",
                    "--external-id", "acme-platform"));
            assertEquals("arn:aws:sts::222222222222:assumed-role/beanstalk-migrator/cli-check",
                    assumed.get("AssumedRoleUser").get("Arn").asText());
            assertTrue(assumed.get("Credentials").get("AccessKeyId").asText().startsWith("ASIA"), assumed.toString());
            AssertionError denied = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                    () -> onPlatform.run("sts", "assume-role", "--role-arn",
                            "arn:aws:iam::222222222222:role/beanstalk-migrator", "--role-session-name", "cli-check"));
            assertTrue(denied.getMessage().contains("AccessDenied"), denied.getMessage());
        }
    }

    @Test
    void ecsDescribeClustersWithTagsShowsTheClusterElasticBeanstalkTaggedForAnEnvironment() throws Exception {
        try (SandboxCloud platform = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse("""
                applications:
                  - name: shop
                    versions: [{label: v1}]
                    environments:
                      - {name: shop-eb, version: v1, ecs: {cluster: awseb-shop-eb-Qw3rTy12, taskDefinition: shop-app}}
                taskDefinitions:
                  - family: shop-app
                    containers: [{name: app, image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v1"}]
                """))) {
            AwsCli onPlatform = new AwsCli(platform.endpoint(), home);
            String id = JSON.readTree(onPlatform.run("elasticbeanstalk", "describe-environments", "--environment-names",
                    "shop-eb")).get("Environments").get(0).get("EnvironmentId").asText();
            String arn = "arn:aws:ecs:us-east-1:000000000000:cluster/awseb-shop-eb-Qw3rTy12";
            assertEquals(arn, JSON.readTree(onPlatform.run("ecs", "list-clusters")).get("clusterArns").get(0).asText());

            JsonNode tagged = JSON.readTree(onPlatform.run("ecs", "describe-clusters", "--clusters", arn, "--include",
                    "TAGS")).get("clusters").get(0);
            assertEquals("awseb-shop-eb-Qw3rTy12", tagged.get("clusterName").asText());
            java.util.Map<String, String> tags = new java.util.TreeMap<>();
            tagged.get("tags").forEach(t -> tags.put(t.get("key").asText(), t.get("value").asText()));
            assertEquals(java.util.Map.of("elasticbeanstalk:environment-id", id, "elasticbeanstalk:environment-name",
                    "shop-eb"), tags);
            assertEquals(1, tagged.get("runningTasksCount").asInt(), "the environment's app runs on it");
            JsonNode untagged = JSON.readTree(onPlatform.run("ecs", "describe-clusters", "--clusters", arn))
                    .get("clusters").get(0);
            assertTrue(!untagged.has("tags"), "tags only when asked for: " + untagged);

            JsonNode running = JSON.readTree(onPlatform.run("ecs", "list-tasks", "--cluster", arn, "--desired-status",
                    "RUNNING")).get("taskArns");
            assertEquals(1, running.size());
            JsonNode app = JSON.readTree(onPlatform.run("ecs", "describe-tasks", "--cluster", arn, "--tasks",
                    running.get(0).asText())).get("tasks").get(0);
            assertEquals("arn:aws:ecs:us-east-1:000000000000:task-definition/shop-app:1",
                    app.get("taskDefinitionArn").asText());
            assertEquals("RUNNING", app.get("lastStatus").asText());
            assertTrue(app.get("startedBy").asText().startsWith("i-"), app.toString());
        }
    }

    @Test
    void ecsThrottlingIsWhatTheCliRetriesAndThenReports() throws Exception {
        // One registration, then one token every 100 s: the CLI's every attempt is refused.
        cloud.setEcsThrottling(EcsThrottles.DOCUMENTED.scaled(0.01));
        try {
            sdk.ecs.registerTaskDefinition(b -> b.family("cli-throttled").containerDefinitions(c -> c.name("app")
                    .image("busybox")));
            long before = cloud.calls("ecs:RegisterTaskDefinition:throttled");
            AssertionError refused = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> aws("ecs",
                    "register-task-definition", "--family", "cli-throttled", "--container-definitions",
                    "[{\"name\":\"app\",\"image\":\"busybox\"}]"));
            assertTrue(refused.getMessage().contains("(ThrottlingException) when calling the RegisterTaskDefinition"
                    + " operation"), refused.getMessage());
            assertTrue(refused.getMessage().contains("Rate exceeded"), refused.getMessage());
            assertTrue(cloud.calls("ecs:RegisterTaskDefinition:throttled") - before >= 2,
                    () -> "the CLI tried again after the throttling: " + cloud.calls());
        } finally {
            cloud.setEcsThrottling(EcsThrottles.OFF);
        }
    }

    @Test
    void elasticBeanstalkDescribeAndCreateVersion() throws Exception {
        JsonNode envs = JSON.readTree(aws("elasticbeanstalk", "describe-environments", "--application-name", "acme"));
        assertEquals("acme-web-prod", envs.get("Environments").get(0).get("EnvironmentName").asText());
        assertEquals("Ready", envs.get("Environments").get(0).get("Status").asText());
        aws("elasticbeanstalk", "create-application-version", "--application-name", "acme", "--version-label", "v-cli",
                "--source-bundle", "S3Bucket=acme-bundles,S3Key=acme/v-cli.zip");
        assertEquals("acme/v-cli.zip", sdk.eb.describeApplicationVersions(b -> b.applicationName("acme").versionLabels("v-cli"))
                .applicationVersions().get(0).sourceBundle().s3Key());
    }
}
