package dev.beanstalkmigrator.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.cloudwatchlogs.model.GetLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.Compatibility;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.InvalidParameterException;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.LogDriver;
import software.amazon.awssdk.services.ecs.model.NetworkMode;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.SortOrder;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionField;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;
import software.amazon.awssdk.services.ecs.model.TaskField;
import software.amazon.awssdk.services.elasticbeanstalk.model.ApplicationVersionDescription;
import software.amazon.awssdk.services.elasticbeanstalk.model.ConfigurationOptionSetting;
import software.amazon.awssdk.services.elasticbeanstalk.model.DescribeApplicationVersionsResponse;
import software.amazon.awssdk.services.elasticbeanstalk.model.ElasticBeanstalkException;
import software.amazon.awssdk.services.elasticbeanstalk.model.EnvironmentDescription;
import software.amazon.awssdk.services.elasticbeanstalk.model.EnvironmentHealth;
import software.amazon.awssdk.services.elasticbeanstalk.model.EnvironmentStatus;
import software.amazon.awssdk.services.elasticbeanstalk.model.UpdateEnvironmentResponse;

import dev.beanstalkmigrator.testing.SandboxClients;

/** Elastic Beanstalk, ECS and CloudWatch Logs through the real SDK clients. */
class SandboxBeanstalkEcsLogsTest {
    static SandboxCloud cloud;
    static SandboxClients aws;

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

    // ------------------------------------------------------------------ Elastic Beanstalk

    @Test
    void describeEnvironmentsAndVersionsAndSettings() {
        List<EnvironmentDescription> envs = aws.eb.describeEnvironments(b -> b.applicationName("acme")).environments();
        assertEquals(List.of("acme-web-prod", "acme-web-staging"),
                envs.stream().map(EnvironmentDescription::environmentName).toList());
        EnvironmentDescription prod = aws.eb.describeEnvironments(b -> b.environmentNames("acme-web-prod")).environments().get(0);
        assertEquals("v41", prod.versionLabel());
        assertEquals(EnvironmentStatus.READY, prod.status());
        assertEquals(EnvironmentHealth.GREEN, prod.health());
        assertTrue(prod.environmentId().startsWith("e-"));
        assertTrue(prod.platformArn().startsWith("arn:aws:elasticbeanstalk:us-east-1::platform/"));
        assertTrue(prod.dateCreated() != null && prod.dateUpdated() != null);

        DescribeApplicationVersionsResponse versions = aws.eb.describeApplicationVersions(b -> b.applicationName("acme"));
        List<ApplicationVersionDescription> vs = versions.applicationVersions();
        assertTrue(vs.size() >= 2);
        int i41 = labels(vs).indexOf("v41");
        int i42 = labels(vs).indexOf("v42");
        assertTrue(i42 < i41, "newest first: " + labels(vs));
        ApplicationVersionDescription v41 = vs.get(i41);
        assertEquals("acme-bundles", v41.sourceBundle().s3Bucket());
        assertEquals("acme/v41.zip", v41.sourceBundle().s3Key());
        assertEquals("PROCESSED", v41.statusAsString());
        assertEquals(List.of("v42"), labels(aws.eb.describeApplicationVersions(
                b -> b.applicationName("acme").versionLabels("v42")).applicationVersions()));
        DescribeApplicationVersionsResponse page1 = aws.eb.describeApplicationVersions(b -> b.applicationName("acme").maxRecords(1));
        assertEquals(1, page1.applicationVersions().size());
        assertTrue(page1.nextToken() != null);
        DescribeApplicationVersionsResponse page2 = aws.eb.describeApplicationVersions(
                b -> b.applicationName("acme").maxRecords(1).nextToken(page1.nextToken()));
        assertFalse(labels(page2.applicationVersions()).contains(labels(page1.applicationVersions()).get(0)));

        List<ConfigurationOptionSetting> settings = aws.eb.describeConfigurationSettings(
                b -> b.applicationName("acme").environmentName("acme-web-prod")).configurationSettings().get(0).optionSettings();
        Map<String, String> vars = settings.stream()
                .filter(s -> s.namespace().equals("aws:elasticbeanstalk:application:environment"))
                .collect(Collectors.toMap(ConfigurationOptionSetting::optionName, ConfigurationOptionSetting::value));
        assertEquals(Map.of("DATABASE_URL", "postgres://acme:pw@db/acme", "DJANGO_SECRET_KEY", "k"), vars);
        assertTrue(settings.stream().anyMatch(s -> s.namespace().equals("aws:autoscaling:asg") && s.optionName().equals("MinSize")));
        ElasticBeanstalkException noEnv = assertThrows(ElasticBeanstalkException.class, () -> aws.eb.describeConfigurationSettings(
                b -> b.applicationName("acme").environmentName("nope")));
        assertEquals("InvalidParameterValue", noEnv.awsErrorDetails().errorCode());
    }

