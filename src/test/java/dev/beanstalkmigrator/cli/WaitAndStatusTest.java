package dev.beanstalkmigrator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.aws.AwsClientSettings;
import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.Lease;
import dev.beanstalkmigrator.model.MigrationKey;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.testing.MutableClock;
import dev.beanstalkmigrator.testing.Plans;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@code wait} and {@code status} on an in-memory S3 whose ledger the test moves on at each pause of the command, on
 * a clock the pauses advance: no sleeping, no network.
 */
class WaitAndStatusTest {

    static final Instant T0 = Instant.parse("2026-11-30T08:00:00Z");
    static final String PLAN_URI = "s3://deploy/migrator/shop.yaml";
    static final ObjectLocation PLAN = ObjectLocation.parse(PLAN_URI);
    static final ObjectLocation LEDGER = ObjectLocation.parse("s3://deploy/migrator/shop.status.yaml");

    /** S3 in memory with ETags and conditional GETs; a step of the script runs at each pause. */
    final class FakeS3 implements ObjectStore {
        final Map<ObjectLocation, byte[]> bodies = new HashMap<>();
        final Map<ObjectLocation, String> etags = new HashMap<>();
        final List<ObjectLocation> reads = new ArrayList<>();
        final Deque<Consumer<FakeS3>> script = new ArrayDeque<>();
        final List<ObjectLocation> notModified = new ArrayList<>();
        int writes;
        RuntimeException failNextRead;

        void store(ObjectLocation location, byte[] body) {
            bodies.put(location, body);
            etags.put(location, "\"e" + (++writes) + "\"");
        }

        String etag(ObjectLocation location) {
            return etags.get(location);
        }

        @Override
        public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
            reads.add(location);
            if (failNextRead != null) {
                RuntimeException failure = failNextRead;
                failNextRead = null;
                throw failure;
            }
            if (!bodies.containsKey(location)) {
                return new Read.Missing("no object " + location);
            }
            if (etags.get(location).equals(ifNoneMatch)) {
                notModified.add(location);
                return new Read.NotModified(ifNoneMatch);
            }
            return bodies.get(location).length > maxBytes ? new Read.TooLarge(bodies.get(location).length,
                    etags.get(location)) : new Read.Found(bodies.get(location), etags.get(location));
        }

