package dev.beanstalkmigrator.metrics;

import dev.beanstalkmigrator.reconcile.Snapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Times the reconcile cycles and hands each cycle's {@link Snapshot} to the {@link MigrationMeters}, with the names
 * of controller-runtime's metrics ({@code controller="migration"}):
 *
 * <ul>
 *   <li>{@code controller_runtime_reconcile_total{result="success|error"}}: cycles that did something;</li>
 *   <li>{@code controller_runtime_reconcile_errors_total}: those of them that ended in an error;</li>
 *   <li>{@code controller_runtime_reconcile_time_seconds}: their duration, a histogram.</li>
 * </ul>
 *
 * <p>A tick that finds nothing due returns the snapshot it was given, unchanged: that is not a reconcile and is not
 * counted, or the one-second tick would drown the cycles that read the plan, Elastic Beanstalk or ECS.
 */
@Singleton
public class ReconcileMeters {

    static final String CONTROLLER = "migration";
    static final String SUCCESS = "success";
    static final String ERROR = "error";

    /** controller-runtime's buckets, thinned: a cycle takes milliseconds idle and up to a minute in a burst. */
    static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final Counter successes;
    private final Counter failures;
    private final Counter errors;
    private final Timer time;
    private final MigrationMeters migrations;
    private Snapshot last;

    @Inject
    public ReconcileMeters(MeterRegistry registry) {
        this.registry = registry;
        this.successes = reconciles(SUCCESS);
        this.failures = reconciles(ERROR);
        this.errors = Counter.builder("controller.runtime.reconcile.errors").tag("controller", CONTROLLER)
                .description("Reconcile cycles that ended in an error").register(registry);
        this.time = Timer.builder("controller.runtime.reconcile.time").tag("controller", CONTROLLER)
                .description("How long a reconcile cycle took").serviceLevelObjectives(BUCKETS)
                .register(registry);
        this.migrations = new MigrationMeters(registry);
    }

    private Counter reconciles(String result) {
        return Counter.builder("controller.runtime.reconcile").tag("controller", CONTROLLER).tag("result", result)
                .description("Reconcile cycles, by result").register(registry);
    }

    /**
     * Runs {@code cycle} and measures it. Cycles are measured one at a time (the reconciler runs them one at a time
     * anyway), so that each snapshot is compared with the one before it.
     *
     * @param cycle one reconcile cycle; it returns the snapshot it published, never throws
     * @return what {@code cycle} returned
     */
    public synchronized Snapshot time(Supplier<Snapshot> cycle) {
        long start = registry.config().clock().monotonicTime();
        Snapshot after = cycle.get();
        if (after == last) {
            return after;
        }
        time.record(registry.config().clock().monotonicTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (failed(after)) {
            failures.increment();
            errors.increment();
        } else {
            successes.increment();
        }
        last = after;
        migrations.observe(after);
        return after;
    }

    /**
     * A cycle failed when something keeps the loop from working (a stall or a bug), AWS did not answer, or it ended
     * with an error of its own (a lost compare-and-swap); an invalid plan is not a failed cycle, it is counted as a
     * plan refusal.
     */
    static boolean failed(Snapshot snapshot) {
        if (snapshot.problem() != null || !snapshot.awsAnswered()) {
            return true;
        }
        String planError = snapshot.plan() == null ? null : snapshot.plan().error();
        return snapshot.lastError() != null && !snapshot.lastError().equals(planError);
    }
}
