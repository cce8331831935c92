package dev.beanstalkmigrator.reconcile.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.testing.LogCapture;
import dev.beanstalkmigrator.testing.MutableClock;
import dev.beanstalkmigrator.webhook.HttpWebhooks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A plan's channel whose {@code urlFrom} names a variable the operator does not have, through the real HTTP adapter:
 * given up at the first attempt and logged once, as the README's "Notifications" says, never retried until
 * {@code max-attempts} or {@code max-age}.
 */
class ChannelWithoutUrlTest {

    static final Instant START = Instant.parse("2026-11-25T10:00:00Z");
    static final NotificationChannel TEAM = new NotificationChannel("team-slack", NotificationChannel.Type.SLACK,
            "TEAM_SLACK_URL", NotificationEvent.DEFAULTS);

    @Test
    void isGivenUpAtOnceAndLoggedOnce() {
        MutableClock clock = new MutableClock(START);
        Notifier.Settings settings = new Notifier.Settings(List.of(),
                new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 10, new Random(7)), Duration.ofHours(24), 100,
                null);
        Notifier notifier = new Notifier(new HttpWebhooks(channel -> Optional.empty(), Duration.ofSeconds(1),
                Duration.ofSeconds(1)), settings, clock, () -> 1, Runnable::run);
        Notification event = new Notification("acme-web-prod/l1/Failed", NotificationEvent.Failed, START, "acme",
                "acme-web-prod", "v42", "", null, "l1", 2, "Essential container in task exited", null,
                "arn:aws:ecs:us-east-1:1:task/c/t1", List.of(), List.of("team-slack"));
        MigrationPlan plan = new MigrationPlan("acme", List.of(), List.of(TEAM));

        LogCapture log = new LogCapture().attach();
        try {
            notifier.offer(List.of(event), plan, 1);
            notifier.dispatch();
            assertEquals(Map.of("acme-web-prod/l1/Failed", Set.of("team-slack")), notifier.settled(),
                    "settled by the first attempt, for the next write to record");
            for (int i = 0; i < 10; i++) {
                clock.advance(Duration.ofMinutes(1));
                notifier.dispatch();
            }
        } finally {
            log.detach();
        }
        List<String> aboutIt = log.lines().stream().filter(line -> line.contains("team-slack")).toList();
        assertEquals(1, aboutIt.size(), aboutIt.toString());
        assertEquals(1, aboutIt.stream().filter(line -> line.contains("gave up notifying channel team-slack")
                && line.contains("TEAM_SLACK_URL is not set")).count(), aboutIt.toString());
    }
}
