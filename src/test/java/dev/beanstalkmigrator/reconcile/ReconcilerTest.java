package dev.beanstalkmigrator.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.LogTarget;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.decide.Launches;
import dev.beanstalkmigrator.reconcile.decide.Overrides;
import dev.beanstalkmigrator.reconcile.decide.Planner;
import dev.beanstalkmigrator.reconcile.decide.TaskOutcomes;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.desired.S3PlanSource;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.lease.LeaseElection;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.testing.Crashes;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconciler against an in-memory cloud: exactly-once, outcomes, crash points, holds, idle cost. */
class ReconcilerTest {

    static final ObjectLocation PLAN = new ObjectLocation("plans", "acme.yaml");
    static final ObjectLocation LEDGER = new ObjectLocation("plans", "acme.status.yaml");
    static final String SECRET = "canary-7f3a9e-postgres-password";

    FakeCloud cloud;
    MutableClock clock;

    @BeforeEach
    void world() {
        cloud = new FakeCloud();
        clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        cloud.environment("acme", "acme-web-prod", "v41", "Ready");
        cloud.environment("acme", "acme-web-staging", "v41", "Ready");
        cloud.version("acme", "v41", null, null);
        cloud.version("acme", "v42", null, null);
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", "postgres://acme:" + SECRET + "@db/acme"));
        cloud.taskDefinition("acme-web", "web", "acme:v41", new LogTarget("/ecs/acme", "ecs", null));
        plan("acme-web-prod", "v42", "");
    }

    void plan(String environment, String version, String extra) {
        cloud.putObject(PLAN, """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  defaults:
                    cluster: acme-prod
                    taskDefinition: acme-web
                    container: web
                    command: [python, manage.py, migrate]
                    timeout: 10m
                    network: {subnets: [subnet-1]}
                    image: "acme:{version}"
                  environments:
                    - name: %s
                      application: acme
                      version: %s
                %s""".formatted(environment, version, extra.indent(6)));
    }

    Reconciler operator(boolean dryRun) {
        return operator(dryRun, 20, cloud, cloud);
    }

    /** An operator whose ledger is written through {@code ledgerStore} and whose ECS is {@code ecs}. */
    Reconciler operator(boolean dryRun, int historyLimit, ObjectStore ledgerStore, ContainerService ecs) {
        DesiredState desired = new DesiredState(new S3PlanSource(cloud, PLAN), new PlanParser());
        ReconcileSettings settings = ReconcileSettings.builder("test-replica").dryRun(dryRun)
                .historyLimit(historyLimit).logTailLines(5).planInterval(Duration.ofSeconds(10))
                .beanstalkInterval(Duration.ofSeconds(30)).taskInterval(Duration.ofSeconds(5)).build();
        return new Reconciler(desired, new MigrationLedger(ledgerStore, LEDGER), cloud, ecs, cloud,
                new ImageResolver(cloud), settings, clock, () -> 0, Runnable::run, null);
    }

    /** A plan that names no cluster, task definition or container for acme-web-prod, with rerun token {@code rerun}. */
    static String zeroConfigPlan(String rerun) {
        return """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  environments:
                    - name: acme-web-prod
                      application: acme
                      version: v42
                      command: [python, manage.py, migrate]
                      network: {subnets: [subnet-1]}
                      image: "acme:{version}"
                      rerun: "%s"
                """.formatted(rerun);
    }

    Reconciler operator() {
        return operator(false);
    }

    /** An operator that dies right after {@code instant} of the launch of acme-web-prod. */
    Reconciler crashingAt(Crashes.Instant instant) {
        return instant == Crashes.Instant.TASK_STARTED
                ? operator(false, 20, cloud, Crashes.afterRunTask(cloud, "acme-web-prod"))
                : operator(false, 20, Crashes.afterLedgerWrite(cloud, LEDGER, "acme-web-prod", instant), cloud);
    }

    MigrationStatus ledger() {
        return LedgerCodec.read(cloud.objects.get(LEDGER));
    }

    MigrationRecord latest(String environment) {
        return ledger().environment(environment).history().get(0);
    }

    @Test
    void aNewVersionIsMigratedExactlyOnceAndSucceeds() {
        Reconciler operator = operator();
        for (int i = 0; i < 5; i++) {
            operator.cycle(true);
        }
        assertEquals(1, cloud.launches.size());
        MigrationRecord record = latest("acme-web-prod");
        assertEquals(Phase.Running, record.phase());
        assertEquals("acme:v42", record.image());
        assertEquals(ImageResolver.FROM_TEMPLATE, record.imageSource());
        var launch = cloud.launches.values().iterator().next();
        assertEquals(List.of("python", "manage.py", "migrate"), launch.command());
        assertEquals("bm-" + record.launchId(), launch.startedBy());
        assertEquals(record.launchId(), launch.clientToken());
        assertEquals("v42", launch.tags().get("beanstalk-migrator:version"));

        cloud.stop(record.taskArn(), 0, "Essential container in task exited");
        operator.cycle(true);
        operator.cycle(true);
        assertEquals(1, cloud.launches.size());
        EnvironmentStatus status = ledger().environment("acme-web-prod");
        assertEquals(Phase.Succeeded, status.history().get(0).phase());
        assertEquals(0, status.history().get(0).exitCode());
        assertEquals("True", status.condition(Condition.READY).status());
        assertEquals("v42", status.resolvedVersion());
        assertEquals("v41", status.deployedVersion());
    }

