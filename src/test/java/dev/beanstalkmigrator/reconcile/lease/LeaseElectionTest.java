package dev.beanstalkmigrator.reconcile.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.Ledgers;
import dev.beanstalkmigrator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lease in the status ledger: taking, renewing, expiry judged on each replica's own monotonic clock, fencing,
 * release. The durations are the configuration's defaults.
 */
class LeaseElectionTest {

    static final ObjectLocation LEDGER = new ObjectLocation("plans", "acme.status.yaml");
    static final Duration LEASE_DURATION = Duration.ofSeconds(60);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(40);
    static final Duration RETRY = Duration.ofSeconds(10);
    static final LeaseElection.Timing TIMING = new LeaseElection.Timing(LEASE_DURATION, RENEW_DEADLINE, RETRY);

    final FakeCloud s3 = new FakeCloud();
    final MutableClock wall = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));

    /** A replica with a monotonic clock of its own (they never agree on the time). */
    final class Replica {
        final AtomicLong nanos;
        final LeaseElection election;
        final MigrationLedger ledger;

        Replica(String name, long clockOffset) {
            nanos = new AtomicLong(clockOffset);
            election = new LeaseElection(name, TIMING, nanos::get, wall);
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

    /**
     * One leader's renewals, step by step. A step is "SECONDS ACTION EXPECTED...": at that time on the replica's
     * clock, {@code elect} (one round of the lease keeper), {@code write} (a ledger write of new content),
     * {@code fail} (every PutObject fails from now on) or {@code heal}; then the S3 requests that step made
     * ({@code get}, {@code put}; none listed: none made) and whether the replica may act ({@code lead}) or not
     * ({@code standby}).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            renewal not due before a third of the lease (20 s)   | 0 elect get put lead; 10 elect lead; 19.9 elect lead
            due once a third has passed, then every third        | 0 elect get put lead; 10 elect lead; 20 elect put lead; 30 elect lead; 39.9 elect lead; 40 elect put lead
            a write that renewed the lease counts as a renewal   | 0 elect get put lead; 15 write put lead; 20 elect lead; 34.9 elect lead; 35 elect put lead
            a failed renewal is retried every retry period       | 0 elect get put lead; 1 fail; 20 elect put lead; 30 elect get put lead; 39.9 elect get put lead
            the leader stops acting at the renew deadline        | 0 elect get put lead; 1 fail; 20 elect put lead; 30 elect get put lead; 40 elect get put standby; 50 elect get put standby
            and acts again once a renewal lands, nobody having taken over | 0 elect get put lead; 1 fail; 20 elect put lead; 45 elect get put standby; 46 heal; 50 elect get put lead; 60 elect lead; 70 elect put lead
            a failed renewal that succeeds in time keeps it leading | 0 elect get put lead; 1 fail; 20 elect put lead; 25 heal; 30 elect get put lead; 40 elect lead; 50 elect put lead
            """)
    void renewals(String name, String script) {
        Replica a = new Replica("a", 0);
        long at = 0;
        for (String step : script.split(";")) {
            String[] words = step.trim().split("\\s+");
            long next = Math.round(Double.parseDouble(words[0]) * 1000);
            everyone(Duration.ofMillis(next - at), a);
            at = next;
            int gets = s3.calls("s3:GetObject");
            int puts = s3.calls("s3:PutObject");
            switch (words[1]) {
                case "elect" -> a.elect();
                case "write" -> a.ledger.write(Ledgers.withLeader(MigrationStatus.empty(), "written at " + words[0]));
                case "fail" -> s3.failures.put("s3:PutObject",
                        () -> new CloudError.Transient("s3:PutObject", "SlowDown", "slow", null));
                case "heal" -> s3.failures.clear();
                default -> throw new IllegalArgumentException(step);
            }
            TreeSet<String> made = new TreeSet<>();
            if (s3.calls("s3:GetObject") > gets) {
                made.add("get");
            }
            if (s3.calls("s3:PutObject") > puts) {
                made.add("put");
            }
            TreeSet<String> expected = new TreeSet<>();
            for (int i = 2; i < words.length; i++) {
                if (words[i].equals("lead") || words[i].equals("standby")) {
                    assertEquals(words[i].equals("lead"), a.election.isLeader(), "at " + step);
                } else {
                    expected.add(words[i]);
                }
            }
            assertEquals(expected, made, "requests at " + step);
            assertEquals(1, s3.calls("s3:GetObject") - gets + (made.contains("get") ? 0 : 1), "one GET at most");
        }
    }

    @Test
    void theFirstReplicaTakesTheLeaseAndTheOthersStandBy() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 987_654_321_000L);
        assertTrue(a.elect());
        assertFalse(b.elect());
        assertEquals(a.election.identity(), b.election.holder());
        int puts = s3.calls("s3:PutObject");
        int gets = s3.calls("s3:GetObject");
        for (int i = 0; i < 30; i++) {
            everyone(RETRY, a, b);
            assertTrue(a.elect(), "keeps the lease");
            assertFalse(b.elect(), "a renewed lease never looks expired");
        }
        assertEquals(15, s3.calls("s3:PutObject") - puts, "300 s: a renewal every 20 s, nothing else written");
        assertEquals(30, s3.calls("s3:GetObject") - gets, "the standby reads once per retry period; the leader never");
        assertEquals(a.election.identity(), LedgerCodec.read(s3.objects.get(LEDGER)).lease().holder());
    }

    @Test
    void twoReplicasConfiguredWithOneNameAreTwoHoldersAndOneLeads() {
        // Two processes on one host with no identity configured: both are named after the host.
        Replica a = new Replica("ip-10-0-1-23", 0);
        Replica b = new Replica("ip-10-0-1-23", 987_654_321_000L);
        assertTrue(a.elect());
        int puts = s3.calls("s3:PutObject");
        for (int i = 0; i < 30; i++) {
            everyone(RETRY, a, b);
            assertFalse(b.elect(), "a lease bearing the other process's identity is not b's, whatever its name");
            assertTrue(a.elect(), "a keeps the lease");
        }
        assertEquals(15, s3.calls("s3:PutObject") - puts, "300 s: a's renewals every 20 s, and nothing from b");
        assertEquals(a.election.identity(), b.election.holder());
        assertNotEquals(a.election.identity(), b.election.identity());
        assertTrue(a.election.identity().matches("ip-10-0-1-23_[0-9a-f-]{36}"), a.election.identity());
    }

    @Test
    void aStandbyFollowsTheLedgerWithTheReadsItMakesToWatchTheLease() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        a.elect();
        a.ledger.write(Ledgers.withLeader(MigrationStatus.empty(), "a1"));
        b.elect();
        int gets = s3.calls("s3:GetObject");
        assertEquals("a1", b.ledger.follow().leader());
        assertEquals(gets, s3.calls("s3:GetObject"), "read by the lease keeper less than a retry period ago");
        a.ledger.write(Ledgers.withLeader(MigrationStatus.empty(), "a2"));
        b.advance(RETRY);
        assertEquals("a2", b.ledger.follow().leader(), "a retry period later it reads again");
        assertEquals(gets + 1, s3.calls("s3:GetObject"));
    }

    @Test
    void aLeaderThatStopsRenewingIsReplacedAfterTheLeaseAndStopsActingBeforeThat() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 5_000_000_000L);
        a.elect();
        b.elect();
        // a is paused (SIGSTOP): its clock runs, it does nothing.
        for (int second = 10; second <= 50; second += 10) {
            everyone(RETRY, a, b);
            assertFalse(b.elect(), "not before the lease has been seen unchanged for 60 s");
        }
        assertFalse(a.election.isLeader(), "a stopped acting at its renew deadline, before anyone could take over");
        everyone(RETRY, a, b);
        assertTrue(b.elect(), "seen unchanged for 60 s");
        // a resumes: it is not the leader, and its renewal is refused (fencing by ETag).
        assertFalse(a.election.isLeader());
        assertFalse(a.elect());
        assertEquals(b.election.identity(), a.election.holder());
        assertTrue(s3.text(LEDGER).contains("leaderTransitions: 1"), s3.text(LEDGER));
    }

    @Test
    void aReplicaThatLeadsAgainAfterAnotherLedIsInANewTermAndALateRenewalStaysInItsTerm() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        assertTrue(a.elect());
        long first = a.election.term();
        assertTrue(first >= 0);
        assertEquals(-1, b.election.term(), "a standby is in no term");
        // a's renewals fail past its renew deadline; they land again before anyone took over: the same term.
        s3.failures.put("s3:PutObject", () -> new CloudError.Transient("s3:PutObject", "SlowDown", "slow", null));
        everyone(Duration.ofSeconds(20), a, b);
        a.elect();
        everyone(RENEW_DEADLINE, a, b);
        a.elect();
        assertEquals(-1, a.election.term(), "past its renew deadline it may not act");
        s3.failures.clear();
        assertTrue(a.elect());
        assertEquals(first, a.election.term(), "nobody wrote in between: what it knew still holds");
        // b takes over from a released lease, acts, and releases in turn; a takes the lease back.
        a.ledger.release(Map.of());
        assertTrue(b.elect());
        assertEquals(-1, a.election.term());
        b.ledger.release(Map.of());
        assertTrue(a.elect());
        assertTrue(a.election.term() > first, "another leader acted in between: a new term");
    }

    @Test
    void aReleasedLeaseIsTakenAtOnce() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        a.elect();
        b.elect();
        a.ledger.release(Map.of());
        assertFalse(a.election.isLeader());
        assertTrue(b.elect());
    }

    @Test
    void theReleaseAtShutdownRecordsTheDeliveriesSettledSinceTheLastWrite() {
        Replica a = new Replica("a", 0);
        a.elect();
        Notification failed = new Notification("web/l1/Failed", NotificationEvent.Failed, wall.instant(), "acme",
                "web", "v42", "", Phase.Failed, "l1", 1, "exit", "exit", null, null, List.of("ops", "team"));
        Notification succeeded = new Notification("web/l0/Succeeded", NotificationEvent.Succeeded, wall.instant(),
                "acme", "web", "v41", "", Phase.Succeeded, "l0", 0, null, null, null, null, List.of("ops"));
        a.ledger.write(MigrationStatus.empty().withNotifications(List.of(succeeded, failed)));

        a.ledger.release(Map.of("web/l1/Failed", Set.of("ops"), "web/l0/Succeeded", Set.of("ops")));

        Replica b = new Replica("b", 0);
        assertTrue(b.elect(), "released");
        List<Notification> outbox = b.ledger.current().notifications();
        assertEquals(List.of("web/l1/Failed"), outbox.stream().map(Notification::id).toList(),
                "delivered everywhere: gone; the rest stays for the next leader");
        assertEquals(List.of("team"), outbox.get(0).pending());
    }

    @Test
    void aRestartedLeaderWaitsOutItsPredecessorsLeaseUnlessItWasReleased() {
        Replica before = new Replica("a", 0);
        assertTrue(before.elect());
        // Killed (kill -9) and started again under the same name: a new process, which cannot tell whether the
        // holder of the lease is dead.
        Replica after = new Replica("a", 42);
        assertFalse(after.elect(), "its predecessor's lease is not its own");
        assertNotEquals(before.election.identity(), after.election.identity());
        for (int second = 10; second < 60; second += 10) {
            everyone(RETRY, after);
            assertFalse(after.elect(), "not before the lease has been seen unchanged for 60 s");
        }
        everyone(RETRY, after);
        assertTrue(after.elect(), "seen unchanged for 60 s");
        // An orderly restart: the lease released at shutdown is taken at once.
        after.ledger.release(Map.of());
        Replica again = new Replica("a", 7);
        assertTrue(again.elect());
    }

    @Test
    void aLedgerWriteIsRefusedOnceTheRenewDeadlineHasPassed() {
        Replica a = new Replica("a", 0);
        a.elect();
        a.ledger.write(Ledgers.withLeader(MigrationStatus.empty(), "a"));
        a.advance(RENEW_DEADLINE.plusSeconds(1));
        CloudError.Conflict refused = assertThrows(CloudError.Conflict.class,
                () -> a.ledger.write(Ledgers.withLeader(MigrationStatus.empty(), "a2")));
        assertEquals("NotLeader", refused.code());
    }

    @Test
    void everyLedgerWriteCarriesAndRenewsTheLease() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        a.elect();
        b.elect();
        for (int i = 0; i < 10; i++) {
            everyone(RETRY, a, b);
            assertTrue(a.ledger.write(Ledgers.withLeader(MigrationStatus.empty(), "a" + i)));
            int puts = s3.calls("s3:PutObject");
            assertTrue(a.elect(), "the write renewed it");
            assertEquals(puts, s3.calls("s3:PutObject"), "no separate renewal right after a write");
            assertFalse(b.elect(), "the ledger keeps changing, so the lease never looks expired");
        }
        assertTrue(s3.text(LEDGER).contains("leader: a9"), s3.text(LEDGER));
        assertEquals(a.election.identity(), LedgerCodec.read(s3.objects.get(LEDGER)).lease().holder());
    }

    @Test
    void aWriteIsComparedWithTheLedgerItsDraftCameFromThoughTheCacheWasDroppedMeanwhile() {
        Replica a = new Replica("a", 0);
        a.elect();
        MigrationStatus draft = Ledgers.withLeader(a.ledger.current(), "a's draft");
        // The lease keeper's renewal fails while the draft is being built: the cache is dropped.
        s3.failures.put("s3:PutObject", () -> new CloudError.Transient("s3:PutObject", "SlowDown", "slow", null));
        everyone(Duration.ofSeconds(20), a);
        a.elect();
        s3.failures.clear();
        assertTrue(a.election.isLeader(), "within its renew deadline");
        // Meanwhile someone else rewrites the ledger and leaves its lease as it was (a version restored by hand from
        // the bucket's history, say): the lease cannot tell a that its draft is stale, the ETag can.
        MigrationStatus restored = Ledgers.withLeader(LedgerCodec.read(s3.objects.get(LEDGER)), "restored by hand");
        s3.put(LEDGER, LedgerCodec.write(restored), "application/yaml", s3.etag(LEDGER));

        CloudError.Conflict refused = assertThrows(CloudError.Conflict.class, () -> a.ledger.write(draft));
        assertEquals("PreconditionFailed", refused.code());
        assertTrue(s3.text(LEDGER).contains("leader: restored by hand"), s3.text(LEDGER));
        assertFalse(a.election.isLeader(), "someone else wrote: not the leader until it has read the ledger again");
        assertTrue(a.elect(), "the lease it read is this process's own: taken back at once");
        assertEquals("restored by hand", a.ledger.current().leader(), "read again, the caller decides again");
        assertTrue(a.ledger.write(Ledgers.withLeader(a.ledger.current(), "a's next draft")));
    }

    @Test
    void aRenewalBetweenTheReadAndTheWriteMovesTheWritesBaseOn() {
        Replica a = new Replica("a", 0);
        a.elect();
        MigrationStatus draft = Ledgers.withLeader(a.ledger.current(), "a's draft");
        everyone(Duration.ofSeconds(20), a);
        int puts = s3.calls("s3:PutObject");
        a.elect();
        assertEquals(puts + 1, s3.calls("s3:PutObject"), "renewed");
        assertTrue(a.ledger.write(draft), "the renewal changed the lease only: the draft's base is still stored");
        assertTrue(s3.text(LEDGER).contains("leader: a's draft"), s3.text(LEDGER));
    }

    @Test
    void aPausedLeadersLateWriteIsRefusedOnceTheLeaseWasTaken() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        a.elect();
        a.ledger.write(Ledgers.withLeader(MigrationStatus.empty(), "a"));
        String aSaw = s3.etag(LEDGER);
        b.elect();
        // a passed its lease check, then was paused (SIGSTOP) before its PutObject reached S3.
        for (int second = 0; second <= 60; second += 10) {
            everyone(RETRY, b);
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
            public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
                bNanos.addAndGet(Duration.ofMillis(2500).toNanos());
                return s3.get(location, ifNoneMatch, maxBytes);
            }

            @Override
            public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
                return s3.getRange(location, offset, length, ifMatch);
            }

            @Override
            public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
                return s3.put(location, body, contentType, ifMatch);
            }
        };
        MigrationLedger b = new MigrationLedger(slow, LEDGER,
                new LeaseElection("b", TIMING, bNanos::get, wall));
        assertFalse(b.elect());
        // a writes once more, then dies; b's next read starts before that write and answers after it.
        a.ledger.write(Ledgers.withLeader(MigrationStatus.empty(), "a-last"));
        assertFalse(b.elect(), "a new version: its wait starts now");
        bNanos.addAndGet(Duration.ofSeconds(55).toNanos());
        assertFalse(b.elect(), "57.5 s after the answer that showed it, not yet 60");
        assertTrue(b.elect(), "60 s after");
    }

    @Test
    void aLedgerNobodyCanReadIsNeitherLedNorOverwritten() {
        s3.putObject(LEDGER, "kind: [not, a, ledger\n");
        Replica a = new Replica("a", 0);
        assertFalse(a.elect(), "no exception: the lease keeper lives on");
        a.advance(LEASE_DURATION.plusSeconds(10));
        assertFalse(a.elect());
        assertEquals("kind: [not, a, ledger\n", s3.text(LEDGER));
        s3.objects.remove(LEDGER);
        assertTrue(a.elect(), "once it is deleted, a fresh ledger is taken");
    }

    @ParameterizedTest(name = "lease {0} s, renew deadline {1} s, retry period {2} s: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            60 | 40 | 10  |
            15 | 10 | 2   |
            3  | 2  | 0.5 |
            60 | 60 | 10  | the renew deadline (60s) must be shorter than the lease duration (60s)
            60 | 70 | 10  | the renew deadline (70s) must be shorter than the lease duration (60s)
            60 | 40 | 40  | the retry period (40s) must be shorter than the renew deadline (40s)
            60 | 40 | 0   | the retry period (0s) must be positive
            60 | 30 | 10  | the renew deadline (30s) must be longer than a third of the lease duration (60s, when the leader renews) plus the retry period (10s, how often it checks)
            3  | 1.5| 0.5 | the renew deadline (1500ms) must be longer than a third of the lease duration (3s
            """)
    void theDurationsAreChecked(double lease, double deadline, double retry, String problem) {
        Duration l = Duration.ofMillis(Math.round(lease * 1000));
        Duration d = Duration.ofMillis(Math.round(deadline * 1000));
        Duration r = Duration.ofMillis(Math.round(retry * 1000));
        if (problem == null) {
            assertEquals(l.dividedBy(3), new LeaseElection.Timing(l, d, r).renewInterval());
        } else {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new LeaseElection.Timing(l, d, r));
            assertTrue(e.getMessage().startsWith(problem), e.getMessage());
        }
    }
}
