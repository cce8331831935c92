package dev.beanstalkmigrator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.reconcile.Snapshot;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The migrations' meters, from successive snapshots: each ending counted once, by the leader, gauges that follow. */
class MigrationMetersTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MigrationMeters meters = new MigrationMeters(registry);

    static MigrationPlan plan(String... environments) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: shop}
                spec:
                  defaults: {application: shop, cluster: c, taskDefinition: t, container: app, command: [migrate],
                             network: {subnets: [subnet-1], securityGroups: [sg-1]}}
                  environments:
                """);
        for (String environment : environments) {
            yaml.append("    - {name: ").append(environment).append(", version: v1}\n");
        }
        ParseOutcome outcome = new PlanParser(PlanLimits.DEFAULTS).parse("plan.yaml",
                yaml.toString().getBytes(StandardCharsets.UTF_8));
        if (outcome instanceof ParseOutcome.Invalid invalid) {
            throw new AssertionError(invalid.describe());
        }
        return ((ParseOutcome.Valid) outcome).plan();
    }

    static final DesiredState.View PLAN = new DesiredState.View(plan("shop-web", "shop-worker"), "\"r1\"", List.of(), null);

    static MigrationRecord record(String version, Phase phase, int startedSecond, Integer finishedSecond) {
        return new MigrationRecord(version, "", phase, "launch-" + version, "c", "app", "arn:task/" + version,
                "image", "template", "arn:td", "container-overrides", List.of("migrate"), T0,
                T0.plusSeconds(startedSecond), finishedSecond == null ? null : T0.plusSeconds(finishedSecond), 0,
                null, null, null);
    }

    static EnvironmentStatus environment(String name, boolean ready, MigrationRecord... history) {
        return new EnvironmentStatus(name, "shop", "v1", "v1", "v1",
                List.of(new Condition(Condition.READY, ready ? "True" : "False", "R", "m", T0)), Arrays.asList(history));
    }

    static Snapshot snapshot(boolean leader, DesiredState.View plan, EnvironmentStatus... environments) {
        MigrationStatus status = MigrationStatus.empty().withEnvironments(new ArrayList<>(List.of(environments)));
        return new Snapshot(status, plan, leader, "me", T0, null, true, T0, 1, null);
    }

    double finished(Phase phase) {
        return registry.get("beanstalk.migrator.migrations").tag("phase", phase.name()).counter().count();
    }

    double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    Gauge ready(String environment) {
        return registry.find("beanstalk.migrator.environment.ready").tag("environment", environment).gauge();
    }

    @Test
    void anEndingIsCountedOnceWithItsDurationHoweverOftenItIsPublished() {
        meters.observe(snapshot(true, PLAN, environment("shop-web", false)));
        meters.observe(snapshot(true, PLAN, environment("shop-web", false, record("v1", Phase.Running, 10, null))));
        assertEquals(1, gauge("beanstalk.migrator.migrations.in.flight"));
        assertEquals(0, finished(Phase.Succeeded));

        Snapshot done = snapshot(true, PLAN, environment("shop-web", true, record("v1", Phase.Succeeded, 10, 52)));
        meters.observe(done);
        meters.observe(done);
        meters.observe(snapshot(true, PLAN, environment("shop-web", true, record("v1", Phase.Succeeded, 10, 52))));

        assertEquals(1, finished(Phase.Succeeded));
        assertEquals(0, finished(Phase.Failed));
        assertEquals(0, finished(Phase.TimedOut));
        var duration = registry.get("beanstalk.migrator.migration.duration").tag("phase", "Succeeded").timer();
        assertEquals(1, duration.count());
        assertEquals(42, duration.totalTime(TimeUnit.SECONDS), 1e-9);
        assertEquals(0, gauge("beanstalk.migrator.migrations.in.flight"));
    }

    @Test
    void whatTheLedgerHeldFinalWhenThisReplicaStartedIsNotCounted() {
        meters.observe(snapshot(true, PLAN, environment("shop-web", true, record("v1", Phase.Succeeded, 0, 5)),
                environment("shop-worker", false, record("v1", Phase.Failed, 0, 5))));
        assertEquals(0, finished(Phase.Succeeded));
        assertEquals(0, finished(Phase.Failed));

        // Launched and ended between two of this leader's cycles: never seen in flight, counted all the same.
        meters.observe(snapshot(true, PLAN,
                environment("shop-web", true, record("v2", Phase.TimedOut, 10, 70), record("v1", Phase.Succeeded, 0, 5)),
                environment("shop-worker", false, record("v1", Phase.Failed, 0, 5))));
        assertEquals(1, finished(Phase.TimedOut));
        assertEquals(0, finished(Phase.Succeeded));
        assertEquals(0, finished(Phase.Failed));
    }

    @Test
    void aStandbyCountsNothingAndOnTakeoverCountsOnlyWhatItSawInFlight() {
        meters.observe(snapshot(false, PLAN, environment("shop-web", false, record("v1", Phase.Running, 0, null))));
        meters.observe(snapshot(false, PLAN, environment("shop-web", true, record("v1", Phase.Succeeded, 0, 5)),
                environment("shop-worker", false, record("v1", Phase.Running, 0, null))));
        assertEquals(0, finished(Phase.Succeeded), "the leader's ending, not this replica's");
        assertEquals(0, gauge("beanstalk.migrator.leader"));
        assertEquals(1, gauge("beanstalk.migrator.migrations.in.flight"), "the ledger as the standby reads it");

        // Takeover: the worker's migration, in flight in the standby's last view, ends under this replica; the
        // record that appears already final was the old leader's.
        meters.observe(snapshot(true, PLAN, environment("shop-web", true, record("v1", Phase.Succeeded, 0, 5)),
                environment("shop-worker", false, record("v1", Phase.Failed, 0, 9)),
                environment("shop-other", false, record("v7", Phase.Failed, 0, 3))));
        assertEquals(1, finished(Phase.Failed));
        assertEquals(0, finished(Phase.Succeeded));
        assertEquals(1, gauge("beanstalk.migrator.leader"));

        // Deposed: what ends meanwhile is the new leader's to count.
        meters.observe(snapshot(false, PLAN, environment("shop-web", false, record("v2", Phase.Running, 0, null))));
        meters.observe(snapshot(false, PLAN, environment("shop-web", true, record("v2", Phase.Succeeded, 0, 4))));
        assertEquals(0, finished(Phase.Succeeded));
    }

    @Test
    void environmentsWaitingForAnotherAreCountedByReasonAndARunThroughAnotherIsNoMigrationHere() {
        EnvironmentStatus waiting = new EnvironmentStatus("shop-worker", "shop", "v1", "v1", "v1",
                List.of(new Condition(Condition.READY, "False", Reasons.WAITING_FOR_DATABASE, "waiting for database",
                        T0)), List.of(record("v1", Phase.Pending, 0, null)));
        meters.observe(snapshot(true, PLAN, environment("shop-web", false, record("v1", Phase.Running, 0, null)),
                waiting));
        assertEquals(1, registry.get("beanstalk.migrator.environments.waiting")
                .tag("reason", Reasons.WAITING_FOR_DATABASE).gauge().value());

        MigrationRecord through = new MigrationRecord("v1", "", Phase.Succeeded, "launch-w", "c", "app", null, "image",
                "template", null, null, List.of("migrate"), T0, null, T0.plusSeconds(9), null, "succeeded through"
                + " shop-web", null, null).withThrough("shop-web");
        meters.observe(snapshot(true, PLAN, environment("shop-web", true, record("v1", Phase.Succeeded, 0, 8)),
                environment("shop-worker", true, through)));
        assertEquals(0, registry.get("beanstalk.migrator.environments.waiting")
                .tag("reason", Reasons.WAITING_FOR_DATABASE).gauge().value());
        assertEquals(1, finished(Phase.Succeeded), "one task ran; the other environment's record is not a second");
    }

    @Test
    void readyHasOneSeriesPerEnvironmentOfThePlanAndLosesThoseThatLeaveIt() {
        meters.observe(snapshot(true, PLAN, environment("shop-web", true), environment("shop-old", true)));
        assertEquals(1, ready("shop-web").value());
        assertEquals(0, ready("shop-worker").value(), "in the plan, not yet in the ledger: not ready");
        assertNull(ready("shop-old"), "in the ledger, no longer in the plan");

        meters.observe(snapshot(true, PLAN, environment("shop-web", false), environment("shop-worker", true)));
        assertEquals(0, ready("shop-web").value());
        assertEquals(1, ready("shop-worker").value());

        DesiredState.View smaller = new DesiredState.View(plan("shop-web"), "\"r2\"", List.of(), null);
        meters.observe(snapshot(true, smaller, environment("shop-web", true), environment("shop-worker", true)));
        assertEquals(1, ready("shop-web").value());
        assertNull(ready("shop-worker"), "left the plan: its series is gone");
        assertEquals(1, registry.find("beanstalk.migrator.environment.ready").gauges().size());
    }

    @Test
    void eachRefusedRevisionIsCountedOnceAndARevisionRefusedAgainAfterAValidOneAgain() {
        DesiredState.View refused = new DesiredState.View(PLAN.plan(), "\"r1\"", List.of("plan.yaml:3:1: bad"),
                "\"r2\"");
        meters.observe(snapshot(true, PLAN));
        meters.observe(snapshot(true, refused));
        meters.observe(snapshot(true, refused));
        assertEquals(1, registry.get("beanstalk.migrator.plan.refusals").counter().count());

        meters.observe(snapshot(true, new DesiredState.View(PLAN.plan(), "\"r1\"", List.of("plan.yaml:3:1: other"),
                "\"r3\"")));
        assertEquals(2, registry.get("beanstalk.migrator.plan.refusals").counter().count());

        meters.observe(snapshot(true, PLAN));
        meters.observe(snapshot(false, refused));
        assertEquals(3, registry.get("beanstalk.migrator.plan.refusals").counter().count(),
                "every replica refuses the plan itself");

        DesiredState.View missing = new DesiredState.View(PLAN.plan(), "\"r1\"", List.of("no plan at s3://b/k"), null);
        meters.observe(snapshot(true, missing));
        assertEquals(3, registry.get("beanstalk.migrator.plan.refusals").counter().count(), "a missing plan is no refusal");
    }
}
