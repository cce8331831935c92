package dev.beanstalkmigrator.reconcile;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Drives the {@link Reconciler}: a short tick decides what is due (plan, Elastic Beanstalk, tasks, each on its
 * own interval), so that a reconcile asked for over HTTP and the intervals share one thread of control.
 */
@ApplicationScoped
public class ReconcileLoop {

    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);

    @Inject
    Reconciler reconciler;

    @Scheduled(every = "${migrator.poll.tick:250ms}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, identity = "reconcile")
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
        try {
            return reconciler.cycle(force);
        } catch (RuntimeException e) {
            // A bug must not stop the loop: the next tick tries again from what is stored.
            LOG.error("reconcile cycle failed", e);
            return reconciler.snapshot();
        }
    }
}
