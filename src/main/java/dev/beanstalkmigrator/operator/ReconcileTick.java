package dev.beanstalkmigrator.operator;

import dev.beanstalkmigrator.config.MigratorConfig;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.metrics.ReconcileMeters;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.Snapshot;
import dev.beanstalkmigrator.reconcile.ManyPlans;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    Instance<Reconciler> reconciler;

    /** The plans under a prefix, when {@code migrator.desired-state.uri} names one. */
    @Inject
    Instance<ManyPlans> plans;

    @Inject
    MigratorConfig config;

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

    /** What the last cycle saw: the one plan's, or, for a prefix of plans, those this replica serves, as one. */
    public Snapshot snapshot() {
        return OperatorWiring.servesPrefix(config) ? plans.get().snapshot() : reconciler.get().snapshot();
    }

    /**
     * The plans served: for a prefix, every plan the listing or the roster knows, with its leader and, for those
     * served here, what their last cycle saw; for one plan, that plan.
     */
    public List<Map<String, Object>> plans() {
        List<Map<String, Object>> entries = new ArrayList<>();
        if (!OperatorWiring.servesPrefix(config)) {
            Snapshot snapshot = snapshot();
            entries.add(plan(config.desiredState().uri(), snapshot.status().leader(), snapshot));
            return entries;
        }
        ManyPlans many = plans.get();
        Map<String, ManyPlans.Served> here = many.served();
        many.plans().forEach((plan, holder) -> {
            ManyPlans.Served served = here.get(plan);
            entries.add(plan(plan, holder, served == null ? null : served.reconciler().snapshot()));
        });
        return entries;
    }

    private static Map<String, Object> plan(String plan, String holder, Snapshot snapshot) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("plan", plan);
        entry.put("leader", holder == null ? "" : holder);
        entry.put("servedHere", snapshot != null && snapshot.leader());
        if (snapshot != null) {
            boolean loaded = snapshot.plan() != null && snapshot.plan().loaded();
            entry.put("name", loaded ? snapshot.plan().plan().name() : "");
            entry.put("revision", loaded && snapshot.plan().revision() != null ? snapshot.plan().revision() : "");
            entry.put("environments", snapshot.status().environments().size());
            String error = snapshot.problem() != null ? snapshot.problem().reason() + ": "
                    + snapshot.problem().message() : snapshot.lastError();
            entry.put("error", error == null ? "" : error);
        }
        return entry;
    }

    private Snapshot run(boolean force) {
        if (OperatorWiring.servesPrefix(config)) {
            // Each plan's cycle runs on its own and is measured as a whole tick here only when forced.
            return meters.time(() -> {
                plans.get().cycle(force);
                return plans.get().snapshot();
            });
        }
        return meters.time(() -> {
            try {
                return reconciler.get().cycle(force);
            } catch (RuntimeException e) {
                // A bug must not stop the loop: it is reported (health, status, one log line per distinct problem)
                // and the next tick tries again from what is stored.
                return reconciler.get().failed(e);
            }
        });
    }
}
