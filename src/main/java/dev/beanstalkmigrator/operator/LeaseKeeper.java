package dev.beanstalkmigrator.operator;

import dev.beanstalkmigrator.config.MigratorConfig;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import dev.beanstalkmigrator.reconcile.ManyPlans;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Keeps (or watches for) the lease, every retry period, as a scheduled job of its own: a long reconcile cycle
 * (a burst of launches) never delays a renewal. Gives the lease up at shutdown, in a write that also records the
 * notifications delivered since the last one (so that an orderly restart of the leader repeats none of them).
 * The first round runs as soon as the application has started, beside the first reconcile cycle (see
 * {@link ReconcileTick}), not at the scheduler's first tick.
 */
@ApplicationScoped
public class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);

    @Inject
    Instance<MigrationLedger> ledger;

    /** The plans under a prefix, when {@code migrator.desired-state.uri} names one. */
    @Inject
    Instance<ManyPlans> plans;

    @Inject
    MigratorConfig config;

    @Inject
    Instance<Notifier> notifier;

    @Inject
    Vertx vertx;

    private final SkipWhileRunning rounds = new SkipWhileRunning();

    /** Set at shutdown: no election round may run after the lease was released, or it would take it back. */
    private boolean stopped;

    @Scheduled(identity = "lease-keeper", every = "${migrator.leader-election.retry-period}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void keep() {
        // A round that comes while the first one still runs is skipped, as the scheduler skips its own.
        rounds.run(this::round);
    }

    /** The first round, on a worker thread: startup does not wait for S3. */
    void firstRound(@Observes StartupEvent event) {
        // The worker pool the scheduler runs its jobs on.
        vertx.executeBlocking(() -> {
            keep();
            return null;
        }, false);
    }

    private synchronized void round() {
        if (stopped) {
            return;
        }
        if (OperatorWiring.servesPrefix(config)) {
            // The roster shares the plans out whether or not leader election is on: it also keeps their claims.
            try {
                plans.get().elect();
            } catch (RuntimeException e) {
                LOG.error("keeping the roster failed", e);
            }
            return;
        }
        if (!config.leaderElection().enabled()) {
            return;
        }
        try {
            ledger.get().elect();
        } catch (RuntimeException e) {
            // The next round tries again: the lease must keep being watched whatever one round met.
            LOG.error("leader election failed", e);
        }
    }

    synchronized void release(@Observes ShutdownEvent event) {
        stopped = true;
        if (OperatorWiring.servesPrefix(config)) {
            plans.get().release();
        } else if (config.leaderElection().enabled()) {
            ledger.get().release(notifier.get().settled());
        }
    }
}