        @Override
        public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
            throw new AssertionError("the commands read whole objects");
        }

        @Override
        public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
            throw new AssertionError("the commands never write");
        }
    }

    final MutableClock clock = new MutableClock(T0);
    final FakeS3 s3 = new FakeS3();
    final List<Duration> pauses = new ArrayList<>();
    final List<AwsClientSettings> opened = new ArrayList<>();

    record Run(int exit, List<String> out, String err) {
        boolean has(String text) {
            return out.stream().anyMatch(l -> l.contains(text));
        }

        long count(String text) {
            return out.stream().filter(l -> l.contains(text)).count();
        }
    }

    Run run(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Commands.Outside outside = new Commands.Outside(settings -> {
            opened.add(settings);
            return s3;
        }, clock, duration -> {
            pauses.add(duration);
            clock.advance(duration);
            Consumer<FakeS3> step = s3.script.poll();
            if (step != null) {
                step.accept(s3);
            }
        });
        int exit = Commands.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), environment, outside);
        return new Run(exit, out.toString(StandardCharsets.UTF_8).lines().toList(),
                err.toString(StandardCharsets.UTF_8));
    }

    Run waitFor(String environment, String... more) {
        List<String> args = new ArrayList<>(List.of("wait", "--plan", PLAN_URI, "--environment", environment,
                "--poll-interval", "5s"));
        args.addAll(List.of(more));
        return run(Map.of(), args.toArray(String[]::new));
    }

    // --- the world ---------------------------------------------------------------------------------------------

    void uploadPlan(String yaml) {
        s3.store(PLAN, yaml.getBytes(StandardCharsets.UTF_8));
    }

    static MigrationRecord record(String version, String rerun, Phase phase) {
        return new MigrationRecord(version, rerun, phase, "launch-" + version + rerun, "shop-cluster", "app",
                phase == Phase.Launching || phase == Phase.Pending ? null
                        : "arn:aws:ecs:us-east-1:000000000000:task/shop-cluster/" + version,
                null, null, null, null, List.of("python", "manage.py", "migrate"), T0, T0.plusSeconds(1),
                phase.terminal() ? T0.plusSeconds(20) : null, phase == Phase.Succeeded ? Integer.valueOf(0) : null,
                null, null, null);
    }

    static Condition condition(String type, String status, String reason, String message) {
        return new Condition(type, status, reason, message, T0);
    }

    static EnvironmentStatus environment(String name, String resolved, List<Condition> conditions,
                                         MigrationRecord... history) {
        return new EnvironmentStatus(name, "shop", resolved, resolved, "v1", conditions, List.of(history));
    }

    void writeLedger(String observedRevision, String planError, EnvironmentStatus... environments) {
        s3.store(LEDGER, LedgerCodec.write(new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND,
                "shop", observedRevision, planError, "replica-a",
                new Lease("replica-a", 60, T0, T0, 1), List.of(environments))));
    }

    void thenLedger(String observedRevision, EnvironmentStatus... environments) {
        s3.script.add(s -> writeLedger(observedRevision, null, environments));
    }

    // --- wait ----------------------------------------------------------------------------------------------------

    @Test
    void waitsThroughEachChangeOnceAndExitsZeroWhenTheVersionSucceeded() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        String revision = s3.etag(PLAN);
        s3.script.add(s -> writeLedger("\"old\"", null, environment("shop-new", "v1", List.of(),
                record("v1", "", Phase.Succeeded))));
        thenLedger(revision, environment("shop-new", "v2", List.of(
                condition("Ready", "False", "MigrationPending", "v2 is not migrated yet")),
                record("v1", "", Phase.Succeeded)));
        thenLedger(revision, environment("shop-new", "v2", List.of(), record("v2", "", Phase.Launching),
                record("v1", "", Phase.Succeeded)));
        thenLedger(revision, environment("shop-new", "v2", List.of(), record("v2", "", Phase.Running),
                record("v1", "", Phase.Succeeded)));
        s3.script.add(s -> { }); // the ledger unchanged for a poll: a 304, and no line
        thenLedger(revision, environment("shop-new", "v2", List.of(), record("v2", "", Phase.Succeeded),
                record("v1", "", Phase.Succeeded)));

        Run run = waitFor("shop-new");

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertTrue(run.out().get(0).startsWith("waiting up to 30m for shop-new to migrate v2 (plan " + PLAN_URI
                + " revision " + revision + ", ledger " + LEDGER + ")"), run.out()::toString);
        assertTrue(run.has("[0s] no ledger at " + LEDGER + " yet"), run.out()::toString);
        assertTrue(run.has("[5s] the operator has not taken plan revision " + revision + " yet (it runs revision "
                + "\"old\")"), run.out()::toString);
        assertTrue(run.has("[5s] shop-new: no migration of v2 yet"), run.out()::toString);
        assertTrue(run.has("[10s] the operator took plan revision " + revision), run.out()::toString);
        assertTrue(run.has("(Ready False, MigrationPending: v2 is not migrated yet)"), run.out()::toString);
        assertTrue(run.has("[15s] shop-new: v2 Launching (launch id launch-v2)"), run.out()::toString);
        assertTrue(run.has("[20s] shop-new: v2 Running (task arn:aws:ecs:"), run.out()::toString);
        assertEquals(1, run.count("v2 Running"), "one line per change, not per poll: " + run.out());
        assertEquals("shop-new: v2 Succeeded at " + T0.plusSeconds(20) + " (task "
                + "arn:aws:ecs:us-east-1:000000000000:task/shop-cluster/v2)", run.out().get(run.out().size() - 1));
        assertTrue(s3.notModified.contains(LEDGER), "an unchanged ledger is read with a conditional GET");
        long planReads = s3.reads.stream().filter(PLAN::equals).count();
        assertEquals(pauses.size() + 1, planReads, "the plan is looked at at every poll");
        assertEquals(planReads - 1, s3.notModified.stream().filter(PLAN::equals).count(),
                "an unchanged plan is read with a conditional GET, and answered 304");
        assertTrue(s3.reads.stream().allMatch(l -> l.equals(PLAN) || l.equals(LEDGER)), s3.reads::toString);
        assertTrue(pauses.stream().allMatch(Duration.ofSeconds(5)::equals), pauses::toString);
    }

    @Test
    void anOlderRecordOfTheEnvironmentNeverEndsTheWait() {
        uploadPlan(Plans.plan("{name: shop-rerun, version: v2, rerun: \"1\"}"));
        String revision = s3.etag(PLAN);
        writeLedger(revision, null, environment("shop-rerun", "v2", List.of(), record("v2", "", Phase.Failed)));
        thenLedger(revision, environment("shop-rerun", "v2", List.of(), record("v2", "1", Phase.Running),
                record("v2", "", Phase.Failed)));
        thenLedger(revision, environment("shop-rerun", "v2", List.of(), record("v2", "1", Phase.Succeeded),
                record("v2", "", Phase.Failed)));

        Run run = waitFor("shop-rerun");

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertTrue(run.out().get(0).contains("shop-rerun to migrate v2 (rerun \"1\")"), run.out()::toString);
        assertTrue(run.has("[0s] shop-rerun: no migration of v2 (rerun \"1\") yet"), run.out()::toString);
        assertTrue(run.has("shop-rerun: v2 Succeeded"), run.out()::toString);
        assertFalse(run.has("Failed"), run.out()::toString);
    }

    @Test
    void aFailedMigrationPrintsItsExitCodeReasonAndLogTailAndExitsThree() {
        uploadPlan(Plans.plan("{name: shop-fail, version: v-broken}"));
        MigrationRecord failed = record("v-broken", "", Phase.Running).finished(Phase.Failed, T0.plusSeconds(30), 1,
                "Essential container in task exited", List.of("Running migrations:",
                        "django.db.utils.ProgrammingError: column \"refund_id\" does not exist"));
        writeLedger(s3.etag(PLAN), null, environment("shop-fail", "v-broken", List.of(), failed));

        Run run = run(Map.of("GITHUB_ACTIONS", "true"), "wait", "--plan", PLAN_URI, "--environment", "shop-fail");

        assertEquals(Commands.MIGRATION_FAILED, run.exit(), run::toString);
        assertEquals(3, Commands.MIGRATION_FAILED);
        assertTrue(run.has("shop-fail: v-broken Failed at " + T0.plusSeconds(30) + ": exit code 1"),
                run.out()::toString);
        assertTrue(run.has("  reason: Essential container in task exited"), run.out()::toString);
        assertTrue(run.has("  log tail:"), run.out()::toString);
        assertTrue(run.has("    django.db.utils.ProgrammingError: column \"refund_id\" does not exist"),
                run.out()::toString);
        assertTrue(run.has("change rerun for shop-fail in the plan"), run.out()::toString);
        assertTrue(run.has("::error title=Migration Failed::shop-fail: v-broken Failed: exit code 1, Essential"
                + " container in task exited"), run.out()::toString);
        assertTrue(pauses.isEmpty(), "an outcome already in the ledger ends the wait at once");
    }

    @Test
    void eachOutcomeHasItsOwnExitCode() {
        uploadPlan(Plans.plan("{name: shop-lost, version: v2}", "{name: shop-slow, version: v-slow}",
                "{name: shop-old, version: v1}"));
        MigrationRecord lost = record("v2", "", Phase.Launching).finished(Phase.Failed, T0, null,
                Reasons.LAUNCH_LOST, null);
        MigrationRecord slow = record("v-slow", "", Phase.Running).finished(Phase.TimedOut, T0, 137,
                "Task stopped by user", null);
        EnvironmentStatus old = new EnvironmentStatus("shop-old", "shop", "v1", "v1", "v1", List.of(), List.of(),
                List.of(new MigrationKey("v1", "", Phase.Failed)));
        writeLedger(s3.etag(PLAN), null, environment("shop-lost", "v2", List.of(), lost),
                environment("shop-slow", "v-slow", List.of(), slow), old);

        Run launchLost = waitFor("shop-lost");
        assertEquals(Commands.LAUNCH_LOST, launchLost.exit(), launchLost::toString);
        assertTrue(launchLost.has("  reason: LaunchLost"), launchLost.out()::toString);
        assertTrue(launchLost.has("ECS no longer knows the task"), launchLost.out()::toString);

        Run timedOut = waitFor("shop-slow");
        assertEquals(Commands.MIGRATION_TIMED_OUT, timedOut.exit(), timedOut::toString);
        assertTrue(timedOut.has("shop-slow: v-slow TimedOut at " + T0 + ": exit code 137"), timedOut.out()::toString);

        Run archived = waitFor("shop-old");
        assertEquals(Commands.MIGRATION_FAILED, archived.exit(), archived::toString);
        assertTrue(archived.has("shop-old: v1 Failed (its record has left the ledger's history"),
                archived.out()::toString);

        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), List.of(Commands.OK, Commands.INVALID, Commands.USAGE,
                Commands.MIGRATION_FAILED, Commands.MIGRATION_TIMED_OUT, Commands.LAUNCH_LOST, Commands.PLAN_REFUSED,
                Commands.WAIT_TIMED_OUT), "the codes the usage text and the README list");
    }

    @Test
    void aPlanOverTheSizeLimitIsRefusedUnreadAndExitsSix() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}") + "#".repeat(2 * 1024 * 1024) + "\n");

        Run run = run(Map.of(), "wait", "--plan", PLAN_URI, "--environment", "shop-new");

        assertEquals(Commands.PLAN_REFUSED, run.exit(), run::toString);
        assertTrue(run.has("shop.yaml:1:1: the plan " + PLAN_URI + " is " + s3.bodies.get(PLAN).length
                + " bytes, more than the limit of 1048576 bytes (1 MiB)"), run.out()::toString);
        assertFalse(s3.reads.contains(LEDGER), "nothing to wait for: the ledger is not read");
    }

    @Test
    void anInvalidPlanIsRefusedWithItsErrorsAndExitsSix() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2, timeout: 30x}"));

        Run run = run(Map.of("GITHUB_ACTIONS", "true"), "wait", "--plan", PLAN_URI, "--environment", "shop-new");

        assertEquals(Commands.PLAN_REFUSED, run.exit(), run::toString);
        assertTrue(run.out().get(0).startsWith("wait: the plan " + PLAN_URI + " is invalid"), run.out()::toString);
        assertTrue(run.out().stream().anyMatch(l -> l.matches("shop\\.yaml:14:\\d+: .*timeout.*")),
                run.out()::toString);
        assertTrue(run.has("::error title=Plan refused::" + PLAN_URI + ": shop.yaml:14:"), run.out()::toString);
        assertFalse(s3.reads.contains(LEDGER), "nothing to wait for: the ledger is not read");
    }

    @Test
    void itsOwnTimeoutEndsTheWaitWithSevenAndTheLastThingItSaw() {
        uploadPlan(Plans.plan("{name: shop-hold, version: v2, suspend: true}"));
        writeLedger(s3.etag(PLAN), null, environment("shop-hold", "v2", List.of(
                condition("Ready", "False", "Suspended", "suspended by the plan"),
                condition("Suspended", "True", "SuspendedByPlan", "suspend: true in the plan"),
                condition("Stalled", "True", "AccessDenied", "ecs:RunTask: grant it to the operator's role"))));

        Run run = run(Map.of("GITHUB_ACTIONS", "true"), "wait", "--plan", PLAN_URI, "--environment", "shop-hold",
                "--timeout", "12s", "--poll-interval", "5s");

        assertEquals(Commands.WAIT_TIMED_OUT, run.exit(), run::toString);
        assertEquals(List.of(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(2)), pauses,
                "polls until the deadline, the last pause cut to it");
        assertTrue(run.has("[0s] the plan suspends shop-hold (suspend: true)"), run.out()::toString);
        assertTrue(run.has("[0s] shop-hold: Suspended (SuspendedByPlan): suspend: true in the plan"),
                run.out()::toString);
        assertTrue(run.has("[0s] shop-hold: Stalled (AccessDenied): ecs:RunTask: grant it"), run.out()::toString);
        assertTrue(run.has("wait: gave up after 12s: shop-hold to migrate v2 has not finished; last seen: "
                + "shop-hold: no migration of v2 yet"), run.out()::toString);
        assertTrue(run.has("::error title=Migration not finished::"), run.out()::toString);
    }

    @Test
    void stalledAndItsEndAreShownAsTheyChange() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        String revision = s3.etag(PLAN);
        writeLedger(revision, null, environment("shop-new", "v2", List.of(
                condition("Stalled", "True", "AccessDenied", "grant ecs:RunTask"))));
        thenLedger(revision, environment("shop-new", "v2", List.of(
                condition("Stalled", "False", "Progressing", "")), record("v2", "", Phase.Running)));
        thenLedger(revision, environment("shop-new", "v2", List.of(), record("v2", "", Phase.Succeeded)));

        Run run = waitFor("shop-new");

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertTrue(run.has("[0s] shop-new: Stalled (AccessDenied): grant ecs:RunTask"), run.out()::toString);
        assertTrue(run.has("[5s] shop-new: no longer Stalled"), run.out()::toString);
    }

    static final String DIGEST = "sha256:" + "5d".repeat(32);

    static EnvironmentStatus awaitingApproval(String name, MigrationRecord... history) {
        MigrationRecord preview = new MigrationRecord("v2", "", Phase.Succeeded, "preview-v2", "shop-cluster", "app",
                "arn:aws:ecs:us-east-1:000000000000:task/shop-cluster/p2", null, null, null, null,
                List.of("python", "manage.py", "migrate", "--plan"), T0, T0, T0, 0, null,
                List.of("Planned operations:", "    Remove field legacy from order"), null).asPreview()
                .withDigest(DIGEST);
        return new EnvironmentStatus(name, "shop", "v2", "v2", "v1", List.of(condition("Ready", "False",
                "ApprovalPending", "the preview of v2 (task arn:aws:ecs:us-east-1:000000000000:task/shop-cluster/p2)"
                        + " needs approval (approval: always); review its output, then commit approved: [" + DIGEST
                        + "] to " + name + " or spec.defaults")), List.of(history), List.of(), List.of(preview));
    }

    @Test
    void aMigrationWaitingForApprovalShowsThePreviewAndTheLineOnceAndWaitsOn() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        String revision = s3.etag(PLAN);
        writeLedger(revision, null, awaitingApproval("shop-new"));
        thenLedger(revision, awaitingApproval("shop-new"));
        thenLedger(revision, environment("shop-new", "v2", List.of(), record("v2", "", Phase.Succeeded)));

        Run run = waitFor("shop-new");

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertEquals(1, run.count("waits for approval of its preview"), run.out()::toString);
        assertTrue(run.has("    Remove field legacy from order"), run.out()::toString);
        assertTrue(run.has("    approved: [" + DIGEST + "]"), run.out()::toString);
        assertTrue(run.has("[10s] shop-new: no longer waiting for approval"), run.out()::toString);
    }

    @Test
    void waitWithApprovalExitEndsWithEightAndTheLineToCommit() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        writeLedger(s3.etag(PLAN), null, awaitingApproval("shop-new"));

        Run run = run(Map.of("GITHUB_ACTIONS", "true"), "wait", "--plan", PLAN_URI, "--environment", "shop-new",
                "--approval", "exit");

        assertEquals(Commands.AWAITING_APPROVAL, run.exit(), run::toString);
        assertTrue(run.has("wait: shop-new to migrate v2 waits for approval of its preview (digest " + DIGEST + ")"),
                run.out()::toString);
        assertTrue(run.has("::warning title=Approval needed::shop-new: commit approved: [" + DIGEST + "]"),
                run.out()::toString);
        Run usage = run(Map.of(), "wait", "--plan", PLAN_URI, "--environment", "shop-new", "--approval", "later");
        assertEquals(Commands.USAGE, usage.exit());
        assertTrue(usage.err().contains("--approval is wait or exit, not 'later'"), usage.err());
    }

    @Test
    void waitWithApprovalExitForAnEnvironmentNotInTheLedgerYetWaitsOn() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        writeLedger(s3.etag(PLAN), null);
        Run run = waitFor("shop-new", "--approval", "exit", "--timeout", "12s");
        assertEquals(Commands.WAIT_TIMED_OUT, run.exit(), run::toString);
        assertTrue(run.has("shop-new: not in the ledger yet"), run.out()::toString);
    }

    @Test
    void statusPrintsThePreviewWaitingForApprovalAndTheLine() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        writeLedger(s3.etag(PLAN), null, awaitingApproval("shop-new"));
        Run run = run(Map.of(), "status", "--plan", PLAN_URI);
        assertEquals(Commands.OK, run.exit(), run::toString);
        assertTrue(run.has("shop-new: the migration of v2 waits for approval of its preview"), run.out()::toString);
        assertTrue(run.has("    approved: [" + DIGEST + "]"), run.out()::toString);
    }

    @Test
    void aPlanUploadedDuringTheWaitIsFollowed() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2, suspend: true}"));
        String first = s3.etag(PLAN);
        writeLedger(first, null, environment("shop-new", "v2", List.of(
                condition("Suspended", "True", "SuspendedByPlan", "suspend: true in the plan"))));
        s3.script.add(s -> {
            uploadPlan(Plans.plan("{name: shop-new, version: v2, rerun: \"2\"}"));
            writeLedger(s3.etag(PLAN), null, environment("shop-new", "v2", List.of(),
                    record("v2", "2", Phase.Running)));
        });
        s3.script.add(s -> writeLedger(s3.etag(PLAN), null, environment("shop-new", "v2", List.of(),
                record("v2", "2", Phase.Succeeded))));

        Run run = waitFor("shop-new");

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertTrue(run.has("[0s] the plan suspends shop-new (suspend: true)"), run.out()::toString);
        assertTrue(run.has("[0s] shop-new: Suspended (SuspendedByPlan): suspend: true in the plan"),
                run.out()::toString);
        assertTrue(run.has("[5s] plan revision " + s3.etag(PLAN) + " uploaded; now waiting for shop-new to migrate v2"
                + " (rerun \"2\")"), run.out()::toString);
        assertTrue(run.has("[5s] the plan no longer suspends shop-new"), run.out()::toString);
        assertTrue(run.has("[5s] shop-new: no longer Suspended"), run.out()::toString);
        assertTrue(run.has("shop-new: v2 Succeeded"), run.out()::toString);
        assertTrue(s3.notModified.contains(PLAN), "an unchanged plan is read with a conditional GET");
    }

    @Test
    void anInvalidPlanUploadedDuringTheWaitEndsItWithSix() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        writeLedger(s3.etag(PLAN), null, environment("shop-new", "v2", List.of(), record("v2", "", Phase.Running)));
        s3.script.add(s -> uploadPlan(Plans.plan("{name: shop-new, version: v3, colour: blue}")));

        Run run = waitFor("shop-new");

        assertEquals(Commands.PLAN_REFUSED, run.exit(), run::toString);
        assertTrue(run.out().stream().anyMatch(l -> l.matches("shop\\.yaml:14:\\d+: .*colour.*")),
                run.out()::toString);
    }

    @Test
    void aPlanOfLatestFollowsTheVersionTheLedgerResolved() {
        uploadPlan(Plans.plan("{name: shop-latest, version: latest}"));
        String revision = s3.etag(PLAN);
        writeLedger(revision, null, environment("shop-latest", null, List.of()));
        thenLedger(revision, environment("shop-latest", "v3", List.of(), record("v3", "", Phase.Running)));
        thenLedger(revision, environment("shop-latest", "v3", List.of(), record("v3", "", Phase.Succeeded)));

        Run run = waitFor("shop-latest");

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertTrue(run.out().get(0).contains("shop-latest to migrate its latest version"), run.out()::toString);
        assertTrue(run.has("[0s] shop-latest: the operator has not resolved latest to a version yet"),
                run.out()::toString);
        assertTrue(run.has("shop-latest: v3 Succeeded"), run.out()::toString);
    }

    @Test
    void aVersionNamedOnTheCommandLineIsWaitedForEvenWhenThePlanSaysDeployed() {
        uploadPlan(Plans.plan("{name: shop-deployed, version: deployed}"));
        writeLedger(s3.etag(PLAN), null, environment("shop-deployed", "v1", List.of(),
                record("v1", "", Phase.Succeeded)));
        thenLedger(s3.etag(PLAN), environment("shop-deployed", "v2", List.of(), record("v2", "", Phase.Succeeded),
                record("v1", "", Phase.Succeeded)));

        Run run = waitFor("shop-deployed", "--version", "v2");

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertTrue(run.has("[0s] shop-deployed: no migration of v2 yet"), run.out()::toString);
        assertEquals(List.of(Duration.ofSeconds(5)), pauses, "v1's success did not end the wait");
    }

    @Test
    void whatCannotBeWaitedForIsAnErrorNamingTheFix() {
        Run missing = waitFor("shop-new");
        assertEquals(Commands.INVALID, missing.exit(), missing::toString);
        assertTrue(missing.has("wait: no plan at " + PLAN_URI + " (no object " + PLAN_URI + "); upload it first"),
                missing.out()::toString);

        uploadPlan(Plans.plan("{name: shop-new, version: v2}", "{name: shop-fail, version: v2}"));
        Run unknown = waitFor("shop-nope");
        assertEquals(Commands.INVALID, unknown.exit(), unknown::toString);
        assertEquals(List.of("wait: environment shop-nope is not in the plan " + PLAN_URI + " (it names shop-new, "
                + "shop-fail); add it to the plan and upload it, or name one of those with --environment"),
                unknown.out());

        Run otherVersion = waitFor("shop-new", "--version", "v3");
        assertEquals(Commands.INVALID, otherVersion.exit(), otherVersion::toString);
        assertTrue(otherVersion.has("names version v2 for shop-new, so v3 would never be migrated"),
                otherVersion.out()::toString);

        s3.failNextRead = new CloudError.Stalled("s3:GetObject", "AccessDenied", "Access Denied",
                "grant s3:GetObject on the plan", null);
        Run denied = waitFor("shop-new");
        assertEquals(Commands.INVALID, denied.exit(), denied::toString);
        assertTrue(denied.has("wait: cannot read the plan " + PLAN_URI + ": s3:GetObject: AccessDenied: Access"
                + " Denied; grant s3:GetObject on the plan"), denied.out()::toString);
    }

    @Test
    void aLedgerReadThatFailsForNowIsShownAndTriedAgain() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        String revision = s3.etag(PLAN);
        writeLedger(revision, null, environment("shop-new", "v2", List.of(), record("v2", "", Phase.Running)));
        s3.script.add(s -> s.failNextRead = new CloudError.Transient("s3:GetObject", "SlowDown", "Please reduce",
                null));
        thenLedger(revision, environment("shop-new", "v2", List.of(), record("v2", "", Phase.Succeeded)));

        Run run = waitFor("shop-new");

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertTrue(run.has("[5s] cannot read from S3 now (s3:GetObject: SlowDown: Please reduce); trying again"),
                run.out()::toString);
    }

    @Test
    void aLedgerThatIsNotOneIsAnError() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        s3.store(LEDGER, "just: some yaml\n".getBytes(StandardCharsets.UTF_8));

        Run run = waitFor("shop-new");

        assertEquals(Commands.INVALID, run.exit(), run::toString);
        assertTrue(run.has("wait: " + LEDGER + " is not a status ledger"), run.out()::toString);
    }

    @Test
    void theLedgerIsWhereTheOperatorWritesItUnlessStatusNamesIt() {
        ObjectLocation elsewhere = ObjectLocation.parse("s3://other/ledgers/shop.yaml");
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        s3.store(elsewhere, LedgerCodec.write(new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND,
                "shop", s3.etag(PLAN), null, "replica-a", null,
                List.of(environment("shop-new", "v2", List.of(), record("v2", "", Phase.Succeeded))))));

        Run run = waitFor("shop-new", "--status", elsewhere.toString());

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertFalse(s3.reads.contains(LEDGER), s3.reads::toString);
    }

    @Test
    void usageErrorsExitTwoAndSayWhatToWrite() {
        Run noPlan = run(Map.of(), "wait", "--environment", "shop-new");
        assertEquals(Commands.USAGE, noPlan.exit());
        assertTrue(noPlan.err().contains("wait: --plan is required, e.g. --plan s3://"), noPlan.err());
        assertTrue(noPlan.err().contains("3 Failed  4 TimedOut  5 LaunchLost  6 plan refused"), noPlan.err());

        Run notS3 = run(Map.of(), "wait", "--plan", "https://x/y.yaml", "--environment", "shop-new");
        assertEquals(Commands.USAGE, notS3.exit());
        assertTrue(notS3.err().contains("--plan https://x/y.yaml is not an S3 object; write --plan s3://BUCKET/KEY"),
                notS3.err());

        Run badTimeout = run(Map.of(), "wait", "--plan", PLAN_URI, "--environment", "e", "--timeout", "30 min");
        assertEquals(Commands.USAGE, badTimeout.exit());
        assertTrue(badTimeout.err().contains("--timeout: "), badTimeout.err());

        Run unknown = run(Map.of(), "status", "--plan", PLAN_URI, "--environment", "e");
        assertEquals(Commands.USAGE, unknown.exit());
        assertTrue(unknown.err().contains("status: unknown option --environment; options are --plan, --status,"),
                unknown.err());

        Run twice = run(Map.of(), "status", "--plan=" + PLAN_URI, "--plan", PLAN_URI);
        assertEquals(Commands.USAGE, twice.exit());
        assertTrue(twice.err().contains("--plan is given twice"), twice.err());
        assertTrue(opened.isEmpty(), "S3 is not opened for a command line that cannot run");
    }

    @Test
    void regionAndEndpointComeFromTheOptionsThenTheAwsCliVariables() {
        Options none = Options.parse("status", List.of(), Commands.STATUS_OPTIONS);
        Options both = Options.parse("status", List.of("--region", "eu-west-1", "--endpoint-url",
                "http://localhost:4566"), Commands.STATUS_OPTIONS);
        Map<String, String> variables = Map.of("AWS_REGION", "us-west-2", "AWS_DEFAULT_REGION", "ap-south-1",
                "AWS_ENDPOINT_URL", "https://general.example", "AWS_ENDPOINT_URL_S3", "https://s3.example");

        assertEquals(AwsClientSettings.of(Optional.empty(), Optional.empty()),
                Commands.awsSettings("status", none, Map.of()));
        assertEquals(AwsClientSettings.of(Optional.of("eu-west-1"), Optional.of(URI.create("http://localhost:4566"))),
                Commands.awsSettings("status", both, variables));
        assertEquals(AwsClientSettings.of(Optional.of("us-west-2"), Optional.of(URI.create("https://s3.example"))),
                Commands.awsSettings("status", none, variables));
        assertEquals(AwsClientSettings.of(Optional.of("ap-south-1"), Optional.of(URI.create("https://general.example"))),
                Commands.awsSettings("status", none, Map.of("AWS_DEFAULT_REGION", "ap-south-1",
                        "AWS_ENDPOINT_URL", "https://general.example")));
        assertEquals(AwsClientSettings.of(Optional.empty(), Optional.empty()),
                Commands.awsSettings("status", none, Map.of("AWS_ENDPOINT_URL", "https://general.example",
                        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")));
    }

    // --- status --------------------------------------------------------------------------------------------------

    @Test
    void statusPrintsTheLedgerAsATable() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        clock.set(T0.plus(Duration.ofMinutes(5)));
        MigrationRecord failed = record("v-broken", "1", Phase.Running).finished(Phase.Failed, T0, 1, "exited", null);
        writeLedger(s3.etag(PLAN), null,
                environment("shop-new", "v2", List.of(condition("Ready", "True", "MigrationSucceeded", "")),
                        record("v2", "", Phase.Succeeded)),
                environment("shop-fail", "v-broken", List.of(condition("Ready", "False", "MigrationFailed", "x"),
                        condition("Stalled", "True", "AccessDenied", "y")), failed),
                environment("shop-hold", "v2", List.of(condition("Ready", "False", "Suspended", ""),
                        condition("Suspended", "True", "SuspendedByPlan", ""))));

        Run run = run(Map.of(), "status", "--plan", PLAN_URI);

        assertEquals(Commands.OK, run.exit(), run::toString);
        assertEquals(List.of(
                "plan shop, revision " + s3.etag(PLAN) + "; ledger " + LEDGER + "; leader replica-a",
                "ENVIRONMENT   READY   VERSION    DEPLOYED   MIGRATION           AGE   REASON",
                "shop-new      True    v2         v1         v2 Succeeded        4m    MigrationSucceeded",
                "shop-fail     False   v-broken   v1         v-broken/1 Failed   5m    MigrationFailed, Stalled: AccessDenied",
                "shop-hold     False   v2         v1         -                   -     Suspended, Suspended: SuspendedByPlan"),
                run.out());
    }

    @Test
    void statusShowsARefusedOrNotYetTakenPlan() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));
        writeLedger("\"older\"", "shop.yaml:13:16: spec.environments[0].timeout: '30x' is not a duration\n"
                + "shop.yaml:14:7: unknown field colour", environment("shop-new", "v2", List.of()));

        Run refused = run(Map.of(), "status", "--plan", PLAN_URI);
        assertEquals(Commands.OK, refused.exit(), refused::toString);
        assertEquals("the newest plan was refused; the last valid plan stays in force:", refused.out().get(1));
        assertEquals("  shop.yaml:13:16: spec.environments[0].timeout: '30x' is not a duration", refused.out().get(2));
        assertEquals("  shop.yaml:14:7: unknown field colour", refused.out().get(3));

        writeLedger("\"older\"", null, environment("shop-new", "v2", List.of()));
        Run notYet = run(Map.of(), "status", "--plan", PLAN_URI);
        assertEquals("the plan at " + PLAN_URI + " (revision " + s3.etag(PLAN) + ") is not taken yet: the operator "
                + "reads it within its plan interval", notYet.out().get(1));
    }

    @Test
    void statusWithoutALedgerSaysWhereItLookedAndExitsOne() {
        uploadPlan(Plans.plan("{name: shop-new, version: v2}"));

        Run run = run(Map.of(), "status", "--plan", PLAN_URI);

        assertEquals(Commands.INVALID, run.exit(), run::toString);
        assertEquals(List.of("status: no ledger at " + LEDGER + " (no object " + LEDGER + "); the operator writes it"
                + " once it runs with migrator.desired-state.uri=" + PLAN_URI + ", or name the ledger with --status"),
                run.out());
    }

    @Test
    void agesReadLikeKubectl() {
        MigrationRecord record = record("v2", "", Phase.Succeeded);
        Instant finished = record.finishedAt();
        assertEquals("45s", StatusCommand.age(record, finished.plusSeconds(45)));
        assertEquals("12m", StatusCommand.age(record, finished.plus(Duration.ofMinutes(12))));
        assertEquals("5h", StatusCommand.age(record, finished.plus(Duration.ofHours(5))));
        assertEquals("3d", StatusCommand.age(record, finished.plus(Duration.ofDays(3))));
        assertEquals("0s", StatusCommand.age(record, finished.minusSeconds(3)), "a clock behind says 0s, not -3s");
    }
}
