package dev.beanstalkmigrator.operator;

import dev.beanstalkmigrator.metrics.ReconcileMeters;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.Snapshot;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Drives the {@link Reconciler} from Quarkus Scheduler: every tick ({@code migrator.poll.tick}, 1 s) runs a
 * cycle, which does only what is due (the plan, Elastic Beanstalk, the tasks, each on its own interval) and
 * returns at once when nothing is. The scheduler's granularity is one second, so a change is seen within its
 * interval plus a second; {@code POST /api/v1/reconcile} ({@link #reconcileNow()}) reacts at once. Every cycle is
 * measured by the {@link ReconcileMeters}.
 *
 * <p>The first cycle runs as soon as the application has started ({@link #firstCycle}), not at the scheduler's first
 * tick: the scheduler checks its triggers on whole seconds and skips a check that comes while the application is
 * still starting, so that tick comes up to a second after start, and readiness waits for a cycle.
 */
@ApplicationScoped
public class ReconcileTick {

    @Inject
    Reconciler reconciler;

    @Inject
    ReconcileMeters meters;

    @Inject
    Vertx vertx;

    private final SkipWhileRunning ticks = new SkipWhileRunning();

    /** The first cycle, on a worker thread: startup does not wait for AWS. */
    void firstCycle(@Observes StartupEvent event) {
        // The worker pool the scheduler runs its jobs on.
        vertx.executeBlocking(() -> {
            tick();
            return null;
        }, false);
    }

    @Scheduled(identity = "reconcile", every = "${migrator.poll.tick}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        // A tick that comes while the first cycle still runs is skipped, as the scheduler skips its own.
        ticks.run(() -> run(false));
    }

    /** Reconciles now, doing everything whatever is due, and returns what it saw. */
    public Snapshot reconcileNow() {
        return run(true);
    }

    public Snapshot snapshot() {
        return reconciler.snapshot();
    }

    private Snapshot run(boolean force) {
        return meters.time(() -> {
            try {
                return reconciler.cycle(force);
            } catch (RuntimeException e) {
                // A bug must not stop the loop: it is reported (health, status, one log line per distinct problem)
                // and the next tick tries again from what is stored.
                return reconciler.failed(e);
            }
        });
    }
}
