package dev.beanstalkmigrator.reconcile.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beanstalkmigrator.model.Notification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The bodies of notification messages, from an outbox event alone. The generic webhook's JSON is documented in
 * the README ("Notifications"); Slack's is an incoming webhook's {@code text} (the notification's fallback) and
 * {@code blocks}, within Slack's limits (a section's text at most 3,000 characters). The log tail is the
 * record's, masked or withheld when the migration ran; nothing else from the environment is in a message.
 */
final class NotificationMessages {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Slack refuses a section whose text passes 3,000 characters; the tail gets what the rest leaves. */
    static final int SLACK_TAIL_CHARS = 2_500;
    static final int GENERIC_SCHEMA = 1;

    private NotificationMessages() {}

    /**
     * The generic webhook's body: the event's fields, {@code schema: 1}, and {@code statusUrl} when configured.
     * Receivers drop repeats by {@code id} (also sent as the {@code Idempotency-Key} header).
     */
    static byte[] generic(Notification event, String statusUrl) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", GENERIC_SCHEMA);
        body.put("id", event.id());
        body.put("event", event.event().name());
        body.put("at", event.at().toString());
        putIfSet(body, "plan", event.plan());
        putIfSet(body, "environment", event.environment());
        putIfSet(body, "version", event.version());
        putIfSet(body, "rerun", event.rerun());
        putIfSet(body, "phase", event.phase() == null ? null : event.phase().name());
        putIfSet(body, "launchId", event.launchId());
        if (event.exitCode() != null) {
            body.put("exitCode", event.exitCode());
        }
        putIfSet(body, "reason", event.reason());
        putIfSet(body, "message", event.message());
        putIfSet(body, "taskArn", event.taskArn());
        if (event.logTail() != null) {
            ArrayNode tail = body.putArray("logTail");
            event.logTail().forEach(tail::add);
        }
        putIfSet(body, "statusUrl", statusUrl);
        return bytes(body);
    }

    /** A Slack incoming webhook's body: a one-line {@code text} and blocks with the facts and the tail. */
    static byte[] slack(Notification event, String statusUrl) {
        ObjectNode body = JSON.createObjectNode();
        String headline = headline(event);
        body.put("text", headline);
        ArrayNode blocks = body.putArray("blocks");
        section(blocks, "*" + escape(headline) + "*");
        ArrayNode fields = JSON.createArrayNode();
        field(fields, "Environment", event.environment());
        field(fields, "Version", event.version());
        field(fields, "Phase", event.phase() == null ? null : event.phase().name());
        field(fields, "Exit code", event.exitCode() == null ? null : event.exitCode().toString());
        field(fields, "Reason", event.reason());
        field(fields, "Plan", event.plan());
        if (!fields.isEmpty()) {
            ObjectNode section = blocks.addObject();
            section.put("type", "section");
            section.set("fields", fields);
        }
        if (event.message() != null && !event.message().equals(event.reason())) {
            section(blocks, escape(truncate(event.message(), SLACK_TAIL_CHARS)));
        }
        if (event.logTail() != null) {
            section(blocks, "```" + escape(tail(event.logTail(), SLACK_TAIL_CHARS)) + "```");
        }
        StringBuilder where = new StringBuilder();
        if (event.taskArn() != null) {
            where.append("Task `").append(escape(event.taskArn())).append('`');
        }
        if (statusUrl != null) {
            where.append(where.isEmpty() ? "" : " · ").append('<').append(statusUrl).append("|Status>");
        }
        where.append(where.isEmpty() ? "" : " · ").append("event `").append(escape(event.id())).append('`');
        ObjectNode context = blocks.addObject();
        context.put("type", "context");
        ObjectNode text = context.putArray("elements").addObject();
        text.put("type", "mrkdwn");
        text.put("text", where.toString());
        return bytes(body);
    }

    /** One line a person reads first: what happened, where. */
    static String headline(Notification event) {
        String migration = "Migration of " + event.environment() + " to " + event.version();
        return switch (event.event()) {
            case Succeeded -> migration + " succeeded";
            case Failed -> migration + " failed" + (event.exitCode() == null ? "" : " with exit code "
                    + event.exitCode());
            case TimedOut -> migration + " timed out and was stopped";
            case LaunchLost -> migration + " was lost: its task can no longer be found; change rerun to run it again";
            case Stalled -> event.environment() + " is stalled: " + event.reason();
            case PlanRefused -> "Plan " + (event.plan() == null ? "" : event.plan() + " ")
                    + "refused; the last valid plan stays in force";
            case PromotionBlocked -> "Promotion of " + event.version() + " to " + event.environment()
                    + " blocked: an environment it comes after failed it";
            case ApprovalRequested -> "Migration of " + event.environment() + " to " + event.version()
                    + " waits for approval of its preview";
        };
    }

    /**
     * The last lines that fit in {@code max} characters, a cut marked with a leading "…" line (the end of a log
     * says most about a failure).
     */
    static String tail(List<String> lines, int max) {
        String all = String.join("\n", lines);
        if (all.length() <= max) {
            return all;
        }
        int budget = max - 2; // the "…" line
        StringBuilder text = new StringBuilder();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (text.length() + line.length() + (text.isEmpty() ? 0 : 1) > budget) {
                break;
            }
            text.insert(0, text.isEmpty() ? line : line + "\n");
        }
        if (text.isEmpty()) {
            String last = lines.get(lines.size() - 1);
            return "…" + last.substring(last.length() - (max - 1));
        }
        return "…\n" + text;
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static void section(ArrayNode blocks, String markdown) {
        ObjectNode section = blocks.addObject();
        section.put("type", "section");
        ObjectNode text = section.putObject("text");
        text.put("type", "mrkdwn");
        text.put("text", markdown);
    }

    private static void field(ArrayNode fields, String name, String value) {
        if (value != null && !value.isEmpty()) {
            ObjectNode field = fields.addObject();
            field.put("type", "mrkdwn");
            field.put("text", "*" + name + "*\n" + escape(truncate(value, 1_900)));
        }
    }

    /** Slack's mrkdwn control characters. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void putIfSet(ObjectNode body, String name, String value) {
        if (value != null) {
            body.put(name, value);
        }
    }

    private static byte[] bytes(ObjectNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
