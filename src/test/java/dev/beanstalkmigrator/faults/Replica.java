package dev.beanstalkmigrator.faults;

import dev.beanstalkmigrator.testing.OperatorProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One replica of the packaged operator: a separate JVM, restarted under the same identity after each death.
 * Killed with SIGKILL, paused with SIGSTOP, resumed with SIGCONT, stopped with SIGTERM (each incarnation an
 * {@link OperatorProcess}). Every incarnation appends to the replica's log file.
 */
final class Replica {

    /** How a replica is started: everything but its identity. */
    record Launch(Path jar, Path logDirectory, List<String> properties, Map<String, String> environment) {}

    final String identity;
    private final Launch launch;
    private OperatorProcess process;
    private int incarnation;
    private boolean stopped;
    private volatile long diedAtNanos = -1;
    private boolean killedByUs;
    private String arming = "";

    Replica(String identity, Launch launch) {
        this.identity = identity;
        this.launch = launch;
    }

    /**
     * Starts a new incarnation. {@code haltAt}, {@code probability} and {@code seed} are only recorded as its
     * arming: the operator has no fault injection of its own any more, so a replica halts only when killed.
     */
    synchronized void start(List<String> haltAt, double probability, long seed) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(identity + " is running");
        }
        incarnation++;
        List<String> arguments = new ArrayList<>(List.of(
                "-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Dmigrator.leader-election.identity=" + identity));
        arguments.addAll(launch.properties());
        arming = haltAt.isEmpty() ? "" : String.join(",", haltAt) + "@" + probability;
        OperatorProcess started = OperatorProcess.start(launch.jar(), 0, arguments, launch.environment(),
                launch.logDirectory().resolve(identity + ".log"), true);
        process = started;
        stopped = false;
        killedByUs = false;
        diedAtNanos = -1;
        started.process().onExit().thenRun(() -> diedAtNanos = System.nanoTime());
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Dead, and not because the suite killed or stopped it: it halted itself (fault injection). */
    synchronized boolean halted() {
        return process != null && !process.isAlive() && !killedByUs;
    }

    synchronized int exitCode() {
        return process == null || process.isAlive() ? -1 : process.process().exitValue();
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
        process.kill();
        stopped = false;
    }

    /** SIGTERM: an orderly shutdown that releases the lease; SIGKILL if it takes more than 10 s. */
    synchronized void terminate() throws InterruptedException {
        if (!isAlive()) {
            return;
        }
        killedByUs = true;
        if (stopped) {
            process.signal("CONT");
        }
        process.terminate(Duration.ofSeconds(10));
        stopped = false;
    }

    synchronized void pause() {
        if (isAlive() && !stopped && process.signal("STOP")) {
            stopped = true;
        }
    }

    synchronized void resume() {
        if (stopped) {
            process.signal("CONT");
            stopped = false;
        }
    }

    /** Last resort (test teardown, shutdown hook): resume if paused, then SIGKILL. Never throws. */
    void destroy() {
        OperatorProcess p;
        synchronized (this) {
            p = process;
        }
        if (p != null) {
            p.destroy();
        }
    }

    static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
