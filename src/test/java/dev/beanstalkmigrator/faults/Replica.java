package dev.beanstalkmigrator.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One replica of the packaged operator: a separate JVM, restarted under the same identity after each death.
 * Killed with SIGKILL, paused with SIGSTOP, resumed with SIGCONT, stopped with SIGTERM. Every incarnation
 * appends to the replica's log file.
 */
final class Replica {

    /** How a replica is started: everything but its identity and its fault-injection arming. */
    record Launch(Path jar, Path logDirectory, List<String> properties, Map<String, String> environment) {}

    final String identity;
    private final Launch launch;
    private Process process;
    private int incarnation;
    private boolean stopped;
    private volatile long diedAtNanos = -1;
    private boolean killedByUs;
    private String arming = "";

    Replica(String identity, Launch launch) {
        this.identity = identity;
        this.launch = launch;
    }

    /** Starts a new incarnation, halting at {@code haltAt} with {@code probability} (none when empty). */
    synchronized void start(List<String> haltAt, double probability, long seed) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(identity + " is running");
        }
        incarnation++;
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Dmigrator.leader-election.identity=" + identity));
        command.addAll(launch.properties());
        arming = haltAt.isEmpty() ? "" : String.join(",", haltAt) + "@" + probability;
        if (!haltAt.isEmpty()) {
            command.add("-Dmigrator.fault-injection.halt-at=" + String.join(",", haltAt));
            command.add("-Dmigrator.fault-injection.halt-probability=" + probability);
            command.add("-Dmigrator.fault-injection.seed=" + seed);
        }
        command.addAll(List.of("-jar", launch.jar().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        launch.logDirectory().resolve(identity + ".log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        builder.environment().putAll(launch.environment());
        Process started = builder.start();
        process = started;
        stopped = false;
        killedByUs = false;
        diedAtNanos = -1;
        started.onExit().thenRun(() -> diedAtNanos = System.nanoTime());
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Dead, and not because the suite killed or stopped it: it halted itself (fault injection). */
    synchronized boolean halted() {
        return process != null && !process.isAlive() && !killedByUs;
    }

    synchronized int exitCode() {
        return process == null || process.isAlive() ? -1 : process.exitValue();
    }

    /** When the current incarnation's exit was seen (System.nanoTime), -1 while alive. */
    long diedAtNanos() {
        return diedAtNanos;
    }

    synchronized boolean isStopped() {
        return stopped;
    }

    synchronized int incarnation() {
        return incarnation;
    }

    synchronized String arming() {
        return arming;
    }

    /** SIGKILL; returns when the process is gone. */
    synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        killedByUs = true;
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        stopped = false;
    }

    /** SIGTERM: an orderly shutdown that releases the lease; SIGKILL if it takes more than 10 s. */
    synchronized void terminate() throws InterruptedException {
        if (!isAlive()) {
            return;
        }
        killedByUs = true;
        if (stopped) {
            signal("CONT");
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        stopped = false;
    }

    synchronized void pause() {
        if (isAlive() && !stopped && signal("STOP")) {
            stopped = true;
        }
    }

    synchronized void resume() {
        if (stopped) {
            signal("CONT");
            stopped = false;
        }
    }

    private boolean signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                    .redirectErrorStream(true).start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Last resort (test teardown, shutdown hook): resume if paused, then SIGKILL. Never throws. */
    void destroy() {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p != null && p.isAlive()) {
            try {
                new ProcessBuilder("kill", "-CONT", String.valueOf(p.pid())).start().waitFor(2, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException ignored) {
                // killing follows anyway
            }
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
