package dev.beanstalkmigrator.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The lease in the status ledger: taking, renewing, expiry judged on each replica's own monotonic clock, fencing,
 * release.
 */
class LeaseElectionTest {

    static final ObjectLocation LEDGER = new ObjectLocation("plans", "acme.status.yaml");
    static final Duration LEASE_DURATION = Duration.ofSeconds(15);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
    static final Duration RETRY = Duration.ofSeconds(2);

    final FakeCloud s3 = new FakeCloud();
    final MutableClock wall = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));

    /** A replica with a monotonic clock of its own (they never agree on the time). */
    final class Replica {
        final AtomicLong nanos;
        final LeaseElection election;
        final MigrationLedger ledger;

        Replica(String identity, long clockOffset) {
            nanos = new AtomicLong(clockOffset);
            election = new LeaseElection(identity, LEASE_DURATION, RENEW_DEADLINE, RETRY, nanos::get, wall);
            ledger = new MigrationLedger(s3, LEDGER, election);
        }

        boolean elect() {
            return ledger.elect();
        }

        void advance(Duration duration) {
            nanos.addAndGet(duration.toNanos());
        }
    }

    void everyone(Duration step, Replica... replicas) {
        for (Replica r : replicas) {
            r.advance(step);
        }
        wall.advance(step);
    }

    @Test
    void theFirstReplicaTakesTheLeaseAndTheOthersStandBy() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 987_654_321_000L);
        assertTrue(a.elect());
        assertFalse(b.elect());
        assertEquals("a", b.election.holder());
        for (int i = 0; i < 20; i++) {
            everyone(Duration.ofSeconds(2), a, b);
            assertTrue(a.elect(), "renews every retry period");
            assertFalse(b.elect(), "a renewed lease never looks expired");
        }
        assertTrue(s3.text(LEDGER).contains("holder: \"a\"") || s3.text(LEDGER).contains("holder: a"));
    }

    @Test
    void aLeaderThatStopsRenewingIsReplacedAfterTheLeaseAndStopsActingBeforeThat() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 5_000_000_000L);
        a.elect();
        b.elect();
        // a is paused (SIGSTOP): its clock runs, it does nothing.
        for (int second = 2; second <= 14; second += 2) {
            everyone(Duration.ofSeconds(2), a, b);
            assertFalse(b.elect(), "not before the lease has been seen unchanged for 15 s");
        }
        assertFalse(a.election.isLeader(), "a stopped acting at its renew deadline, before anyone could take over");
        everyone(Duration.ofSeconds(2), a, b);
        assertTrue(b.elect(), "seen unchanged for 16 s");
        // a resumes: it is not the leader, and its renewal is refused (fencing by ETag).
        assertFalse(a.election.isLeader());
        assertFalse(a.elect());
        assertEquals("b", a.election.holder());
        assertTrue(s3.text(LEDGER).contains("leaderTransitions: 1"), s3.text(LEDGER));
    }

    @Test
    void aLeaderCutOffFromS3StopsActingAtItsRenewDeadline() {
        Replica a = new Replica("a", 0);
        a.elect();
        s3.failures.put("s3:PutObject", () -> new CloudError.Transient("s3:PutObject", "SlowDown", "slow", null));
        for (int i = 0; i < 4; i++) {
            a.advance(Duration.ofSeconds(2));
            assertTrue(a.elect(), "still within the renew deadline");
        }
        a.advance(Duration.ofSeconds(2));
        assertFalse(a.elect(), "10 s without a renewal");
        s3.failures.clear();
        a.advance(Duration.ofSeconds(2));
        assertTrue(a.elect(), "nobody took the lease meanwhile, so it is still its own");
    }

    @Test
    void aReleasedLeaseIsTakenAtOnce() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        a.elect();
        b.elect();
        a.ledger.release();
        assertFalse(a.election.isLeader());
        assertTrue(b.elect());
    }

    @Test
    void aRestartedLeaderTakesBackItsOwnLease() {
        Replica before = new Replica("a", 0);
        before.elect();
        Replica after = new Replica("a", 42);
        assertTrue(after.elect());
    }

    @Test
    void aLedgerWriteIsRefusedOnceTheRenewDeadlineHasPassed() {
        Replica a = new Replica("a", 0);
        a.elect();
        a.ledger.write(MigrationStatus.empty().withLeader("a"));
        a.advance(Duration.ofSeconds(11));
        CloudError.Conflict refused = assertThrows(CloudError.Conflict.class,
                () -> a.ledger.write(MigrationStatus.empty().withLeader("a2")));
        assertEquals("NotLeader", refused.code());
    }

    @Test
    void everyLedgerWriteCarriesAndRenewsTheLease() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        a.elect();
        b.elect();
        for (int i = 0; i < 10; i++) {
            everyone(Duration.ofSeconds(2), a, b);
            assertTrue(a.ledger.write(MigrationStatus.empty().withLeader("a" + i)));
            int puts = s3.calls("s3:PutObject");
            assertTrue(a.elect(), "the write renewed it");
            assertEquals(puts, s3.calls("s3:PutObject"), "no separate renewal right after a write");
            assertFalse(b.elect(), "the ledger keeps changing, so the lease never looks expired");
        }
        assertTrue(s3.text(LEDGER).contains("leader: a9"), s3.text(LEDGER));
        assertTrue(s3.text(LEDGER).contains("holder: a"), s3.text(LEDGER));
    }

    @Test
    void aPausedLeadersLateWriteIsRefusedOnceTheLeaseWasTaken() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        a.elect();
        a.ledger.write(MigrationStatus.empty().withLeader("a"));
        String aSaw = s3.etag(LEDGER);
        b.elect();
        // a passed its lease check, then was paused (SIGSTOP) before its PutObject reached S3.
        for (int second = 0; second < 16; second += 2) {
            everyone(Duration.ofSeconds(2), b);
            b.elect();
        }
        assertTrue(b.election.isLeader());
        String before = s3.text(LEDGER);
        CloudError.Conflict refused = assertThrows(CloudError.Conflict.class,
                () -> s3.put(LEDGER, "late".getBytes(), "application/yaml", aSaw));
        assertEquals("PreconditionFailed", refused.code());
        assertEquals(before, s3.text(LEDGER));
    }

    @Test
    void theWaitForExpiryStartsWhenTheAnswerArrivesNotWhenTheSlowReadWasSent() {
        Replica a = new Replica("a", 0);
        a.elect();
        AtomicLong bNanos = new AtomicLong();
        // b's reads take 2.5 s each (retries under throttling): what it reads was written up to then.
        ObjectStore slow = new ObjectStore() {
            @Override
            public Read get(ObjectLocation location, String ifNoneMatch) {
                bNanos.addAndGet(Duration.ofMillis(2500).toNanos());
                return s3.get(location, ifNoneMatch);
            }

            @Override
            public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
                return s3.put(location, body, contentType, ifMatch);
            }
        };
        MigrationLedger b = new MigrationLedger(slow, LEDGER,
                new LeaseElection("b", LEASE_DURATION, RENEW_DEADLINE, RETRY, bNanos::get, wall));
        assertFalse(b.elect());
        // a writes once more, then dies; b's next read starts before that write and answers after it.
        a.ledger.write(MigrationStatus.empty().withLeader("a-last"));
        assertFalse(b.elect(), "a new version: its wait starts now");
        bNanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertFalse(b.elect(), "12.5 s after the answer that showed it, not yet 15");
        assertTrue(b.elect(), "15 s after");
    }

    @Test
    void aLedgerNobodyCanReadIsNeitherLedNorOverwritten() {
        s3.putObject(LEDGER, "kind: [not, a, ledger\n");
        Replica a = new Replica("a", 0);
        assertFalse(a.elect(), "no exception: the lease keeper lives on");
        a.advance(Duration.ofSeconds(20));
        assertFalse(a.elect());
        assertEquals("kind: [not, a, ledger\n", s3.text(LEDGER));
        s3.objects.remove(LEDGER);
        assertTrue(a.elect(), "once it is deleted, a fresh ledger is taken");
    }

    @Test
    void theRenewDeadlineMustBeShorterThanTheLease() {
        assertThrows(IllegalArgumentException.class, () -> new LeaseElection("a", Duration.ofSeconds(10),
                Duration.ofSeconds(10), RETRY, System::nanoTime, wall));
    }
}
