package dev.beanstalkmigrator.port;

import dev.beanstalkmigrator.model.NotificationChannel;
import java.util.Map;

/**
 * Posts notification messages to webhooks. The adapter alone knows a channel's URL (it resolves the channel's
 * {@code urlFrom}, or the operator's configured URL): the core, the ledger and the logs never see it, and no
 * {@link Delivery#detail()} contains it.
 */
public interface Webhooks {

    /**
     * Posts one JSON message, waiting at most the adapter's connect and read timeouts: a receiver that hangs
     * costs one bounded wait on a sender thread, never the reconcile loop.
     *
     * @param headers added to {@code Content-Type: application/json}
     * @return what came of it; never throws for a receiver's failure
     */
    Delivery post(NotificationChannel channel, byte[] json, Map<String, String> headers);

    /**
     * The result of one post.
     *
     * @param delivered the receiver accepted it (a 2xx answer)
     * @param retry a later attempt may succeed (no answer, a timeout, 408, 429, 5xx); false for a refusal that
     *     would be repeated (another 4xx, a missing or malformed URL)
     * @param detail what happened, for logs: a status code or the kind of failure, never the URL
     */
    record Delivery(boolean delivered, boolean retry, String detail) {

        public static Delivery accepted(int status) {
            return new Delivery(true, false, "HTTP " + status);
        }

        public static Delivery retryable(String detail) {
            return new Delivery(false, true, detail);
        }

        public static Delivery refused(String detail) {
            return new Delivery(false, false, detail);
        }
    }
}
