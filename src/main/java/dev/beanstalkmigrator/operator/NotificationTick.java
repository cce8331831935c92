package dev.beanstalkmigrator.operator;

import dev.beanstalkmigrator.config.MigratorConfig;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import dev.beanstalkmigrator.reconcile.ManyPlans;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * Drives notification delivery from Quarkus Scheduler, apart from the reconcile job: every tick
 * ({@code migrator.poll.tick}) hands the due messages of the ledger's outbox to the sender pool and returns, so
 * retries keep their backoff whatever the reconcile loop is doing, and a slow receiver never delays it.
 */
@ApplicationScoped
public class NotificationTick {

    @Inject
    Instance<Notifier> notifier;

    @Inject
    Instance<ManyPlans> plans;

    @Inject
    MigratorConfig config;

    @Scheduled(identity = "notify", every = "${migrator.poll.tick}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        if (OperatorWiring.servesPrefix(config)) {
            plans.get().dispatch();
        } else {
            notifier.get().dispatch();
        }
    }
}
