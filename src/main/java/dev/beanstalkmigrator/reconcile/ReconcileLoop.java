package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.config.MigratorConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Drives the {@link Reconciler} on one thread of its own: after each cycle it sleeps until the next thing
 * is due (plan, Elastic Beanstalk, tasks, each on its own interval), so an idle operator wakes only when it
 * has something to do, and a plan interval of one second is honoured to the millisecond. (Quarkus's
 * scheduler runs jobs at one-second granularity at best, too coarse for the detection latency we promise.)
 */
@ApplicationScoped
public class ReconcileLoop {

    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);
    /** Even with nothing due, look at least this often: holds and retries have their own clocks. */
    static final Duration MAX_SLEEP = Duration.ofSeconds(1);
    static final Duration MIN_SLEEP = Duration.ofMillis(5);

    @Inject
    Reconciler reconciler;

    @Inject
    MigrationLedger ledger;

    @Inject
    MigratorConfig config;

    private ScheduledExecutorService executor;
    private ScheduledExecutorService leaseKeeper;

    void start(@Observes StartupEvent event) {
        executor = Executors.newSingleThreadScheduledExecutor(daemon("reconcile-loop"));
        if (config.leaderElection().enabled()) {
            // Its own thread: a long cycle (a burst of launches) must not keep the lease from being renewed.
            leaseKeeper = Executors.newSingleThreadScheduledExecutor(daemon("lease-keeper"));
            leaseKeeper.scheduleWithFixedDelay(this::elect, 0,
                    config.leaderElection().retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
        }
        executor.execute(this::tick);
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (executor != null) {
            executor.shutdownNow();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (leaseKeeper != null) {
            leaseKeeper.shutdownNow();
            leaseKeeper.awaitTermination(5, TimeUnit.SECONDS);
            ledger.release();
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private void elect() {
        try {
            ledger.elect();
        } catch (RuntimeException e) {
            // A task of a scheduled executor that throws is never run again: the lease must keep being watched.
            LOG.error("leader election failed", e);
        }
    }

    private void tick() {
        run(false);
        Duration sleep = Duration.between(Instant.now(), reconciler.nextDue());
        sleep = sleep.compareTo(MIN_SLEEP) < 0 ? MIN_SLEEP : sleep.compareTo(MAX_SLEEP) > 0 ? MAX_SLEEP : sleep;
        if (!executor.isShutdown()) {
            executor.schedule(this::tick, sleep.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Reconciles now, doing everything whatever is due, and returns what it saw. */
    public Snapshot reconcileNow() {
        return run(true);
    }

    public Snapshot snapshot() {
        return reconciler.snapshot();
    }

    public java.time.Instant lastProgress() {
        return reconciler.lastProgress();
    }

    private Snapshot run(boolean force) {
        try {
            return reconciler.cycle(force);
        } catch (RuntimeException e) {
            // A bug must not stop the loop: the next tick tries again from what is stored.
            LOG.error("reconcile cycle failed", e);
            return reconciler.snapshot();
        }
    }
}
