package dev.beanstalkmigrator.metrics;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.reconcile.Snapshot;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The migrations' metrics, derived from the reconciler's successive {@link Snapshot}s (the core knows nothing of
 * them):
 *
 * <ul>
 *   <li>{@code beanstalk_migrator_migrations_total{phase}} and {@code beanstalk_migrator_migration_duration_seconds
 *       {phase}}: a migration that reached a final phase (Succeeded, Failed, TimedOut), counted once, by the replica
 *       that leads when it ends (see {@link #observe});</li>
 *   <li>{@code beanstalk_migrator_migrations_in_flight}: Launching or Running now;</li>
 *   <li>{@code beanstalk_migrator_environment_ready{environment,account,region}}: 1 when the environment's Ready
 *       condition is True, one series per environment of the plan in force (an environment that leaves the plan loses
 *       its series), with the account and Region the ledger names for it (empty while not known);</li>
 *   <li>{@code beanstalk_migrator_leader}: 1 on the replica that acts, 0 on a standby;</li>
 *   <li>{@code beanstalk_migrator_plan_refusals_total}: plan revisions this replica refused as invalid.</li>
 * </ul>
 *
 * <p>Labels are bounded: a phase, or an environment of the plan (and its account and Region). Versions, launch ids and task ARNs grow without
 * bound and stay in the ledger.
 */
final class MigrationMeters {

    static final List<Phase> FINAL = List.of(Phase.Succeeded, Phase.Failed, Phase.TimedOut);

    /** From a quick schema change to a long data migration (the default timeout is 30 minutes). */
    static final Duration[] DURATION_BUCKETS = {Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
            Duration.ofMinutes(20), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2)};

    private final Map<Phase, Counter> finished = new EnumMap<>(Phase.class);
    private final Map<Phase, Timer> durations = new EnumMap<>(Phase.class);
    private final MultiGauge ready;
    private final MultiGauge waiting;
    private final Counter refusals;

    /**
     * The reasons an environment waits for another environment, its preview or a person (its Ready condition False
     * with one of them), each a row of {@code beanstalk.migrator.environments.waiting}: a fixed set, so the labels
     * stay bounded.
     */
    static final List<String> WAITING_REASONS = List.of(Reasons.WAITING_FOR_DATABASE, Reasons.WAITING_FOR_PROMOTION,
            Reasons.PROMOTION_BLOCKED, Reasons.PREVIEWING, Reasons.APPROVAL_PENDING);

    /** The records of the snapshot seen last, by key: whether each was final then. */
    private Map<String, Boolean> previous = Map.of();
    private boolean previousLeading;
    private String lastRefused;
    private volatile int inFlight;
    private volatile boolean leader;

    MigrationMeters(MeterRegistry registry) {
        for (Phase phase : FINAL) {
            finished.put(phase, Counter.builder("beanstalk.migrator.migrations").tag("phase", phase.name())
                    .description("Migrations that reached a final phase").register(registry));
            durations.put(phase, Timer.builder("beanstalk.migrator.migration.duration").tag("phase", phase.name())
                    .description("How long a migration ran, from its task's start (or its intent) to its end")
                    .serviceLevelObjectives(DURATION_BUCKETS).register(registry));
        }
        Gauge.builder("beanstalk.migrator.migrations.in.flight", this, m -> m.inFlight)
                .description("Migrations launching or running now").register(registry);
        Gauge.builder("beanstalk.migrator.leader", this, m -> m.leader ? 1 : 0)
                .description("1 on the replica that acts (leader), 0 on a standby").register(registry);
        ready = MultiGauge.builder("beanstalk.migrator.environment.ready")
                .description("1 when the environment's resolved version is migrated (condition Ready is True)")
                .register(registry);
        waiting = MultiGauge.builder("beanstalk.migrator.environments.waiting")
                .description("Environments of the plan waiting for another, by reason (Ready False with it)")
                .register(registry);
        refusals = Counter.builder("beanstalk.migrator.plan.refusals")
                .description("Plan revisions refused as invalid (the last valid plan stayed in force)")
                .register(registry);
    }

    /**
     * Updates the meters from the snapshot a cycle published.
     *
     * <p>A migration is counted when a snapshot taken while leading shows it final and the snapshot before showed it
     * in another phase, or did not show it while this replica was leading then too (it was launched and ended
     * between two cycles). A snapshot published again unchanged counts nothing; a standby counts nothing (the ledger
     * it follows holds the leader's migrations); a replica that starts, or takes over, does not count what the
     * ledger held final before. So each ending is counted once, except across a change of leader: an ending within
     * a plan interval before the change may be counted by both replicas, and one seen first by a replica in its first
     * cycle (a task adopted after a restart that ended meanwhile) by neither.
     */
    void observe(Snapshot snapshot) {
        MigrationStatus status = snapshot.status();
        Map<String, Boolean> current = new HashMap<>();
        int running = 0;
        for (EnvironmentStatus environment : status.environments()) {
            for (MigrationRecord record : environment.history()) {
                String key = key(environment.name(), record);
                boolean isFinal = record.phase().terminal();
                current.put(key, isFinal);
                if (record.phase().inFlight()) {
                    running++;
                }
                Boolean was = previous.get(key);
                boolean ended = isFinal && (was == null ? previousLeading : !was);
                // A migration that ran through another environment started no task here: not counted twice.
                if (snapshot.leader() && ended && record.through() == null) {
                    finished.get(record.phase()).increment();
                    Duration ran = duration(record);
                    if (ran != null) {
                        durations.get(record.phase()).record(ran);
                    }
                }
            }
        }
        previous = current;
        previousLeading = snapshot.leader();
        inFlight = running;
        leader = snapshot.leader();
        Map<String, EnvironmentStatus> byName = new HashMap<>();
        status.environments().forEach(e -> byName.put(e.name(), e));
        ready.register(readiness(snapshot, byName), true);
        waiting.register(waiting(snapshot, byName), true);
        countRefusal(snapshot.plan());
    }

    private void countRefusal(DesiredState.View plan) {
        String refused = plan == null ? null : plan.refusedRevision();
        if (refused != null && !refused.equals(lastRefused)) {
            refusals.increment();
        }
        lastRefused = refused;
    }

    /** One row per environment of the plan in force: 1 when Ready is True; 0 when False or not yet known. */
    private static List<MultiGauge.Row<?>> readiness(Snapshot snapshot, Map<String, EnvironmentStatus> byName) {
        if (snapshot.plan() == null || !snapshot.plan().loaded()) {
            return List.of();
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (EnvironmentSpec spec : snapshot.plan().plan().environments()) {
            EnvironmentStatus status = byName.get(spec.name());
            Condition condition = status == null ? null : status.condition(Condition.READY);
            // Where it is, as the ledger names it: an environment has one account and Region at a time.
            rows.add(MultiGauge.Row.of(Tags.of("environment", spec.name(),
                    "account", status == null || status.account() == null ? "" : status.account(),
                    "region", status == null || status.region() == null ? "" : status.region()),
                    condition != null && condition.holds() ? 1 : 0));
        }
        return rows;
    }

    /** One row per waiting reason: how many environments of the plan in force wait with it now. */
    private static List<MultiGauge.Row<?>> waiting(Snapshot snapshot, Map<String, EnvironmentStatus> byName) {
        Map<String, Integer> byReason = new LinkedHashMap<>();
        WAITING_REASONS.forEach(reason -> byReason.put(reason, 0));
        if (snapshot.plan() != null && snapshot.plan().loaded()) {
            for (EnvironmentSpec spec : snapshot.plan().plan().environments()) {
                EnvironmentStatus status = byName.get(spec.name());
                Condition condition = status == null ? null : status.condition(Condition.READY);
                if (condition != null && !condition.holds() && byReason.containsKey(condition.reason())) {
                    byReason.merge(condition.reason(), 1, Integer::sum);
                }
            }
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byReason.forEach((reason, count) -> rows.add(MultiGauge.Row.of(Tags.of("reason", reason), count)));
        return rows;
    }

    /** From the task's start (or, for a launch that never started, its intent) to the end; null if unknown. */
    static Duration duration(MigrationRecord record) {
        Instant from = record.startedAt() != null ? record.startedAt() : record.createdAt();
        if (from == null || record.finishedAt() == null || record.finishedAt().isBefore(from)) {
            return null;
        }
        return Duration.between(from, record.finishedAt());
    }

    /** A migration's key in the ledger: (environment, version, rerun token). */
    private static String key(String environment, MigrationRecord record) {
        return environment + '\u0000' + record.version() + '\u0000' + record.rerun();
    }
}
