package dev.beanstalkmigrator.health;

import dev.beanstalkmigrator.config.MigratorConfig;
import dev.beanstalkmigrator.operator.ReconcileTick;
import dev.beanstalkmigrator.reconcile.Snapshot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/** Live while the reconcile loop makes progress: a cycle ended, or a long one launched a task, recently. */
@Liveness
@ApplicationScoped
public class LoopLiveness implements HealthCheck {

    private final Instant started = Instant.now();

    @Inject
    ReconcileTick loop;

    @Inject
    MigratorConfig config;

    @Override
    public HealthCheckResponse call() {
        Snapshot snapshot = loop.snapshot();
        Duration allowed = stallAllowance();
        Instant progress = snapshot.lastProgress();
        Instant last = progress != null ? progress : started;
        Duration since = Duration.between(last, Instant.now());
        HealthCheckResponseBuilder response = HealthCheckResponse.named("reconcile-loop")
                .withData("lastProgress", progress == null ? "never" : progress.toString())
                .withData("secondsSinceLastCycle", since.toSeconds())
                .withData("passes", snapshot.passes());
        return response.status(since.compareTo(allowed) <= 0).build();
    }

    /** A cycle may wait out slow AWS calls and retries; several missed plan intervals mean it is stuck. */
    private Duration stallAllowance() {
        Duration threePlanIntervals = config.poll().planInterval().multipliedBy(3);
        Duration floor = Duration.ofMinutes(2);
        return threePlanIntervals.compareTo(floor) > 0 ? threePlanIntervals : floor;
    }
}
