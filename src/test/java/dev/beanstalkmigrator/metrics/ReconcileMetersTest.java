package dev.beanstalkmigrator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.reconcile.LoopProblem;
import dev.beanstalkmigrator.reconcile.Snapshot;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cycle's meters: what counts as a reconcile, its result, its time. */
class ReconcileMetersTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final DesiredState.View PLAN = new DesiredState.View(null, null, List.of(), null);

    final MockClock clock = new MockClock();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    final ReconcileMeters meters = new ReconcileMeters(registry);

    static Snapshot snapshot(DesiredState.View plan, String error, boolean awsAnswered, LoopProblem problem) {
        return new Snapshot(MigrationStatus.empty(), plan, true, "me", T0, error, awsAnswered, T0, 1, problem);
    }

    double reconciles(String result) {
        return registry.get("controller.runtime.reconcile").tag("controller", "migration").tag("result", result)
                .counter().count();
    }

    Snapshot cycle(Snapshot result, Duration took) {
        return meters.time(() -> {
            clock.add(took);
            return result;
        });
    }

    @Test
    void aCycleIsCountedAndTimedAndATickThatFoundNothingDueIsNot() {
        Snapshot first = snapshot(PLAN, null, true, null);
        assertSame(first, cycle(first, Duration.ofMillis(1800)));
        cycle(first, Duration.ofMillis(3));
        cycle(first, Duration.ofMillis(3));

        assertEquals(1, reconciles("success"));
        assertEquals(0, reconciles("error"));
        Timer time = registry.get("controller.runtime.reconcile.time").tag("controller", "migration").timer();
        assertEquals(1, time.count());
        assertEquals(1.8, time.totalTime(TimeUnit.SECONDS), 1e-9);
        CountAtBucket[] buckets = time.takeSnapshot().histogramCounts();
        assertEquals(ReconcileMeters.BUCKETS.length, buckets.length);
        for (CountAtBucket bucket : buckets) {
            assertEquals(bucket.bucket(TimeUnit.SECONDS) >= 2.5 ? 1 : 0, bucket.count(), "le " + bucket.bucket());
        }

        cycle(snapshot(PLAN, null, true, null), Duration.ofMillis(20));
        assertEquals(2, reconciles("success"));
        assertEquals(2, time.count());
    }

    @Test
    void errorsAreCountedInBothCountersAndAnInvalidPlanIsNoError() {
        DesiredState.View invalid = new DesiredState.View(null, null, List.of("plan.yaml:1:1: bad"), "\"r2\"");
        cycle(snapshot(invalid, "plan.yaml:1:1: bad", true, null), Duration.ZERO);
        assertEquals(1, reconciles("success"));

        cycle(snapshot(PLAN, "s3:PutObject: PreconditionFailed", true, null), Duration.ZERO);
        cycle(snapshot(PLAN, "ecs:DescribeTasks: Throttling", false, null), Duration.ZERO);
        cycle(snapshot(PLAN, null, true, new LoopProblem("AccessDenied", "m", "a")), Duration.ZERO);
        assertEquals(3, reconciles("error"));
        assertEquals(3, registry.get("controller.runtime.reconcile.errors").counter().count());
        assertEquals(1, reconciles("success"));
    }

    @Test
    void theFailedRule() {
        assertFalse(ReconcileMeters.failed(snapshot(PLAN, null, true, null)));
        assertFalse(ReconcileMeters.failed(snapshot(null, null, true, null)), "no plan read yet");
        assertTrue(ReconcileMeters.failed(snapshot(null, "the reconcile cycle failed", true, null)));
        assertTrue(ReconcileMeters.failed(snapshot(PLAN, null, false, null)));
    }
}
