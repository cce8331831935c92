package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.AwsCli;
import dev.beanstalkmigrator.testing.OperatorProcess;
import dev.beanstalkmigrator.testing.Plans;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code wait} and {@code status} run as CI runs them: the packaged artifact with a command, as a process with AWS
 * credentials in its environment (and none of the machine's), against a sandbox in this JVM on a free port, while
 * the packaged operator reconciles the plan the test uploads. The tests run in order on one operator, each adding
 * to the plan what it needs, as a team's plan grows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WaitAndStatusCommandIT {

    static final Path WORK = Path.of("target/wait-status-command-it");
    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plans/shop.yaml";
    static final String PLAN_URI = "s3://" + BUCKET + "/" + PLAN_KEY;
    /** Values of the environments' variables and secrets: they must never appear in what the commands print. */
    static final List<String> CANARIES = List.of("shop-new-pw", "shop-fail-pw", "shop-timeout-pw",
            "canary-secret-7c1e5a9f3b", "sk_live_canary-0b8d2f6e4a");

    static final String NEW_SUSPENDED = "{name: shop-new, version: v2, suspend: true}";
    static final String NEW = "{name: shop-new, version: v2}";
    static final String FAIL = "{name: shop-fail, version: v-broken}";
    static final String SECRETS = "{name: shop-secrets, version: v2}";
    static final String SLOW = "{name: shop-timeout, version: v-slow}";

    SandboxCloud cloud;
    OperatorProcess operator;
    final AtomicInteger runs = new AtomicInteger();
    final List<String> everythingPrinted = new ArrayList<>();

    @BeforeAll
    void start() throws IOException {
        assertTrue(Files.isRegularFile(OperatorProcess.JAR), OperatorProcess.JAR
                + " is missing: run the package phase first");
        Files.createDirectories(WORK);
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        upload(Plans.plan(NEW_SUSPENDED));
        operator = OperatorProcess.start(OperatorProcess.JAR, OperatorProcess.freePort(), List.of(
                "-Dmigrator.desired-state.uri=" + PLAN_URI,
                "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                "-Dmigrator.aws.region=us-east-1",
                "-Dquarkus.s3.path-style-access=true",
                "-Dmigrator.leader-election.identity=it-replica",
                "-Dmigrator.poll.plan-interval=500ms",
                "-Dmigrator.poll.beanstalk-interval=500ms",
                "-Dmigrator.poll.task-interval=300ms"),
                AwsCli.testCredentials(WORK), WORK.resolve("operator.log"), false);
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (operator != null) {
            operator.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    void upload(String plan) {
        cloud.putObject(BUCKET, PLAN_KEY, plan.getBytes(StandardCharsets.UTF_8));
    }

    // --- the command as a process ------------------------------------------------------------------------------

    record Result(int exit, List<String> lines) {
        boolean has(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }
    }

    /** A command started, not yet finished. */
    final class Command {
        final Process process;
        final Path output;

        Command(Map<String, String> environment, String... args) throws IOException {
            output = WORK.resolve("command-" + runs.incrementAndGet() + ".txt");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    OperatorProcess.JAR.toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().remove("GITHUB_ACTIONS");
            AwsCli.useTestCredentials(builder.environment(), WORK);
            builder.environment().putAll(environment);
            process = builder.start();
        }

        List<String> lines() {
            try {
                return Files.readAllLines(output, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return List.of();
            }
        }

        Result finish(Duration within) throws InterruptedException {
            if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", process.info().arguments().orElse(new String[0]))
                        + " did not exit within " + within + ": " + lines() + "\noperator: " + operator.tail(40));
            }
            Result result = new Result(process.exitValue(), lines());
            everythingPrinted.addAll(result.lines());
            for (String canary : CANARIES) {
                assertFalse(result.lines().stream().anyMatch(l -> l.contains(canary)),
                        () -> "a variable's value was printed: " + result.lines());
            }
            assertFalse(result.has("Listening on") || result.has("started in"),
                    () -> "the command started the operator: " + result.lines());
            return result;
        }
    }

    Result run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        return new Command(environment, args).finish(Duration.ofSeconds(90));
    }

    String[] waitFor(String environment, String... more) {
        List<String> args = new ArrayList<>(List.of("wait", "--plan", PLAN_URI, "--environment", environment,
                "--endpoint-url", cloud.endpoint().toString(), "--poll-interval", "300ms"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    // --- the tests ---------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void waitShowsProgressAndExitsZeroOnceTheVersionSucceeded() throws Exception {
        Command wait = new Command(Map.of(), waitFor("shop-new"));
        await("wait to show that the plan suspends shop-new").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    assertTrue(wait.process.isAlive(), () -> "wait exited early: " + wait.lines());
                    return wait.lines().stream().anyMatch(l -> l.contains("shop-new: Suspended (SuspendedByPlan)"));
                });

        upload(Plans.plan(NEW));
        Result result = wait.finish(Duration.ofSeconds(60));

        assertEquals(0, result.exit(), result.lines()::toString);
        assertTrue(result.lines().get(0).startsWith("waiting up to 30m for shop-new to migrate v2 (plan " + PLAN_URI
                + " revision \""), result.lines()::toString);
        assertTrue(result.has("] the plan suspends shop-new (suspend: true)"), result.lines()::toString);
        assertTrue(result.has("] plan revision \""), result.lines()::toString);
        assertTrue(result.has("] the plan no longer suspends shop-new"), result.lines()::toString);
        assertTrue(result.has("] shop-new: no longer Suspended"), result.lines()::toString);
        String last = result.lines().get(result.lines().size() - 1);
        assertTrue(last.startsWith("shop-new: v2 Succeeded at ") && last.contains("(task arn:aws:ecs:us-east-1:"),
                result.lines()::toString);
    }

    @Test
    @Order(2)
    void aFailedMigrationExitsThreeWithItsExitCodeReasonAndLogTail() throws Exception {
        upload(Plans.plan(NEW, FAIL, SECRETS));

        Result result = run(Map.of("GITHUB_ACTIONS", "true"), waitFor("shop-fail", "--timeout", "1m"));

        assertEquals(3, result.exit(), result.lines()::toString);
        assertTrue(result.has("shop-fail: v-broken Failed at "), result.lines()::toString);
        assertTrue(result.has(": exit code 1"), result.lines()::toString);
        assertTrue(result.has("  reason: Essential container in task exited"), result.lines()::toString);
        assertTrue(result.has("    django.db.utils.ProgrammingError: column \"refund_id\" does not exist"),
                result.lines()::toString);
        assertTrue(result.has("::error title=Migration Failed::shop-fail: v-broken Failed: exit code 1"),
                result.lines()::toString);

        // A migration whose environment has secrets: the operator withholds its log, and so does wait.
        Result secrets = run(Map.of(), waitFor("shop-secrets", "--timeout", "1m"));
        assertEquals(3, secrets.exit(), secrets.lines()::toString);
        assertTrue(secrets.has(": exit code 3"), secrets.lines()::toString);
    }

    @Test
    @Order(3)
    void waitGivesUpAtItsOwnTimeoutWithSeven() throws Exception {
        upload(Plans.plan(NEW, FAIL, SECRETS, SLOW));

        Result result = run(Map.of("GITHUB_ACTIONS", "true"), waitFor("shop-timeout", "--timeout", "4s"));

        assertEquals(7, result.exit(), result.lines()::toString);
        assertTrue(result.has("wait: gave up after 4s: shop-timeout to migrate v-slow has not finished"),
                result.lines()::toString);
        assertTrue(result.has("::error title=Migration not finished::"), result.lines()::toString);
    }

    @Test
    @Order(4)
    void statusPrintsATableOfTheEnvironments() throws Exception {
        // The endpoint from the AWS CLI's own variable this time, and the region from AWS_DEFAULT_REGION.
        Result result = run(Map.of("AWS_ENDPOINT_URL", cloud.endpoint().toString()), "status", "--plan", PLAN_URI);

        assertEquals(0, result.exit(), result.lines()::toString);
        assertTrue(result.lines().get(0).startsWith("plan shop, revision \""), result.lines()::toString);
        assertTrue(result.lines().get(0).matches(".*; ledger s3://" + BUCKET + "/plans/shop\\.status\\.yaml; leader "
                + "it-replica_[0-9a-f-]{36}"), result.lines()::toString);
        assertTrue(result.lines().get(1).matches("ENVIRONMENT +READY +VERSION +DEPLOYED +MIGRATION +AGE +REASON"),
                result.lines()::toString);
        assertTrue(result.lines().stream().anyMatch(l -> l.matches(
                "shop-new +True +v2 +v1 +v2 Succeeded +\\d+[smhd] +MigrationSucceeded")), result.lines()::toString);
        assertTrue(result.lines().stream().anyMatch(l -> l.matches(
                "shop-fail +False +v-broken +v1 +v-broken Failed +\\d+[smhd] +MigrationFailed")),
                result.lines()::toString);
        assertTrue(result.lines().stream().anyMatch(l -> l.matches(
                "shop-timeout +False +v-slow +v1 +v-slow Running +\\d+[smhd] +\\S+")), result.lines()::toString);
    }

    @Test
    @Order(5)
    void aRefusedPlanEndsWaitWithSixAndShowsInStatus() throws Exception {
        upload(Plans.plan(NEW, FAIL, SECRETS, SLOW, "{name: shop-deploy, version: v2, timeout: 30x}"));

        Result result = run(Map.of(), waitFor("shop-new"));

        assertEquals(6, result.exit(), result.lines()::toString);
        assertTrue(result.lines().get(0).startsWith("wait: the plan " + PLAN_URI + " is invalid"),
                result.lines()::toString);
        assertTrue(result.lines().stream().anyMatch(l -> l.matches("shop\\.yaml:\\d+:\\d+: .*timeout.*30x.*")),
                result.lines()::toString);

        await("status to show the refused plan").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    Result status = run(Map.of(), "status", "--plan", PLAN_URI, "--endpoint-url",
                            cloud.endpoint().toString());
                    assertEquals(0, status.exit(), status.lines()::toString);
                    return status.has("the newest plan was refused; the last valid plan stays in force:")
                            && status.lines().stream().anyMatch(l -> l.matches("  shop\\.yaml:\\d+:\\d+: .*30x.*"));
                });
    }

    @Test
    @Order(6)
    void whatCannotBeReadIsAnErrorNamingIt() throws Exception {
        Result result = run(Map.of(), "wait", "--plan", "s3://" + BUCKET + "/plans/nope.yaml", "--environment",
                "shop-new", "--endpoint-url", cloud.endpoint().toString());

        assertEquals(1, result.exit(), result.lines()::toString);
        assertTrue(result.has("wait: no plan at s3://" + BUCKET + "/plans/nope.yaml"), result.lines()::toString);
        assertTrue(everythingPrinted.size() > 20, "the canaries were checked against everything printed");
    }
}
