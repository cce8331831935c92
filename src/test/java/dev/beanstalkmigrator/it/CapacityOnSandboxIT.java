package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.sandbox.SandboxSeed;
import dev.beanstalkmigrator.testing.Plans;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.Compatibility;
import software.amazon.awssdk.services.ecs.model.NetworkMode;

/**
 * Migrations on EC2 capacity, through the real SDK and adapters against the sandbox: a cluster without room (or
 * without any container instance) makes the migration wait, Pending and saying why, never Failed and never
 * launched twice; once capacity appears it runs exactly once, with the client token of its first try.
 */
class CapacityOnSandboxIT {

    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plan.yaml";
    static final String ENVIRONMENT = "shop-canary";
    static final String VERSION = "v2";
    static final String CLUSTER = "shop-ec2";
    static final Duration DEADLINE = Duration.ofSeconds(30);

    SandboxCloud cloud;
    SandboxAdapters aws;
    Reconciler operator;
    final ExecutorService workers = Executors.newFixedThreadPool(4);

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        aws = new SandboxAdapters(cloud.endpoint());
        aws.ecsClient.createCluster(b -> b.clusterName(CLUSTER));
        aws.ecsClient.registerTaskDefinition(b -> b.family("shop-ec2-app").networkMode(NetworkMode.AWSVPC)
                .requiresCompatibilities(Compatibility.EC2).containerDefinitions(c -> c.name("app")
                        .image("111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v1").cpu(256).memory(512)
                        .essential(true)));
        cloud.putObject(BUCKET, PLAN_KEY, Plans.plan("{name: " + ENVIRONMENT + ", version: " + VERSION + ", cluster: "
                + CLUSTER + ", taskDefinition: shop-ec2-app, launchType: EC2}").getBytes(StandardCharsets.UTF_8));
        operator = operator();
    }

    @AfterEach
    void stop() {
        workers.shutdownNow();
        if (aws != null) {
            aws.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void aClusterWithoutRoomMakesTheMigrationWaitThenItRunsOnceWhenCapacityAppears() {
        String instance = cloud.addContainerInstance(CLUSTER,
                new SandboxSeed.ContainerInstance("small", 2048, 3904, null, 256, null));

        Condition waiting = cycleUntilWaiting();
        assertEquals("waiting for capacity on cluster shop-ec2: RunTask placed no task (RESOURCE:MEMORY on 1"
                + " container instance); add container instances or free memory", waiting.message());
        MigrationRecord pending = record();
        assertEquals(Phase.Pending, pending.phase(), pending::toString);
        assertTrue(cloud.runs().isEmpty(), () -> "no task: " + cloud.runs());
        assertEquals("False", environment().condition(Condition.STALLED).status(), "nothing for a human to fix");
        long refusals = cloud.calls("ecs:RunTask");
        assertTrue(refusals >= 1);

        // Another task on the instance ends: its memory is free again.
        cloud.setContainerInstance(CLUSTER, instance, null, 3904, null);
        MigrationRecord done = cycleUntilFinished();

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        RunRecord run = exactlyOneRun();
        assertEquals(run.taskArn(), done.taskArn());
        assertEquals(pending.launchId(), done.launchId(), "the launch of the first try");
        assertEquals(pending.launchId(), run.clientToken(), "and its client token");
        assertEquals(Reasons.MIGRATION_SUCCEEDED, environment().condition(Condition.READY).reason());
    }

    @Test
    void aClusterWithNoContainerInstanceMakesTheMigrationWaitUntilOneIsRegistered() {
        Condition waiting = cycleUntilWaiting();
        assertEquals("waiting for capacity on cluster shop-ec2: RunTask placed no task (InvalidParameterException:"
                + " No Container Instances were found in your cluster.); register container instances in the cluster",
                waiting.message());
        assertEquals(Phase.Pending, record().phase());
        assertTrue(cloud.runs().isEmpty());

        cloud.addContainerInstance(CLUSTER, new SandboxSeed.ContainerInstance(null, null, null, null, null, null));
        MigrationRecord done = cycleUntilFinished();

        assertEquals(Phase.Succeeded, done.phase(), done::toString);
        assertEquals(done.taskArn(), exactlyOneRun().taskArn());
    }

    // --- the operator, as OperatorWiring wires it -------------------------------------------------------------

    Reconciler operator() {
        return aws.reconciler("s3://" + BUCKET + "/" + PLAN_KEY, SandboxAdapters.quickSettings("capacity-test")
                .requeueCap(Duration.ofSeconds(2)).build(), workers);
    }

    Condition cycleUntilWaiting() {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            EnvironmentStatus e = environment();
            return e != null && Reasons.WAITING_FOR_CAPACITY.equals(e.condition(Condition.READY).reason());
        });
        Condition ready = environment().condition(Condition.READY);
        assertEquals("False", ready.status());
        return ready;
    }

    MigrationRecord cycleUntilFinished() {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            MigrationRecord record = record();
            assertTrue(record == null || record.phase() != Phase.Failed, () -> "never Failed: " + record);
            return record != null && record.phase().terminal();
        });
        return record();
    }

    EnvironmentStatus environment() {
        byte[] stored = cloud.getObject(BUCKET, "plan.status.yaml");
        return stored == null ? null : LedgerCodec.read(stored).environment(ENVIRONMENT);
    }

    MigrationRecord record() {
        EnvironmentStatus environment = environment();
        assertNotNull(environment, "no ledger entry for " + ENVIRONMENT);
        return environment.find(VERSION, "");
    }

    RunRecord exactlyOneRun() {
        List<RunRecord> runs = cloud.runs();
        assertEquals(1, runs.size(), () -> "tasks started: " + runs);
        return runs.get(0);
    }
}
