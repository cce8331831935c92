package dev.beanstalkmigrator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged operator as a separate process, as a deployment runs it, pointed at the benchmark's sandbox. */
final class OperatorProcess implements AutoCloseable {

    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    static final ObjectMapper JSON = new ObjectMapper();
    static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    final Process process;
    final Path log;
    final Path gcLog;
    final int httpPort;
    final long launchedNanos;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private OperatorProcess(Process process, Path log, Path gcLog, int httpPort, long launchedNanos) {
        this.process = process;
        this.log = log;
        this.gcLog = gcLog;
        this.httpPort = httpPort;
        this.launchedNanos = launchedNanos;
    }

    /**
     * @param jvmOptions extra JVM options (a deployment's tuning), before {@code -jar}
     * @param settings   {@code migrator.*} and other system properties
     */
    static OperatorProcess start(URI endpoint, Path dir, String name, List<String> jvmOptions,
                                 Map<String, String> settings) throws IOException {
        Files.createDirectories(dir);
        int port = freePort();
        Path log = dir.resolve(name + ".log");
        Path gcLog = dir.resolve(name + ".gc.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xlog:gc:file=" + gcLog + ":uptime");
        command.addAll(jvmOptions);
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dmigrator.desired-state.uri=s3://" + BenchWorld.BUCKET + "/" + BenchWorld.PLAN_KEY);
        command.add("-Dmigrator.aws.endpoint-override=" + endpoint);
        command.add("-Dmigrator.aws.region=us-east-1");
        command.add("-Dquarkus.s3.path-style-access=true");
        command.add("-Dmigrator.api.token=bench-token");
        command.add("-Dmigrator.leader-election.identity=bench");
        settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(JAR.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        awsEnvironment(builder.environment(), dir);
        long launched = System.nanoTime();
        return new OperatorProcess(builder.start(), log, gcLog, port, launched);
    }

    /** AWS credentials for the sandbox, and nothing of the machine's own AWS configuration. */
    static void awsEnvironment(Map<String, String> environment, Path dir) {
        environment.keySet().removeIf(k -> k.startsWith("AWS_"));
        environment.put("AWS_ACCESS_KEY_ID", "test");
        environment.put("AWS_SECRET_ACCESS_KEY", "test");
        environment.put("AWS_DEFAULT_REGION", "us-east-1");
        environment.put("AWS_CONFIG_FILE", dir.resolve("aws-config").toString());
        environment.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("aws-credentials").toString());
        environment.put("AWS_EC2_METADATA_DISABLED", "true");
        environment.put("AWS_PAGER", "");
    }

    /** Seconds from process start to the first {@code /q/health/ready} UP, polled every 20 ms. */
    double awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the operator exited: " + tail(40));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                        + "/q/health/ready")).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && "UP".equals(JSON.readTree(r.body()).path("status").asText())) {
                    return (System.nanoTime() - launchedNanos) / 1e9;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the operator was not ready within " + timeout + ": " + tail(40));
    }

    long pid() {
        return process.pid();
    }

    /** VmRSS in KiB from /proc. */
    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** User + system CPU seconds of the whole process so far, from /proc/pid/stat. */
    double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
    }

    /** Quarkus's own "started in" figure. */
    String quarkusStartedIn() {
        Matcher m = Pattern.compile("started in ([0-9.]+)s").matcher(logText());
        return m.find() ? m.group(1) : "?";
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    String tail(int lines) {
        List<String> all = logText().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Uptime of the process in seconds, as its GC log counts it. */
    double uptime() {
        return (System.nanoTime() - launchedNanos) / 1e9;
    }

    /**
     * The largest heap occupancy seen before a collection ({@code -Xlog:gc} "Pause ... 45M->12M(256M)") between
     * two uptimes, and the largest committed heap, in MiB. Occupancy only grows between collections, so the
     * before-GC figures bound the peak from below to within one allocation burst.
     */
    double[] gcPeak(double fromUptime, double toUptime) throws IOException {
        Pattern line = Pattern.compile("^\\[([0-9.]+)s\\].*?(\\d+)M->(\\d+)M\\((\\d+)M\\)");
        double peak = 0;
        double committed = 0;
        int collections = 0;
        for (String l : Files.readAllLines(gcLog)) {
            Matcher m = line.matcher(l);
            if (m.find()) {
                double t = Double.parseDouble(m.group(1));
                if (t >= fromUptime && t <= toUptime) {
                    peak = Math.max(peak, Double.parseDouble(m.group(2)));
                    committed = Math.max(committed, Double.parseDouble(m.group(4)));
                    collections++;
                }
            }
        }
        return new double[] {peak, committed, collections};
    }

    /** Heap used now (MiB) from {@code jcmd <pid> GC.heap_info}, or -1. */
    double heapUsedNow() {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(pid()), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(20, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("used (\\d+)K").matcher(out);
            long used = 0;
            boolean any = false;
            // G1: "garbage-first heap total 123K, used 45K"; Serial: "def new generation ... used", "tenured ... used"
            Matcher g1 = Pattern.compile("garbage-first heap\\s+total \\d+K, used (\\d+)K").matcher(out);
            if (g1.find()) {
                return Long.parseLong(g1.group(1)) / 1024.0;
            }
            while (m.find()) {
                used += Long.parseLong(m.group(1));
                any = true;
            }
            return any ? used / 1024.0 : -1;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    /** SIGTERM, then wait; forcibly after 15 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
