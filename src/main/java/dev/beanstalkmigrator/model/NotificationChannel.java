package dev.beanstalkmigrator.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Where notifications go: a Slack incoming webhook or a generic JSON webhook, and the events it wants. It never
 * holds the URL, which is a secret: a plan's channel names the operator's variable that holds it
 * ({@code urlFrom}); an operator channel's URL stays in the operator's configuration.
 *
 * @param name unique among the channels in force; the ledger's outbox names channels by it
 * @param type how messages are shaped
 * @param urlFrom for a plan's channel, the name of the operator's variable (or configuration property) that
 *     holds the URL; null for a channel of the operator's configuration
 * @param events the events it gets
 */
public record NotificationChannel(String name, Type type, String urlFrom, List<NotificationEvent> events) {

    /** A channel's name, in a plan or in the operator's configuration: 1 to 63 lower-case letters, digits, hyphens. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public NotificationChannel {
        events = List.copyOf(events);
    }

    /** How a channel's messages are shaped. */
    public enum Type {
        /** A Slack incoming webhook: {@code text} and {@code blocks}. */
        SLACK,
        /** A generic JSON webhook: the event as documented in the README, with an {@code Idempotency-Key} header. */
        WEBHOOK
    }

    public boolean wants(NotificationEvent event) {
        return events.contains(event);
    }
}
