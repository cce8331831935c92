package dev.beanstalkmigrator.reconcile.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which transitions of a pass make which events: a table over (record before, record after). */
class NotificationEventsTest {

    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    static final Instant FINISHED = Instant.parse("2026-11-25T09:59:58Z");
    static final NotificationChannel ALL = new NotificationChannel("ops", NotificationChannel.Type.WEBHOOK, "OPS_URL",
            List.of(NotificationEvent.values()));
    static final NotificationChannel FAILURES = new NotificationChannel("team", NotificationChannel.Type.SLACK,
            "TEAM_URL", NotificationEvent.DEFAULTS);

    static MigrationRecord record(Phase phase, Integer exitCode, String reason) {
        MigrationRecord launching = new MigrationRecord("v42", "", Phase.Launching, "l1", "acme-prod", "web", null,
                "acme:v42", "template", "td:1", "container-overrides", List.of("migrate"), FINISHED.minusSeconds(60),
                null, null, null, null, null, null);
        return switch (phase) {
            case Launching -> launching;
            case Pending -> launching.pending(null);
            case Running -> launching.running("arn:aws:ecs:us-east-1:1:task/acme-prod/t1", FINISHED.minusSeconds(50));
            default -> launching.running("arn:aws:ecs:us-east-1:1:task/acme-prod/t1", FINISHED.minusSeconds(50))
                    .finished(phase, FINISHED, exitCode, reason, phase == Phase.Failed ? List.of("boom ***") : null);
        };
    }

