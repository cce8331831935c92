package dev.beanstalkmigrator.operator;

import dev.beanstalkmigrator.config.MigratorConfig;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.PlanEvents;
import dev.beanstalkmigrator.reconcile.ManyPlans;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Reads the queue of the plans' S3 events ({@code migrator.desired-state.events}) from Quarkus Scheduler: each tick
 * that finds no receive under way starts one long poll (up to 20 s, so an idle queue costs three receives a minute),
 * and hands what it got to the {@link ManyPlans}. Only with a prefix of plans and a queue configured.
 */
@ApplicationScoped
public class EventTick {

    private static final Logger LOG = Logger.getLogger(EventTick.class);
    /** The longest long poll SQS allows. */
    static final Duration LONG_POLL = Duration.ofSeconds(20);

    @Inject
    MigratorConfig config;

    @Inject
    Instance<ManyPlans> plans;

    @Inject
    Instance<PlanEvents> events;

    private volatile boolean stopped;
    private String trouble;

    @Scheduled(identity = "plan-events", every = "${migrator.poll.tick}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void receive() {
        if (stopped || !OperatorWiring.servesPrefix(config) || config.desiredState().events().isEmpty()) {
            return;
        }
        try {
            List<PlanEvents.Message> messages = events.get().receive(LONG_POLL);
            if (!messages.isEmpty() && !stopped) {
                ManyPlans.EventsHandled handled = plans.get().onEvents(messages, events.get());
                LOG.debugf("plan events: %d messages, %d hints, %d handed on, %d dropped", messages.size(),
                        handled.hints(), handled.handedOn(), handled.dropped());
            }
            problem(null);
        } catch (CloudError e) {
            problem(e.getMessage());
        }
    }

    /** Logs what keeps the queue from being read, once per change. */
    private synchronized void problem(String now) {
        if (now != null && !now.equals(trouble)) {
            LOG.errorf("cannot read the plan events from %s: %s; the plans are still listed every %s",
                    config.desiredState().events().orElse(""), now, config.desiredState().fullListingInterval());
        } else if (now == null && trouble != null) {
            LOG.infof("plan events can be read again from %s", config.desiredState().events().orElse(""));
        }
        trouble = now;
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
    }
}
