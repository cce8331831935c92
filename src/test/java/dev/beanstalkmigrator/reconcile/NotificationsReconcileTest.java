package dev.beanstalkmigrator.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.LogTarget;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.port.Webhooks;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.desired.S3PlanSource;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.MutableClock;
import dev.beanstalkmigrator.testing.RecordingWebhooks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler with notifications, against the in-memory cloud: an event is in the very ledger write that
 * records its transition, its delivery is recorded by a later write even when nothing else changes, and a new
 * operator over the same ledger sends what is pending and nothing delivered.
 */
class NotificationsReconcileTest {

    static final ObjectLocation PLAN = new ObjectLocation("plans", "acme.yaml");
    static final ObjectLocation LEDGER = new ObjectLocation("plans", "acme.status.yaml");
    static final String SECRET = "canary-5e1d-postgres-password";

    FakeCloud cloud;
    MutableClock clock;
    final RecordingWebhooks receivers = new RecordingWebhooks();
    /** Every ledger body written, in order. */
    final List<MigrationStatus> writes = new ArrayList<>();
    /** Runs while a ledger write is on its way: what another thread of the operator does meanwhile. */
    Runnable duringLedgerWrite = () -> { };

    @BeforeEach
    void world() {
        cloud = new FakeCloud();
        clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        cloud.environment("acme", "acme-web-prod", "v41", "Ready");
        cloud.version("acme", "v41", null, null);
        cloud.version("acme", "v42", null, null);
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", "postgres://acme:" + SECRET + "@db/acme"));
        cloud.taskDefinition("acme-web", "web", "acme:v41", new LogTarget("/ecs/acme", "ecs", null));
        plan("v42", "[Failed, Succeeded]");
    }

    void plan(String version, String events) {
        cloud.putObject(PLAN, """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  defaults:
                    cluster: acme-prod
                    taskDefinition: acme-web
                    container: web
                    command: [python, manage.py, migrate]
                    network: {subnets: [subnet-1]}
                    image: "acme:{version}"
                  notifications:
                    - {name: team, type: slack, urlFrom: TEAM_SLACK_URL, events: %s}
                  environments:
                    - {name: acme-web-prod, application: acme, version: %s}
                """.formatted(events, version));
    }

    /** A ledger store that keeps every body written. */
    ObjectStore recording() {
        return new ObjectStore() {
            @Override
            public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
                return cloud.get(location, ifNoneMatch, maxBytes);
            }

            @Override
            public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
                return cloud.getRange(location, offset, length, ifMatch);
            }

