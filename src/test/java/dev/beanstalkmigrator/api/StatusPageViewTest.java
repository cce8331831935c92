package dev.beanstalkmigrator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.Lease;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.reconcile.Snapshot;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.testing.Ledgers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the status page shows, from a snapshot: the state word, the plan's errors, the lease, the versions. */
class StatusPageViewTest {

    static final Instant NOW = Instant.parse("2026-11-30T08:00:00Z");

    static Condition condition(String type, boolean status, String reason) {
        return new Condition(type, status ? "True" : "False", reason, reason + " message", NOW);
    }

    static EnvironmentStatus environment(Condition... conditions) {
        return new EnvironmentStatus("acme-web", "app", "v2", "v2", "v1", List.of(conditions), List.of());
    }

    /** Rows: the conditions that are True or name a Ready reason, and the state a person reads. */
    @Test
    void theStateComesFromTheConditionsInOrderOfWhatAPersonMustKnowFirst() {
        record Row(String state, String decidingReason, List<Condition> conditions) {}
        List<Row> rows = List.of(
                new Row("Ready", "MigrationSucceeded", List.of(condition("Ready", true, "MigrationSucceeded"),
                        condition("Migrating", false, "Idle"), condition("Stalled", false, "Progressing"))),
                new Row("Migrating", "Running", List.of(condition("Ready", false, "Migrating"),
                        condition("Migrating", true, "Running"))),
                new Row("Failed", "MigrationFailed", List.of(condition("Ready", false, "MigrationFailed"),
                        condition("Migrating", false, "Idle"))),
                new Row("Failed", "MigrationTimedOut", List.of(condition("Ready", false, "MigrationTimedOut"))),
                new Row("Failed", "LaunchLost", List.of(condition("Ready", false, "LaunchLost"))),
                new Row("Stalled", "AccessDenied", List.of(condition("Ready", false, "MigrationPending"),
                        condition("Migrating", true, "Launching"), condition("Stalled", true, "AccessDenied"))),
                new Row("Suspended", "SuspendedByPlan", List.of(condition("Ready", false, "MigrationFailed"),
                        condition("Stalled", true, "AccessDenied"), condition("Suspended", true, "SuspendedByPlan"))),
                new Row("Pending", "MigrationPending", List.of(condition("Ready", false, "MigrationPending"))),
                new Row("Pending", "DryRun", List.of(condition("Ready", false, "DryRun"))),
                new Row("Pending", null, List.of()));
        List<String> wrong = new ArrayList<>();
        for (Row row : rows) {
            EnvironmentStatus e = environment(row.conditions().toArray(Condition[]::new));
            Condition deciding = StatusPageView.state(e);
            String state = StatusPageView.stateName(deciding);
            String reason = deciding == null ? null : deciding.reason();
            if (!row.state().equals(state) || !java.util.Objects.equals(row.decidingReason(), reason)) {
                wrong.add(row + " -> " + state + " by " + reason);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void theNewestPreviewIsShownWithItsOutputDigestAndTheLineToCommitOnlyWhileItWaitsForApproval() {
        String digest = "sha256:" + "7e".repeat(32);
        MigrationRecord preview = new MigrationRecord("v2", "", Phase.Succeeded, "p-1", "c", "web", "arn:task/p",
                "img", "template", "arn:td/1", "container-overrides", List.of("python", "manage.py", "migrate",
                "--plan"), NOW, NOW, NOW, 0, null, List.of("Planned operations:", "    Remove field x from y"), null)
                .asPreview().withDigest(digest);
        Condition pending = new Condition("Ready", "False", "ApprovalPending", "the preview of v2 (task arn:task/p)"
                + " needs approval (approval: always); review its output, then commit approved: [" + digest + "] to"
                + " acme-web or spec.defaults", NOW);
        EnvironmentStatus waiting = new EnvironmentStatus("acme-web", "app", "v2", "v2", "v1", List.of(pending),
                List.of(), List.of(), List.of(preview));
        StatusPageView.PreviewView shown = StatusPageView.of(new Snapshot(MigrationStatus.empty()
                .withEnvironments(List.of(waiting)), null, true, "r", NOW, null, true, NOW, 1, null), NOW)
                .environments().get(0).preview();
        assertEquals(new StatusPageView.PreviewView("v2", "", "Succeeded", "arn:task/p",
                "Planned operations:\n    Remove field x from y", digest, "approved: [" + digest + "]"), shown);

        EnvironmentStatus approved = new EnvironmentStatus("acme-web", "app", "v2", "v2", "v1",
                List.of(condition("Ready", false, "Migrating")), List.of(), List.of(), List.of(preview));
        assertEquals("", StatusPageView.of(new Snapshot(MigrationStatus.empty().withEnvironments(List.of(approved)),
                null, true, "r", NOW, null, true, NOW, 1, null), NOW).environments().get(0).preview().approvalLine(),
                "no line to commit once it no longer waits");
        assertNull(StatusPageView.of(new Snapshot(MigrationStatus.empty().withEnvironments(List.of(environment())),
                null, true, "r", NOW, null, true, NOW, 1, null), NOW).environments().get(0).preview());
    }

    @Test
    void whereAnEnvironmentIsSaysItsAccountAndRegionAsFarAsTheLedgerKnowsThem() {
        EnvironmentStatus base = new EnvironmentStatus("shop-eu", "shop", "v1", null, null, List.of(), List.of());
        assertEquals("", StatusPageView.where(base));
        assertEquals("account 222222222222, eu-west-1", StatusPageView.where(new EnvironmentStatus("shop-eu", "shop",
                "v1", null, null, List.of(), List.of(), List.of(), List.of(), "222222222222", "eu-west-1")));
        assertEquals("account unknown, us-east-1", StatusPageView.where(new EnvironmentStatus("shop-eu", "shop",
                "v1", null, null, List.of(), List.of(), List.of(), List.of(), null, "us-east-1")));
    }

    @Test
    void aPlanErrorIsSplitIntoFileLineColumnAndMessageWhenItHasAPlace() {
        assertEquals(new StatusPageView.PlanErrorLine("plans/acme.yaml", "12", "14",
                        "spec.environments[1].timeout: \"30x\" is not a duration"),
                StatusPageView.planError("plans/acme.yaml:12:14: spec.environments[1].timeout: \"30x\" is not a duration"));
        StatusPageView.PlanErrorLine missing = StatusPageView.planError(
                "no plan at s3://b/k (NoSuchKey); upload one, or set migrator.desired-state.uri");
        assertEquals("", missing.line());
        assertEquals("no plan at s3://b/k (NoSuchKey); upload one, or set migrator.desired-state.uri", missing.message());
    }

    @Test
    void theSnapshotBecomesThePageTheDesiredVersionFromThePlanInForceAndTheLeaseWithItsExpiry() {
        ParseOutcome parsed = new PlanParser().parse("plan.yaml", """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  defaults: {command: [migrate], launchType: FARGATE, cluster: c, taskDefinition: t, container: web,
                             network: {subnets: [subnet-1], securityGroups: [sg-1]}}
                  environments:
                    - {name: acme-web, application: app, version: latest}
                """.getBytes(StandardCharsets.UTF_8));
        if (parsed instanceof ParseOutcome.Invalid invalid) {
            throw new AssertionError(invalid.errors().toString());
        }
        DesiredState.View plan = new DesiredState.View(((ParseOutcome.Valid) parsed).plan(), "\"etag-1\"",
                List.of("plan.yaml:7:44: spec.environments[0].version: must not be empty"), "\"etag-2\"");
        MigrationRecord failed = new MigrationRecord("v2", "", Phase.Failed, "l-1", "c", "acme-web", "arn:task/1", "img",
                "template", "arn:td/1", "container-overrides", List.of("migrate"), NOW.minusSeconds(60),
                NOW.minusSeconds(50), NOW.minusSeconds(40), 1, "Essential container in task exited",
                List.of("<b>boom</b>", "line two"), null).withDatabase("db.internal:5432/shop");
        EnvironmentStatus web = new EnvironmentStatus("acme-web", "app", "v2", "v2", "v1",
                List.of(condition("Ready", false, "MigrationFailed")), List.of(failed));
        Lease lease = new Lease("replica-a", 60, NOW.minusSeconds(600), NOW.minusSeconds(10), 3);
        MigrationStatus status = Ledgers.withLeader(MigrationStatus.empty().withEnvironments(List.of(web)), "replica-a")
                .withLease(lease);
        Snapshot snapshot = new Snapshot(status, plan, false, "replica-b", NOW.minusSeconds(3), null, true, NOW, 4,
                null);

        StatusPageView view = StatusPageView.of(snapshot, NOW);

        assertEquals("acme", view.plan().name());
        assertEquals("\"etag-1\"", view.plan().revision());
        assertEquals(List.of(new StatusPageView.PlanErrorLine("plan.yaml", "7", "44",
                "spec.environments[0].version: must not be empty")), view.plan().errors());
        assertEquals(new StatusPageView.Operator("replica-b", "standby", "replica-a",
                new StatusPageView.LeaseView("replica-a", "2026-11-30 07:50:00 UTC", "2026-11-30 07:59:50 UTC",
                        "2026-11-30 08:00:50 UTC", 60, 3), "2026-11-30 07:59:57 UTC (3 s ago)", null, null),
                view.operator());
        StatusPageView.Environment environment = view.environments().get(0);
        assertEquals("latest", environment.desiredVersion(), "as the plan in force writes it");
        assertEquals("Failed", environment.state());
        assertEquals("failed", environment.stateClass());
        assertEquals(new StatusPageView.HistoryRow("v2", "", "Failed", "1", "2026-11-30 07:59:10 UTC",
                "2026-11-30 07:59:20 UTC", "Essential container in task exited", "<b>boom</b>\nline two",
                "arn:task/1", "db.internal:5432/shop"), environment.history().get(0));
        assertEquals(5, view.refreshSeconds());
    }

    @Test
    void beforeAnythingIsKnownThePageSaysSo() {
        StatusPageView view = StatusPageView.of(Snapshot.initial("replica-a"), NOW);
        assertNull(view.plan().name());
        assertEquals(List.of(), view.plan().errors());
        assertEquals("never", view.operator().lastSync());
        assertNull(view.operator().lease());
        assertEquals("", view.operator().leader());
        assertEquals(List.of(), view.environments());
    }

    @Test
    void agesReadAsSecondsMinutesOrHours() {
        assertEquals("0 s ago", StatusPageView.ago(NOW.plusSeconds(2), NOW));
        assertEquals("119 s ago", StatusPageView.ago(NOW.minusSeconds(119), NOW));
        assertEquals("2 min ago", StatusPageView.ago(NOW.minusSeconds(120), NOW));
        assertEquals("2 h ago", StatusPageView.ago(NOW.minusSeconds(7200), NOW));
    }
}
