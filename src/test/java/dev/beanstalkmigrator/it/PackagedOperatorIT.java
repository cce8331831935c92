package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.LedgerCodec;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    static final Path AWS = Path.of("/usr/bin/aws");
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
    Process operator;
    Path operatorLog;
    int httpPort;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws IOException {
        assumeTrue(Files.isExecutable(AWS), "the AWS CLI is needed at " + AWS);
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
        Files.createDirectories(WORK);
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        cloud.putObject(BUCKET, PLAN_KEY, Plans.plan().getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (operator != null && operator.isAlive()) {
            operator.destroyForcibly();
            operator.waitFor(10, TimeUnit.SECONDS);
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void migratesOnceWhenAUserUploadsAPlan() throws Exception {
        // --- start, as a user would, and time it to readiness
        httpPort = freePort();
        operatorLog = WORK.resolve("operator.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + httpPort,
                "-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PLAN_KEY,
                "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                "-Dmigrator.aws.region=us-east-1",
                "-Dquarkus.s3.path-style-access=true",
                "-Dmigrator.api.token=" + TOKEN,
                "-Dmigrator.poll.plan-interval=500ms",
                "-Dmigrator.poll.beanstalk-interval=500ms",
                "-Dmigrator.poll.task-interval=300ms",
                "-jar", JAR.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(operatorLog.toFile());
        awsEnvironment(builder.environment());
        long launched = System.nanoTime();
        operator = builder.start();
        await("the operator to be ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    assertTrue(operator.isAlive(), () -> "the operator exited: " + log());
                    HttpResponse<String> ready = get("/q/health/ready");
                    return ready != null && ready.statusCode() == 200
                            && "UP".equals(JSON.readTree(ready.body()).path("status").asText());
                });
        long startupMillis = (System.nanoTime() - launched) / 1_000_000;

        // Production profile: the embedded sandbox stays off, the operator listens on its HTTP port only.
        assertFalse(log().contains("sandbox: simulated AWS"), this::log);
        Set<Integer> listening = listeningPorts(operator.pid());
        if (listening != null) {
            assertEquals(Set.of(httpPort), listening, "ports the operator listens on");
        }

        // --- the user uploads a plan that names a version, with the AWS CLI
        Path plan = temp.resolve("plan.yaml");
        Files.writeString(plan, Plans.plan("{name: " + ENVIRONMENT + ", version: " + VERSION + "}"));
        aws("s3", "cp", plan.toString(), "s3://" + BUCKET + "/" + PLAN_KEY);

        // --- ECS shows one task, started by the operator, stopped with exit code 0
        await("the migrate task to stop").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> taskArns("STOPPED").size() == 1);
        String taskArn = taskArns("STOPPED").get(0);
        assertEquals(List.of(), taskArns("RUNNING"));
        JsonNode task = JSON.readTree(aws("ecs", "describe-tasks", "--cluster", CLUSTER, "--tasks", taskArn,
                "--include", "TAGS")).path("tasks").get(0);
        assertEquals("STOPPED", task.path("lastStatus").asText());
        assertEquals(0, task.path("containers").get(0).path("exitCode").asInt(-1), task::toString);
        Map<String, String> tags = tags(task);
        assertEquals(ENVIRONMENT, tags.get("beanstalk-migrator:environment"));
        assertEquals(VERSION, tags.get("beanstalk-migrator:version"));
        String launchId = tags.get("beanstalk-migrator:launch-id");
        assertNotNull(launchId, tags::toString);
        assertEquals("bm-" + launchId, task.path("startedBy").asText());
        assertEquals(List.of(taskArn), arns(aws("ecs", "list-tasks", "--cluster", CLUSTER, "--started-by",
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

        String ledgerYaml = aws("s3", "cp", "s3://" + BUCKET + "/" + STATUS_KEY, "-");
        assertTrue(ledgerYaml.contains("phase: Succeeded"), ledgerYaml);
        MigrationStatus ledger = LedgerCodec.read(ledgerYaml.getBytes(StandardCharsets.UTF_8));
        MigrationRecord record = ledger.environment(ENVIRONMENT).find(VERSION, "");
        assertEquals(Phase.Succeeded, record.phase());
        assertEquals(taskArn, record.taskArn());
        assertEquals(0, record.exitCode());
        assertFalse(ledgerYaml.contains("shop-e2e-pw"), "environment variable values stay out of the ledger");

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
        assertFalse(log().contains("shop-e2e-pw"), "environment variable values stay out of the log");

        // --- figures, once idle after the migration
        long rssKib = rssKib(operator.pid());
        String quarkusStarted = quarkusStartedIn(log());
        System.out.println("PackagedOperatorIT figures: startup " + startupMillis
                + " ms (process start to the first /q/health/ready UP, polled every 50 ms; Quarkus reports started in "
                + quarkusStarted + "), RSS " + (rssKib < 0 ? "n/a" : rssKib / 1024 + " MiB (" + rssKib + " kB VmRSS)")
                + " idle after the migration");

        // --- SIGTERM: the operator shuts down within 10 s
        operator.destroy();
        assertTrue(operator.waitFor(10, TimeUnit.SECONDS), "the operator did not exit within 10 s of SIGTERM");
        int exit = operator.exitValue();
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

    /** Runs {@code aws --endpoint-url <sandbox> ARGS}; returns stdout, fails on a non-zero exit or after 60 s. */
    String aws(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(AWS.toString(), "--endpoint-url", cloud.endpoint().toString(),
                "--output", "json", "--no-cli-pager"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        awsEnvironment(builder.environment());
        builder.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        Path out = Files.createTempFile(temp, "aws", ".out");
        Path err = Files.createTempFile(temp, "aws", ".err");
        Process cli = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!cli.waitFor(60, TimeUnit.SECONDS)) {
            cli.destroyForcibly();
            throw new AssertionError("aws " + String.join(" ", args) + " did not finish in 60 s");
        }
        if (cli.exitValue() != 0) {
            throw new AssertionError("aws " + String.join(" ", args) + " exited with " + cli.exitValue() + ": "
                    + read(err));
        }
        return read(out);
    }

    /** AWS credentials for the sandbox, and nothing of the machine's own AWS configuration. */
    void awsEnvironment(Map<String, String> environment) {
        environment.keySet().removeIf(k -> k.startsWith("AWS_"));
        environment.put("AWS_ACCESS_KEY_ID", "test");
        environment.put("AWS_SECRET_ACCESS_KEY", "test");
        environment.put("AWS_CONFIG_FILE", temp.resolve("aws-config").toString());
        environment.put("AWS_SHARED_CREDENTIALS_FILE", temp.resolve("aws-credentials").toString());
        environment.put("AWS_EC2_METADATA_DISABLED", "true");
        environment.put("AWS_PAGER", "");
    }

    List<String> taskArns(String desiredStatus) throws IOException, InterruptedException {
        return arns(aws("ecs", "list-tasks", "--cluster", CLUSTER, "--desired-status", desiredStatus));
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
        try {
            return Files.readString(operatorLog, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** "1.234s" from Quarkus's "started in 1.234s" line, or "?". */
    static String quarkusStartedIn(String log) {
        Matcher m = Pattern.compile("started in ([0-9.]+s)").matcher(log);
        return m.find() ? m.group(1) : "?";
    }

    /** VmRSS of a process in kB, -1 where /proc is not there. */
    static long rssKib(long pid) throws IOException {
        Path status = Path.of("/proc", String.valueOf(pid), "status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /**
     * The TCP ports a process listens on (its socket inodes matched against /proc/net/tcp and tcp6), or null
     * where /proc cannot tell.
     */
    static Set<Integer> listeningPorts(long pid) throws IOException {
        Path fds = Path.of("/proc", String.valueOf(pid), "fd");
        if (!Files.isDirectory(fds)) {
            return null;
        }
        Set<String> inodes = new HashSet<>();
        try (var entries = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) entries::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor was closed while listing
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path file = Path.of("/proc", String.valueOf(pid), "net", table);
            if (!Files.isReadable(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && "0A".equals(f[3]) && inodes.contains(f[9])) {
                    String local = f[1];
                    ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }
}