    @Test
    void twoEnvironmentsOnOneDatabaseRunANewVersionOnceOneAfterTheOther() {
        // A blue/green pair on one RDS instance: prod's DATABASE_URL and staging's RDS_* name the same database.
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", "postgres://acme:" + SECRET
                + "@shop.abc.rds.amazonaws.com:5432/ebdb"));
        cloud.variables.put("acme-web-staging", Map.of("RDS_HOSTNAME", "shop.abc.rds.amazonaws.com", "RDS_PORT", "5432",
                "RDS_DB_NAME", "ebdb", "RDS_PASSWORD", SECRET));
        cloud.putObject(PLAN, """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  defaults: {application: acme, cluster: acme-prod, taskDefinition: acme-web, container: web,
                             command: [migrate], network: {subnets: [subnet-1]}, image: "acme:{version}"}
                  environments:
                    - {name: acme-web-prod, version: v42}
                    - {name: acme-web-staging, version: v42}
                """);
        Reconciler operator = operator();
        for (int i = 0; i < 4; i++) {
            operator.cycle(true);
        }
        assertEquals(1, cloud.launches.size(), "one task on the database: both were prepared in one pass");
        String ran = cloud.launches.values().iterator().next().tags().get("beanstalk-migrator:environment");
        String other = ran.equals("acme-web-prod") ? "acme-web-staging" : "acme-web-prod";
        EnvironmentStatus waiting = ledger().environment(other);
        assertEquals(Reasons.WAITING_FOR_DATABASE, waiting.condition(Condition.READY).reason());
        assertEquals(Phase.Pending, waiting.history().get(0).phase());
        int configurationReads = cloud.calls("elasticbeanstalk:DescribeConfigurationSettings");
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(5));
            operator.cycle(false);
        }
        assertEquals(configurationReads, cloud.calls("elasticbeanstalk:DescribeConfigurationSettings"),
                "the wait is seen in the ledger: nothing is prepared again while the database is taken");

        cloud.stop(latest(ran).taskArn(), 0, "Essential container in task exited");
        for (int i = 0; i < 3; i++) {
            operator.cycle(true);
        }
        assertEquals(1, cloud.launches.size(), "not run again through the other");
        MigrationRecord through = latest(other);
        assertEquals(Phase.Succeeded, through.phase());
        assertEquals(ran, through.through());
        assertEquals("shop.abc.rds.amazonaws.com:5432/ebdb", through.database());
        assertEquals("True", ledger().environment(other).condition(Condition.READY).status());
        assertFalse(cloud.text(LEDGER).contains(SECRET), "the ledger holds no password");
    }

    @Test
    void aZeroConfigEnvironmentStallsUntilItsClusterCanBeFoundWithoutReadingEcsEveryCycle() {
        cloud.putObject(PLAN, zeroConfigPlan(""));
        cloud.clusters.add(new ContainerService.Cluster("arn:cluster/acme-prod", "acme-prod", Map.of()));
        Reconciler operator = operator();

        operator.cycle(true);
        EnvironmentStatus stalled = ledger().environment("acme-web-prod");
        assertEquals("True", stalled.condition(Condition.STALLED).status());
        assertEquals(Reasons.CLUSTER_NOT_DISCOVERED, stalled.condition(Condition.STALLED).reason());
        assertTrue(stalled.condition(Condition.STALLED).message().endsWith("set cluster: in the plan"),
                stalled.condition(Condition.STALLED).message());
        assertEquals(0, cloud.calls("ecs:RunTask"));
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(5));
            operator.cycle(false);
        }
        assertEquals(1, cloud.calls("ecs:ListClusters"), "a stalled environment is not looked for every cycle");

        // Elastic Beanstalk's cluster shows up with its tags and the app's task; the next retry finds it.
        cloud.clusters.add(new ContainerService.Cluster("arn:cluster/awseb-acme-web-prod-AbCd12",
                "awseb-acme-web-prod-AbCd12", Map.of("elasticbeanstalk:environment-name", "acme-web-prod")));
        cloud.appTasks.put("awseb-acme-web-prod-AbCd12", List.of(new ContainerService.RunningTask("arn:task/app-1",
                "arn:aws:ecs:us-east-1:000000000000:task-definition/acme-web:1", "i-0abc", cloud.now)));
        clock.advance(Duration.ofMinutes(10));
        operator.cycle(false);
        operator.cycle(true);

        MigrationRecord record = latest("acme-web-prod");
        assertEquals(Phase.Running, record.phase());
        assertEquals("awseb-acme-web-prod-AbCd12", record.cluster());
        assertEquals("web", record.container());
        assertEquals(1, cloud.launches.size());
        assertEquals("awseb-acme-web-prod-AbCd12", cloud.launches.values().iterator().next().cluster());
        assertEquals("False", ledger().environment("acme-web-prod").condition(Condition.STALLED).status());
    }

    @Test
    void anIdleCycleRunsNoPassButAChangeInThePlanOrInBeanstalkIsSeen() {
        plan("acme-web-prod", "deployed", "");
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.stop(latest("acme-web-prod").taskArn(), 0, "Essential container in task exited");
        clock.advance(Duration.ofSeconds(31));
        operator.cycle(false);
        assertEquals(Phase.Succeeded, latest("acme-web-prod").phase());
        clock.advance(Duration.ofSeconds(31));
        operator.cycle(false); // looks at what the last pass wrote, and changes nothing: a fixed point
        long passes = operator.snapshot().passes();
        for (int i = 0; i < 6; i++) {
            clock.advance(Duration.ofSeconds(31)); // the plan (304) and Elastic Beanstalk are read every time
            operator.cycle(false);
        }
        assertEquals(passes, operator.snapshot().passes(), "nothing new, nothing in flight: no pass");
        assertEquals(1, cloud.launches.size());

        cloud.deploy("acme-web-prod", "v42");
        clock.advance(Duration.ofSeconds(31));
        operator.cycle(false);
        assertEquals(passes + 1, operator.snapshot().passes());
        assertEquals(2, cloud.launches.size(), "the newly deployed version is migrated");
        assertEquals("v42", latest("acme-web-prod").version());

        operator.cycle(true);
        assertEquals(passes + 2, operator.snapshot().passes(), "a forced cycle always runs a pass");
    }

    @Test
    void aFailedMigrationKeepsExitCodeAndARedactedLogTail() {
        Reconciler operator = operator();
        operator.cycle(true);
        MigrationRecord record = latest("acme-web-prod");
        String stream = "ecs/web/" + record.taskArn().substring(record.taskArn().lastIndexOf('/') + 1);
        cloud.logStreams.put("/ecs/acme|" + stream, List.of("Applying auth.0001...",
                "connecting to postgres://acme:" + SECRET + "@db/acme", "django.db.utils.ProgrammingError: boom"));
        cloud.stop(record.taskArn(), 1, "Essential container in task exited");
        operator.cycle(true);
        MigrationRecord failed = latest("acme-web-prod");
        assertEquals(Phase.Failed, failed.phase());
        assertEquals(1, failed.exitCode());
        assertEquals(3, failed.logTail().size());
        assertTrue(failed.logTail().get(2).contains("ProgrammingError"));
        assertFalse(cloud.text(LEDGER).contains(SECRET), "the ledger must never hold an environment value");
        assertEquals("connecting to ***", failed.logTail().get(1), "the whole value is masked");
        assertEquals("MigrationFailed", ledger().environment("acme-web-prod").condition(Condition.READY).reason());
        operator.cycle(true);
        assertEquals(1, cloud.launches.size(), "a failed migration is not retried until rerun changes");
    }

    @Test
    void aLogTailIsMaskedWithTheValuesTheTaskRanWithAfterTheyWereRotated() {
        Reconciler operator = operator();
        operator.cycle(true);
        MigrationRecord record = latest("acme-web-prod");
        // The password is rotated while the migration runs: its revision holds the old one, which it prints.
        String rotated = "canary-2c9d71-rotated-password";
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", "postgres://acme:" + rotated + "@db/acme"));
        String stream = "ecs/web/" + record.taskArn().substring(record.taskArn().lastIndexOf('/') + 1);
        cloud.logStreams.put("/ecs/acme|" + stream, List.of("connecting to postgres://acme:" + SECRET + "@db/acme",
                "FATAL: password authentication failed"));
        cloud.stop(record.taskArn(), 1, "Essential container in task exited");
        operator.cycle(true);

        MigrationRecord failed = latest("acme-web-prod");
        assertEquals(Phase.Failed, failed.phase());
        assertEquals(List.of("connecting to ***", "FATAL: password authentication failed"), failed.logTail());
        assertFalse(cloud.text(LEDGER).contains(SECRET), "the value the task ran with never reaches the ledger");
    }

    @Test
    void theRecordNamesTheVariablesTooShortToMaskInItsLogTail() {
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", "postgres://acme:" + SECRET + "@db/acme",
                "DB_SCHEMA", "app"));
        Reconciler operator = operator();
        operator.cycle(true);
        MigrationRecord record = latest("acme-web-prod");
        String stream = "ecs/web/" + record.taskArn().substring(record.taskArn().lastIndexOf('/') + 1);
        cloud.logStreams.put("/ecs/acme|" + stream, List.of("migrating schema app", "boom"));
        cloud.stop(record.taskArn(), 1, "Essential container in task exited");
        operator.cycle(true);

        MigrationRecord failed = latest("acme-web-prod");
        assertEquals(List.of("migrating schema app", "boom"), failed.logTail(), "three characters: left as they are");
        assertEquals(List.of("DB_SCHEMA"), failed.unmasked(), "and named, in the ledger");
    }

    @Test
    void aMigrationWithSecretsNamesThemAndWithholdsItsLogTail() {
        String arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:acme/stripe-AbCd12";
        cloud.secrets.put("acme-web-prod", Map.of("STRIPE_KEY", arn));
        Reconciler operator = operator();
        operator.cycle(true);
        MigrationRecord record = latest("acme-web-prod");
        assertEquals(List.of("STRIPE_KEY"), record.secrets(), "names only");
        assertEquals(Overrides.IN_CONTAINER_OVERRIDES, record.overrides(), "the plain variables ride in overrides");
        assertEquals(cloud.variables.get("acme-web-prod"), cloud.launches.values().iterator().next().environment(),
                "the plain variables, not the secrets (they are references in the revision)");
        String stream = "ecs/web/" + record.taskArn().substring(record.taskArn().lastIndexOf('/') + 1);
        cloud.logStreams.put("/ecs/acme|" + stream, List.of("stripe key sk_live_canary-51f0", "boom"));
        cloud.stop(record.taskArn(), 1, "Essential container in task exited");
        operator.cycle(true);
        MigrationRecord failed = latest("acme-web-prod");
        assertEquals(Phase.Failed, failed.phase());
        assertEquals(1, failed.logTail().size());
        assertTrue(failed.logTail().get(0).startsWith("log tail withheld"), failed.logTail().get(0));
        assertTrue(failed.logTail().get(0).contains("STRIPE_KEY"));
        assertTrue(failed.logTail().get(0).contains("group /ecs/acme, stream " + stream), failed.logTail().get(0));
        assertEquals(0, cloud.calls("logs:GetLogEvents"), "the log is not read at all");
        assertFalse(cloud.text(LEDGER).contains("sk_live_canary"));
        assertFalse(cloud.text(LEDGER).contains(arn), "the ledger names secrets, not where they are kept");
    }

    @Test
    void aTaskThatStopsWithoutExitCodeFailsWithItsReason() {
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.stop(latest("acme-web-prod").taskArn(), null, "CannotPullContainerError: not found");
        operator.cycle(true);
        MigrationRecord failed = latest("acme-web-prod");
        assertEquals(Phase.Failed, failed.phase());
        assertNull(failed.exitCode());
        assertTrue(failed.reason().contains("CannotPullContainerError"));
    }

    @Test
    void aMigrationPastItsTimeoutIsStoppedAndTimedOutOnceEcsReportsItStopped() {
        Reconciler operator = operator();
        operator.cycle(true);
        clock.advance(Duration.ofMinutes(11));
        operator.cycle(true);
        assertEquals(1, cloud.calls("ecs:StopTask"));
        MigrationRecord stopping = latest("acme-web-prod");
        assertEquals(Phase.Running, stopping.phase(), "StopTask only asks; the container runs on for a while");
        assertEquals(clock.instant(), stopping.stopRequestedAt());
        assertEquals("Stopping", ledger().environment("acme-web-prod").condition(Condition.MIGRATING).reason());
        operator.cycle(true);
        assertEquals(1, cloud.calls("ecs:StopTask"), "one request is enough while ECS stops the task");
        cloud.stop(stopping.taskArn(), 137, "beanstalk-migrator: migration timed out");
        operator.cycle(true);
        assertEquals(Phase.TimedOut, latest("acme-web-prod").phase());
        assertEquals(137, latest("acme-web-prod").exitCode());
        assertEquals("MigrationTimedOut", ledger().environment("acme-web-prod").condition(Condition.READY).reason());
    }

    @Test
    void aRestartWhileATaskStopsDoesNotAskAgainAndARerunWaitsForTheStop() {
        operator().cycle(true);
        clock.advance(Duration.ofMinutes(11));
        operator().cycle(true);
        assertEquals(1, cloud.calls("ecs:StopTask"));
        MigrationRecord stopping = latest("acme-web-prod");

        Reconciler restarted = operator();
        plan("acme-web-prod", "v42", "rerun: try-2");
        restarted.cycle(true);
        restarted.cycle(true);
        assertEquals(1, cloud.calls("ecs:StopTask"), "the stop request is in the ledger: not asked again");
        assertEquals(1, cloud.launches.size(), "no rerun while the old task still runs");
        assertEquals(Phase.Running, ledger().environment("acme-web-prod").find("v42", "").phase());

        cloud.stop(stopping.taskArn(), 137, "beanstalk-migrator: migration timed out");
        restarted.cycle(true);
        assertEquals(Phase.TimedOut, ledger().environment("acme-web-prod").find("v42", "").phase());
        restarted.cycle(true);
        assertEquals(2, cloud.launches.size(), "the rerun starts once ECS reported the old task STOPPED");
    }

    @Test
    void changingTheRerunTokenRunsAgainOnce() {
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.stop(latest("acme-web-prod").taskArn(), 1, "exited");
        operator.cycle(true);
        plan("acme-web-prod", "v42", "rerun: try-2");
        operator.cycle(true);
        operator.cycle(true);
        assertEquals(2, cloud.launches.size());
        assertEquals("try-2", latest("acme-web-prod").rerun());
        assertEquals(2, ledger().environment("acme-web-prod").history().size());
    }

    @Test
    void aRerunOfAZeroConfigEnvironmentRunsOnceUnderTheNewTokenAndThenNeverAgain() {
        cloud.putObject(PLAN, zeroConfigPlan(""));
        cloud.clusters.add(new ContainerService.Cluster("arn:cluster/awseb-acme-web-prod-AbCd12",
                "awseb-acme-web-prod-AbCd12", Map.of("elasticbeanstalk:environment-name", "acme-web-prod")));
        cloud.appTasks.put("awseb-acme-web-prod-AbCd12", List.of(new ContainerService.RunningTask("arn:task/app-1",
                "arn:aws:ecs:us-east-1:000000000000:task-definition/acme-web:1", "i-0abc", cloud.now)));
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.stop(latest("acme-web-prod").taskArn(), 1, "exited");
        operator.cycle(true);
        assertEquals(Phase.Failed, latest("acme-web-prod").phase());

        cloud.putObject(PLAN, zeroConfigPlan("2"));
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofSeconds(5));
            operator.cycle(true);
            latestTaskStops(0);
        }

        assertEquals(2, cloud.launches.size(), "one task for the rerun, whatever the cycles after it");
        assertEquals("2", latest("acme-web-prod").rerun(), "recorded under the plan's current token");
        assertEquals(Phase.Succeeded, latest("acme-web-prod").phase());
        assertEquals(List.of("", "2"), cloud.launches.values().stream()
                .map(l -> l.tags().get(Launches.TAG_RERUN)).toList(), "each task carries its rerun token");
    }

    /** The newest migration's task, if running, exits with {@code exitCode}. */
    private void latestTaskStops(int exitCode) {
        MigrationRecord record = latest("acme-web-prod");
        if (record.phase() == Phase.Running) {
            cloud.stop(record.taskArn(), exitCode, "exited");
        }
    }

    @Test
    void aSuspendedEnvironmentLaunchesNothing() {
        plan("acme-web-prod", "v42", "suspend: true");
        operator().cycle(true);
        assertEquals(0, cloud.launches.size());
        assertEquals("True", ledger().environment("acme-web-prod").condition(Condition.SUSPENDED).status());
    }

    @Test
    void dryRunRecordsWhatItWouldDoAndLaunchesNothing() {
        operator(true).cycle(true);
        assertEquals(0, cloud.launches.size());
        assertEquals(Phase.Pending, latest("acme-web-prod").phase());
        assertEquals("DryRun", ledger().environment("acme-web-prod").condition(Condition.READY).reason());
        operator().cycle(true);
        assertEquals(1, cloud.launches.size());
        assertEquals(1, ledger().environment("acme-web-prod").history().size());
    }

    @Test
    void deployedAndLatestFollowElasticBeanstalk() {
        plan("acme-web-prod", "deployed", "");
        Reconciler operator = operator();
        operator.cycle(true);
        assertEquals("v41", latest("acme-web-prod").version());
        cloud.stop(latest("acme-web-prod").taskArn(), 0, "exited");
        plan("acme-web-prod", "latest", "");
        operator.cycle(true);
        operator.cycle(true);
        assertEquals("v42", latest("acme-web-prod").version());
        assertEquals(2, cloud.launches.size());
    }

    @Test
    void afterSuccessDeployUpdatesTheEnvironmentOnce() {
        plan("acme-web-prod", "v42", "afterSuccess: deploy");
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.stop(latest("acme-web-prod").taskArn(), 0, "exited");
        operator.cycle(true);
        operator.cycle(true);
        operator.cycle(true);
        assertEquals(List.of("acme-web-prod=v42"), cloud.deployments);
        assertNotNull(latest("acme-web-prod").deployedAt());
    }

    @Test
    void aPassThatChangedTheLedgerIsFollowedByOneThatActsOnIt() {
        plan("acme-web-prod", "v42", "afterSuccess: deploy");
        Reconciler operator = operator();
        operator.cycle(false);
        cloud.stop(latest("acme-web-prod").taskArn(), 0, "exited");
        // Unforced cycles, every plan interval: Elastic Beanstalk is not read again in between.
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(10));
            operator.cycle(false);
        }
        assertEquals(List.of("acme-web-prod=v42"), cloud.deployments, "deployed after success, without a new look");
        assertNotNull(latest("acme-web-prod").deployedAt());
    }

    @Test
    void aCrashAfterTheIntentIsAdoptedNotDuplicated() {
        Reconciler crashing = crashingAt(Crashes.Instant.INTENT_RECORDED);
        assertThrows(Crashes.Crash.class, () -> crashing.cycle(true));
        assertEquals(Phase.Launching, latest("acme-web-prod").phase());
        assertEquals(0, cloud.launches.size());

        Reconciler restarted = operator();
        restarted.cycle(true);
        restarted.cycle(true);
        assertEquals(1, cloud.launches.size());
        assertEquals(Phase.Running, latest("acme-web-prod").phase());
    }

    @Test
    void aCrashBetweenRunTaskAndRecordingTheArnIsAdoptedByStartedBy() {
        Reconciler crashing = crashingAt(Crashes.Instant.TASK_STARTED);
        assertThrows(Crashes.Crash.class, () -> crashing.cycle(true));
        assertEquals(1, cloud.launches.size());
        assertEquals(Phase.Launching, latest("acme-web-prod").phase());

        Reconciler restarted = operator();
        restarted.cycle(true);
        assertEquals(1, cloud.launches.size());
        assertEquals(1, cloud.calls("ecs:RunTask"), "adopted by ListTasks(startedBy), RunTask not repeated");
        MigrationRecord adopted = latest("acme-web-prod");
        assertEquals(Phase.Running, adopted.phase());
        assertEquals(cloud.launches.keySet().iterator().next(), adopted.taskArn());
    }

    @Test
    void aCrashAfterTheArnIsRecordedIsWatchedNotLaunchedAgain() {
        Reconciler crashing = crashingAt(Crashes.Instant.ARN_RECORDED);
        assertThrows(Crashes.Crash.class, () -> crashing.cycle(true));
        assertEquals(Phase.Running, latest("acme-web-prod").phase());

        Reconciler restarted = operator();
        restarted.cycle(true);
        cloud.stop(latest("acme-web-prod").taskArn(), 0, "exited");
        restarted.cycle(true);
        assertEquals(1, cloud.launches.size());
        assertEquals(1, cloud.calls("ecs:RunTask"));
        assertEquals(Phase.Succeeded, latest("acme-web-prod").phase());
    }

    @Test
    void aCrashAfterTheOutcomeIsRecordedKeepsItAndLaunchesNothingMore() {
        Reconciler crashing = crashingAt(Crashes.Instant.OUTCOME_RECORDED);
        crashing.cycle(true);
        MigrationRecord launched = latest("acme-web-prod");
        cloud.stop(launched.taskArn(), 0, "exited");
        assertThrows(Crashes.Crash.class, () -> crashing.cycle(true));
        assertEquals(Phase.Succeeded, latest("acme-web-prod").phase());

        Reconciler restarted = operator();
        restarted.cycle(true);
        restarted.cycle(true);
        assertEquals(1, cloud.launches.size());
        MigrationRecord kept = latest("acme-web-prod");
        assertEquals(Phase.Succeeded, kept.phase());
        assertEquals(launched.launchId(), kept.launchId());
        assertEquals("True", ledger().environment("acme-web-prod").condition(Condition.READY).status());
    }

    @Test
    void anIntentOfAnEnvironmentRemovedFromThePlanIsLaunchedFromTheIntentAndFollowedWithItsOwnTimeout() {
        plan("acme-web-prod", "v42", "timeout: 2h");
        Reconciler crashing = crashingAt(Crashes.Instant.INTENT_RECORDED);
        assertThrows(Crashes.Crash.class, () -> crashing.cycle(true));
        assertEquals(Phase.Launching, latest("acme-web-prod").phase());
        plan("acme-web-staging", "v41", "");

        Reconciler restarted = operator();
        restarted.cycle(true);
        restarted.cycle(true);
        assertEquals(1, launchesOf("acme-web-prod"), "the intent is replayed, not given up on a ListTasks miss");
        MigrationRecord running = latest("acme-web-prod");
        assertEquals(Phase.Running, running.phase());
        assertEquals(Duration.ofHours(2), running.timeout());

        clock.advance(Duration.ofMinutes(45));
        restarted.cycle(true);
        assertNull(latest("acme-web-prod").stopRequestedAt(), "a 2 h migration is not stopped after the default 30 min");
        cloud.stop(running.taskArn(), 0, "Essential container in task exited");
        restarted.cycle(true);
        assertEquals(Phase.Succeeded, latest("acme-web-prod").phase());
        assertEquals(1, launchesOf("acme-web-prod"));
    }

    private long launchesOf(String environment) {
        return cloud.launches.values().stream()
                .filter(l -> environment.equals(l.tags().get(Launches.TAG_ENVIRONMENT))).count();
    }

    @Test
    void anIntentTooOldToRepeatIsLaunchLost() {
        Reconciler crashing = crashingAt(Crashes.Instant.INTENT_RECORDED);
        assertThrows(Crashes.Crash.class, () -> crashing.cycle(true));
        clock.advance(Duration.ofHours(25));
        operator().cycle(true);
        assertEquals(0, cloud.launches.size());
        assertEquals(Phase.Failed, latest("acme-web-prod").phase());
        assertEquals(Reasons.LAUNCH_LOST, latest("acme-web-prod").reason());
    }

    @Test
    void aTaskEcsForgotIsLaunchLost() {
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.tasks.clear();
        operator.cycle(true);
        assertEquals(Phase.Running, latest("acme-web-prod").phase(),
                "just started: ECS's MISSING may be eventual consistency");
        clock.advance(TaskOutcomes.MISSING_GRACE);
        operator.cycle(true);
        assertEquals(Reasons.LAUNCH_LOST, latest("acme-web-prod").reason());
        assertEquals("LaunchLost", ledger().environment("acme-web-prod").condition(Condition.READY).reason());
    }

    @Test
    void anInvalidPlanKeepsTheLastValidOneAndLaunchesNothingNew() {
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.putObject(PLAN, "apiVersion: beanstalk-migrator/v1\nkind: MigrationPlan\nspec: {environments: [{nmae: x}]}\n");
        operator.cycle(true);
        assertEquals(1, cloud.launches.size());
        MigrationStatus status = ledger();
        assertNotNull(status.planError());
        assertEquals("acme", status.plan());
        assertEquals("True", status.environment("acme-web-prod").condition(Condition.SPEC_INVALID).status());
        assertNotNull(operator.snapshot().lastError());
        assertTrue(operator.snapshot().plan().loaded());
    }

    @Test
    void aLedgerWrittenBySomeoneElseFencesThisReplicaOff() {
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.stop(latest("acme-web-prod").taskArn(), 0, "exited");
        operator.cycle(true);
        // Another writer (a new leader) rewrote the ledger; this replica's cached ETag is stale.
        cloud.putObject(LEDGER, new String(cloud.objects.get(LEDGER)));
        plan("acme-web-prod", "v42", "rerun: again");
        operator.cycle(true);
        assertEquals(1, cloud.launches.size(), "no launch on a stale view of the ledger");
        operator.cycle(true);
        assertEquals(2, cloud.launches.size(), "after re-reading, it goes on");
    }

    @Test
    void aRenewalStoredDuringAPassWithItsAnswerLostRefusesTheTasksWriteAndTheTaskIsAdoptedNotStartedAgain() {
        AtomicLong nanos = new AtomicLong();
        LeaseElection election = new LeaseElection("test-replica", new LeaseElection.Timing(Duration.ofSeconds(60),
                Duration.ofSeconds(40), Duration.ofSeconds(10)), nanos::get, clock);
        AtomicBoolean loseNextAnswer = new AtomicBoolean();
        ObjectStore s3 = new ObjectStore() {
            @Override
            public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
                return cloud.get(location, ifNoneMatch, maxBytes);
            }

            @Override
            public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
                return cloud.getRange(location, offset, length, ifMatch);
            }

            @Override
            public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
                String etag = cloud.put(location, body, contentType, ifMatch);
                if (loseNextAnswer.getAndSet(false)) {
                    throw new CloudError.Transient("s3:PutObject", "RequestTimeout", "the answer was lost", null);
                }
                return etag;
            }
        };
        MigrationLedger ledger = new MigrationLedger(s3, LEDGER, election);
        // While RunTask runs, the lease keeper renews: S3 stores the renewal and its answer is lost, so the ledger's
        // cache is dropped between the pass's intent and the write that records the task.
        ContainerService ecs = Crashes.afterRunTask(cloud, "acme-web-prod", arn -> {
            nanos.addAndGet(Duration.ofSeconds(20).toNanos());
            loseNextAnswer.set(true);
            ledger.elect();
        });
        DesiredState desired = new DesiredState(new S3PlanSource(cloud, PLAN), new PlanParser());
        Reconciler operator = new Reconciler(desired, ledger, cloud, ecs, cloud, new ImageResolver(cloud),
                ReconcileSettings.builder(election.identity()).build(), clock, election::term, Runnable::run, null);
        assertTrue(ledger.elect());

        operator.cycle(true);
        assertEquals(1, cloud.launches.size());
        assertEquals(Phase.Launching, latest("acme-web-prod").phase(),
                "the task's write was built on the intent, and the stored ledger is the renewal after it: refused");
        assertTrue(ledger.elect(), "the lease it reads is this process's own");
        operator.cycle(true);
        assertEquals(1, cloud.launches.size(), "the intent is adopted, not launched again");
        assertEquals(Phase.Running, latest("acme-web-prod").phase());
        assertEquals(cloud.launches.keySet().iterator().next(), latest("acme-web-prod").taskArn());
    }

    @Test
    void oneStalledEnvironmentDoesNotStopTheOthers() {
        cloud.putObject(PLAN, """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  defaults: {cluster: acme-prod, container: web, command: [migrate], network: {subnets: [subnet-1]}}
                  environments:
                    - {name: acme-web-prod, application: acme, version: v42, taskDefinition: missing-family}
                    - {name: acme-web-staging, application: acme, version: v42, taskDefinition: acme-web}
                """);
        Reconciler operator = operator();
        operator.cycle(true);
        assertEquals(1, cloud.launches.size());
        EnvironmentStatus stalled = ledger().environment("acme-web-prod");
        assertEquals("True", stalled.condition(Condition.STALLED).status());
        assertTrue(stalled.condition(Condition.STALLED).message().contains("ecs:DescribeTaskDefinition"));
        int describes = cloud.calls("ecs:DescribeTaskDefinition");
        operator.cycle(true);
        assertEquals(describes, cloud.calls("ecs:DescribeTaskDefinition"), "a stalled launch backs off");
    }

    @Test
    void theBaseImageIsUsedWithAWarningWhenNothingPinsIt() {
        cloud.putObject(PLAN, """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  environments:
                    - {name: acme-web-prod, application: acme, version: v42, cluster: acme-prod,
                       taskDefinition: acme-web, container: web, command: [migrate], network: {subnets: [subnet-1]}}
                """);
        // Variables would be registered into a migrate revision: an environment without any runs the base.
        cloud.variables.remove("acme-web-prod");
        Reconciler operator = operator();
        operator.cycle(true);
        MigrationRecord record = latest("acme-web-prod");
        assertEquals("acme:v41", record.image());
        assertEquals(ImageResolver.FROM_BASE, record.imageSource());
        assertEquals(0, cloud.registered, "an unchanged image runs the base task definition");
        assertTrue(ledger().environment("acme-web-prod").condition(Condition.READY).message().contains("not pinned"));
    }

    @Test
    void anIdleCycleCostsOneConditionalGetAndNoEcsCalls() {
        Reconciler operator = operator();
        operator.cycle(true);
        cloud.stop(latest("acme-web-prod").taskArn(), 0, "exited");
        operator.cycle(true);
        cloud.calls.clear();
        for (int second = 0; second < 60; second++) {
            clock.advance(Duration.ofSeconds(1));
            operator.cycle(false);
        }
        assertEquals(6, cloud.calls("s3:GetObject"), "one conditional GET per 10 s plan interval");
        assertEquals(2, cloud.calls("elasticbeanstalk:DescribeEnvironments"), "one per application per 30 s");
        assertEquals(0, cloud.calls("s3:PutObject"), "an unchanged ledger is not rewritten");
        assertTrue(cloud.calls.keySet().stream().noneMatch(op -> op.startsWith("ecs:")), cloud.calls.toString());
    }

    /** Sixty idle seconds of cycles, from a cleared count of calls. */
    void idleMinute(Reconciler operator) {
        cloud.calls.clear();
        for (int second = 0; second < 60; second++) {
            clock.advance(Duration.ofSeconds(1));
            operator.cycle(false);
        }
    }

    @Test
    void aPreviewIsRunOnceItsOutputReadOnceAndWaitingForApprovalOrAfterItCostsNoMoreThanAnIdleCycle() {
        String preview = "preview: {command: [python, manage.py, migrate, --plan], approval: always}";
        plan("acme-web-prod", "v42", preview);
        Reconciler operator = operator();
        operator.cycle(true);
        assertEquals(1, cloud.launches.size());
        dev.beanstalkmigrator.port.ContainerService.TaskLaunch previewTask = cloud.launches.values().iterator().next();
        assertEquals(List.of("python", "manage.py", "migrate", "--plan"), previewTask.command());
        String arn = cloud.launches.keySet().iterator().next();
        List<String> output = List.of("Planned operations:", "    Remove field legacy from order");
        cloud.logStreams.put("/ecs/acme|ecs/web/" + arn.substring(arn.lastIndexOf('/') + 1), output);
        cloud.stop(arn, 0, "exited");
        clock.advance(Duration.ofSeconds(5));
        operator.cycle(true); // sees it STOPPED, reads its output
        operator.cycle(true); // decides from the output
        String digest = dev.beanstalkmigrator.reconcile.decide.Previews.digest(output);
        Condition waiting = ledger().environment("acme-web-prod").condition(Condition.READY);
        assertEquals(Reasons.APPROVAL_PENDING, waiting.reason());
        assertTrue(waiting.message().contains("approved: [" + digest + "]"), waiting.message());

        idleMinute(operator);
        assertEquals(1, cloud.launches.size(), "no migration before the approval, no second preview");
        assertEquals(6, cloud.calls("s3:GetObject"), "one conditional GET per 10 s plan interval");
        assertEquals(2, cloud.calls("elasticbeanstalk:DescribeEnvironments"));
        assertEquals(0, cloud.calls("s3:PutObject"), "the wait is written once, not every cycle");
        assertTrue(cloud.calls.keySet().stream().noneMatch(op -> op.startsWith("ecs:") || op.startsWith("logs:")),
                "nothing is read for the preview while it waits: " + cloud.calls);

        plan("acme-web-prod", "v42", preview + "\napproved: [" + digest + "]");
        clock.advance(Duration.ofSeconds(10));
        operator.cycle(true);
        assertEquals(2, cloud.launches.size(), "the migration, once approved");
        String migration = new java.util.ArrayList<>(cloud.launches.keySet()).get(1);
        assertEquals(List.of("python", "manage.py", "migrate"), cloud.launches.get(migration).command());
        cloud.stop(migration, 0, "exited");
        clock.advance(Duration.ofSeconds(5));
        operator.cycle(true);
        assertEquals(digest, latest("acme-web-prod").digest());
        assertEquals("True", ledger().environment("acme-web-prod").condition(Condition.READY).status());

        idleMinute(operator);
        assertEquals(6, cloud.calls("s3:GetObject"));
        assertEquals(0, cloud.calls("s3:PutObject"));
        assertTrue(cloud.calls.keySet().stream().noneMatch(op -> op.startsWith("ecs:") || op.startsWith("logs:")),
                cloud.calls.toString());
    }

    @Test
    void goingBackToAVersionWhoseRecordLeftTheHistoryNeverMigratesItAgain() {
        cloud.version("acme", "v43", null, null);
        Reconciler operator = operator(false, 1, cloud, cloud);
        for (String version : List.of("v41", "v42", "v43")) {
            plan("acme-web-prod", version, "");
            operator.cycle(true);
            cloud.stop(latest("acme-web-prod").taskArn(), 0, "exited");
            operator.cycle(true);
        }
        EnvironmentStatus status = ledger().environment("acme-web-prod");
        assertEquals(1, status.history().size());
        assertEquals(List.of("v42", "v41"), status.archived().stream().map(k -> k.version()).toList());
        plan("acme-web-prod", "v41", "");
        operator.cycle(true);
        operator.cycle(true);
        assertEquals(3, cloud.launches.size(), "v41 was migrated before: never again");
        assertEquals("True", ledger().environment("acme-web-prod").condition(Condition.READY).status());
    }

    @Test
    void aBurstIsLaunchedInBoundedBatchesOnePerCycle() {
        planBurst(150);
        Reconciler operator = operator();
        operator.cycle(false);
        assertEquals(Planner.MAX_LAUNCHES_PER_CYCLE, cloud.launches.size());
        operator.cycle(false); // the rest is due at once: the clock has not moved

        assertEquals(150, cloud.launches.size());
        assertEquals(150, cloud.launches.values().stream().map(l -> l.clientToken()).distinct().count());
    }

    @Test
    void theOutcomesOfABatchOfWatchedTasksGoToTheirOwnEnvironments() {
        planBurst(8);
        Reconciler operator = operator();
        operator.cycle(false);
        cloud.launches.keySet().forEach(arn -> cloud.stop(arn, 0, "exited"));
        clock.advance(Duration.ofSeconds(6));
        operator.cycle(false);
        for (var launch : cloud.launches.entrySet()) {
            MigrationRecord record = latest(launch.getValue().tags().get(Launches.TAG_ENVIRONMENT));
            assertEquals(Phase.Succeeded, record.phase(), record::toString);
            assertEquals(launch.getKey(), record.taskArn());
            assertEquals(launch.getValue().clientToken(), record.launchId());
        }
    }

    @Test
    void anUnreadableLedgerIsAProblemNeverWrittenOverAndAfterItsRepairThePendingMigrationRunsOnce() {
        cloud.putObject(LEDGER, "apiVersion: beanstalk-migrator/v1\nkind: [not a ledger\n");
        Reconciler operator = operator();
        for (int i = 0; i < 3; i++) {
            operator.cycle(true);
        }
        LoopProblem problem = operator.snapshot().problem();
        assertNotNull(problem, "the cycle reports what keeps it from working");
        assertEquals(Reasons.LEDGER_UNREADABLE, problem.reason());
        assertTrue(problem.message().contains("s3://plans/acme.status.yaml"), problem.message());
        assertTrue(problem.action().contains("version history"), problem.action());
        assertEquals(0, cloud.launches.size(), "nothing launched without a ledger");
        assertEquals("apiVersion: beanstalk-migrator/v1\nkind: [not a ledger\n", cloud.text(LEDGER),
                "the broken ledger is kept as it is");
        assertEquals(0, cloud.calls("s3:PutObject"));

        cloud.objects.remove(LEDGER); // repaired (here: deleted, so an empty ledger starts)
        operator.cycle(true);
        operator.cycle(true);
        assertNull(operator.snapshot().problem());
        assertEquals(1, cloud.launches.size(), "the pending migration runs once");
        assertEquals(Phase.Running, latest("acme-web-prod").phase());
    }

    @Test
    void aCycleThatFailsUnexpectedlyIsAClassifiedProblemUntilACycleSucceeds() {
        Reconciler operator = operator();
        operator.failed(new IllegalStateException("a bug"));
        assertEquals(Reasons.CYCLE_FAILED, operator.snapshot().problem().reason());
        assertTrue(operator.snapshot().problem().message().contains("a bug"));
        operator.cycle(true);
        assertNull(operator.snapshot().problem());
    }

    @Test
    void aThrottledRunTaskLeavesTheIntentForAdoption() {
        cloud.failures.put("ecs:RunTask", () -> new CloudError.Throttled("ecs:RunTask", "ThrottlingException",
                "Rate exceeded", null));
        Reconciler operator = operator();
        operator.cycle(true);
        assertEquals(Phase.Launching, latest("acme-web-prod").phase());
        cloud.failures.clear();
        operator.cycle(true);
        assertEquals(1, cloud.launches.size());
        assertEquals(Phase.Running, latest("acme-web-prod").phase());
        assertEquals(1, ledger().environment("acme-web-prod").history().size());
    }

    @Test
    void aRefusedRunTaskKeepsItsLaunchIdAndTheSameRequestSoALostFirstAnswerNeverMakesASecondTask() {
        // The first RunTask started the task but its answer was lost; the retry was refused as invalid.
        ContainerService lostThenRefused = Crashes.afterRunTask(cloud, "acme-web-prod",
                arn -> {
                    throw new CloudError.Stalled("ecs:RunTask", "InvalidParameterException", "refused", "fix it", null);
                });
        Reconciler operator = operator(false, 20, cloud, lostThenRefused);
        operator.cycle(true);
        MigrationRecord refused = latest("acme-web-prod");
        assertEquals(Phase.Pending, refused.phase(), "the intent is kept, its request with it");
        assertEquals(1, cloud.calls("ecs:RunTask"));
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", "postgres://acme:rotated@db/acme"));

        clock.advance(Duration.ofHours(1));
        operator.cycle(true);
        operator.cycle(true);

        assertEquals(2, cloud.calls("ecs:RunTask"));
        assertEquals(1, cloud.launches.size(), "the retry carried the first client token: ECS answered its task");
        MigrationRecord adopted = latest("acme-web-prod");
        assertEquals(refused.launchId(), adopted.launchId());
        assertEquals(refused.taskDefinitionArn(), adopted.taskDefinitionArn(), "not prepared again");
        assertEquals(Phase.Running, adopted.phase());
        assertEquals(1, ledger().environment("acme-web-prod").history().size());
    }

    @Test
    void aLaunchWaitingForCapacityIsSentAgainAsItWasUnlessThePlanChangedItsRequest() {
        cloud.failures.put("ecs:RunTask", () -> new CloudError.Waiting("ecs:RunTask", "InvalidParameterException",
                "No Container Instances were found in your cluster.", null));
        Reconciler operator = operator();
        operator.cycle(true);
        MigrationRecord waiting = latest("acme-web-prod");
        assertEquals(Phase.Pending, waiting.phase());
        int registered = cloud.registered;

        cloud.failures.clear();
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", "postgres://acme:rotated@db/acme"));
        clock.advance(Duration.ofHours(1));
        operator.cycle(true);
        operator.cycle(true);
        MigrationRecord started = latest("acme-web-prod");
        assertEquals(Phase.Running, started.phase());
        assertEquals(waiting.launchId(), started.launchId());
        assertEquals(waiting.taskDefinitionArn(), cloud.launches.values().iterator().next().taskDefinitionArn(),
                "the same request, not one prepared again");
        assertEquals("postgres://acme:rotated@db/acme",
                cloud.launches.values().iterator().next().environment().get("DATABASE_URL"),
                "but for the variables that ride in its overrides: they are not recorded, so they are read again");
        assertEquals(registered, cloud.registered, "no revision registered for the retry");
    }

    @Test
    void aPendingLaunchWhosePlacementThePlanChangedIsPreparedAgainUnderTheSameLaunchId() {
        cloud.failures.put("ecs:RunTask", () -> new CloudError.Stalled("ecs:RunTask", "InvalidParameterException",
                "subnet-1 does not exist", "fix network in the plan", null));
        Reconciler operator = operator();
        operator.cycle(true);
        MigrationRecord refused = latest("acme-web-prod");
        assertEquals(Phase.Pending, refused.phase());

        cloud.failures.clear();
        cloud.putObject(PLAN, text(PLAN).replace("subnet-1", "subnet-2"));
        operator.cycle(true);
        operator.cycle(true);
        MigrationRecord started = latest("acme-web-prod");
        assertEquals(Phase.Running, started.phase());
        assertEquals(refused.launchId(), started.launchId(), "the client token stays: ECS guards the launch");
        assertEquals(List.of("subnet-2"), cloud.launches.values().iterator().next().network().subnets());
    }

    private String text(ObjectLocation location) {
        return cloud.text(location);
    }

    /** A plan that migrates v42 on {@code size} environments burst-0, burst-1, ... that run v41. */
    private void planBurst(int size) {
        StringBuilder environments = new StringBuilder();
        for (int i = 0; i < size; i++) {
            cloud.environment("acme", "burst-" + i, "v41", "Ready");
            environments.append("    - {name: burst-").append(i).append(", application: acme, version: v42}\n");
        }
        cloud.putObject(PLAN, """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  defaults: {cluster: acme-prod, taskDefinition: acme-web, container: web, command: [migrate],
                             network: {subnets: [subnet-1]}, image: "acme:{version}"}
                  environments:
                """ + environments);
    }
}
