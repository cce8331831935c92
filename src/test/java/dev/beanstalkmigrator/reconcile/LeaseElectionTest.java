package dev.beanstalkmigrator.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The S3 lease: taking, renewing, expiry judged on each replica's own monotonic clock, fencing, release. */
class LeaseElectionTest {

    static final ObjectLocation LEASE = new ObjectLocation("plans", "acme.lease.yaml");
    static final Duration LEASE_DURATION = Duration.ofSeconds(15);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);

    final FakeCloud s3 = new FakeCloud();
    final MutableClock wall = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));

    /** A replica with a monotonic clock of its own (they never agree on the time). */
    final class Replica {
        final AtomicLong nanos;
        final LeaseElection election;

        Replica(String identity, long clockOffset) {
            nanos = new AtomicLong(clockOffset);
            election = new LeaseElection(s3, LEASE, identity, LEASE_DURATION, RENEW_DEADLINE, nanos::get, wall);
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
        assertTrue(a.election.tryAcquireOrRenew());
        assertFalse(b.election.tryAcquireOrRenew());
        assertEquals("a", b.election.holder());
        for (int i = 0; i < 20; i++) {
            everyone(Duration.ofSeconds(2), a, b);
            assertTrue(a.election.tryAcquireOrRenew(), "renews every retry period");
            assertFalse(b.election.tryAcquireOrRenew(), "a renewed lease never looks expired");
        }
        assertTrue(s3.text(LEASE).contains("holder: \"a\"") || s3.text(LEASE).contains("holder: a"));
    }

    @Test
    void aLeaderThatStopsRenewingIsReplacedAfterTheLeaseAndStopsActingBeforeThat() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 5_000_000_000L);
        a.election.tryAcquireOrRenew();
        b.election.tryAcquireOrRenew();
        // a is paused (SIGSTOP): its clock runs, it does nothing.
        for (int second = 2; second <= 14; second += 2) {
            everyone(Duration.ofSeconds(2), a, b);
            assertFalse(b.election.tryAcquireOrRenew(), "not before the lease has been seen unchanged for 15 s");
        }
        assertFalse(a.election.isLeader(), "a stopped acting at its renew deadline, before anyone could take over");
        everyone(Duration.ofSeconds(2), a, b);
        assertTrue(b.election.tryAcquireOrRenew(), "seen unchanged for 16 s");
        // a resumes: it is not the leader, and its renewal is refused (fencing by ETag).
        assertFalse(a.election.isLeader());
        assertFalse(a.election.tryAcquireOrRenew());
        assertEquals("b", a.election.holder());
        assertTrue(s3.text(LEASE).contains("leaderTransitions: 1"), s3.text(LEASE));
    }

    @Test
    void aLeaderCutOffFromS3StopsActingAtItsRenewDeadline() {
        Replica a = new Replica("a", 0);
        a.election.tryAcquireOrRenew();
        s3.failures.put("s3:PutObject", () -> new CloudError.Transient("s3:PutObject", "SlowDown", "slow", null));
        for (int i = 0; i < 4; i++) {
            a.advance(Duration.ofSeconds(2));
            assertTrue(a.election.tryAcquireOrRenew(), "still within the renew deadline");
        }
        a.advance(Duration.ofSeconds(2));
        assertFalse(a.election.tryAcquireOrRenew(), "10 s without a renewal");
        s3.failures.clear();
        a.advance(Duration.ofSeconds(2));
        assertTrue(a.election.tryAcquireOrRenew(), "nobody took the lease meanwhile, so it is still its own");
    }

    @Test
    void aReleasedLeaseIsTakenAtOnce() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        a.election.tryAcquireOrRenew();
        b.election.tryAcquireOrRenew();
        a.election.release();
        assertFalse(a.election.isLeader());
        assertTrue(b.election.tryAcquireOrRenew());
    }

    @Test
    void aRestartedLeaderTakesBackItsOwnLease() {
        Replica before = new Replica("a", 0);
        before.election.tryAcquireOrRenew();
        Replica after = new Replica("a", 42);
        assertTrue(after.election.tryAcquireOrRenew());
    }

    @Test
    void aLedgerWriteIsRefusedOnceTheLeaseIsLost() {
        Replica a = new Replica("a", 0);
        a.election.tryAcquireOrRenew();
        MigrationLedger ledger = new MigrationLedger(s3, new ObjectLocation("plans", "acme.status.yaml"),
                a.election::isLeader);
        ledger.write(dev.beanstalkmigrator.model.MigrationStatus.empty().withLeader("a"));
        a.advance(Duration.ofSeconds(11));
        CloudError.Conflict refused = assertThrows(CloudError.Conflict.class,
                () -> ledger.write(dev.beanstalkmigrator.model.MigrationStatus.empty().withLeader("a2")));
        assertEquals("NotLeader", refused.code());
    }

    @Test
    void theRenewDeadlineMustBeShorterThanTheLease() {
        assertThrows(IllegalArgumentException.class, () -> new LeaseElection(s3, LEASE, "a", Duration.ofSeconds(10),
                Duration.ofSeconds(10), System::nanoTime, wall));
    }
}
