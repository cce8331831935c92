package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.Plans;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code afterSuccess: deploy} where the operator lacks the rights Elastic Beanstalk needs downstream, through
 * the real SDK and adapters against the sandbox: the update is refused with InsufficientPrivileges, the
 * environment is Stalled with a condition that names the missing action and the two ways to fix it, the
 * migration stays Succeeded and no deploy is recorded; once the environment has an operations role the deploy
 * goes through.
 */
class DeployPermissionsOnSandboxIT {

    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plan.yaml";
    static final String ENVIRONMENT = "shop-deploy";
    static final String VERSION = "v2";
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
        cloud.putObject(BUCKET, PLAN_KEY, Plans.plan("{name: " + ENVIRONMENT + ", version: " + VERSION
                + ", afterSuccess: deploy}").getBytes(StandardCharsets.UTF_8));
        operator = aws.reconciler("s3://" + BUCKET + "/" + PLAN_KEY, SandboxAdapters.quickSettings("deploy-test")
                .stalledRequeueBase(Duration.ofMillis(300)).requeueCap(Duration.ofSeconds(1)).build(), workers);
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
    void aDeployRefusedDownstreamStallsWithTheTwoWaysToFixItAndAnOperationsRoleLetsItThrough() {
        cloud.setDeployAccess(ENVIRONMENT, "cloudformation:UpdateStack", null);

        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            EnvironmentStatus e = environment();
            return e != null && "True".equals(e.condition(Condition.STALLED).status());
        });
        Condition stalled = environment().condition(Condition.STALLED);
        assertEquals("InsufficientPrivilegesException", stalled.reason());
        assertTrue(stalled.message().contains("You do not have permission to perform the"
                + " 'cloudformation:UpdateStack' action"), stalled::message);
        assertTrue(stalled.message().contains("(it lacks cloudformation:UpdateStack): either grant the operator's IAM"
                + " role the deploy permissions of config/iam-policy-deploy.json"), stalled::message);
        assertTrue(stalled.message().contains("or give the environment an operations role"), stalled::message);
        MigrationRecord migrated = environment().find(VERSION, "");
        assertEquals(Phase.Succeeded, migrated.phase(), "the migration itself succeeded");
        assertNull(migrated.deployedAt(), "no deploy recorded");
        assertEquals("v1", cloud.deployedVersion(ENVIRONMENT));
        assertEquals(1, cloud.runs().size());

        aws.beanstalkClient.associateEnvironmentOperationsRole(b -> b.environmentName(ENVIRONMENT)
                .operationsRole("arn:aws:iam::000000000000:role/shop-eb-operations"));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            return environment().find(VERSION, "").deployedAt() != null;
        });
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            return "False".equals(environment().condition(Condition.STALLED).status());
        });
        await().atMost(DEADLINE).until(() -> VERSION.equals(cloud.deployedVersion(ENVIRONMENT)));
        assertEquals(1, cloud.runs().size(), "migrated once");
    }

    EnvironmentStatus environment() {
        byte[] stored = cloud.getObject(BUCKET, "plan.status.yaml");
        return stored == null ? null : LedgerCodec.read(stored).environment(ENVIRONMENT);
    }
}
