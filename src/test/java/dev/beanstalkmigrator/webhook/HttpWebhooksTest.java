package dev.beanstalkmigrator.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.port.Webhooks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the adapter answers for a channel it cannot post to: nothing leaves, and the answer says whether to retry. */
class HttpWebhooksTest {

    static final NotificationChannel PLAN_CHANNEL = new NotificationChannel("team-slack",
            NotificationChannel.Type.SLACK, "TEAM_SLACK_URL", NotificationEvent.DEFAULTS);
    static final NotificationChannel OPERATOR_CHANNEL = new NotificationChannel("ops",
            NotificationChannel.Type.WEBHOOK, null, List.of(NotificationEvent.values()));
    static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);

    static HttpWebhooks withUrl(Optional<String> url) {
        return new HttpWebhooks(channel -> url, Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void aChannelWhoseUrlIsUnsetIsRefusedNotRetried() {
        Webhooks.Delivery unset = withUrl(Optional.empty()).post(PLAN_CHANNEL, BODY, Map.of());
        assertFalse(unset.delivered());
        assertFalse(unset.retry(), "a variable that is not set now is not set at the next attempt either");
        assertEquals("no URL: the variable TEAM_SLACK_URL is not set", unset.detail());

        Webhooks.Delivery blank = withUrl(Optional.of("  ")).post(OPERATOR_CHANNEL, BODY, Map.of());
        assertFalse(blank.retry());
        assertEquals("no URL: migrator.notifications.channels.ops.url is not set", blank.detail());
    }

    @Test
    void aUrlThatIsNotHttpIsRefusedWithoutNamingIt() {
        Webhooks.Delivery refused = withUrl(Optional.of("ftp://hooks.example/secret-token")).post(PLAN_CHANNEL, BODY,
                Map.of());
        assertFalse(refused.retry());
        assertEquals("the variable TEAM_SLACK_URL does not hold an http(s) URL", refused.detail());
    }
}
