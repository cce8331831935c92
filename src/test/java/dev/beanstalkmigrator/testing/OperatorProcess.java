package dev.beanstalkmigrator.testing;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of the packaged operator ({@code java -jar target/quarkus-app/quarkus-run.jar}) as a child process, the
 * way a deployment runs it: configured by JVM options and {@code -D} settings, AWS credentials in its environment
 * (and none of the machine's), output to a log file. Waits for {@code /q/health/ready}, measures the process from
 * /proc, signals it (SIGSTOP, SIGCONT), and ends it with SIGTERM or SIGKILL.
 */
public final class OperatorProcess implements AutoCloseable {

    /** The packaged operator, as the package phase leaves it. */
    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    static final ObjectMapper JSON = new ObjectMapper();
    static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    private final Process process;
    private final Path log;
    private final int httpPort;
    private final long launchedNanos;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private OperatorProcess(Process process, Path log, int httpPort, long launchedNanos) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
        this.launchedNanos = launchedNanos;
    }

    /**
     * Starts {@code java -Dquarkus.http.port=PORT JVM_ARGUMENTS -jar JAR} with this JVM's {@code java}.
     *
     * @param jar          the packaged operator, usually {@link #JAR}
     * @param httpPort     the HTTP port ({@link #freePort()}), or 0 to let the operator choose (then
     *                     {@link #ready()} cannot be asked)
     * @param jvmArguments JVM options and {@code -D} settings, in order, between the port and {@code -jar}
     * @param environment  put into the child's environment after every inherited {@code AWS_*} variable is
     *                     dropped (see {@link AwsCli#testCredentials})
     * @param log          stdout and stderr go there
     * @param appendLog    append to the log (a restarted replica) rather than truncate it
     */
    public static OperatorProcess start(Path jar, int httpPort, List<String> jvmArguments,
                                        Map<String, String> environment, Path log, boolean appendLog)
            throws IOException {
        return start(Launch.thisJvm(jar), httpPort, jvmArguments, environment, log, appendLog);
    }

    /**
     * What runs the operator: a {@code java} launcher, the directory it runs in (null: this process's) and the jar,
     * relative to that directory. The container image runs {@code java -jar quarkus-run.jar} in its {@code WORKDIR};
     * a class-data archive or AOT cache is only used by a start that names the jar as its training run did.
     */
    public record Launch(Path java, Path directory, Path jar) {

        /** This JVM's {@code java}, in this process's directory. */
        public static Launch thisJvm(Path jar) {
            return new Launch(Path.of(System.getProperty("java.home"), "bin", "java"), null, jar);
        }
    }

    /** As {@link #start(Path, int, List, Map, Path, boolean)}, with the launcher, directory and jar of {@code launch}. */
    public static OperatorProcess start(Launch launch, int httpPort, List<String> jvmArguments,
                                        Map<String, String> environment, Path log, boolean appendLog)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launch.java().toString());
        command.add("-Dquarkus.http.port=" + httpPort);
        command.addAll(jvmArguments);
        command.add("-jar");
        command.add(launch.jar().toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(
                appendLog ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile()));
        if (launch.directory() != null) {
            builder.directory(launch.directory().toFile());
        }
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        builder.environment().putAll(environment);
        long launched = System.nanoTime();
        return new OperatorProcess(builder.start(), log, httpPort, launched);
    }

    /** A TCP port that was free a moment ago. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public int httpPort() {
        return httpPort;
    }

    /** When the process was launched, in {@link System#nanoTime()}. */
    public long launchedNanos() {
        return launchedNanos;
    }

    /** Seconds since the process was launched. */
    public double uptime() {
        return (System.nanoTime() - launchedNanos) / 1e9;
    }

    // --- readiness ------------------------------------------------------------------------------------------

    /** One look at {@code /q/health/ready}: 200 with status UP. False while it is not listening yet. */
    public boolean ready() throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                    + "/q/health/ready")).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && "UP".equals(JSON.readTree(r.body()).path("status").asText());
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * Seconds from process start to the first {@code /q/health/ready} UP, polled every 20 ms; fails with the
     * log's tail if the process exits or the timeout passes first.
     */
    public double awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the operator exited: " + tail(40));
            }
            if (ready()) {
                return uptime();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the operator was not ready within " + timeout + ": " + tail(40));
    }

    // --- the log --------------------------------------------------------------------------------------------

    public Path log() {
        return log;
    }

    /** The whole log so far, or "" where it cannot be read. */
    public String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of the log. */
    public String tail(int lines) {
        List<String> all = logText().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Quarkus's own "started in 1.234s" figure ("1.234"), or "?". */
    public String quarkusStartedIn() {
        Matcher m = Pattern.compile("started in ([0-9.]+)s").matcher(logText());
        return m.find() ? m.group(1) : "?";
    }

    // --- measuring ------------------------------------------------------------------------------------------

    /** VmRSS in KiB from /proc, -1 where /proc cannot tell. */
    public long rssKib() throws IOException {
        Path status = Path.of("/proc", String.valueOf(pid()), "status");
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

    /** User + system CPU seconds of the whole process so far, from /proc/pid/stat. */
    public double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
    }

    /** Heap used now (MiB) from {@code jcmd <pid> GC.heap_info}, or -1. */
    public double heapUsedNow() {
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

    /**
     * The TCP ports the process listens on (its socket inodes matched against /proc/net/tcp and tcp6), or null
     * where /proc cannot tell.
     */
    public Set<Integer> listeningPorts() throws IOException {
        Set<String> inodes = socketInodes();
        if (inodes == null) {
            return null;
        }
        Set<Integer> ports = new HashSet<>();
        for (String[] f : tcpTable()) {
            if ("0A".equals(f[3]) && inodes.contains(f[9])) {
                ports.add(port(f[1]));
            }
        }
        return ports;
    }

    /**
     * Whether the process owns the TCP connection whose local end is port {@code localPort} on this machine
     * (connected to {@code remotePort}): how a server in the test's JVM tells which process sent a request, from
     * the client address it sees. False where /proc cannot tell, or the connection is gone.
     */
    public boolean ownsConnection(int localPort, int remotePort) {
        try {
            Set<String> inodes = socketInodes();
            if (inodes == null) {
                return false;
            }
            for (String[] f : tcpTable()) {
                if (port(f[1]) == localPort && port(f[2]) == remotePort && inodes.contains(f[9])) {
                    return true;
                }
            }
            return false;
        } catch (IOException goneMeanwhile) {
            return false;
        }
    }

    /** The inodes of the process's sockets, or null where /proc cannot tell. */
    private Set<String> socketInodes() throws IOException {
        Path fds = Path.of("/proc", String.valueOf(pid()), "fd");
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
        return inodes;
    }

    /** The rows of the process's /proc/net/tcp and tcp6, split into fields (local, remote, state, ..., inode). */
    private List<String[]> tcpTable() throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path file = Path.of("/proc", String.valueOf(pid()), "net", table);
            if (!Files.isReadable(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].indexOf(':') > 0) {
                    rows.add(f);
                }
            }
        }
        return rows;
    }

    /** The port of a /proc/net/tcp address ({@code 0100007F:1F90}). */
    private static int port(String address) {
        return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
    }

    // --- ending and signalling ------------------------------------------------------------------------------

    /** Sends a signal by name ({@code STOP}, {@code CONT}) with {@code kill}; true if it was delivered. */
    public boolean signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid()))
                    .redirectErrorStream(true).start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * SIGTERM, an orderly shutdown, and wait up to {@code grace}; SIGKILL (and up to 10 s more) if it takes
     * longer. True if the process was gone within the grace period (or already before).
     */
    public boolean terminate(Duration grace) throws InterruptedException {
        if (!process.isAlive()) {
            return true;
        }
        process.destroy();
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        return false;
    }

    /** SIGKILL; returns when the process is gone (or after 10 s). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * Last resort (test teardown, shutdown hook): SIGCONT in case it is paused, then SIGKILL, waiting up to 5 s.
     * Never throws.
     */
    public void destroy() {
        if (!process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-CONT", String.valueOf(pid())).start().waitFor(2, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException ignored) {
            // killing follows anyway
        }
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM with 15 s of grace, then SIGKILL. */
    @Override
    public void close() throws InterruptedException {
        terminate(Duration.ofSeconds(15));
    }
}
