package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.sandbox.SandboxSeed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.ClusterField;

/**
 * Zero-config environments, through the real SDK against the sandbox: a plan that names only an environment, its
 * application, version and command migrates on the ECS cluster Elastic Beanstalk created for the environment, with
 * the task definition and container its app runs, and the ledger says what was found and how. A plan that names
 * the cluster still wins; an environment whose cluster cannot be found stalls with the fix and launches nothing.
 */
class DiscoveryOnSandboxIT {

    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plan.yaml";
    static final Duration DEADLINE = Duration.ofSeconds(30);

    /** Three environments on Elastic Beanstalk's ECS platform; the cluster of shop-untagged carries no tags. */
    static final String SEED = """
            buckets: [it-migrator]
            plan: {bucket: it-migrator, key: plan.yaml}
            applications:
              - name: shop
                versions: [{label: v1}, {label: v2}]
                environments:
                  - name: shop-eb
                    version: v1
                    variables: {DATABASE_URL: "postgres://shop:eb-pw@db.internal:5432/shop"}
                    ecs: {cluster: awseb-shop-eb-Qw3rTy12, taskDefinition: shop-app, tasks: 2}
                  - name: shop-explicit
                    version: v1
                    ecs: {cluster: awseb-shop-explicit-As9dF0, taskDefinition: shop-app}
                  - name: shop-untagged
                    version: v1
                    ecs: {cluster: awseb-shop-untagged-Zx8cV7, taskDefinition: shop-app, tagged: false}
                  - name: shop-big
                    version: v1
                    ecs: {cluster: awseb-shop-big-Pl4kJ5, taskDefinition: shop-app, tasks: 120}
            clusters: [shop-cluster]
            taskDefinitions:
              - family: shop-worker
                networkMode: awsvpc
                requiresCompatibilities: [FARGATE]
                cpu: "256"
                memory: "512"
                containers: [{name: worker, image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v1"}]
              - family: shop-app
                networkMode: awsvpc
                requiresCompatibilities: [FARGATE]
                cpu: "256"
                memory: "512"
                containers:
                  - {name: log-router, image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", essential: false}
                  - {name: app, image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v1", essential: true}
            tasks:
              default: {pending: 100ms, duration: 300ms, exitCode: 0}
            """;

