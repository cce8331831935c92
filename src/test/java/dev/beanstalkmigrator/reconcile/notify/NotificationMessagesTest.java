package dev.beanstalkmigrator.reconcile.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.model.Phase;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The message bodies: the generic schema, Slack's shape and limits. */
class NotificationMessagesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static Notification timedOut(List<String> tail) {
        return new Notification("shop-prod/l7/TimedOut", NotificationEvent.TimedOut,
                Instant.parse("2026-11-25T10:00:00Z"), "shop", "shop-prod", "v9", "", Phase.TimedOut, "l7", null,
                "Task stopped <by> user & timeout", "Task stopped <by> user & timeout",
                "arn:aws:ecs:us-east-1:1:task/c/t7", tail, List.of("ops"));
    }

    @Test
    void theGenericBodyIsTheEventWithoutItsPendingChannels() throws IOException {
        JsonNode body = JSON.readTree(NotificationMessages.generic(timedOut(List.of("a", "b")), null));
        List<String> fields = new ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("schema", "id", "event", "at", "plan", "environment", "version", "rerun", "phase",
                "launchId", "reason", "message", "taskArn", "logTail"), fields);
        assertEquals(1, body.get("schema").asInt());
        assertEquals("2026-11-25T10:00:00Z", body.get("at").asText());
        assertEquals("TimedOut", body.get("phase").asText());
    }

    @Test
    void slackGetsATextFallbackEscapedMarkdownAndATailThatFitsItsLimit() throws IOException {
        List<String> tail = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tail.add("line " + i + " " + "x".repeat(40));
        }
        JsonNode body = JSON.readTree(NotificationMessages.slack(timedOut(tail), "https://migrator.internal/"));
        assertEquals("Migration of shop-prod to v9 timed out and was stopped", body.get("text").asText());
        String blocks = body.get("blocks").toString();
        assertTrue(blocks.contains("&lt;by&gt; user &amp; timeout"), blocks);
        assertTrue(blocks.contains("<https://migrator.internal/|Status>"), blocks);
        for (JsonNode block : body.get("blocks")) {
            if (block.has("text")) {
                assertTrue(block.get("text").get("text").asText().length() <= 3000, "Slack's section limit");
            }
        }
        assertTrue(blocks.contains("line 199"), "the end of the log is kept");
        assertFalse(blocks.contains("line 0 "), "the start is cut");
    }

    @Test
    void theTailKeepsTheLastLinesThatFit() {
        assertEquals("a\nb\nc", NotificationMessages.tail(List.of("a", "b", "c"), 5));
        assertEquals("…\nc", NotificationMessages.tail(List.of("a", "b", "c"), 4));
        assertEquals("…\nc\nd", NotificationMessages.tail(List.of("a", "b", "c", "d"), 6));
        assertEquals("…6789", NotificationMessages.tail(List.of("0123456789"), 5));
    }
}