    static MigrationStatus ledger(MigrationRecord record, List<Condition> conditions, String planError) {
        List<EnvironmentStatus> environments = new ArrayList<>();
        if (record != null || !conditions.isEmpty()) {
            environments.add(new EnvironmentStatus("acme-web-prod", "acme", "v42", "v42", "v41", conditions,
                    record == null ? List.of() : List.of(record)));
        }
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme", "\"e1\"", planError,
                "r1", null, environments);
    }

    static List<Notification> derive(MigrationStatus before, MigrationStatus after,
                                     List<NotificationChannel> channels) {
        return NotificationEvents.derive(before, after.environments(), "acme", after.planError(), channels, NOW);
    }

    static Stream<Arguments> recordTransitions() {
        return Stream.of(
                Arguments.of(Phase.Running, Phase.Succeeded, null, NotificationEvent.Succeeded),
                Arguments.of(Phase.Running, Phase.Failed, null, NotificationEvent.Failed),
                Arguments.of(Phase.Running, Phase.TimedOut, null, NotificationEvent.TimedOut),
                Arguments.of(Phase.Launching, Phase.Failed, Reasons.LAUNCH_LOST, NotificationEvent.LaunchLost),
                Arguments.of(Phase.Running, Phase.Failed, Reasons.LAUNCH_LOST, NotificationEvent.LaunchLost),
                Arguments.of(null, Phase.Succeeded, null, NotificationEvent.Succeeded),
                Arguments.of(Phase.Pending, Phase.Failed, null, NotificationEvent.Failed),
                // Not transitions into a final phase: nothing.
                Arguments.of(Phase.Launching, Phase.Running, null, null),
                Arguments.of(null, Phase.Launching, null, null),
                Arguments.of(Phase.Launching, Phase.Pending, null, null),
                // Already final when the pass found it (an old ledger, another leader's write): nothing.
                Arguments.of(Phase.Failed, Phase.Failed, null, null),
                Arguments.of(Phase.Succeeded, Phase.Succeeded, null, null),
                Arguments.of(Phase.TimedOut, Phase.TimedOut, null, null));
    }

    @ParameterizedTest(name = "{0} -> {1} ({2}): {3}")
    @MethodSource("recordTransitions")
    void aRecordThatBecomesFinalIsOneEvent(Phase from, Phase to, String reason, NotificationEvent expected) {
        MigrationStatus before = ledger(from == null ? null : record(from, null, reason), List.of(), null);
        MigrationStatus after = ledger(record(to, to == Phase.Failed && reason == null ? 2 : null, reason), List.of(),
                null);
        List<Notification> events = derive(before, after, List.of(ALL));
        if (expected == null) {
            assertEquals(List.of(), events);
            return;
        }
        assertEquals(1, events.size(), events::toString);
        Notification event = events.get(0);
        assertEquals(expected, event.event());
        assertEquals("acme-web-prod/l1/" + expected, event.id(), "stable: environment, launch id, event");
        assertEquals("v42", event.version());
        assertEquals(to, event.phase());
        assertEquals(FINISHED, event.at(), "the transition's time, not the pass's");
        assertEquals(List.of("ops"), event.pending());
    }

    @Test
    void aFailedEventCarriesExitCodeReasonAndTheRecordsMaskedTail() {
        Notification event = derive(ledger(record(Phase.Running, null, null), List.of(), null),
                ledger(record(Phase.Failed, 2, "Essential container in task exited"), List.of(), null),
                List.of(ALL)).get(0);
        assertEquals(2, event.exitCode());
        assertEquals("Essential container in task exited", event.reason());
        assertEquals(List.of("boom ***"), event.logTail());
        assertEquals("arn:aws:ecs:us-east-1:1:task/acme-prod/t1", event.taskArn());
        assertEquals("acme", event.plan());
    }

    @Test
    void anEventGoesOnlyToTheChannelsThatWantItAndNoChannelMeansNoEvent() {
        MigrationStatus before = ledger(record(Phase.Running, null, null), List.of(), null);
        MigrationStatus succeeded = ledger(record(Phase.Succeeded, 0, null), List.of(), null);
        MigrationStatus failed = ledger(record(Phase.Failed, 1, null), List.of(), null);
        assertEquals(List.of("ops"), derive(before, succeeded, List.of(ALL, FAILURES)).get(0).pending());
        assertEquals(List.of("ops", "team"), derive(before, failed, List.of(ALL, FAILURES)).get(0).pending());
        assertEquals(List.of(), derive(before, succeeded, List.of(FAILURES)), "nobody wants it");
        assertEquals(List.of(), derive(before, failed, List.of()), "no channel");
    }

    static Condition stalled(boolean on, Instant at) {
        return new Condition(Condition.STALLED, on ? "True" : "False", on ? "AccessDenied" : Reasons.PROGRESSING,
                on ? "ecs:RunTask is not allowed; grant it to the operator's role" : "nothing needs a human", at);
    }

    @Test
    void theStalledConditionTurningTrueIsAnEventOnlyWhenItTurns() {
        Instant at = Instant.parse("2026-11-25T09:59:59Z");
        MigrationStatus progressing = ledger(null, List.of(stalled(false, NOW.minusSeconds(600))), null);
        MigrationStatus stalledNow = ledger(null, List.of(stalled(true, at)), null);
        List<Notification> events = derive(progressing, stalledNow, List.of(ALL));
        assertEquals(1, events.size());
        assertEquals(NotificationEvent.Stalled, events.get(0).event());
        assertEquals("acme-web-prod/Stalled/" + at.toEpochMilli(), events.get(0).id());
        assertEquals("AccessDenied", events.get(0).reason());
        assertTrue(events.get(0).message().contains("grant it"));
        assertEquals(List.of(), derive(stalledNow, stalledNow, List.of(ALL)), "still stalled: no new event");
        assertEquals(1, derive(MigrationStatus.empty(), stalledNow, List.of(ALL)).size(), "a new environment");
        assertEquals(List.of(), derive(stalledNow, progressing, List.of(ALL)), "recovering is not an event");
    }

    @Test
    void aBlockedPromotionIsAnEventOncePerBlockingFailure() {
        Condition waiting = new Condition(Condition.READY, "False", Reasons.WAITING_FOR_PROMOTION,
                "waiting for promotion of v42: acme-web-staging is migrating v42 (Running)", NOW.minusSeconds(60));
        Condition blocked = new Condition(Condition.READY, "False", Reasons.PROMOTION_BLOCKED, "promotion of v42"
                + " blocked: acme-web-staging's migration of v42 failed (exit 1); it runs here once that environment"
                + " migrates it under a new rerun token", NOW.minusSeconds(5));
        MigrationStatus before = ledger(null, List.of(waiting), null);
        MigrationStatus after = ledger(null, List.of(blocked), null);
        List<Notification> events = derive(before, after, List.of(FAILURES));
        assertEquals(1, events.size(), "a default event");
        Notification event = events.get(0);
        assertEquals(NotificationEvent.PromotionBlocked, event.event());
        assertEquals("v42", event.version());
        assertEquals(blocked.message(), event.message());
        assertEquals(events.get(0).id(), derive(before, after, List.of(FAILURES)).get(0).id(), "stable id");
        assertEquals(List.of(), derive(after, after, List.of(ALL)), "still blocked by the same failure: no event");
        Condition again = new Condition(Condition.READY, "False", Reasons.PROMOTION_BLOCKED, blocked.message()
                .replace("(exit 1)", "(exit 2)").replace("v42 failed", "v42 failed"), NOW);
        assertEquals(1, derive(after, ledger(null, List.of(again), null), List.of(ALL)).size(),
                "blocked by another failure: a new event");
        assertEquals("Promotion of v42 to acme-web-prod blocked: an environment it comes after failed it",
                NotificationMessages.headline(event));
    }

    @Test
    void aPreviewWaitingForApprovalIsAnEventWithItsOutputOncePerWait() {
        String digest = "sha256:" + "ab".repeat(32);
        MigrationRecord preview = new MigrationRecord("v42", "", dev.beanstalkmigrator.model.Phase.Succeeded, "p1",
                "acme-prod", "web", "arn:task/p1", "img", "template", "arn:td", "container-overrides",
                List.of("python", "manage.py", "migrate", "--plan"), NOW, NOW, NOW, 0, null,
                List.of("Planned operations:", "    Remove field legacy from order"), null).asPreview()
                .withDigest(digest);
        Condition previewing = new Condition(Condition.READY, "False", Reasons.PREVIEWING, "previewing v42 before"
                + " migrating it", NOW.minusSeconds(30));
        Condition pending = new Condition(Condition.READY, "False", Reasons.APPROVAL_PENDING, "the preview of v42 (task"
                + " arn:task/p1) needs approval (approval: always); review its output, then commit approved: ["
                + digest + "] to acme-web-prod or spec.defaults", NOW.minusSeconds(2));
        MigrationStatus before = withPreview(previewing, preview);
        MigrationStatus after = withPreview(pending, preview);
        List<Notification> events = derive(before, after, List.of(FAILURES));
        assertEquals(1, events.size(), "a default event");
        Notification event = events.get(0);
        assertEquals(NotificationEvent.ApprovalRequested, event.event());
        assertEquals(preview.logTail(), event.logTail(), "the output");
        assertEquals("arn:task/p1", event.taskArn());
        assertTrue(event.message().contains("approved: [" + digest + "]"), event.message());
        assertEquals(List.of(), derive(after, after, List.of(ALL)), "still waiting: no new event");
        assertEquals("Migration of acme-web-prod to v42 waits for approval of its preview",
                NotificationMessages.headline(event));
    }

    static MigrationStatus withPreview(Condition ready, MigrationRecord preview) {
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme", "\"e1\"", null, "r1",
                null, List.of(new EnvironmentStatus("acme-web-prod", "acme", "v42", "v42", "v41", List.of(ready),
                List.of(), List.of(), List.of(preview))));
    }

    @Test
    void aPlanRefusalIsAnEventOncePerDistinctError() {
        MigrationStatus valid = ledger(null, List.of(), null);
        MigrationStatus refused = ledger(null, List.of(), "plan.yaml:3:5: unknown field `enviroments`");
        List<Notification> events = derive(valid, refused, List.of(FAILURES));
        assertEquals(1, events.size());
        Notification event = events.get(0);
        assertEquals(NotificationEvent.PlanRefused, event.event());
        assertTrue(event.id().startsWith("plan/"), event.id());
        assertEquals("plan.yaml:3:5: unknown field `enviroments`", event.message());
        assertEquals(event.id(), derive(valid, refused, List.of(FAILURES)).get(0).id(), "stable id");
        assertEquals(List.of(), derive(refused, refused, List.of(FAILURES)), "already recorded");
        assertEquals(List.of(), derive(refused, valid, List.of(FAILURES)), "a valid plan again is not an event");
    }
}
