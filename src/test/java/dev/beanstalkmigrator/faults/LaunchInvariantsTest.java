package dev.beanstalkmigrator.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.sandbox.ObjectWrite;
import dev.beanstalkmigrator.sandbox.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fault suite's invariants, fed events by hand: each break is caught when it happens, and named. */
class LaunchInvariantsTest {

    static final Duration LEASE = Duration.ofSeconds(3);
    static final long SECOND = 1_000_000_000L;

    final LaunchInvariants invariants = new LaunchInvariants(LEASE);
    long seq;
    long clock = 100 * SECOND;

    @Test
    void aProtocolFollowedToTheOutcomeBreaksNothing() {
        invariants.ledgerWritten(write("r0", 0), ledger(record("v7", "", Phase.Launching, "l1", null)), null);
        invariants.taskStarted(run("arn1", "l1", "v7"), ledger(record("v7", "", Phase.Launching, "l1", null)));
        invariants.ledgerWritten(write("r0", SECOND), ledger(record("v7", "", Phase.Running, "l1", "arn1")), null);
        assertEquals(1, invariants.outcomesMissing().size());
        invariants.ledgerWritten(write("r0", SECOND), ledger(record("v7", "", Phase.Failed, "l1", "arn1")), null);

        assertNull(invariants.firstBroken());
        assertEquals(List.of(), invariants.outcomesMissing());
        assertEquals(0, invariants.duplicates());
    }

    @Test
    void aSecondTaskForOneEnvironmentVersionAndRerunBreaksAtOnceNamingTheLaunchesAndTasks() {
        invariants.context("scenario 3");
        invariants.taskStarted(run("arn1", "l1", "v7"), ledger(record("v7", "", Phase.Launching, "l1", null)));
        assertNull(invariants.firstBroken());
        invariants.taskStarted(run("arn2", "l2", "v7"), ledger(record("v7", "", Phase.Launching, "l2", null),
                record("v7", "", Phase.Running, "l1", "arn1")));

        LaunchInvariants.Broken broken = invariants.firstBroken();
        assertEquals(LaunchInvariants.ONE_TASK, broken.invariant());
        assertEquals("invariant \"at most one task per (environment, version, rerun)\" broken: environment shop-3,"
                + " version v7, rerun \"\", launch l2, tasks [arn1, arn2], launches [l1, l2]; scenario 3",
                broken.message());
        assertEquals(1, invariants.duplicates());
    }

    @Test
    void tasksAreKeyedByTheirTagsAndALedgerRecordUnderAnotherTokenBreaks() {
        // Two tasks of one version under two rerun tokens: two migrations, no duplicate.
        invariants.taskStarted(run("arn1", "l1", "v7", ""), ledger(record("v7", "", Phase.Launching, "l1", null)));
        invariants.taskStarted(run("arn2", "l2", "v7", "2"), ledger(record("v7", "2", Phase.Launching, "l2", null)));
        assertNull(invariants.firstBroken());
        assertEquals(0, invariants.duplicates());

        // The operator records a task of rerun "3" under the old token: the next pass would launch "3" again.
        invariants.taskStarted(run("arn3", "l3", "v7", "3"), ledger(record("v7", "2", Phase.Launching, "l3", null)));
        assertEquals(LaunchInvariants.RECORDED_AS_RAN, invariants.firstBroken().invariant());
        assertEquals("environment shop-3, version v7, rerun \"3\", launch l3, tasks [arn3]: the ledger records its"
                + " launch as version v7, rerun \"2\"", invariants.firstBroken().detail());

        // And a second task tagged "3" is a duplicate by the tags alone, whatever the ledger says of it.
        invariants.taskStarted(run("arn4", "l4", "v7", "3"), ledger(record("v7", "2", Phase.Launching, "l4", null)));
        assertEquals(1, invariants.duplicates());
    }

