package dev.beanstalkmigrator.faults;

import dev.beanstalkmigrator.testing.OperatorProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One replica of the packaged operator: a separate JVM, restarted under the same configured identity after each
 * death (each incarnation adds a suffix of its own, so the lease tells incarnations apart), or for one incarnation
 * under another replica's ({@link #startAs}). Killed with SIGKILL, paused with SIGSTOP, resumed with SIGCONT, stopped with SIGTERM (each incarnation an
 * {@link OperatorProcess}); tells whether it sent a request the sandbox holds (by the caller's port). Every
 * incarnation appends to the replica's log file.
 */
final class Replica {

    /** How a replica is started: everything but its identity. */
    record Launch(Path jar, Path logDirectory, List<String> properties, Map<String, String> environment) {}

    /** The replica's name in the suite (its log file, its lines in the output) and its own configured identity. */
    final String identity;
    private final Launch launch;
    private OperatorProcess process;
    private int incarnation;
    private boolean stopped;
    private volatile long diedAtNanos = -1;
    private boolean killedByUs;

    Replica(String identity, Launch launch) {
        this.identity = identity;
        this.launch = launch;
    }

    /** Starts a new incarnation under its own configured identity. */
    synchronized void start() throws IOException {
        startAs(identity);
    }

    /**
     * Starts a new incarnation configured with {@code configuredIdentity} ({@code migrator.leader-election.identity}),
     * another replica's to have two share one.
     */
    synchronized void startAs(String configuredIdentity) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(identity + " is running");
        }
        incarnation++;
        List<String> arguments = new ArrayList<>(List.of(
                "-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Dmigrator.leader-election.identity=" + configuredIdentity));
        arguments.addAll(launch.properties());
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

    /** Dead, and not because the suite killed or stopped it: it exited by itself. */
    synchronized boolean exitedByItself() {
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

    /**
     * Whether the running incarnation owns the connection from local port {@code clientPort} to
     * {@code serverPort}: whether it sent a request a server in this JVM saw from that port.
     */
    boolean sentFrom(int clientPort, int serverPort) {
        OperatorProcess p;
        synchronized (this) {
            p = process;
        }
        return p != null && p.isAlive() && p.ownsConnection(clientPort, serverPort);
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
