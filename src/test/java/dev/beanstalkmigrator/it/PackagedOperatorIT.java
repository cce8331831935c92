package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.AwsCli;
import dev.beanstalkmigrator.testing.OperatorProcess;
import dev.beanstalkmigrator.testing.Plans;
import java.io.IOException;
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
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged operator ({@code java -jar target/quarkus-app/quarkus-run.jar}, production profile) driven the
 * way a user drives it: configured by system properties and AWS credentials in its environment, a plan uploaded
 * with the AWS CLI, the migrate task and the ledger inspected with the AWS CLI, status and reconcile over HTTP,
 * stopped with SIGTERM. The sandbox plays AWS, in this JVM, on a free port.
 */
class PackagedOperatorIT {

    static final Path JAR = OperatorProcess.JAR;
    static final Path WORK = Path.of("target/packaged-operator-it");
    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plans/shop.yaml";
    static final String STATUS_KEY = "plans/shop.status.yaml";
    static final String TOKEN = "packaged-it-token";
    static final String ENVIRONMENT = "shop-e2e";
    static final String VERSION = "v2";
    static final String CLUSTER = "shop-cluster";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    SandboxCloud cloud;
    AwsCli cli;
    OperatorProcess operator;
    int httpPort;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws IOException {
        assumeTrue(AwsCli.installed(), "the AWS CLI is needed at " + AwsCli.AWS);
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
        Files.createDirectories(WORK);
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        cloud.putObject(BUCKET, PLAN_KEY, Plans.plan().getBytes(StandardCharsets.UTF_8));
        cli = new AwsCli(cloud.endpoint(), temp);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (operator != null && operator.isAlive()) {
            operator.kill();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void refusesToStartWithoutARegionAndSaysWhichSettingGivesOne() throws Exception {
        Map<String, String> environment = new java.util.HashMap<>(AwsCli.testCredentials(temp));
        environment.remove("AWS_DEFAULT_REGION"); // the AWS CLI's variable; the Java SDK reads AWS_REGION
        operator = OperatorProcess.start(JAR, OperatorProcess.freePort(), List.of(
                "-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PLAN_KEY,
                "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                "-Dquarkus.s3.path-style-access=true"),
                environment, WORK.resolve("operator-no-region.log"), false);

        assertTrue(operator.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the operator must exit");
        assertNotEquals(0, operator.process().exitValue(), this::log);
        assertTrue(log().contains("invalid configuration: no AWS region: set migrator.aws.region (environment"
                + " variable MIGRATOR_AWS_REGION) or AWS_REGION"), this::log);
        assertFalse(log().contains("UseArnRegion"), this::log);
    }

    @Test
    void migratesOnceWhenAUserUploadsAPlan() throws Exception {
        // --- start, as a user would, and time it to readiness
        httpPort = OperatorProcess.freePort();
        operator = OperatorProcess.start(JAR, httpPort, List.of(
                "-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PLAN_KEY,
                "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                "-Dmigrator.aws.region=us-east-1",
                "-Dquarkus.s3.path-style-access=true",
                "-Dmigrator.api.token=" + TOKEN,
                "-Dmigrator.poll.plan-interval=500ms",
                "-Dmigrator.poll.beanstalk-interval=500ms",
                "-Dmigrator.poll.task-interval=300ms"),
                AwsCli.testCredentials(temp), WORK.resolve("operator.log"), false);
        await("the operator to be ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    assertTrue(operator.isAlive(), () -> "the operator exited: " + log());
                    return operator.ready();
                });
        long startupMillis = (System.nanoTime() - operator.launchedNanos()) / 1_000_000;

        // Production profile: the embedded sandbox stays off, the operator listens on its HTTP port only.
        assertFalse(log().contains("sandbox: simulated AWS"), this::log);
        Set<Integer> listening = operator.listeningPorts();
        if (listening != null) {
            assertEquals(Set.of(httpPort), listening, "ports the operator listens on");
        }

        // The API is described; Swagger UI is not part of the production build.
        HttpResponse<String> openapi = get("/q/openapi?format=json");
        assertEquals(200, openapi.statusCode(), openapi::body);
        assertTrue(JSON.readTree(openapi.body()).path("paths").has("/api/v1/status"), openapi::body);
        assertEquals(404, get("/q/swagger-ui/").statusCode());

        // --- the user uploads a plan that names a version, with the AWS CLI
        Path plan = temp.resolve("plan.yaml");
        Files.writeString(plan, Plans.plan("{name: " + ENVIRONMENT + ", version: " + VERSION + "}"));
        cli.run("s3", "cp", plan.toString(), "s3://" + BUCKET + "/" + PLAN_KEY);

        // --- ECS shows one task, started by the operator, stopped with exit code 0
        await("the migrate task to stop").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> taskArns("STOPPED").size() == 1);
        String taskArn = taskArns("STOPPED").get(0);
        assertEquals(List.of(), taskArns("RUNNING"));
        JsonNode task = JSON.readTree(cli.run("ecs", "describe-tasks", "--cluster", CLUSTER, "--tasks", taskArn,
                "--include", "TAGS")).path("tasks").get(0);
        assertEquals("STOPPED", task.path("lastStatus").asText());
        assertEquals(0, task.path("containers").get(0).path("exitCode").asInt(-1), task::toString);
        Map<String, String> tags = tags(task);
        assertEquals(ENVIRONMENT, tags.get("beanstalk-migrator:environment"));
        assertEquals(VERSION, tags.get("beanstalk-migrator:version"));
        String launchId = tags.get("beanstalk-migrator:launch-id");
        assertNotNull(launchId, tags::toString);
        assertEquals("bm-" + launchId, task.path("startedBy").asText());
        assertEquals(List.of(taskArn), arns(cli.run("ecs", "list-tasks", "--cluster", CLUSTER, "--started-by",
                "bm-" + launchId, "--desired-status", "STOPPED")));
        assertEquals(1, cloud.runs().size(), () -> "tasks started: " + cloud.runs());

        // --- the status API and the ledger in S3 say Succeeded, with that task
        await("the status API to show the migration succeeded").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    JsonNode latest = latestMigration(JSON.readTree(get("/api/v1/status").body()));
                    return latest != null && "Succeeded".equals(latest.path("phase").asText());
                });
        JsonNode latest = latestMigration(JSON.readTree(get("/api/v1/status").body()));
        assertEquals(taskArn, latest.path("taskArn").asText());
        assertEquals(VERSION, latest.path("version").asText());
        assertEquals(launchId, latest.path("launchId").asText());

        String ledgerYaml = cli.run("s3", "cp", "s3://" + BUCKET + "/" + STATUS_KEY, "-");
        assertTrue(ledgerYaml.contains("phase: Succeeded"), ledgerYaml);
        MigrationStatus ledger = LedgerCodec.read(ledgerYaml.getBytes(StandardCharsets.UTF_8));
        MigrationRecord record = ledger.environment(ENVIRONMENT).find(VERSION, "");
        assertEquals(Phase.Succeeded, record.phase());
        assertEquals(taskArn, record.taskArn());
        assertEquals(0, record.exitCode());
        assertFalse(ledgerYaml.contains("shop-e2e-pw"), "environment variable values stay out of the ledger");

        // --- the log: JSON lines in the production profile, a migration's lines name it in fields
        List<JsonNode> lines = jsonLog();
        assertTrue(lines.stream().anyMatch(l -> l.path("message").asText().contains("started in")),
                "Quarkus's own lines are JSON too");
        for (String message : List.of("migrating " + VERSION + " with task " + taskArn,
                "migration of " + VERSION + " succeeded")) {
            JsonNode line = lines.stream().filter(l -> l.path("message").asText().contains(message)).findFirst()
                    .orElseThrow(() -> new AssertionError("no line with '" + message + "': " + log()));
            assertEquals(ENVIRONMENT, line.path("mdc").path("environment").asText(), line::toString);
            assertEquals(VERSION, line.path("mdc").path("version").asText(), line::toString);
            assertEquals(launchId, line.path("mdc").path("launchId").asText(), line::toString);
            assertEquals("INFO", line.path("level").asText(), line::toString);
        }

        // --- reconcile now: refused without the token, done with it
        HttpResponse<String> refused = post("/api/v1/reconcile", null);
        assertEquals(401, refused.statusCode(), refused::body);
        assertTrue(refused.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                () -> refused.headers().toString());
        assertEquals(401, JSON.readTree(refused.body()).path("status").asInt());
        HttpResponse<String> wrong = post("/api/v1/reconcile", "not-the-token");
        assertEquals(401, wrong.statusCode(), wrong::body);
        HttpResponse<String> accepted = post("/api/v1/reconcile", TOKEN);
        assertEquals(200, accepted.statusCode(), accepted::body);
        assertEquals("", JSON.readTree(accepted.body()).path("error").asText(), accepted::body);

        // Still exactly one task: reconciling again launched nothing.
        assertEquals(1, cloud.runs().size());
        assertTrue(cloud.runs().get(0).containerEnvironment().get("DATABASE_URL").contains("shop-e2e-pw"),
                "the variable's value reached ECS");
        assertFalse(log().contains("shop-e2e-pw"), "environment variable values stay out of the (JSON) log");

        // --- figures, once idle after the migration
        long rssKib = operator.rssKib();
        String quarkusStarted = operator.quarkusStartedIn();
        quarkusStarted = "?".equals(quarkusStarted) ? quarkusStarted : quarkusStarted + "s";
        System.out.println("PackagedOperatorIT figures: startup " + startupMillis
                + " ms (process start to the first /q/health/ready UP, polled every 50 ms; Quarkus reports started in "
                + quarkusStarted + "), RSS " + (rssKib < 0 ? "n/a" : rssKib / 1024 + " MiB (" + rssKib + " kB VmRSS)")
                + " idle after the migration");

        // --- SIGTERM: the operator shuts down within 10 s
        assertTrue(operator.terminate(Duration.ofSeconds(10)), "the operator did not exit within 10 s of SIGTERM");
        int exit = operator.process().exitValue();
        assertTrue(exit == 0 || exit == 143, "exit code " + exit);
        assertTrue(log().contains("stopped in"), () -> "no orderly Quarkus shutdown in the log: " + log());
    }

