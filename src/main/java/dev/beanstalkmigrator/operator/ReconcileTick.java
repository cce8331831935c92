package dev.beanstalkmigrator.operator;

import dev.beanstalkmigrator.metrics.ReconcileMeters;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.Snapshot;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Drives the {@link Reconciler} from Quarkus Scheduler: every tick ({@code migrator.poll.tick}, 1 s) runs a
 * cycle, which does only what is due (the plan, Elastic Beanstalk, the tasks, each on its own interval) and
 * returns at once when nothing is. The scheduler's granularity is one second, so a change is seen within its
 * interval plus a second; {@code POST /api/v1/reconcile} ({@link #reconcileNow()}) reacts at once. Every cycle is
 * measured by the {@link ReconcileMeters}.
 */
@ApplicationScoped
public class ReconcileTick {

    @Inject
    Reconciler reconciler;

    @Inject
    ReconcileMeters meters;

    @Scheduled(identity = "reconcile", every = "${migrator.poll.tick}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        run(false);
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
