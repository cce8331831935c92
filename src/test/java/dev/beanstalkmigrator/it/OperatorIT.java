package dev.beanstalkmigrator.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.reconcile.decide.Launches;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.testing.Plans;
import dev.beanstalkmigrator.testing.SandboxClients;
import dev.beanstalkmigrator.testing.WebhookReceiver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator, booted by Quarkus, against the sandbox through the real AWS SDK clients over HTTP: each test
 * writes a plan for its own environment, waits for the outcome in the ledger and the API, and checks what
 * reached ECS.
 */
@QuarkusTest
@QuarkusTestResource(value = SandboxResource.class, restrictToAnnotatedClass = false)
class OperatorIT {

    static final Duration DEADLINE = Duration.ofSeconds(30);

    static SandboxCloud cloud() {
        return SandboxResource.cloud();
    }

    static MigrationStatus ledger() {
        String yaml = SandboxResource.ledger();
        return yaml == null ? MigrationStatus.empty() : LedgerCodec.read(yaml.getBytes(StandardCharsets.UTF_8));
    }

    static MigrationRecord latest(String environment) {
        EnvironmentStatus status = ledger().environment(environment);
        return status == null || status.history().isEmpty() ? null : status.history().get(0);
    }

    static MigrationRecord awaitPhase(String environment, String version, Phase phase) {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            MigrationRecord record = latest(environment);
            return record != null && record.version().equals(version) && record.phase() == phase;
        });
        return latest(environment);
    }

    static List<RunRecord> runs(String environment) {
        return cloud().runs().stream()
                .filter(r -> environment.equals(r.tags().get("beanstalk-migrator:environment"))).toList();
    }

    static List<RunRecord> runs(String environment, String version) {
        return runs(environment).stream()
                .filter(r -> version.equals(r.tags().get("beanstalk-migrator:version"))).toList();
    }

    /** Waits until the operator has reconciled the plan now in S3 (its revision is in the status). */
    static void awaitPlanInForce() {
        String etag = etagOfPlan();
        await().atMost(DEADLINE).until(() -> etag.equals(ledger().observedPlanRevision()));
    }

    static String etagOfPlan() {
        byte[] plan = cloud().getObject(SandboxResource.BUCKET, SandboxResource.PLAN_KEY);
        try {
            return "\"" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                    .digest(plan)) + "\"";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aNewVersionRunsOneTaskThatSucceeds() {
        SandboxResource.plan(Plans.plan("{name: shop-new, version: v2}"));
        MigrationRecord record = awaitPhase("shop-new", "v2", Phase.Succeeded);
        List<RunRecord> runs = runs("shop-new", "v2");
        assertEquals(1, runs.size(), "exactly one migrate task");
        RunRecord run = runs.get(0);
        assertEquals(record.taskArn(), run.taskArn());
        assertEquals(List.of("python", "manage.py", "migrate", "--noinput"), run.command());
        assertEquals("bm-" + record.launchId(), run.startedBy());
        assertEquals(record.launchId(), run.clientToken());
        assertEquals("111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v2", run.image(),
                "the image of the version's Dockerrun.aws.json");
        assertTrue(run.taskDefinitionArn().contains("task-definition/shop-app-migrate:"), run.taskDefinitionArn());
        assertEquals("postgres://shop:shop-new-pw@db.internal:5432/shop_new",
                run.containerEnvironment().get("DATABASE_URL"), "the container sees the variable");
        assertEquals("postgres://shop:shop-new-pw@db.internal:5432/shop_new", run.environment().get("DATABASE_URL"),
                "it rides in RunTask's overrides, so one migrate revision serves every environment of the image");
        assertEquals("container-overrides", record.overrides());
        assertNotNull(record.placement(), "placed as RunTask was asked");
        assertEquals("FARGATE", record.placement().launchType());
        assertEquals(0, record.exitCode());
        assertEquals("source-bundle:Dockerrun.aws.json", record.imageSource());

        given().get("/api/v1/environments/shop-new").then().statusCode(200)
                .body("resolvedVersion", equalTo("v2"))
                .body("deployedVersion", equalTo("v1"))
                .body("history[0].phase", equalTo("Succeeded"))
                .body("history[0].taskArn", equalTo(record.taskArn()))
                .body("conditions.find { it.type == 'Ready' }.status", equalTo("True"));
        given().get("/api/v1/status").then().statusCode(200)
                .body("kind", equalTo("MigrationStatus"))
                .body("leader", matchesPattern("it-replica_[0-9a-f-]{36}"))
                .body("environments.name", hasItem("shop-new"));
        given().get("/api/v1/environments").then().statusCode(200).body("name", hasItem("shop-new"));

        // A second, identical plan upload and more cycles launch nothing more.
        SandboxResource.plan(Plans.plan("{name: shop-new, version: v2}", "{name: shop-crash2, version: v1, suspend: true}"));
        awaitPlanInForce();
        assertEquals(1, runs("shop-new").size());
    }

    @Test
    void aFailingMigrationIsFailedWithItsExitCodeAndLogTail() {
        SandboxResource.plan(Plans.plan("{name: shop-fail, version: v-broken}"));
        MigrationRecord record = awaitPhase("shop-fail", "v-broken", Phase.Failed);
        assertEquals(1, record.exitCode());
        assertEquals("Essential container in task exited", record.reason());
        assertNotNull(record.logTail());
        assertTrue(record.logTail().get(record.logTail().size() - 1).contains("ProgrammingError"), record.logTail()
                .toString());
        given().get("/api/v1/environments/shop-fail").then()
                .body("conditions.find { it.type == 'Ready' }.reason", equalTo("MigrationFailed"));
        assertEquals(1, runs("shop-fail").size(), "not retried by itself");
    }

    @Test
    void aTaskThatCannotPullItsImageFailsWithoutExitCode() {
        SandboxResource.plan(Plans.plan("{name: shop-nopull, version: v-nopull}"));
        MigrationRecord record = awaitPhase("shop-nopull", "v-nopull", Phase.Failed);
        assertNull(record.exitCode());
        assertTrue(record.reason().contains("CannotPullContainerError"), record.reason());
    }

    @Test
    void aMigrationPastItsTimeoutIsTimedOutOnlyOnceEcsStoppedItAndARerunWaitsForThat() {
        SandboxResource.plan(Plans.plan("{name: shop-timeout, version: v-slow, timeout: 1s}"));
        // StopTask asked: the container runs on for its stop timeout (2 s in the seed), and the ledger says so.
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> {
            MigrationRecord r = latest("shop-timeout");
            return r != null && r.stopRequestedAt() != null;
        });
        MigrationRecord stopping = latest("shop-timeout");
        assertEquals(Phase.Running, stopping.phase());
        try (SandboxClients aws = new SandboxClients(cloud().endpoint(), false)) {
            assertEquals("RUNNING", aws.taskStatus(stopping.taskArn()), "still running after StopTask");
        }
        given().get("/api/v1/environments/shop-timeout").then()
                .body("history[0].stopRequestedAt", notNullValue())
                .body("conditions.find { it.type == 'Migrating' }.reason", equalTo("Stopping"))
                .body("conditions.find { it.type == 'Migrating' }.message",
                        containsString("waiting for ECS to stop task " + stopping.taskArn()));

        // A rerun asked for while the old task still runs launches nothing until ECS reports it STOPPED.
        SandboxResource.plan(Plans.plan("{name: shop-timeout, version: v-slow, timeout: 1s, rerun: '2'}"));
        MigrationRecord timedOut = await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20))
                .until(() -> ledger().environment("shop-timeout").find("v-slow", ""),
                        r -> r != null && r.phase() == Phase.TimedOut);
        assertEquals(137, timedOut.exitCode(), "killed after its stop timeout");
        assertTrue(timedOut.reason().startsWith("timed out after PT1S; stop requested at "), timedOut.reason());
        assertEquals(stopping.stopRequestedAt(), timedOut.stopRequestedAt());
        java.time.Instant oldStopped = cloud().taskStoppedAt(stopping.taskArn());
        assertNotNull(oldStopped);
        assertTrue(!timedOut.finishedAt().isBefore(stopping.stopRequestedAt().plusSeconds(2).minusMillis(50)),
                "STOPPED only after the stop timeout: " + timedOut.finishedAt());

        await().atMost(DEADLINE).until(() -> runs("shop-timeout").size() == 2);
        RunRecord rerun = runs("shop-timeout").get(1);
        assertTrue(rerun.time().isAfter(oldStopped), "the rerun's task started at " + rerun.time()
                + ", before the timed-out task stopped at " + oldStopped);
        given().get("/api/v1/environments/shop-timeout").then()
                .body("history.find { it.rerun == '' }.phase", equalTo("TimedOut"));
        MigrationRecord second = awaitPhase("shop-timeout", "v-slow", Phase.TimedOut);
        assertEquals("2", second.rerun());
        assertTrue(cloud().calls("ecs:StopTask") >= 2);
        given().get("/api/v1/environments/shop-timeout").then()
                .body("conditions.find { it.type == 'Ready' }.reason", equalTo("MigrationTimedOut"));
    }

    @Test
    void changingTheRerunTokenRunsAFailedMigrationAgain() {
        SandboxResource.plan(Plans.plan("{name: shop-rerun, version: v-broken}"));
        awaitPhase("shop-rerun", "v-broken", Phase.Failed);
        SandboxResource.plan(Plans.plan("{name: shop-rerun, version: v-broken, rerun: '2'}"));
        await().atMost(DEADLINE).until(() -> latest("shop-rerun").rerun().equals("2")
                && latest("shop-rerun").phase() == Phase.Failed);
        assertEquals(2, runs("shop-rerun").size());
        assertEquals(2, ledger().environment("shop-rerun").history().size());
    }

    @Test
    void aSuspendedEnvironmentLaunchesNothing() {
        SandboxResource.plan(Plans.plan("{name: shop-suspend, version: v2, suspend: true}"));
        awaitPlanInForce();
        await().atMost(DEADLINE).until(() -> ledger().environment("shop-suspend") != null);
        given().get("/api/v1/environments/shop-suspend").then()
                .body("conditions.find { it.type == 'Suspended' }.status", equalTo("True"))
                .body("history", org.hamcrest.Matchers.empty());
        assertEquals(0, runs("shop-suspend").size());
    }

    @Test
    void deployedFollowsWhatElasticBeanstalkRuns() {
        SandboxResource.plan(Plans.plan("{name: shop-deployed, version: deployed}"));
        awaitPhase("shop-deployed", "v1", Phase.Succeeded);
        cloud().setDeployedVersion("shop-deployed", "v3");
        awaitPhase("shop-deployed", "v3", Phase.Succeeded);
        assertEquals(1, runs("shop-deployed", "v1").size());
        assertEquals(1, runs("shop-deployed", "v3").size());
    }

    @Test
    void latestFollowsTheNewestRegisteredVersion() {
        SandboxResource.plan(Plans.plan("{name: shop-latest, version: latest}"));
        awaitPhase("shop-latest", "v3", Phase.Succeeded);
        cloud().registerApplicationVersion("shop", "v4", "it-bundles", "shop/v3.zip");
        MigrationRecord v4 = awaitPhase("shop-latest", "v4", Phase.Succeeded);
        assertEquals(1, runs("shop-latest", "v4").size());
        assertEquals("111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v3", v4.image(),
                "v4's bundle is v3's, so is its image");
    }

    @Test
    void afterSuccessDeployUpdatesTheEnvironment() {
        SandboxResource.plan(Plans.plan("{name: shop-deploy, version: v2, afterSuccess: deploy}"));
        awaitPhase("shop-deploy", "v2", Phase.Succeeded);
        await().atMost(DEADLINE).until(() -> "v2".equals(cloud().deployedVersion("shop-deploy")));
        await().atMost(DEADLINE).until(() -> latest("shop-deploy").deployedAt() != null);
        assertEquals(1, cloud().calls("elasticbeanstalk:UpdateEnvironment"));
    }

    @Test
    void anInvalidPlanKeepsTheLastValidOneAndLaunchesNothing() {
        SandboxResource.plan(Plans.plan("{name: shop-invalid, version: v1}"));
        awaitPhase("shop-invalid", "v1", Phase.Succeeded);
        String validRevision = ledger().observedPlanRevision();
        int runsBefore = cloud().runs().size();

        SandboxResource.plan(Plans.plan("{name: shop-invalid, version: v2, timeout: 30x}")
                + "    - {name: shop-new, version: v3}\n");
        await().atMost(DEADLINE).until(() -> ledger().planError() != null);
        MigrationStatus status = ledger();
        assertEquals(validRevision, status.observedPlanRevision(), "the last valid plan stays in force");
        assertTrue(status.planError().contains("plan.yaml:"), status.planError());
        assertTrue(status.planError().contains("timeout"), status.planError());
        given().get("/api/v1/environments/shop-invalid").then()
                .body("conditions.find { it.type == 'SpecInvalid' }.status", equalTo("True"));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks[0].data.error", containsString("timeout"))
                .body("checks[0].data.planRevision", equalTo(validRevision));
        assertEquals(runsBefore, cloud().runs().size(), "nothing launched from an invalid plan");

        SandboxResource.plan(Plans.plan("{name: shop-invalid, version: v2}"));
        awaitPhase("shop-invalid", "v2", Phase.Succeeded);
        assertNull(ledger().planError());
    }

    @Test
    void environmentVariablesTooLargeForOverridesGoIntoTheMigrateRevision() {
        cloud().setEnvironmentVariable("shop-big", "CERTIFICATE_BUNDLE", "x".repeat(9000));
        SandboxResource.plan(Plans.plan("{name: shop-big, version: v2}"));
        MigrationRecord record = awaitPhase("shop-big", "v2", Phase.Succeeded);
        assertEquals("task-definition", record.overrides());
        RunRecord run = runs("shop-big").get(0);
        assertTrue(run.environment().isEmpty(), "no environment in the overrides");
        assertEquals(9000, run.containerEnvironment().get("CERTIFICATE_BUNDLE").length(), "it is in the revision");
        assertEquals(List.of("python", "manage.py", "migrate", "--noinput"), run.command(),
                "the command alone fits into the overrides");
        assertFalse(SandboxResource.ledger().contains("xxxxxxxx"), "values never reach the ledger");
    }

    @Test
    void theSecretsCanaryReachesEcsAndNothingElse() {
        String canary = "canary-4d1f8a2b9c7e-secret";
        String urlCanary = "canary-url-61c0d9e2";
        cloud().setEnvironmentVariable("shop-canary", "DB_PASSWORD", canary);
        cloud().setEnvironmentVariable("shop-canary", "DATABASE_URL",
                "postgres://shop-user:" + urlCanary + "@db-canary.internal:5432/shop");
        SandboxResource.plan(Plans.plan("{name: shop-canary, version: v-leaky}") + """
                  notifications:
                    - {name: team, type: slack, urlFrom: SHOP_SLACK_URL, events: [Failed]}
                """);
        MigrationRecord record = awaitPhase("shop-canary", "v-leaky", Phase.Failed);
        assertEquals(2, record.exitCode());
        assertEquals("db-canary.internal:5432/shop", record.database(), "the database by host, port and name only");

        assertEquals(canary, runs("shop-canary").get(0).containerEnvironment().get("DB_PASSWORD"), "it reaches ECS");
        assertTrue(runs("shop-canary").get(0).containerEnvironment().get("DATABASE_URL").contains(urlCanary));
        assertTrue(record.logTail().contains("connecting with password ***"), record.logTail().toString());

        // The failure reaches the operator's channel and the plan's, masked, once each.
        await().atMost(DEADLINE).until(() -> notifications("ops").size() == 1 && notifications("team").size() == 1);
        assertTrue(notifications("ops").get(0).body().contains("connecting with password ***"));
        assertTrue(notifications("team").get(0).body().contains("Migration of shop-canary to v-leaky failed"));
        await().atMost(DEADLINE).until(() -> ledger().notifications().stream()
                .noneMatch(n -> "shop-canary".equals(n.environment())));
        notifications("ops").forEach(r -> assertFalse(r.body().contains(canary), "message"));
        notifications("team").forEach(r -> assertFalse(r.body().contains(canary), "message"));

        List<String> canaries = List.of(canary, urlCanary, "shop-user", SandboxResource.WEBHOOK_CANARY);
        String ledger = SandboxResource.ledger();
        canaries.forEach(c -> assertFalse(ledger.contains(c), "ledger"));
        for (String path : List.of("/api/v1/status", "/api/v1/environments", "/api/v1/environments/shop-canary",
                "/q/health", "/q/health/ready", "/q/health/live", "/q/metrics", "/")) {
            String body = given().get(path).then().extract().asString();
            canaries.forEach(c -> assertFalse(body.contains(c), path));
        }
        assertTrue(given().accept("text/html").get("/").then().statusCode(200).extract().asString()
                .contains("connecting with password ***"), "the status page shows the masked tail");
        String reconcile = given().header("Authorization", "Bearer " + SandboxResource.TOKEN)
                .post("/api/v1/reconcile").then().statusCode(200).extract().asString();
        canaries.forEach(c -> assertFalse(reconcile.contains(c), "reconcile answer"));
        List<String> log = SandboxResource.operatorLog();
        assertFalse(log.isEmpty(), "the log capture works");
        assertTrue(log.stream().anyMatch(l -> l.contains("shop-canary")), "the operator logged about it");
        assertTrue(log.stream().anyMatch(l -> l.contains("notified channel team of shop-canary/")), "and its message");
        canaries.forEach(c -> assertTrue(log.stream().noneMatch(l -> l.contains(c)), "log lines"));
    }

    @Test
    void aLogTailIsMaskedWithThePasswordTheTaskRanWithAfterItWasRotated() {
        String before = "canary-rotated-9e4b17-before";
        cloud().setEnvironmentVariable("shop-rotate", "DB_PASSWORD", before);
        SandboxResource.plan(Plans.plan("{name: shop-rotate, version: v2}"));
        MigrationRecord running = awaitPhase("shop-rotate", "v2", Phase.Running);
        try (dev.beanstalkmigrator.testing.SandboxClients aws = new dev.beanstalkmigrator.testing.SandboxClients(
                cloud().endpoint(), false)) {
            // The ledger says Running once RunTask answered; the container prints its line only once ECS has it
            // RUNNING (a task stopped while PENDING never ran, and has no log). On a loaded machine the test can get
            // here inside the 50 ms the sandbox keeps a task pending.
            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> aws.ecs.describeTasks(
                    b -> b.cluster(running.cluster()).tasks(running.taskArn())).tasks().get(0).lastStatus(),
                    "RUNNING"::equals);
            cloud().setEnvironmentVariable("shop-rotate", "DB_PASSWORD", "canary-rotated-3c5d08-after");
            aws.ecs.stopTask(b -> b.cluster(running.cluster()).task(running.taskArn()).reason("the test ends it"));
        }

        MigrationRecord failed = awaitPhase("shop-rotate", "v2", Phase.Failed);
        assertEquals(List.of("connecting with password ***", "FATAL: password authentication failed"),
                failed.logTail());
        assertFalse(SandboxResource.ledger().contains(before), "the ledger");
    }

    @Test
    void aBlueGreenPairOnOneDatabaseTakesTurnsAndRunsEachVersionOnce() {
        String database = "shop-bg.abc123.us-east-1.rds.amazonaws.com:5432/ebdb";
        SandboxResource.plan(Plans.plan("{name: shop-blue, version: v-bg1}"));
        MigrationRecord blue = awaitPhase("shop-blue", "v-bg1", Phase.Running);
        assertEquals(database, blue.database());

        // Green joins at the version blue is migrating: it waits for the database, then records blue's run.
        SandboxResource.plan(Plans.plan("{name: shop-blue, version: v-bg1}", "{name: shop-green, version: v-bg1}"));
        Condition waiting = await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(
                () -> ledger().environment("shop-green") == null ? null
                        : ledger().environment("shop-green").condition(Condition.READY),
                c -> c != null && Reasons.WAITING_FOR_DATABASE.equals(c.reason()));
        assertTrue(waiting.message().startsWith("waiting for database " + database + ": shop-blue's migration of v-bg1,"
                + " task " + blue.taskArn()), waiting.message());
        given().get("/api/v1/environments/shop-green").then().statusCode(200)
                .body("conditions.find { it.type == 'Ready' }.reason", equalTo(Reasons.WAITING_FOR_DATABASE));
        MigrationRecord green = awaitPhase("shop-green", "v-bg1", Phase.Succeeded);
        assertEquals("shop-blue", green.through());
        assertNull(green.taskArn(), "no task of its own");
        assertEquals(database, green.database());
        assertEquals(1, runs("shop-blue", "v-bg1").size());
        assertEquals(0, runs("shop-green", "v-bg1").size(), "not run again through green");

        // Both at once: one task on the database, and the other records it.
        SandboxResource.plan(Plans.plan("{name: shop-blue, version: v-bg2}", "{name: shop-green, version: v-bg2}"));
        MigrationRecord b = awaitPhase("shop-blue", "v-bg2", Phase.Succeeded);
        MigrationRecord g = awaitPhase("shop-green", "v-bg2", Phase.Succeeded);
        assertEquals(1, runs("shop-blue", "v-bg2").size() + runs("shop-green", "v-bg2").size(), "one task");
        assertEquals(1, (b.through() == null ? 0 : 1) + (g.through() == null ? 0 : 1), "the other ran through it");

        String ledger = SandboxResource.ledger();
        for (String secret : List.of("rds-canary-blue-5e7a", "rds-canary-green-9c1d")) {
            assertFalse(ledger.contains(secret), "ledger");
            assertFalse(given().get("/api/v1/environments/shop-green").then().extract().asString().contains(secret));
        }
        assertTrue(given().accept("text/html").get("/").then().statusCode(200).extract().asString()
                .contains(database), "the page shows the database");
    }

    @Test
    void liveMigratesAVersionOnlyAfterStageSucceededWithItAndNotWhenStageFailed() {
        SandboxResource.plan(Plans.plan("{name: shop-stage, version: v-promo}",
                "{name: shop-live, version: v-promo, after: [shop-stage]}"));
        Condition waiting = await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(
                () -> ledger().environment("shop-live") == null ? null
                        : ledger().environment("shop-live").condition(Condition.READY),
                c -> c != null && Reasons.WAITING_FOR_PROMOTION.equals(c.reason()));
        assertTrue(waiting.message().startsWith("waiting for promotion of v-promo: shop-stage "), waiting.message());
        given().get("/api/v1/environments/shop-live").then().statusCode(200)
                .body("conditions.find { it.type == 'Ready' }.reason", equalTo(Reasons.WAITING_FOR_PROMOTION));
        MigrationRecord stage = awaitPhase("shop-stage", "v-promo", Phase.Succeeded);
        awaitPhase("shop-live", "v-promo", Phase.Succeeded);
        RunRecord live = runs("shop-live", "v-promo").get(0);
        java.time.Instant stageStopped = cloud().taskStoppedAt(stage.taskArn());
        assertNotNull(stageStopped);
        assertTrue(live.time().isAfter(stageStopped), "live's task started after stage's stopped");

        SandboxResource.plan(Plans.plan("{name: shop-stage, version: v-broken}",
                "{name: shop-live, version: v-broken, after: [shop-stage]}") + """
                  notifications:
                    - {name: team, type: slack, urlFrom: SHOP_SLACK_URL, events: [PromotionBlocked]}
                """);
        awaitPhase("shop-stage", "v-broken", Phase.Failed);
        Condition blocked = await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(
                () -> ledger().environment("shop-live").condition(Condition.READY),
                c -> Reasons.PROMOTION_BLOCKED.equals(c.reason()));
        assertTrue(blocked.message().startsWith("promotion of v-broken blocked: shop-stage's migration of v-broken"
                + " failed"), blocked.message());
        assertEquals(0, runs("shop-live", "v-broken").size(), "nothing launched on live");
        await().atMost(DEADLINE).until(() -> SandboxResource.receiver().requests(SandboxResource.hookPath("team"))
                .stream().anyMatch(r -> r.body().contains("Promotion of v-broken to shop-live blocked")));
    }

    @Test
    void aRiskyPreviewHoldsTheMigrationUntilItsDigestIsCommittedAndRunsOnce() {
        List<String> plan = List.of("Planned operations:", "orders.0009_drop_legacy",
                "    Remove field legacy_id from order");
        String digest = dev.beanstalkmigrator.reconcile.decide.Previews.digest(plan);
        String preview = "preview: {command: [python, manage.py, migrate, --plan], approval: whenMatches,"
                + " matches: 'Remove field|Delete model'}";
        String notifications = """
                  notifications:
                    - {name: team, type: slack, urlFrom: SHOP_SLACK_URL, events: [ApprovalRequested]}
                """;
        SandboxResource.plan(Plans.plan("{name: shop-review, version: v-risky, " + preview + "}") + notifications);
        Condition pending = await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(
                () -> ledger().environment("shop-review") == null ? null
                        : ledger().environment("shop-review").condition(Condition.READY),
                c -> c != null && Reasons.APPROVAL_PENDING.equals(c.reason()));
        assertTrue(pending.message().endsWith("commit approved: [" + digest + "] to shop-review or spec.defaults"),
                pending.message());

        // ECS ran the preview, tagged as one, with the preview's command and the migration's variables; nothing else.
        List<RunRecord> runs = runs("shop-review", "v-risky");
        assertEquals(1, runs.size(), "the preview alone");
        assertEquals("preview", runs.get(0).tags().get(Launches.TAG_TASK));
        assertEquals(List.of("python", "manage.py", "migrate", "--plan"), runs.get(0).command());
        assertTrue(runs.get(0).environment().get("DATABASE_URL").contains("review-canary-3b9e"));
        given().get("/api/v1/environments/shop-review").then().statusCode(200)
                .body("previews[0].digest", equalTo(digest))
                .body("previews[0].logTail", equalTo(plan))
                .body("previews[0].kind", equalTo("preview"))
                .body("conditions.find { it.type == 'Ready' }.reason", equalTo(Reasons.APPROVAL_PENDING));
        String page = given().accept("text/html").get("/").then().statusCode(200).extract().asString();
        assertTrue(page.contains("Remove field legacy_id from order"), "the page shows the output");
        assertTrue(page.contains("<code class=\"approval-line\">approved: [" + digest + "]</code>"),
                "and the line to commit");
        await().atMost(DEADLINE).until(() -> SandboxResource.receiver().requests(SandboxResource.hookPath("team"))
                .stream().anyMatch(r -> r.body().contains("waits for approval of its preview")
                        && r.body().contains("```") && r.body().contains("Remove field legacy_id from order")));

        // A digest of something else approves nothing.
        String other = dev.beanstalkmigrator.reconcile.decide.Previews.digest(List.of("something else"));
        SandboxResource.plan(Plans.plan("{name: shop-review, version: v-risky, " + preview + ", approved: [" + other
                + "]}") + notifications);
        awaitPlanInForce();
        assertEquals(Reasons.APPROVAL_PENDING, ledger().environment("shop-review").condition(Condition.READY).reason());

        // The approval, in the defaults: the migration runs once, after it, and records the digest it followed.
        java.time.Instant approvedAt = java.time.Instant.now();
        SandboxResource.plan(Plans.plan("{name: shop-review, version: v-risky, " + preview + "}")
                .replace("    timeout: 1m\n", "    timeout: 1m\n    approved: [" + digest + "]\n") + notifications);
        MigrationRecord migrated = awaitPhase("shop-review", "v-risky", Phase.Succeeded);
        assertEquals(digest, migrated.digest());
        List<RunRecord> all = runs("shop-review", "v-risky");
        assertEquals(2, all.size(), "one preview, one migration");
        RunRecord migration = all.stream().filter(r -> r.tags().get(Launches.TAG_TASK) == null).findFirst()
                .orElseThrow();
        assertEquals(List.of("python", "manage.py", "migrate", "--noinput"), migration.command());
        assertTrue(migration.time().isAfter(approvedAt), "launched after the approval was uploaded");
        assertFalse(SandboxResource.ledger().contains("review-canary-3b9e"), "the ledger");
    }

    /** What a channel's receiver got about shop-canary. */
    static List<WebhookReceiver.Request> notifications(String channel) {
        return SandboxResource.receiver().requests(SandboxResource.hookPath(channel)).stream()
                .filter(r -> r.body().contains("shop-canary")).toList();
    }

    @Test
    void secretsReachTheContainerAsEcsSecretsAndTheirValuesNothingElse() {
        String databaseArn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:shop/database-url-Ab12Cd";
        String stripeArn = "arn:aws:ssm:us-east-1:000000000000:parameter/shop/stripe-key";
        String databaseCanary = "canary-secret-7c1e5a9f3b";
        String stripeCanary = "sk_live_canary-0b8d2f6e4a";
        SandboxResource.plan(Plans.plan("{name: shop-secrets, version: v2}"));
        MigrationRecord record = awaitPhase("shop-secrets", "v2", Phase.Failed);
        assertEquals(3, record.exitCode());
        assertEquals(List.of("DATABASE_URL", "STRIPE_KEY"), record.secrets(), "names only");

        RunRecord run = runs("shop-secrets").get(0);
        assertTrue(run.containerEnvironment().get("DATABASE_URL").contains(databaseCanary), "the container sees it");
        assertEquals(stripeCanary, run.containerEnvironment().get("STRIPE_KEY"));
        assertFalse(run.environment().containsKey("DATABASE_URL") || run.environment().containsKey("STRIPE_KEY"),
                "no secret rides in RunTask's overrides: " + run.environment().keySet());
        assertFalse(run.environment().values().stream().anyMatch(v -> v.contains(databaseCanary)
                || v.contains(stripeCanary)), "nor any secret's value");
        String stream = "ecs/app/" + run.taskArn().substring(run.taskArn().lastIndexOf('/') + 1);
        try (SandboxClients aws = new SandboxClients(cloud().endpoint(), false)) {
            assertTrue(aws.logMessages("/ecs/shop-app", stream).contains("stripe key " + stripeCanary),
                    "the migration printed it");
        }
        software.amazon.awssdk.services.ecs.model.ContainerDefinition app;
        try (dev.beanstalkmigrator.testing.SandboxClients aws = new dev.beanstalkmigrator.testing.SandboxClients(
                cloud().endpoint(), false)) {
            app = aws.ecs.describeTaskDefinition(b -> b.taskDefinition(record.taskDefinitionArn())).taskDefinition()
                    .containerDefinitions().get(0);
        }
        assertEquals(java.util.Map.of("DATABASE_URL", databaseArn, "STRIPE_KEY", stripeArn), app.secrets().stream()
                .collect(java.util.stream.Collectors.toMap(s -> s.name(), s -> s.valueFrom())), "references only");
        assertTrue(app.environment().stream().noneMatch(v -> v.name().equals("DATABASE_URL")),
                "a secret is not a plain variable too");

        assertEquals(1, record.logTail().size());
        assertTrue(record.logTail().get(0).startsWith("log tail withheld"), record.logTail().toString());
        assertTrue(record.logTail().get(0).contains("DATABASE_URL, STRIPE_KEY"), record.logTail().toString());
        assertTrue(record.logTail().get(0).contains("group /ecs/shop-app, stream " + stream),
                record.logTail().toString());
        List<String> canaries = List.of(databaseCanary, stripeCanary);
        String ledger = SandboxResource.ledger();
        canaries.forEach(canary -> assertFalse(ledger.contains(canary), "ledger"));
        for (String path : List.of("/api/v1/status", "/api/v1/environments", "/api/v1/environments/shop-secrets",
                "/")) {
            String body = given().get(path).then().statusCode(200).extract().asString();
            assertTrue(body.contains("STRIPE_KEY"), path + " names the secrets");
            canaries.forEach(canary -> assertFalse(body.contains(canary), path));
        }
        List<String> log = SandboxResource.operatorLog();
        assertTrue(log.stream().anyMatch(l -> l.contains("shop-secrets")), "the operator logged about it");
        canaries.forEach(canary -> assertTrue(log.stream().noneMatch(l -> l.contains(canary)), "log lines"));
    }

    @Test
    void reconcileNeedsTheBearerToken() {
        given().post("/api/v1/reconcile").then().statusCode(401)
                .contentType("application/problem+json").body("status", equalTo(401));
        given().header("Authorization", "Bearer wrong").post("/api/v1/reconcile").then().statusCode(401);
        given().header("Authorization", "Bearer " + SandboxResource.TOKEN).post("/api/v1/reconcile").then()
                .statusCode(200).body("reconciled", notNullValue());
    }

    @Test
    void validateAnswersErrorsWithLineAndColumn() {
        given().contentType("application/yaml").body(Plans.plan("{name: shop-x, version: v1, timout: 5m}").getBytes(StandardCharsets.UTF_8))
                .post("/api/v1/validate").then().statusCode(422)
                .contentType("application/problem+json")
                .body("errors[0].line", equalTo(14))
                .body("errors[0].column", greaterThanOrEqualTo(1))
                .body("errors[0].message", containsString("timeout"));
        given().contentType("application/yaml").body(Plans.plan("{name: shop-x, version: v1}").getBytes(StandardCharsets.UTF_8))
                .post("/api/v1/validate").then().statusCode(200).body("valid", equalTo(true));
    }

    @Test
    void frameworkErrorsAreProblemsToo() {
        given().get("/api/v1/nothing-here").then().statusCode(404).contentType("application/problem+json")
                .body("status", equalTo(404));
        given().get("/api/v1/reconcile").then().statusCode(405).contentType("application/problem+json");
        given().contentType("application/json").body("{}").post("/api/v1/validate").then().statusCode(415)
                .contentType("application/problem+json");
        given().accept("text/csv").get("/api/v1/status").then().statusCode(406)
                .contentType("application/problem+json").body("status", equalTo(406));
    }

    /** POSTs a body of unknown length, which HTTP/1.1 sends chunked, without Content-Length. */
    static java.net.http.HttpResponse<String> postChunked(String path, java.io.InputStream body) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:"
                        + io.restassured.RestAssured.port + path)).header("Content-Type", "application/yaml")
                .timeout(DEADLINE).POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anOverLargeChunkedBodyIsAProblemThatSaysSo() throws Exception {
        java.io.InputStream twelveMiB = new java.io.InputStream() {
            long left = 12L * 1024 * 1024;

            @Override
            public int read() {
                return left-- > 0 ? '#' : -1;
            }
        };
        java.net.http.HttpResponse<String> answer = postChunked("/api/v1/validate", twelveMiB);
        assertEquals(413, answer.statusCode(), answer::body);
        assertEquals("application/problem+json", answer.headers().firstValue("Content-Type").orElse(""));
        com.fasterxml.jackson.databind.JsonNode problem = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(answer.body());
        assertEquals(413, problem.path("status").asInt());
        assertEquals("Payload Too Large", problem.path("title").asText());
        assertTrue(problem.path("detail").asText().contains("quarkus.http.limits.max-body-size"), answer::body);
    }

    @Test
    void aChunkedPlanWithinTheLimitIsValidated() throws Exception {
        byte[] plan = Plans.plan("{name: shop-x, version: v1}").getBytes(StandardCharsets.UTF_8);
        java.net.http.HttpResponse<String> answer = postChunked("/api/v1/validate",
                new java.io.ByteArrayInputStream(plan));
        assertEquals(200, answer.statusCode(), answer::body);
        assertTrue(answer.body().contains("\"valid\":true"), answer::body);
    }

    @Test
    void postsOverHttp2AreAnsweredAsUsual() throws Exception {
        // Java's client upgrades to HTTP/2, whose requests carry no Content-Length and no Transfer-Encoding.
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_2).build();
        java.net.URI base = java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port);
        // The first request upgrades the connection (h2c); the POSTs then travel as HTTP/2 streams.
        http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/q/health/live")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        java.net.http.HttpResponse<String> refused = http.send(java.net.http.HttpRequest.newBuilder(
                        base.resolve("/api/v1/reconcile")).POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, refused.version());
        assertEquals(401, refused.statusCode(), refused::body);
        byte[] plan = Plans.plan("{name: shop-x, version: v1}").getBytes(StandardCharsets.UTF_8);
        java.net.http.HttpResponse<String> valid = http.send(java.net.http.HttpRequest.newBuilder(
                        base.resolve("/api/v1/validate")).header("Content-Type", "application/yaml")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(plan))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, valid.statusCode(), valid::body);
    }

    @Test
    void readsAreOpenWithoutAReadToken() {
        given().get("/api/v1/status").then().statusCode(200);
        given().get("/api/v1/environments").then().statusCode(200);
        given().header("Authorization", "Bearer anything").get("/api/v1/environments").then().statusCode(200);
    }

    @Test
    void anOverLargeBodyIsAProblemThatSaysSo() {
        byte[] twelveMiB = new byte[12 * 1024 * 1024];
        java.util.Arrays.fill(twelveMiB, (byte) '#');
        given().contentType("application/yaml").body(twelveMiB).post("/api/v1/validate").then().statusCode(413)
                .contentType("application/problem+json")
                .body("status", equalTo(413))
                .body("title", equalTo("Payload Too Large"))
                .body("detail", containsString("quarkus.http.limits.max-body-size"));
    }

    @Test
    void unknownEnvironmentIsAProblem() {
        given().get("/api/v1/environments/nope").then().statusCode(404)
                .contentType("application/problem+json").body("title", equalTo("No such environment"));
    }

    @Test
    void healthSaysLiveAndReadyWithData() {
        awaitPlanInForce();
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks[0].data.role", equalTo("leader"))
                .body("checks[0].data.planRevision", notNullValue())
                .body("checks[0].data.lastSync", org.hamcrest.Matchers.not(equalTo("never")))
                .body("checks[0].data.error", nullValue());
    }

    @Test
    void anUnreadableLedgerIsReportedKeptAndAfterItsRepairThePendingMigrationRunsOnce() {
        awaitPlanInForce();
        byte[] good = cloud().getObject(SandboxResource.BUCKET, SandboxResource.STATUS_KEY);
        byte[] broken = "apiVersion: beanstalk-migrator/v1\nkind: [not, a ledger\n".getBytes(StandardCharsets.UTF_8);
        String object = "s3://" + SandboxResource.BUCKET + "/" + SandboxResource.STATUS_KEY;
        try {
            cloud().putObject(SandboxResource.BUCKET, SandboxResource.STATUS_KEY, broken);
            SandboxResource.plan(Plans.plan("{name: shop-ledger, version: v2}"));

            await().atMost(DEADLINE).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503)
                    .body("status", equalTo("DOWN"))
                    .body("checks[0].data.reason", equalTo("LedgerUnreadable"))
                    .body("checks[0].data.error", containsString(object))
                    .body("checks[0].data.action", containsString("version history")));
            given().get("/api/v1/status").then().statusCode(200)
                    .body("problem.reason", equalTo("LedgerUnreadable"))
                    .body("problem.message", containsString(object));
            // Several plan intervals later: nothing launched, the broken object kept as it is.
            await().during(Duration.ofSeconds(2)).atMost(DEADLINE).until(() -> runs("shop-ledger").isEmpty()
                    && java.util.Arrays.equals(broken, cloud().getObject(SandboxResource.BUCKET,
                    SandboxResource.STATUS_KEY)));
        } finally {
            cloud().putObject(SandboxResource.BUCKET, SandboxResource.STATUS_KEY, good);
        }

        MigrationRecord done = awaitPhase("shop-ledger", "v2", Phase.Succeeded);
        assertEquals(1, runs("shop-ledger", "v2").size(), "the pending migration ran once");
        assertEquals(done.taskArn(), runs("shop-ledger", "v2").get(0).taskArn());
        await().atMost(DEADLINE).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                .body("checks[0].data.reason", nullValue()));
        given().get("/api/v1/status").then().statusCode(200).body("problem", nullValue());
    }
}
