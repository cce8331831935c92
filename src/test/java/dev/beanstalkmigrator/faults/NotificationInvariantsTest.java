package dev.beanstalkmigrator.faults;

import static dev.beanstalkmigrator.faults.LaunchInvariantsTest.ledger;
import static dev.beanstalkmigrator.faults.LaunchInvariantsTest.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.sandbox.ObjectWrite;
import dev.beanstalkmigrator.testing.WebhookReceiver;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fault suite's notification checks, fed ledger writes and receiver answers by hand. */
class NotificationInvariantsTest {

    static final long SECOND = 1_000_000_000L;

    final NotificationInvariants invariants = new NotificationInvariants("suite");
    long seq;

    @Test
    void anEventRecordedWithItsTransitionDeliveredAndSettledBreaksNothing() {
        MigrationStatus running = ledger(record("v7", "", Phase.Running, "l1", "arn1"));
        MigrationStatus failed = ledger(record("v7", "", Phase.Failed, "l1", "arn1"))
                .withNotifications(List.of(event("shop-3/l1/Failed", "suite")));
        invariants.ledgerWritten(write("r0", SECOND, false), running, failed);
        invariants.answered(post("shop-3/l1/Failed", 500, 2 * SECOND));
        assertEquals(List.of("shop-3/l1/Failed"), invariants.undelivered());
        invariants.answered(post("shop-3/l1/Failed", 200, 3 * SECOND));
        invariants.ledgerWritten(write("r0", 4 * SECOND, false), failed, failed.withNotifications(List.of()));

        assertNull(invariants.firstBroken());
        assertEquals(List.of(), invariants.undelivered());
        assertEquals(1, invariants.recorded());
        assertEquals(1, invariants.delivered());
        assertEquals(1, invariants.refused());
        assertEquals(0, invariants.duplicates().total());
    }

    @Test
    void aTransitionWrittenWithoutItsEventBreaksNamingTheEvent() {
        invariants.ledgerWritten(write("r1", SECOND, false), ledger(record("v7", "", Phase.Launching, "l1", null)),
                ledger(record("v7", "", Phase.Failed, "l1", null)));

        assertEquals(NotificationInvariants.RECORDED, invariants.firstBroken().invariant());
        assertEquals("event shop-3/l1/LaunchLost: ledger write #0 by r1 made the record Failed with no such event"
                + " in its outbox", invariants.firstBroken().detail());
        assertEquals(List.of("shop-3/l1/LaunchLost"), invariants.undelivered());
    }

    @Test
    void aDeliveryOfAnEventNoWriteMadeIsAPhantom() {
        invariants.context("scenario 4");
        invariants.answered(post("shop-3/l9/Succeeded", 200, SECOND));

        assertEquals(NotificationInvariants.NO_PHANTOM, invariants.firstBroken().invariant());
        assertEquals("event shop-3/l9/Succeeded was delivered, and no accepted ledger write made that transition;"
                + " scenario 4", invariants.firstBroken().detail());
    }

    @Test
    void anEventAlreadyFinalInThePreviousWriteIsNoNewTransition() {
        MigrationStatus done = ledger(record("v7", "", Phase.Succeeded, "l1", "arn1"));
        invariants.ledgerWritten(write("r0", SECOND, false), done, done);

        assertNull(invariants.firstBroken(), "a record already Succeeded makes no event");
        assertEquals(0, invariants.transitions());
    }

    @Test
    void repeatsAreSortedByWhatExplainsThem() {
        MigrationStatus running = ledger(record("v7", "", Phase.Running, "l1", "arn1"),
                record("v6", "", Phase.Running, "l2", "arn2"), record("v5", "", Phase.Running, "l3", "arn3"));
        MigrationStatus done = ledger(record("v7", "", Phase.Succeeded, "l1", "arn1"),
                record("v6", "", Phase.Succeeded, "l2", "arn2"), record("v5", "", Phase.Succeeded, "l3", "arn3"))
                .withNotifications(List.of(event("shop-3/l1/Succeeded", "suite"), event("shop-3/l2/Succeeded", "suite"),
                        event("shop-3/l3/Succeeded", "suite")));
        invariants.ledgerWritten(write("r0", SECOND, false), running, done);
        // l1: delivered, the lease taken over (the leader died), delivered again by the next leader, which records it.
        invariants.answered(post("shop-3/l1/Succeeded", 200, 2 * SECOND));
        invariants.ledgerWritten(write("r1", 3 * SECOND, true), done, done);
        invariants.answered(post("shop-3/l1/Succeeded", 200, 8 * SECOND));
        // l2: delivered twice with nothing in between; l3: delivered again after the write that recorded it.
        invariants.answered(post("shop-3/l2/Succeeded", 200, 9 * SECOND));
        invariants.answered(post("shop-3/l2/Succeeded", 200, 9 * SECOND + 1));
        invariants.answered(post("shop-3/l3/Succeeded", 200, 9 * SECOND));
        invariants.ledgerWritten(write("r1", 10 * SECOND, false), done, done.withNotifications(List.of()));
        invariants.answered(post("shop-3/l3/Succeeded", 200, 11 * SECOND));

        NotificationInvariants.Duplicates duplicates = invariants.duplicates();
        assertEquals(new NotificationInvariants.Duplicates(3, 1, 1, 1, List.of(
                "shop-3/l2/Succeeded (posted 0 ms after its first delivery, not yet recorded)",
                "shop-3/l3/Succeeded (posted 1000 ms after the write that recorded its delivery)")), duplicates);
        assertNull(invariants.firstBroken());
    }

    ObjectWrite write(String holder, long atNanos, boolean takeover) {
        return new ObjectWrite(seq++, "plans/fleet.status.yaml", "\"e\"", holder, takeover ? "other" : holder,
                SECOND, atNanos, Instant.EPOCH);
    }

    static Notification event(String id, String... pending) {
        String[] parts = id.split("/");
        return new Notification(id, NotificationEvent.valueOf(parts[2]), Instant.EPOCH, "fleet", parts[0], "v7", "",
                Phase.Succeeded, parts[1], null, null, null, null, null, List.of(pending));
    }

    static WebhookReceiver.Answered post(String id, int status, long atNanos) {
        return new WebhookReceiver.Answered(new WebhookReceiver.Request("/hooks/suite", Map.of("idempotency-key", id),
                "{\"schema\": 1, \"id\": \"" + id + "\"}"), status, atNanos);
    }
}