    static String plan(String... environments) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: shop}
                spec:
                  defaults:
                    application: shop
                    command: [python, manage.py, migrate, --noinput]
                    image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:{version}"
                    network: {subnets: [subnet-0aa11bb22], securityGroups: [sg-0cc33dd44]}
                  environments:
                """);
        for (String environment : environments) {
            yaml.append("    - ").append(environment).append('\n');
        }
        return yaml.toString();
    }

    SandboxCloud cloud;
    SandboxAdapters aws;
    final ExecutorService workers = Executors.newFixedThreadPool(4);

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0).build(), SandboxSeed.parse(SEED));
        aws = new SandboxAdapters(cloud.endpoint());
    }

    @AfterEach
    void stop() {
        if (aws != null) {
            aws.close();
        }
        workers.shutdownNow();
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void aPlanWithoutClusterTaskDefinitionOrContainerMigratesWhereTheEnvironmentRuns() {
        var tagged = aws.ecsClient.describeClusters(b -> b.clusters("awseb-shop-eb-Qw3rTy12")
                .include(ClusterField.TAGS)).clusters().get(0);
        String environmentId = aws.beanstalkClient.describeEnvironments(b -> b.environmentNames("shop-eb"))
                .environments().get(0).environmentId();
        assertEquals("shop-eb", tagged.tags().stream().filter(t -> t.key().equals("elasticbeanstalk:environment-name"))
                .findFirst().orElseThrow().value());
        assertEquals(2, tagged.runningTasksCount(), "the environment's app runs on its cluster");
        upload(plan("{name: shop-eb, version: v2}"));

        MigrationRecord done = untilFinished(operator(), "shop-eb", "v2");

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals("awseb-shop-eb-Qw3rTy12", done.cluster());
        assertEquals("app", done.container());
        RunRecord run = onlyRun();
        assertEquals("awseb-shop-eb-Qw3rTy12", run.cluster());
        assertEquals("app", run.containerName());
        assertEquals(List.of("python", "manage.py", "migrate", "--noinput"), run.command());
        assertEquals("postgres://shop:eb-pw@db.internal:5432/shop", run.containerEnvironment().get("DATABASE_URL"));
        assertTrue(run.taskDefinitionArn().contains(":task-definition/shop-app-migrate:"), run.taskDefinitionArn());
        assertEquals("111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v2", run.image());
        assertEquals("cluster awseb-shop-eb-Qw3rTy12: the only cluster tagged elasticbeanstalk:environment-id="
                + environmentId, done.discovered().get("cluster"));
        assertEquals("task definition shop-app:1: what all 2 running tasks of cluster awseb-shop-eb-Qw3rTy12 run",
                done.discovered().get("taskDefinition"));
        assertEquals("container app: the only essential container of shop-app:1", done.discovered().get("container"));
        String stored = new String(cloud.getObject(BUCKET, "plan.status.yaml"), StandardCharsets.UTF_8);
        assertTrue(stored.contains("the only cluster tagged elasticbeanstalk:environment-id=" + environmentId),
                stored);
    }

    @Test
    void whatThePlanNamesWinsOverWhatTheEnvironmentWouldGive() {
        upload(plan("{name: shop-explicit, version: v2, cluster: shop-cluster, taskDefinition: shop-app}"));

        MigrationRecord done = untilFinished(operator(), "shop-explicit", "v2");

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals("shop-cluster", done.cluster());
        assertEquals("shop-cluster", onlyRun().cluster());
        assertEquals(List.of("container"), List.copyOf(done.discovered().keySet()), "only what the plan left out");
        assertEquals(0, cloud.calls("ecs:ListClusters"), "no cluster was looked for");
        assertEquals(0, cloud.calls("ecs:DescribeClusters"));
    }

    @Test
    void anEnvironmentWhoseClusterIsNotTaggedStallsWithTheFixAndLaunchesNothing() {
        upload(plan("{name: shop-untagged, version: v2}"));
        Reconciler operator = operator();

        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            EnvironmentStatus status = status("shop-untagged");
            return status != null && status.condition(Condition.STALLED) != null
                    && "True".equals(status.condition(Condition.STALLED).status());
        });

        Condition stalled = status("shop-untagged").condition(Condition.STALLED);
        assertEquals("ClusterNotDiscovered", stalled.reason());
        assertTrue(stalled.message().contains("elasticbeanstalk:environment-name=shop-untagged"), stalled.message());
        assertTrue(stalled.message().contains("set cluster: in the plan"), stalled.message());
        assertTrue(cloud.runs().isEmpty(), () -> "runs: " + cloud.runs());
        assertEquals(0, cloud.calls("ecs:RunTask"));
    }

    @Test
    void theAdaptersReadEveryClusterWithItsTagsAndEveryRunningTaskPastOnePage() {
        for (int i = 0; i < 150; i++) {
            String name = "awseb-other-" + i;
            aws.ecsClient.createCluster(b -> b.clusterName(name)
                    .tags(t -> t.key("elasticbeanstalk:environment-name").value("other-" + name)));
        }

        List<ContainerService.Cluster> clusters = aws.ecs.clusters();

        assertEquals(155, clusters.size(), "shop-cluster, four environments' clusters, 150 more");
        assertEquals(Map.of("elasticbeanstalk:environment-name", "other-awseb-other-149"), clusters.stream()
                .filter(c -> c.name().equals("awseb-other-149")).findFirst().orElseThrow().tags());
        assertEquals(Map.of(), clusters.stream().filter(c -> c.name().equals("awseb-shop-untagged-Zx8cV7"))
                .findFirst().orElseThrow().tags());
        assertTrue(cloud.calls("ecs:DescribeClusters") >= 2, "in batches of at most 100");

        List<ContainerService.RunningTask> running = aws.ecs.runningTasks("awseb-shop-big-Pl4kJ5");
        assertEquals(120, running.size());
        assertEquals(Set.of("arn:aws:ecs:us-east-1:000000000000:task-definition/shop-app:1"),
                running.stream().map(ContainerService.RunningTask::taskDefinitionArn).collect(Collectors.toSet()));
        assertTrue(running.stream().allMatch(t -> t.startedBy().startsWith("i-") && t.createdAt() != null));
    }

    @Test
    void theExamplePlanMigratesStagingOnTheClusterTheExampleWorldGivesIt() {
        // What ./mvnw quarkus:dev runs: config/sandbox.yaml and config/desired-state.yaml.
        try (SandboxCloud example = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("config/sandbox.yaml")).plan(Path.of("config/desired-state.yaml")).build());
             SandboxAdapters onExample = new SandboxAdapters(example.endpoint())) {
            Reconciler operator = operator(onExample, "s3://acme-migrator/desired-state.yaml");
            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
                operator.cycle(false);
                return Stream.of("acme-web-prod", "acme-web-staging").allMatch(environment -> {
                    EnvironmentStatus status = operator.snapshot().status().environment(environment);
                    MigrationRecord record = status == null ? null : status.find("v41", "");
                    return record != null && record.phase().terminal();
                });
            });
            MigrationStatus status = operator.snapshot().status();
            MigrationRecord staging = status.environment("acme-web-staging").find("v41", "");
            assertEquals(Phase.Succeeded, staging.phase(), staging::toString);
            assertEquals("awseb-acme-web-staging-Xk3d9fQ2", staging.cluster());
            assertEquals("web", staging.container());
            assertEquals(List.of("cluster", "container", "taskDefinition"),
                    staging.discovered().keySet().stream().sorted().toList());
            MigrationRecord prod = status.environment("acme-web-prod").find("v41", "");
            assertEquals(Phase.Succeeded, prod.phase(), prod::toString);
            assertEquals("acme-prod", prod.cluster());
            assertEquals(null, prod.discovered(), "the plan names all three for prod");
        }
    }

    // --- the operator, by hand ------------------------------------------------------------------------------

    Reconciler operator() {
        return operator(aws, "s3://" + BUCKET + "/" + PLAN_KEY);
    }

    Reconciler operator(SandboxAdapters aws, String planUri) {
        return aws.reconciler(planUri, SandboxAdapters.quickSettings("discovery-test").build(), workers);
    }

    void upload(String plan) {
        cloud.putObject(BUCKET, PLAN_KEY, plan.getBytes(StandardCharsets.UTF_8));
    }

    MigrationRecord untilFinished(Reconciler operator, String environment, String version) {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            EnvironmentStatus status = status(environment);
            MigrationRecord record = status == null ? null : status.find(version, "");
            return record != null && record.phase().terminal();
        });
        return status(environment).find(version, "");
    }

    EnvironmentStatus status(String environment) {
        byte[] stored = cloud.getObject(BUCKET, "plan.status.yaml");
        if (stored == null) {
            return null;
        }
        MigrationStatus status = LedgerCodec.read(stored);
        return status.environment(environment);
    }

    RunRecord onlyRun() {
        List<RunRecord> runs = cloud.runs();
        assertEquals(1, runs.size(), () -> "runs: " + runs);
        assertNotNull(runs.get(0).taskArn());
        return runs.get(0);
    }
}