    @Test
    void aTaskStartedWhileAnEarlierTaskOfItsEnvironmentStillRunsBreaks() {
        Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
        RunRecord first = at(run("arn1", "l1", "v7"), t0);
        invariants.taskStarted(first, ledger(record("v7", "", Phase.Launching, "l1", null)));
        invariants.environmentFree(first, arn -> null);
        assertNull(invariants.firstBroken(), "nothing ran before it");

        // The timed-out task was asked to stop at t0+2s, and its container ran on until t0+3.5s.
        RunRecord early = at(run("arn2", "l2", "v7", "r1"), t0.plusSeconds(3));
        invariants.taskStarted(early, ledger(record("v7", "r1", Phase.Launching, "l2", null),
                record("v7", "", Phase.TimedOut, "l1", "arn1")));
        invariants.environmentFree(early, arn -> arn.equals("arn1") ? t0.plusMillis(3500) : null);
        assertEquals(LaunchInvariants.ONE_AT_A_TIME, invariants.firstBroken().invariant());
        assertEquals("environment shop-3, version v7, rerun \"r1\", launch l2, tasks [arn2] started at"
                + " 2026-11-25T10:00:03Z while task arn1 of environment shop-3, version v7, rerun \"\", launch l1,"
                + " tasks [] ran until 2026-11-25T10:00:03.500Z", invariants.firstBroken().detail());
        assertEquals(1, invariants.overlaps());
    }

    @Test
    void aTaskStartedAfterEveryEarlierTaskOfItsEnvironmentStoppedBreaksNothing() {
        Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
        RunRecord first = at(run("arn1", "l1", "v7"), t0);
        invariants.taskStarted(first, ledger(record("v7", "", Phase.Launching, "l1", null)));
        RunRecord later = at(run("arn2", "l2", "v7", "r1"), t0.plusSeconds(4));
        invariants.taskStarted(later, ledger(record("v7", "r1", Phase.Launching, "l2", null),
                record("v7", "", Phase.TimedOut, "l1", "arn1")));
        invariants.environmentFree(later, arn -> arn.equals("arn1") ? t0.plusMillis(3500) : null);
        assertNull(invariants.firstBroken());
        assertEquals(0, invariants.overlaps());
    }