    // --- HTTP -----------------------------------------------------------------------------------------------

    HttpResponse<String> get(String path) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException notListeningYet) {
            return null;
        }
    }

    HttpResponse<String> post(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode latestMigration(JsonNode status) {
        for (JsonNode environment : status.path("environments")) {
            if (ENVIRONMENT.equals(environment.path("name").asText())) {
                JsonNode history = environment.path("history");
                return history.isEmpty() ? null : history.get(0);
            }
        }
        return null;
    }

    // --- the AWS CLI ----------------------------------------------------------------------------------------

    List<String> taskArns(String desiredStatus) throws IOException, InterruptedException {
        return arns(cli.run("ecs", "list-tasks", "--cluster", CLUSTER, "--desired-status", desiredStatus));
    }

    static List<String> arns(String listTasksJson) throws IOException {
        List<String> arns = new ArrayList<>();
        JSON.readTree(listTasksJson).path("taskArns").forEach(a -> arns.add(a.asText()));
        return arns;
    }

    static Map<String, String> tags(JsonNode task) {
        Map<String, String> tags = new java.util.LinkedHashMap<>();
        task.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
        return tags;
    }

    // --- the process ----------------------------------------------------------------------------------------

    String log() {
        return operator.logText();
    }

    /**
     * Every line of the log as JSON; fails on a line of plain text from the logging system (a JVM's own warning on
     * stdout, which does not start with a date, is let through).
     */
    List<JsonNode> jsonLog() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : log().lines().filter(l -> !l.isBlank()).toList()) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            } else {
                assertFalse(line.matches("^\\d{4}-\\d{2}-\\d{2}[ T].*"), "a plain log line: " + line);
            }
        }
        return lines;
    }
}