            @Override
            public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
                duringLedgerWrite.run();
                String etag = cloud.put(location, body, contentType, ifMatch);
                writes.add(LedgerCodec.read(body));
                return etag;
            }
        };
    }

    Notifier notifier(NotificationChannel... own) {
        return notifier(() -> 0, own);
    }

    /** @param term the term of leadership the replica is in, -1 while it does not lead */
    Notifier notifier(LongSupplier term, NotificationChannel... own) {
        return new Notifier(receivers, new Notifier.Settings(List.of(own),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 5, new Random(3)), Duration.ofHours(24),
                100, null), clock, term, Runnable::run);
    }

    Reconciler operator(Notifier notifier, boolean dryRun) {
        return operator(notifier, dryRun, () -> 0);
    }

    /** @param term the term of leadership the replica is in, -1 while it does not lead (as its notifier's) */
    Reconciler operator(Notifier notifier, boolean dryRun, LongSupplier term) {
        DesiredState desired = new DesiredState(new S3PlanSource(cloud, PLAN), new PlanParser());
        ReconcileSettings settings = ReconcileSettings.builder("test-replica").dryRun(dryRun).logTailLines(5)
                .planInterval(Duration.ofSeconds(10)).beanstalkInterval(Duration.ofSeconds(30))
                .taskInterval(Duration.ofSeconds(5)).build();
        return new Reconciler(desired, new MigrationLedger(recording(), LEDGER), cloud, cloud, cloud,
                new ImageResolver(cloud), settings, clock, term, Runnable::run, notifier);
    }

    MigrationStatus ledger() {
        return LedgerCodec.read(cloud.objects.get(LEDGER));
    }

    MigrationRecord latest() {
        return ledger().environment("acme-web-prod").history().get(0);
    }

    /** Runs the migration to a failure with a log tail that names the secret. */
    void failMigration(Reconciler operator) {
        operator.cycle(true);
        MigrationRecord record = latest();
        String stream = "ecs/web/" + record.taskArn().substring(record.taskArn().lastIndexOf('/') + 1);
        cloud.logStreams.put("/ecs/acme|" + stream, List.of("Applying auth.0001...",
                "connecting to postgres://acme:" + SECRET + "@db/acme", "django.db.utils.ProgrammingError: boom"));
        cloud.stop(record.taskArn(), 1, "Essential container in task exited");
        operator.cycle(true);
    }

    @Test
    void aFailureIsInTheWriteThatRecordsItAndItsDeliveryIsRecordedByAnUnforcedCycle() {
        Notifier notifier = notifier();
        Reconciler operator = operator(notifier, false);
        failMigration(operator);
        assertEquals(Phase.Failed, latest().phase());
        for (MigrationStatus written : writes) {
            MigrationRecord record = written.environment("acme-web-prod").history().get(0);
            boolean failed = record.phase() == Phase.Failed;
            assertEquals(failed, !written.notifications().isEmpty(),
                    "every write with the failure holds its event, and none before it");
        }
        Notification event = ledger().notifications().get(0);
        assertEquals("acme-web-prod/" + latest().launchId() + "/Failed", event.id());
        assertEquals(List.of("team"), event.pending());
        assertEquals(1, event.exitCode());
        assertEquals(List.of("Applying auth.0001...", "connecting to ***", "django.db.utils.ProgrammingError: boom"),
                event.logTail(), "the record's masked tail");
        assertFalse(cloud.text(LEDGER).contains(SECRET));

        // Reach the fixed point: unforced cycles that skip their pass.
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(5));
            operator.cycle(false);
        }
        long passes = operator.snapshot().passes();
        notifier.dispatch();
        assertEquals(List.of("team"), receivers.posts);
        assertFalse(new String(receivers.bodies.get(0)).contains(SECRET), "the message is masked");
        assertTrue(new String(receivers.bodies.get(0)).contains("connecting to ***"));

        clock.advance(Duration.ofSeconds(5));
        operator.cycle(false);
        assertEquals(passes + 1, operator.snapshot().passes(), "a delivery to record is a reason for a pass");
        assertEquals(List.of(), ledger().notifications(), "recorded: the outbox is empty");
        clock.advance(Duration.ofSeconds(5));
        operator.cycle(false);
        notifier.dispatch();
        assertEquals(1, receivers.posts.size(), "sent once");
    }

    @Test
    void aNewOperatorSendsWhatIsPendingAndNothingDelivered() {
        // The plan's channel accepts; the operator's own channel answers 500.
        NotificationChannel ops = new NotificationChannel("ops", NotificationChannel.Type.WEBHOOK, null,
                List.of(NotificationEvent.Failed));
        receivers.answer("ops", Webhooks.Delivery.retryable("HTTP 500"));
        Notifier notifier = notifier(ops);
        Reconciler first = operator(notifier, false);
        failMigration(first);
        assertEquals(List.of("ops", "team"), ledger().notifications().get(0).pending());
        notifier.dispatch();
        first.cycle(true);
        assertEquals(List.of("ops", "team"), receivers.posts);
        assertEquals(List.of("ops"), ledger().notifications().get(0).pending(), "team's delivery recorded");

        // A restart before the retry: a new operator over the same ledger.
        Notifier restartedNotifier = notifier(ops);
        Reconciler restarted = operator(restartedNotifier, false);
        restarted.cycle(true);
        restartedNotifier.dispatch();
        restarted.cycle(true);
        restartedNotifier.dispatch();
        assertEquals(List.of("ops", "team", "ops"), receivers.posts, "the pending one sent again, the delivered not");
        assertEquals(List.of(), ledger().notifications());
        assertEquals(receivers.headers.get(0).get("Idempotency-Key"), receivers.headers.get(2).get("Idempotency-Key"),
                "the same id, for receivers to drop repeats");
    }

    @Test
    void aStandbyThatTakesTheLeaseSendsNothingItFollowedBeforeReadingTheLedgerAsLeader() {
        Notifier leaderNotifier = notifier();
        Reconciler leader = operator(leaderNotifier, false);
        failMigration(leader);
        AtomicLong term = new AtomicLong(-1);
        Notifier standbyNotifier = notifier(term::get);
        Reconciler standby = operator(standbyNotifier, false, term::get);
        standby.cycle(true);
        assertEquals(1, standby.snapshot().status().notifications().size(), "it follows the pending event");

        // The leader delivers the event and records it, then dies; the plan moves on.
        leaderNotifier.dispatch();
        leader.cycle(true);
        assertEquals(List.of(), ledger().notifications());
        cloud.version("acme", "v43", null, null);
        plan("v43", "[Failed, Succeeded]");

        // The standby takes the lease; its notification tick runs while its first pass writes the next intent.
        term.set(1);
        AtomicLong ticks = new AtomicLong();
        duringLedgerWrite = () -> {
            ticks.incrementAndGet();
            standbyNotifier.dispatch();
        };
        clock.advance(Duration.ofSeconds(10));
        standby.cycle(false);
        duringLedgerWrite = () -> { };
        standbyNotifier.dispatch();

        assertEquals("v43", latest().version());
        assertTrue(ticks.get() > 0, "the tick ran while the pass wrote");
        assertEquals(List.of("team"), receivers.posts, "delivered and recorded by the last leader: never again");
    }

    @Test
    void aLeaderThatLosesAndRegainsTheLeaseBetweenTwoCyclesReadsTheLedgerAgain() {
        receivers.answer("team", Webhooks.Delivery.retryable("HTTP 500"));
        AtomicLong term = new AtomicLong(1);
        Notifier notifier = notifier(term::get);
        Reconciler replica = operator(notifier, false, term::get);
        failMigration(replica);
        notifier.dispatch();
        assertEquals(List.of("team"), receivers.posts, "answered 500: retried after its backoff");

        // Between two of its cycles, another replica leads, delivers the event and records it; then this replica
        // takes the lease back, without a cycle as a standby in between.
        term.set(-1);
        Notifier otherNotifier = notifier();
        Reconciler other = operator(otherNotifier, false);
        other.cycle(true);
        otherNotifier.dispatch();
        other.cycle(true);
        assertEquals(List.of(), ledger().notifications());
        term.set(2);

        clock.advance(Duration.ofSeconds(10));
        replica.cycle(false);
        notifier.dispatch();
        assertEquals(List.of("team", "team"), receivers.posts, "the other's delivery, and no repeat after it");
        assertEquals(List.of(), replica.snapshot().status().notifications(), "the ledger as the other leader left it");
    }

    @Test
    void aLedgerFromBeforeNotificationsIsNotReplayed() {
        Reconciler old = operator(null, false);
        failMigration(old);
        assertEquals(List.of(), ledger().notifications(), "an operator without notifications records none");
        Notifier notifier = notifier();
        Reconciler upgraded = operator(notifier, false);
        upgraded.cycle(true);
        upgraded.cycle(true);
        notifier.dispatch();
        assertEquals(List.of(), ledger().notifications());
        assertEquals(List.of(), receivers.posts);
    }

    @Test
    void aRefusedPlanIsOneEventWhileTheLastValidPlanStaysInForce() {
        plan("v42", "[PlanRefused]");
        Notifier notifier = notifier();
        Reconciler operator = operator(notifier, false);
        operator.cycle(true);
        cloud.putObject(PLAN, new String(cloud.objects.get(PLAN)).replace("environments:", "enviroments:"));
        clock.advance(Duration.ofSeconds(11));
        operator.cycle(true);
        operator.cycle(true);
        List<Notification> outbox = ledger().notifications();
        assertEquals(1, outbox.size(), outbox::toString);
        assertEquals(NotificationEvent.PlanRefused, outbox.get(0).event());
        assertTrue(outbox.get(0).message().contains("enviroments"), outbox.get(0).message());
    }

    @Test
    void aDryRunMakesNoEvents() {
        plan("v42", "[Failed, Succeeded, Stalled, PlanRefused]");
        Notifier notifier = notifier();
        Reconciler operator = operator(notifier, true);
        operator.cycle(true);
        cloud.putObject(PLAN, new String(cloud.objects.get(PLAN)).replace("environments:", "enviroments:"));
        clock.advance(Duration.ofSeconds(11));
        operator.cycle(true);
        assertTrue(ledger().planError() != null);
        assertEquals(List.of(), ledger().notifications());
    }
}
