package dev.beanstalkmigrator.reconcile.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The outbox fold: settled deliveries leave, new events join once, the oldest go past the cap. */
class OutboxTest {

    static Notification event(String id, String... pending) {
        return new Notification(id, NotificationEvent.Failed, Instant.parse("2026-11-25T10:00:00Z"), "acme",
                "acme-web-prod", "v42", "", null, null, 1, null, null, null, null, List.of(pending));
    }

    static List<String> ids(List<Notification> outbox) {
        return outbox.stream().map(e -> e.id() + e.pending()).toList();
    }

    @Test
    void aSettledChannelLeavesItsEventAndAnEventWithNothingPendingIsDropped() {
        Outbox.Folded folded = Outbox.fold(List.of(event("a", "ops", "team"), event("b", "ops")),
                Map.of("a", Set.of("ops"), "b", Set.of("ops")), List.of(), 10);
        assertEquals(List.of("a[team]"), ids(folded.outbox()));
        assertEquals(List.of(), folded.dropped());
    }

    @Test
    void newEventsJoinAfterTheStoredOnesAndAnIdAlreadyStoredIsNotAddedAgain() {
        Outbox.Folded folded = Outbox.fold(List.of(event("a", "ops")), Map.of(),
                List.of(event("a", "ops", "team"), event("c", "ops"), event("c", "team")), 10);
        assertEquals(List.of("a[ops]", "c[ops]"), ids(folded.outbox()));
    }

    @Test
    void anEventSettledAndStoredIsNotRevivedByTheSameTransitionDerivedAgain() {
        // The same pass drafts twice (intents before a launch, then the end): both start from the stored outbox.
        Outbox.Folded folded = Outbox.fold(List.of(event("a", "ops")), Map.of("a", Set.of("ops")),
                List.of(event("a", "ops")), 10);
        assertEquals(List.of(), ids(folded.outbox()));
    }

    @Test
    void pastTheCapTheOldestAreDropped() {
        Outbox.Folded folded = Outbox.fold(List.of(event("a", "ops"), event("b", "ops")), Map.of(),
                List.of(event("c", "ops"), event("d", "ops")), 3);
        assertEquals(List.of("b[ops]", "c[ops]", "d[ops]"), ids(folded.outbox()));
        assertEquals(List.of("a[ops]"), ids(folded.dropped()));
    }

    @Test
    void anUnsettledOutboxIsWrittenAsFound() {
        List<Notification> stored = List.of(event("a", "ops"), event("b", "team"));
        assertEquals(stored, Outbox.fold(stored, Map.of("x", Set.of("ops")), List.of(), 10).outbox());
    }
}