    private static List<String> labels(List<ApplicationVersionDescription> vs) {
        return vs.stream().map(ApplicationVersionDescription::versionLabel).toList();
    }

    @Test
    void updateEnvironmentLifecycleAndCreateApplicationVersion() {
        aws.eb.createApplicationVersion(b -> b.applicationName("acme").versionLabel("v50")
                .sourceBundle(s -> s.s3Bucket("acme-bundles").s3Key("acme/v50.zip")));
        assertEquals("v50", aws.eb.describeApplicationVersions(b -> b.applicationName("acme"))
                .applicationVersions().get(0).versionLabel());
        ElasticBeanstalkException dup = assertThrows(ElasticBeanstalkException.class, () -> aws.eb.createApplicationVersion(
                b -> b.applicationName("acme").versionLabel("v50")));
        assertEquals("InvalidParameterValue", dup.awsErrorDetails().errorCode());

        ElasticBeanstalkException unknown = assertThrows(ElasticBeanstalkException.class, () -> aws.eb.updateEnvironment(
                b -> b.environmentName("acme-web-staging").versionLabel("v999")));
        assertEquals("InvalidParameterValue", unknown.awsErrorDetails().errorCode());
        assertEquals(400, unknown.statusCode());

        UpdateEnvironmentResponse r = aws.eb.updateEnvironment(b -> b.environmentName("acme-web-staging").versionLabel("v50"));
        assertEquals(EnvironmentStatus.UPDATING, r.status());
        ElasticBeanstalkException busy = assertThrows(ElasticBeanstalkException.class, () -> aws.eb.updateEnvironment(
                b -> b.environmentName("acme-web-staging").versionLabel("v42")));
        assertEquals("InvalidParameterValue", busy.awsErrorDetails().errorCode());
        assertEquals("Environment named acme-web-staging is in an invalid state for this operation. Must be Ready.",
                busy.awsErrorDetails().errorMessage());
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            EnvironmentDescription e = aws.eb.describeEnvironments(b -> b.environmentNames("acme-web-staging")).environments().get(0);
            return e.status() == EnvironmentStatus.READY && e.versionLabel().equals("v50");
        });
        cloud.setDeployedVersion("acme-web-staging", "v41");
        assertEquals("v41", cloud.deployedVersion("acme-web-staging"));
        cloud.registerApplicationVersion("acme", "v51", "acme-bundles", "acme/v51.zip");
        assertEquals("v51", aws.eb.describeApplicationVersions(b -> b.applicationName("acme"))
                .applicationVersions().get(0).versionLabel());
    }

    // ------------------------------------------------------------------ ECS task definitions

    @Test
    void registerDescribeListDeregisterTaskDefinitions() {
        RegisterTaskDefinitionResponse reg = aws.ecs.registerTaskDefinition(b -> b.family("acme-migrate")
                .networkMode(NetworkMode.AWSVPC).requiresCompatibilities(Compatibility.FARGATE).cpu("512").memory("1024")
                .executionRoleArn("arn:aws:iam::000000000000:role/exec").taskRoleArn("arn:aws:iam::000000000000:role/task")
                .containerDefinitions(c -> c.name("migrate").image("acme:v42").essential(true).command("python", "manage.py", "migrate")
                        .environment(KeyValuePair.builder().name("A").value("1").build()).cpu(256).memory(512)
                        .portMappings(p -> p.containerPort(8000))
                        .secrets(s -> s.name("DB").valueFrom("arn:aws:secretsmanager:us-east-1:000000000000:secret:db"))
                        .logConfiguration(l -> l.logDriver(LogDriver.AWSLOGS).options(Map.of("awslogs-group", "/ecs/acme-migrate",
                                "awslogs-stream-prefix", "ecs", "awslogs-region", "us-east-1"))))
                .tags(Tag.builder().key("owner").value("migrator").build()));
        assertEquals(1, reg.taskDefinition().revision());
        assertEquals("arn:aws:ecs:us-east-1:000000000000:task-definition/acme-migrate:1", reg.taskDefinition().taskDefinitionArn());
        var c = reg.taskDefinition().containerDefinitions().get(0);
        assertEquals(List.of("python", "manage.py", "migrate"), c.command());
        assertEquals("DB", c.secrets().get(0).name());
        assertEquals(8000, c.portMappings().get(0).containerPort());
        assertEquals(LogDriver.AWSLOGS, c.logConfiguration().logDriver());
        assertEquals("arn:aws:iam::000000000000:role/task", reg.taskDefinition().taskRoleArn());
        assertEquals("owner", reg.tags().get(0).key());

        int rev2 = aws.ecs.registerTaskDefinition(b -> b.family("acme-migrate").networkMode(NetworkMode.AWSVPC)
                .requiresCompatibilities(Compatibility.FARGATE).cpu("512").memory("1024")
                .containerDefinitions(x -> x.name("migrate").image("acme:v43"))).taskDefinition().revision();
        assertEquals(2, rev2);
        assertEquals(2, aws.ecs.describeTaskDefinition(b -> b.taskDefinition("acme-migrate")).taskDefinition().revision());
        var first = aws.ecs.describeTaskDefinition(b -> b.taskDefinition("acme-migrate:1").include(TaskDefinitionField.TAGS));
        assertEquals("acme:v42", first.taskDefinition().containerDefinitions().get(0).image());
        assertEquals("migrator", first.tags().get(0).value());
        assertEquals(1, aws.ecs.describeTaskDefinition(b -> b.taskDefinition(
                "arn:aws:ecs:us-east-1:000000000000:task-definition/acme-migrate:1")).taskDefinition().revision());
        ClientException missing = assertThrows(ClientException.class,
                () -> aws.ecs.describeTaskDefinition(b -> b.taskDefinition("nope:1")));
        assertEquals("Unable to describe task definition.", missing.awsErrorDetails().errorMessage());

        assertEquals(List.of("arn:aws:ecs:us-east-1:000000000000:task-definition/acme-migrate:2",
                "arn:aws:ecs:us-east-1:000000000000:task-definition/acme-migrate:1"),
                aws.ecs.listTaskDefinitions(b -> b.familyPrefix("acme-migrate").sort(SortOrder.DESC)).taskDefinitionArns());
        var page = aws.ecs.listTaskDefinitions(b -> b.maxResults(1));
        assertEquals(1, page.taskDefinitionArns().size());
        assertTrue(page.nextToken() != null);

        aws.ecs.deregisterTaskDefinition(b -> b.taskDefinition("acme-migrate:2"));
        assertEquals(List.of("arn:aws:ecs:us-east-1:000000000000:task-definition/acme-migrate:1"),
                aws.ecs.listTaskDefinitions(b -> b.familyPrefix("acme-migrate")).taskDefinitionArns());
        assertEquals(List.of("arn:aws:ecs:us-east-1:000000000000:task-definition/acme-migrate:2"),
                aws.ecs.listTaskDefinitions(b -> b.familyPrefix("acme-migrate").status(TaskDefinitionStatus.INACTIVE))
                        .taskDefinitionArns());
        assertEquals(1, aws.ecs.describeTaskDefinition(b -> b.taskDefinition("acme-migrate")).taskDefinition().revision());

        assertTrue(aws.ecs.listClusters().clusterArns().contains("arn:aws:ecs:us-east-1:000000000000:cluster/acme-prod"));
        var clusters = aws.ecs.describeClusters(b -> b.clusters("acme-prod", "ghost"));
        assertEquals("acme-prod", clusters.clusters().get(0).clusterName());
        assertEquals("MISSING", clusters.failures().get(0).reason());
    }

    // ------------------------------------------------------------------ ECS tasks

    private static RunTaskRequest.Builder fargate(String family) {
        return RunTaskRequest.builder().cluster("acme-prod").taskDefinition(family).launchType(LaunchType.FARGATE)
                .networkConfiguration(n -> n.awsvpcConfiguration(v -> v.subnets("subnet-1").securityGroups("sg-1")
                        .assignPublicIp(AssignPublicIp.DISABLED)));
    }

    private static Task run(Consumer<RunTaskRequest.Builder> custom) {
        RunTaskRequest.Builder b = fargate("acme-web");
        custom.accept(b);
        RunTaskResponse r = aws.ecs.runTask(b.build());
        assertEquals(0, r.failures().size());
        return r.tasks().get(0);
    }

    private static Task describe(String arn) {
        DescribeTasksResponse r = aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(arn).include(TaskField.TAGS));
        return r.tasks().isEmpty() ? null : r.tasks().get(0);
    }

    private static Task awaitStopped(String arn) {
        return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> describe(arn), t -> t != null && "STOPPED".equals(t.lastStatus()));
    }

    @Test
    void runTaskValidationErrors() {
        ClusterNotFoundException noCluster = assertThrows(ClusterNotFoundException.class,
                () -> aws.ecs.runTask(fargate("acme-web").cluster("ghost").build()));
        assertEquals("ClusterNotFoundException", noCluster.awsErrorDetails().errorCode());
        ClientException noDef = assertThrows(ClientException.class,
                () -> aws.ecs.runTask(fargate("ghost-family").build()));
        assertEquals("Unable to describe task definition.", noDef.awsErrorDetails().errorMessage());
        assertThrows(InvalidParameterException.class, () -> aws.ecs.runTask(fargate("acme-web").count(0).build()));
        assertThrows(InvalidParameterException.class, () -> aws.ecs.runTask(fargate("acme-web").count(11).build()));
        InvalidParameterException noNetwork = assertThrows(InvalidParameterException.class, () -> aws.ecs.runTask(
                b -> b.cluster("acme-prod").taskDefinition("acme-web").launchType(LaunchType.FARGATE)));
        assertTrue(noNetwork.getMessage().contains("Network Configuration must be provided"), noNetwork.getMessage());
        InvalidParameterException bridge = assertThrows(InvalidParameterException.class,
                () -> aws.ecs.runTask(fargate("acme-bridge").build()));
        assertTrue(bridge.getMessage().contains("does not support launch_type FARGATE"), bridge.getMessage());
        InvalidParameterException badName = assertThrows(InvalidParameterException.class, () -> aws.ecs.runTask(
                fargate("acme-web").overrides(o -> o.containerOverrides(ContainerOverride.builder().name("worker").build())).build()));
        assertTrue(badName.getMessage().contains("worker"), badName.getMessage());
        InvalidParameterException longStartedBy = assertThrows(InvalidParameterException.class,
                () -> aws.ecs.runTask(fargate("acme-web").startedBy("x".repeat(37)).build()));
        assertEquals("InvalidParameterException", longStartedBy.awsErrorDetails().errorCode());
        InvalidParameterException both = assertThrows(InvalidParameterException.class, () -> aws.ecs.runTask(
                fargate("acme-web").capacityProviderStrategy(s -> s.capacityProvider("FARGATE_SPOT").weight(1)).build()));
        assertTrue(both.getMessage().contains("capacity provider"), both.getMessage());

        // the overrides limit counts the JSON of the overrides
        String big = "v".repeat(8000);
        InvalidParameterException tooLong = assertThrows(InvalidParameterException.class, () -> aws.ecs.runTask(
                fargate("acme-web").overrides(o -> o.containerOverrides(ContainerOverride.builder().name("web")
                        .environment(KeyValuePair.builder().name("BIG").value(big + "v".repeat(200)).build()).build())).build()));
        assertEquals("Container Overrides length must be at most 8192", tooLong.awsErrorDetails().errorMessage());
        assertEquals(400, tooLong.statusCode());
        Task fits = run(b -> b.overrides(o -> o.containerOverrides(ContainerOverride.builder().name("web")
                .environment(KeyValuePair.builder().name("BIG").value(big).build()).build())));
        assertTrue(fits.taskArn().startsWith("arn:aws:ecs:us-east-1:000000000000:task/acme-prod/"));
        assertTrue(fits.taskArn().substring(fits.taskArn().lastIndexOf('/') + 1).matches("[0-9a-f]{32}"));
        // capacity provider strategy instead of a launch type
        Task spot = aws.ecs.runTask(b -> b.cluster("acme-prod").taskDefinition("acme-web")
                .capacityProviderStrategy(s -> s.capacityProvider("FARGATE_SPOT").weight(1))
                .networkConfiguration(n -> n.awsvpcConfiguration(v -> v.subnets("subnet-1")))).tasks().get(0);
        assertEquals("FARGATE_SPOT", spot.capacityProviderName());
    }

    @Test
    void clientTokenMakesRunTaskIdempotentAndRunsRecordWhatReachedEcs() {
        int before = cloud.runs().size();
        Consumer<RunTaskRequest.Builder> req = b -> b.clientToken("tok-acme-v42-prod").startedBy("beanstalk-migrator")
                .tags(Tag.builder().key(EcsService.TAG_ENVIRONMENT).value("acme-web-prod").build(),
                        Tag.builder().key(EcsService.TAG_VERSION).value("v42").build())
                .overrides(o -> o.containerOverrides(ContainerOverride.builder().name("web")
                        .command("python", "manage.py", "migrate", "--noinput")
                        .environment(KeyValuePair.builder().name("DATABASE_URL").value("postgres://acme:pw@db/acme").build())
                        .build()));
        Task first = run(req);
        Task second = run(req);
        assertEquals(first.taskArn(), second.taskArn());
        assertEquals(before + 1, cloud.runs().size());
        RunRecord rec = cloud.runs().get(cloud.runs().size() - 1);
        assertEquals(first.taskArn(), rec.taskArn());
        assertEquals("acme-prod", rec.cluster());
        assertEquals("tok-acme-v42-prod", rec.clientToken());
        assertEquals("beanstalk-migrator", rec.startedBy());
        assertEquals(List.of("python", "manage.py", "migrate", "--noinput"), rec.command());
        assertEquals(Map.of("DATABASE_URL", "postgres://acme:pw@db/acme"), rec.environment());
        assertEquals("v42", rec.tags().get(EcsService.TAG_VERSION));
        assertEquals("123456789012.dkr.ecr.us-east-1.amazonaws.com/acme:v41", rec.image());
        assertEquals("arn:aws:ecs:us-east-1:000000000000:task-definition/acme-web:1", rec.taskDefinitionArn());
        Task tagged = describe(first.taskArn());
        assertTrue(tagged.tags().stream().anyMatch(t -> t.key().equals(EcsService.TAG_VERSION) && t.value().equals("v42")));
        assertEquals("python", tagged.overrides().containerOverrides().get(0).command().get(0));
    }

    @Test
    void tasksRunToStoppedWithExitCodesAndLogs() {
        Task ok = run(b -> b.startedBy("lifecycle-ok"));
        assertTrue(List.of("PROVISIONING", "PENDING").contains(ok.lastStatus()), ok.lastStatus());
        assertEquals("RUNNING", ok.desiredStatus());
        String id = ok.taskArn().substring(ok.taskArn().lastIndexOf('/') + 1);
        // The stream is made when the container starts: before, the read is refused. (On a loaded machine the task
        // may have started already; then the stream must exist, and ECS must say the task left PENDING.)
        try {
            aws.logs.getLogEvents(b -> b.logGroupName("/ecs/acme-web").logStreamName("ecs/web/" + id));
            assertFalse(List.of("PROVISIONING", "PENDING").contains(describe(ok.taskArn()).lastStatus()),
                    "a log stream of a container that has not started");
        } catch (ResourceNotFoundException notYet) {
            assertTrue(notYet.getMessage().contains("log stream"));
        }
        Task stopped = awaitStopped(ok.taskArn());
        assertEquals(0, stopped.containers().get(0).exitCode());
        assertEquals("EssentialContainerExited", stopped.stopCodeAsString());
        assertEquals("Essential container in task exited", stopped.stoppedReason());
        assertEquals("STOPPED", stopped.desiredStatus());
        assertTrue(stopped.startedAt() != null && stopped.stoppedAt() != null && stopped.createdAt() != null
                && stopped.pullStartedAt() != null);
        assertTrue(!stopped.stoppedAt().isBefore(stopped.startedAt()));

        GetLogEventsResponse logs = aws.logs.getLogEvents(b -> b.logGroupName("/ecs/acme-web").logStreamName("ecs/web/" + id)
                .startFromHead(true));
        assertEquals(List.of("Operations to perform:", "Running migrations:", "  No migrations to apply."),
                logs.events().stream().map(OutputLogEvent::message).toList());
        assertEquals(stopped.startedAt().toEpochMilli(), logs.events().get(0).timestamp());
        GetLogEventsResponse tail = aws.logs.getLogEvents(b -> b.logGroupName("/ecs/acme-web").logStreamName("ecs/web/" + id)
                .limit(1));
        assertEquals(List.of("  No migrations to apply."), tail.events().stream().map(OutputLogEvent::message).toList());
        GetLogEventsResponse back = aws.logs.getLogEvents(b -> b.logGroupName("/ecs/acme-web").logStreamName("ecs/web/" + id)
                .limit(1).nextToken(tail.nextBackwardToken()));
        assertEquals("Running migrations:", back.events().get(0).message());
        // paging forward from the head ends when the same forward token comes back
        List<String> paged = new ArrayList<>();
        String token = null;
        while (true) {
            String t = token;
            GetLogEventsResponse p = aws.logs.getLogEvents(b -> b.logGroupName("/ecs/acme-web").logStreamName("ecs/web/" + id)
                    .startFromHead(true).limit(2).nextToken(t));
            p.events().forEach(e -> paged.add(e.message()));
            if (p.nextForwardToken().equals(token)) {
                break;
            }
            token = p.nextForwardToken();
        }
        assertEquals(3, paged.size());
        assertTrue(aws.logs.describeLogStreams(b -> b.logGroupName("/ecs/acme-web").logStreamNamePrefix("ecs/web/" + id))
                .logStreams().size() == 1);
        assertTrue(aws.logs.describeLogGroups(b -> b.logGroupNamePrefix("/ecs/")).logGroups().stream()
                .anyMatch(g -> g.logGroupName().equals("/ecs/acme-web")));
        assertThrows(ResourceNotFoundException.class,
                () -> aws.logs.getLogEvents(b -> b.logGroupName("/ecs/nope").logStreamName("x")));

        Task broken = run(b -> b.tags(Tag.builder().key(EcsService.TAG_VERSION).value("v13-broken").build()));
        Task failed = awaitStopped(broken.taskArn());
        assertEquals(1, failed.containers().get(0).exitCode());
        String brokenId = broken.taskArn().substring(broken.taskArn().lastIndexOf('/') + 1);
        assertEquals(List.of("django.db.utils.ProgrammingError: relation \"x\" already exists"),
                aws.logMessages("/ecs/acme-web", "ecs/web/" + brokenId));
    }

    @Test
    void pullErrorStopsWithoutExitCode() {
        Task t = aws.ecs.runTask(fargate("acme-puller").build()).tasks().get(0);
        Task stopped = awaitStopped(t.taskArn());
        assertEquals("TaskFailedToStart", stopped.stopCodeAsString());
        assertTrue(stopped.stoppedReason().startsWith("CannotPullContainerError:"), stopped.stoppedReason());
        assertNull(stopped.containers().get(0).exitCode());
        assertTrue(stopped.containers().get(0).reason().startsWith("CannotPullContainerError:"));
        assertNull(stopped.startedAt());
    }

    @Test
    void stopTaskAnswersAStoppingTaskWhoseContainerRunsUntilKilledAfterItsStopTimeout() {
        Task t = run(b -> b.startedBy("stopper").tags(Tag.builder().key(EcsService.TAG_ENVIRONMENT).value("forever").build()));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> describe(t.taskArn()).lastStatus(), "RUNNING"::equals);
        assertEquals(List.of(t.taskArn()), aws.ecs.listTasks(b -> b.cluster("acme-prod").startedBy("stopper")).taskArns());
        java.time.Instant asked = java.time.Instant.now();
        Task s = aws.ecs.stopTask(b -> b.cluster("acme-prod").task(t.taskArn()).reason("Superseded by v43")).task();
        assertEquals("STOPPED", s.desiredStatus());
        assertEquals("RUNNING", s.lastStatus());
        assertNull(s.stopCode());
        assertNull(s.containers().get(0).exitCode());
        assertTrue(s.stoppingAt() != null && s.stoppedAt() == null);
        // desiredStatus is what ListTasks filters on: a stopping task is listed as STOPPED already
        assertEquals(List.of(), aws.ecs.listTasks(b -> b.cluster("acme-prod").startedBy("stopper")).taskArns());
        assertEquals(List.of(t.taskArn()), aws.ecs.listTasks(b -> b.cluster("acme-prod").startedBy("stopper")
                .desiredStatus(DesiredStatus.STOPPED)).taskArns());
        Task stopping = describe(t.taskArn());
        assertEquals("RUNNING", stopping.lastStatus());
        assertEquals("STOPPED", stopping.desiredStatus());
        assertEquals("ATTACHED", stopping.attachments().get(0).status());
        assertNull(cloud.taskStoppedAt(t.taskArn()));
        Task again = aws.ecs.stopTask(b -> b.cluster("acme-prod").task(t.taskArn()).reason("another reason")).task();
        assertEquals(s.stoppingAt(), again.stoppingAt());

        Task stopped = awaitStopped(t.taskArn());
        assertEquals("UserInitiated", stopped.stopCodeAsString());
        assertEquals("Superseded by v43", stopped.stoppedReason());
        assertEquals(137, stopped.containers().get(0).exitCode(), "SIGKILL after the stop timeout");
        assertEquals("STOPPED", stopped.containers().get(0).lastStatus());
        Duration ran = Duration.between(stopped.stoppingAt(), stopped.stoppedAt());
        assertEquals(Duration.ofSeconds(1), ran, "the seed's stopTimeout for this task");
        assertFalse(stopped.stoppedAt().isBefore(asked.plusSeconds(1).minusMillis(5)));
        assertEquals(stopped.stoppedAt(), cloud.taskStoppedAt(t.taskArn()).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertEquals("DELETED", stopped.attachments().get(0).status());
        assertThrows(InvalidParameterException.class, () -> aws.ecs.stopTask(b -> b.cluster("acme-prod").task("0".repeat(32))));
    }

    @Test
    void theContainerDefinitionsStopTimeoutWinsOverTheAgentDefault() {
        aws.ecs.registerTaskDefinition(b -> b.family("acme-stop-timeout").networkMode(NetworkMode.AWSVPC)
                .requiresCompatibilities(Compatibility.FARGATE).cpu("256").memory("512")
                .containerDefinitions(c -> c.name("web").image("acme:v41").essential(true).stopTimeout(2)));
        Task t = aws.ecs.runTask(fargate("acme-stop-timeout")
                .tags(Tag.builder().key(EcsService.TAG_ENVIRONMENT).value("forever").build()).build()).tasks().get(0);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> describe(t.taskArn()).lastStatus(), "RUNNING"::equals);
        aws.ecs.stopTask(b -> b.cluster("acme-prod").task(t.taskArn()));
        Task stopped = awaitStopped(t.taskArn());
        assertEquals(Duration.ofSeconds(2), Duration.between(stopped.stoppingAt(), stopped.stoppedAt()),
                "stopTimeout 2 of the container definition, not the 1 s the behaviour gives as the agent's default");
        assertEquals(137, stopped.containers().get(0).exitCode());
    }

    @Test
    void aContainerThatHandlesSigtermStopsWithItsOwnExitCode() {
        Task t = run(b -> b.tags(Tag.builder().key(EcsService.TAG_ENVIRONMENT).value("graceful").build()));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> describe(t.taskArn()).lastStatus(), "RUNNING"::equals);
        Task s = aws.ecs.stopTask(b -> b.cluster("acme-prod").task(t.taskArn())).task();
        assertEquals("RUNNING", s.lastStatus());
        Task stopped = awaitStopped(t.taskArn());
        assertEquals(143, stopped.containers().get(0).exitCode());
        assertEquals("UserInitiated", stopped.stopCodeAsString());
        assertEquals("Task stopped by user", stopped.stoppedReason());
        assertEquals(Duration.ofMillis(300), Duration.between(stopped.stoppingAt(), stopped.stoppedAt()),
                "exits when it has handled SIGTERM, long before its 5 s stop timeout");
    }

    @Test
    void aTaskStoppedBeforeItStartsStopsWithoutStartingFromWhereItWas() {
        Task t = aws.ecs.runTask(fargate("acme-web").build()).tasks().get(0);
        Task s = aws.ecs.stopTask(b -> b.cluster("acme-prod").task(t.taskArn()).reason("not needed")).task();
        assertEquals("STOPPED", s.desiredStatus());
        assertTrue(List.of("PROVISIONING", "PENDING").contains(s.lastStatus()), s.lastStatus());
        Task stopped = awaitStopped(t.taskArn());
        assertNull(stopped.startedAt());
        assertNull(stopped.containers().get(0).exitCode());
        assertEquals("UserInitiated", stopped.stopCodeAsString());
        assertEquals("not needed", stopped.stoppedReason());
    }

    @Test
    void awsvpcTasksCarryTheirNetworkInterfaceAsAnAttachment() {
        Task t = run(b -> b.tags(Tag.builder().key(EcsService.TAG_ENVIRONMENT).value("forever").build()));
        assertEquals(1, t.attachments().size());
        software.amazon.awssdk.services.ecs.model.Attachment eni = t.attachments().get(0);
        assertEquals("ElasticNetworkInterface", eni.type());
        assertEquals("PRECREATED", eni.status());
        Map<String, String> details = eni.details().stream().collect(Collectors.toMap(KeyValuePair::name, KeyValuePair::value));
        assertEquals(List.of("subnetId", "networkInterfaceId", "macAddress", "privateDnsName", "privateIPv4Address"),
                eni.details().stream().map(KeyValuePair::name).toList());
        assertEquals("subnet-1", details.get("subnetId"));
        assertTrue(details.get("networkInterfaceId").matches("eni-[0-9a-f]{17}"), details.get("networkInterfaceId"));
        assertTrue(details.get("macAddress").matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"), details.get("macAddress"));
        assertEquals("ip-" + details.get("privateIPv4Address").replace('.', '-') + ".ec2.internal", details.get("privateDnsName"));
        var nic = t.containers().get(0).networkInterfaces().get(0);
        assertEquals(eni.id(), nic.attachmentId());
        assertEquals(details.get("privateIPv4Address"), nic.privateIpv4Address());
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> describe(t.taskArn()).attachments().get(0).status(), "ATTACHED"::equals);
        aws.ecs.stopTask(b -> b.cluster("acme-prod").task(t.taskArn()));
        assertEquals("DELETED", awaitStopped(t.taskArn()).attachments().get(0).status());

        // An EC2 task needs a container instance with room for it.
        cloud.addContainerInstance("acme-prod", new SandboxSeed.ContainerInstance("bridge-host", 2048, 3904, null, null,
                null));
        Task bridge = aws.ecs.runTask(b -> b.cluster("acme-prod").taskDefinition("acme-bridge").launchType(LaunchType.EC2))
                .tasks().get(0);
        assertEquals(List.of(), bridge.attachments());
        assertEquals(List.of(), bridge.containers().get(0).networkInterfaces());
    }

    @Test
    void describeTasksLimitsMissingAndRetention() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add("arn:aws:ecs:us-east-1:000000000000:task/acme-prod/" + String.format("%032x", i));
        }
        InvalidParameterException tooMany = assertThrows(InvalidParameterException.class,
                () -> aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(many)));
        assertEquals("taskIds can have at most 100 items.", tooMany.awsErrorDetails().errorMessage());
        InvalidParameterException empty = assertThrows(InvalidParameterException.class,
                () -> aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(List.of())));
        assertEquals("Tasks cannot be empty.", empty.awsErrorDetails().errorMessage());
        InvalidParameterException longId = assertThrows(InvalidParameterException.class,
                () -> aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks("x".repeat(37))));
        assertEquals("taskId longer than 36.", longId.awsErrorDetails().errorMessage());
        ClusterNotFoundException noCluster = assertThrows(ClusterNotFoundException.class,
                () -> aws.ecs.describeTasks(b -> b.cluster("ghost").tasks(many.get(0))));
        assertEquals("Cluster not found.", noCluster.awsErrorDetails().errorMessage());
        DescribeTasksResponse byId = aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(String.format("%032x", 7)));
        assertEquals("arn:aws:ecs:us-east-1:000000000000:task/acme-prod/" + String.format("%032x", 7),
                byId.failures().get(0).arn());
        assertEquals("MISSING", byId.failures().get(0).reason());
        DescribeTasksResponse unknown = aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(many.subList(0, 100)));
        assertEquals(100, unknown.failures().size());
        assertEquals("MISSING", unknown.failures().get(0).reason());
        assertEquals(many.get(0), unknown.failures().get(0).arn());

        Task a = run(b -> b.startedBy("retention"));
        Task b2 = run(b -> b.startedBy("retention"));
        assertEquals(2, aws.ecs.listTasks(b -> b.cluster("acme-prod").startedBy("retention")).taskArns().size());
        assertEquals(1, aws.ecs.listTasks(b -> b.cluster("acme-prod").startedBy("retention").maxResults(1)).taskArns().size());
        assertTrue(cloud.expireTask(a.taskArn()));
        DescribeTasksResponse r = aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(a.taskArn(), b2.taskArn()));
        assertEquals(1, r.tasks().size());
        assertEquals(a.taskArn(), r.failures().get(0).arn());
        assertEquals("MISSING", r.failures().get(0).reason());

        awaitStopped(b2.taskArn());
        // A stopped task leaves DescribeTasks once the seed's stoppedTaskRetention has passed.
        String briefRetention = Files.readString(SandboxTestSupport.testSeed())
                .replace("stoppedTaskRetention: 1h", "stoppedTaskRetention: 100ms");
        try (SandboxCloud brief = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse(briefRetention));
                SandboxClients onBrief = new SandboxClients(brief.endpoint(), false)) {
            String stopped = onBrief.ecs.runTask(fargate("acme-web").startedBy("retention").build()).tasks().get(0)
                    .taskArn();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> onBrief.taskStatus(stopped) == null);
            assertNotNull(brief.taskStoppedAt(stopped), "it ran and stopped");
            assertEquals("MISSING", onBrief.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(stopped)).failures()
                    .get(0).reason());
        }
    }
}