    /** A task of {@code environment} on {@code database}, started at {@code time}, its launch in the ledger. */
    RunRecord onDatabase(String arn, String environment, String version, String database, Instant time) {
        RunRecord run = new RunRecord(arn, "fleet", "arn:td", "bm-" + arn, arn, Map.of(
                LaunchInvariants.TAG_ENVIRONMENT, environment, LaunchInvariants.TAG_VERSION, version,
                LaunchInvariants.TAG_RERUN, "", LaunchInvariants.TAG_LAUNCH_ID, arn), "app", List.of(), Map.of(),
                "img", time, Map.of("DATABASE_URL", "postgres://fleet:pw-" + arn + "@" + database));
        MigrationStatus ledger = new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "fleet", null,
                null, null, null, List.of(new EnvironmentStatus(environment, "fleet", null, null, null, List.of(),
                List.of(record(version, "", Phase.Launching, arn, null)), List.of())));
        invariants.taskStarted(run, ledger);
        return run;
    }

    @Test
    void aTaskStartedOnADatabaseWhileAnotherEnvironmentsTaskRunsOnItBreaks() {
        Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
        RunRecord blue = onDatabase("arn-blue", "fleet-00", "v7", "db-a:5432/fleet_a", t0);
        invariants.databaseFree(blue, arn -> null);
        RunRecord other = onDatabase("arn-other", "fleet-02", "v8", "db-02:5432/fleet_02", t0.plusSeconds(1));
        invariants.databaseFree(other, arn -> null);
        assertNull(invariants.firstBroken(), "another database");

        RunRecord green = onDatabase("arn-green", "fleet-01", "v9", "db-a:5432/fleet_a", t0.plusSeconds(2));
        invariants.databaseFree(green, arn -> arn.equals("arn-blue") ? t0.plusSeconds(3) : null);
        assertEquals(LaunchInvariants.DATABASE_ONE_AT_A_TIME, invariants.firstBroken().invariant());
        assertEquals("environment fleet-01, version v9, rerun \"\", launch arn-green, tasks [arn-green] started on"
                + " db-a:5432/fleet_a at 2026-11-25T10:00:02Z while task arn-blue of environment fleet-00, version v7,"
                + " rerun \"\", launch arn-blue, tasks [] ran until 2026-11-25T10:00:03Z",
                invariants.firstBroken().detail());
        assertEquals(1, invariants.databaseOverlaps());
    }

    @Test
    void aSecondTaskOfOneDatabaseVersionAndRerunBreaksWhateverEnvironmentRanIt() {
        Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
        RunRecord blue = onDatabase("arn-blue", "fleet-00", "v7", "db-a:5432/fleet_a", t0);
        invariants.databaseFree(blue, arn -> null);
        RunRecord green = onDatabase("arn-green", "fleet-01", "v7", "db-a:5432/fleet_a", t0.plusSeconds(5));
        invariants.databaseFree(green, arn -> t0.plusSeconds(1));
        assertEquals(LaunchInvariants.DATABASE_ONE_RUN, invariants.firstBroken().invariant());
        assertTrue(invariants.firstBroken().detail().contains("environments [fleet-00, fleet-01]"),
                invariants.firstBroken().detail());
        assertEquals(1, invariants.databaseDuplicates());
        assertEquals(0, invariants.databaseOverlaps(), "one after the other");
        assertEquals(0, invariants.duplicates(), "two environments: not a duplicate of either");
    }

    @Test
    void tasksOnADatabaseOneAfterTheOtherBreakNothing() {
        Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
        RunRecord blue = onDatabase("arn-blue", "fleet-00", "v7", "db-a:5432/fleet_a", t0);
        invariants.databaseFree(blue, arn -> null);
        RunRecord green = onDatabase("arn-green", "fleet-01", "v8", "db-a:5432/fleet_a", t0.plusSeconds(5));
        invariants.databaseFree(green, arn -> t0.plusSeconds(4));
        RunRecord none = new RunRecord("arn-x", "fleet", "arn:td", "bm-x", "x", Map.of(), "app", List.of(), Map.of(),
                "img", t0.plusSeconds(6), Map.of());
        invariants.databaseFree(none, arn -> null);
        assertNull(invariants.firstBroken());
        assertNull(LaunchInvariants.databaseOf(none), "no DATABASE_URL: no database");
    }

    @Test
    void aTaskOfAnEnvironmentThatComesAfterAnotherStartsOnlyOnceTheOtherSucceededWithItsVersion() {
        Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
        onDatabase("arn-staging", "fleet-02", "v7", "db-02:5432/fleet_02", t0);
        // Staging's v8 task ran and stopped too, but exited 1: no success of v8 to promote.
        onDatabase("arn-staging-v8", "fleet-02", "v8", "db-02:5432/fleet_02", t0);
        java.util.function.Function<String, Instant> stopped = arn -> t0.plusSeconds(2);
        java.util.function.Function<String, Integer> exit = arn -> arn.equals("arn-staging") ? 0 : 1;

        RunRecord prod = onDatabase("arn-prod", "fleet-03", "v7", "db-03:5432/fleet_03", t0.plusSeconds(3));
        invariants.upstreamFirst(prod, "fleet-02", stopped, exit);
        assertNull(invariants.firstBroken(), "staging's v7 exited 0 at t0+2s");

        RunRecord early = onDatabase("arn-qa-early", "fleet-04", "v7", "db-04:5432/fleet_04", t0.plusSeconds(1));
        invariants.upstreamFirst(early, "fleet-02", stopped, exit);
        assertEquals(LaunchInvariants.UPSTREAM_FIRST, invariants.firstBroken().invariant(), "before it stopped");
        assertEquals(1, invariants.promotionBreaks());

        RunRecord afterFailure = onDatabase("arn-prod-v8", "fleet-03", "v8", "db-03:5432/fleet_03", t0.plusSeconds(9));
        invariants.upstreamFirst(afterFailure, "fleet-02", stopped, exit);
        assertEquals(2, invariants.promotionBreaks(), "staging's v8 exited 1");
    }

    static RunRecord preview(String arn, String launchId, String version, Instant time) {
        RunRecord r = run(arn, launchId, version);
        Map<String, String> tags = new java.util.HashMap<>(r.tags());
        tags.put(LaunchInvariants.TAG_TASK, "preview");
        return new RunRecord(arn, r.cluster(), r.taskDefinitionArn(), r.startedBy(), r.clientToken(), Map.copyOf(tags),
                r.containerName(), List.of("python", "manage.py", "migrate", "--plan"), r.environment(), r.image(),
                time, null);
    }

    static MigrationStatus withPreviews(MigrationRecord... previews) {
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "fleet", null, null, null, null,
                List.of(new EnvironmentStatus("shop-3", "fleet", null, null, null, List.of(), List.of(), List.of(),
                        java.util.Arrays.stream(previews).map(MigrationRecord::asPreview).toList())));
    }

    @Test
    void aSecondPreviewOfOneEnvironmentVersionAndRerunBreaksButAPreviewIsNotAMigration() {
        Instant t0 = Instant.parse("2026-12-06T10:00:00Z");
        invariants.taskStarted(preview("arn-p1", "p1", "v7", t0), withPreviews(record("v7", "", Phase.Launching, "p1",
                null)));
        invariants.taskStarted(at(run("arn-m1", "m1", "v7"), t0.plusSeconds(2)),
                ledger(record("v7", "", Phase.Launching, "m1", null)));
        assertNull(invariants.firstBroken(), "a preview and its migration are two keys");
        assertEquals(1, invariants.previews());
        invariants.taskStarted(preview("arn-p2", "p2", "v7", t0.plusSeconds(3)),
                withPreviews(record("v7", "", Phase.Launching, "p2", null)));
        assertEquals(LaunchInvariants.ONE_PREVIEW, invariants.firstBroken().invariant());
        assertEquals(1, invariants.previewDuplicates());
        assertEquals(0, invariants.duplicates());
    }

    @Test
    void aMigrationBeforeItsPreviewSucceededOrBeforeARequiredApprovalBreaks() {
        Instant t0 = Instant.parse("2026-12-06T10:00:00Z");
        Map<String, Instant> stops = new java.util.HashMap<>(Map.of("arn-p1", t0.plusSeconds(1)));
        Map<String, Integer> exits = new java.util.HashMap<>(Map.of("arn-p1", 0));
        invariants.taskStarted(preview("arn-p1", "p1", "v7", t0), withPreviews(record("v7", "", Phase.Launching, "p1",
                null)));
        Map<String, Instant> approved = new java.util.HashMap<>();
        RunRecord migrate = at(run("arn-m1", "m1", "v7"), t0.plusSeconds(5));
        invariants.taskStarted(migrate, ledger(record("v7", "", Phase.Launching, "m1", null)));

        invariants.approvedFirst(migrate, stops::get, exits::get, "sha256:aa", false, approved::get);
        assertNull(invariants.firstBroken(), "its preview succeeded and needs no approval");

        approved.put("sha256:aa", t0.plusSeconds(4));
        invariants.approvedFirst(migrate, stops::get, exits::get, "sha256:aa", true, approved::get);
        assertNull(invariants.firstBroken(), "approved a second before it started");

        approved.put("sha256:aa", t0.plusSeconds(6));
        invariants.approvedFirst(migrate, stops::get, exits::get, "sha256:aa", true, approved::get);
        assertEquals(LaunchInvariants.APPROVED_FIRST, invariants.firstBroken().invariant(), "approved after it started");
        assertEquals(1, invariants.approvalBreaks());

        exits.put("arn-p1", 1);
        invariants.approvedFirst(migrate, stops::get, exits::get, "sha256:aa", false, approved::get);
        assertEquals(2, invariants.approvalBreaks(), "its preview failed");

        RunRecord unpreviewed = at(run("arn-m2", "m2", "v8"), t0.plusSeconds(7));
        invariants.taskStarted(unpreviewed, ledger(record("v8", "", Phase.Launching, "m2", null)));
        invariants.approvedFirst(unpreviewed, stops::get, exits::get, "sha256:bb", false, approved::get);
        assertEquals(3, invariants.approvalBreaks(), "no preview at all");
    }

    static RunRecord at(RunRecord r, Instant time) {
        return new RunRecord(r.taskArn(), r.cluster(), r.taskDefinitionArn(), r.startedBy(), r.clientToken(), r.tags(),
                r.containerName(), r.command(), r.environment(), r.image(), time, null);
    }

    @Test
    void aRerunIsAnotherKey() {
        invariants.taskStarted(run("arn1", "l1", "v7"), ledger(record("v7", "", Phase.Launching, "l1", null)));
        invariants.taskStarted(run("arn2", "l2", "v7", "r1"), ledger(record("v7", "r1", Phase.Launching, "l2", null)));
        assertNull(invariants.firstBroken());
    }

    @Test
    void aTaskStartedWithoutItsIntentInTheLedgerBreaks() {
        invariants.taskStarted(run("arn1", "l1", "v7"), ledger());
        assertEquals(LaunchInvariants.INTENT_FIRST, invariants.firstBroken().invariant());
        assertTrue(invariants.firstBroken().detail().startsWith("environment shop-3, version v7, rerun \"\","
                + " launch l1, tasks [arn1]"), invariants.firstBroken().detail());
    }

    @Test
    void aRecordDroppedOrFinishedForAnotherTaskLosesTheOutcome() {
        invariants.taskStarted(run("arn1", "l1", "v7"), ledger(record("v7", "", Phase.Launching, "l1", null)));
        invariants.ledgerWritten(write("r1", SECOND), ledger(), null);
        assertEquals(LaunchInvariants.OUTCOME_KEPT, invariants.firstBroken().invariant());
        assertTrue(invariants.firstBroken().detail().contains("dropped the launch's record"));
        assertEquals(1, invariants.lostOutcomes());
        assertEquals(List.of(), invariants.outcomesMissing(), "lost, not missing");

        LaunchInvariants other = new LaunchInvariants(LEASE);
        other.taskStarted(run("arn1", "l1", "v7"), ledger(record("v7", "", Phase.Launching, "l1", null)));
        other.ledgerWritten(write("r1", SECOND), ledger(record("v7", "", Phase.Failed, "l1", null)), null);
        assertEquals(LaunchInvariants.OUTCOME_KEPT, other.firstBroken().invariant());
        assertTrue(other.firstBroken().detail().contains("recorded Failed (LaunchLost) for task null"),
                other.firstBroken().detail());
    }

    @Test
    void aWriteSeenOutOfOrderIsNotTakenForADroppedRecord() {
        invariants.taskStarted(run("arn1", "l1", "v7"), ledger(record("v7", "", Phase.Launching, "l1", null)));
        ObjectWrite first = write("r0", SECOND);
        ObjectWrite second = write("r0", SECOND);
        invariants.ledgerWritten(second, ledger(record("v7", "", Phase.Running, "l1", "arn1")), null);
        invariants.ledgerWritten(first, ledger(), null);
        assertNull(invariants.firstBroken());
    }

    @Test
    void aTakeoverBeforeTheLeaseRanOutIsAStaleLeaderWrite() {
        invariants.ledgerWritten(write("r0", 0), ledger(), null);
        invariants.ledgerWritten(write("r1", 4 * SECOND), ledger(), null);
        assertNull(invariants.firstBroken(), "a takeover after a whole lease");
        invariants.ledgerWritten(write("r2", SECOND), ledger(), null);

        assertEquals(LaunchInvariants.FENCED, invariants.firstBroken().invariant());
        assertEquals("ledger write #2 by r2 accepted 1000 ms after a write by r1, whose lease (3000 ms) had not"
                + " run out", invariants.firstBroken().detail());
        assertEquals(1, invariants.staleWrites());
    }

    @Test
    void anUnparseableLedgerBreaks() {
        invariants.ledgerWritten(write("r0", 0), null, "mapping values are not allowed here");
        assertEquals(LaunchInvariants.PARSES, invariants.firstBroken().invariant());
        assertEquals(1, invariants.unparseable());
    }

    // --- events ---------------------------------------------------------------------------------------------

    String lastHolder;

    ObjectWrite write(String holder, long afterNanos) {
        clock += afterNanos;
        ObjectWrite write = new ObjectWrite(seq++, "plans/fleet.status.yaml", "\"e\"", holder, lastHolder,
                lastHolder == null ? -1 : afterNanos, clock, Instant.EPOCH);
        lastHolder = holder;
        return write;
    }

    static RunRecord run(String arn, String launchId, String version) {
        return run(arn, launchId, version, "");
    }

    static RunRecord run(String arn, String launchId, String version, String rerun) {
        return new RunRecord(arn, "fleet", "arn:td", "bm-" + launchId, launchId, Map.of(
                LaunchInvariants.TAG_ENVIRONMENT, "shop-3", LaunchInvariants.TAG_VERSION, version,
                LaunchInvariants.TAG_RERUN, rerun, LaunchInvariants.TAG_LAUNCH_ID, launchId), "app", List.of(),
                Map.of(), "img", Instant.EPOCH, null);
    }

    static MigrationRecord record(String version, String rerun, Phase phase, String launchId, String taskArn) {
        return new MigrationRecord(version, rerun, phase, launchId, "fleet", "app", taskArn, "img", "template",
                "arn:td", null, List.of(), Instant.EPOCH, null, null, null,
                phase == Phase.Failed && taskArn == null ? "LaunchLost" : null, null, null);
    }

    static MigrationStatus ledger(MigrationRecord... history) {
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "fleet", null, null, null, null,
                List.of(new EnvironmentStatus("shop-3", "fleet", null, null, null, List.of(), List.of(history),
                        List.of())));
    }
}
