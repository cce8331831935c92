package dev.beanstalkmigrator.port;

import java.time.Duration;
import java.util.List;

/**
 * The queue that receives the plans bucket's S3 Event Notifications ({@code migrator.desired-state.events}): each
 * message a hint that an object changed, delivered at least once, sometimes late, sometimes not at all. Failures are
 * {@link CloudError}s.
 */
public interface PlanEvents {

    /** Waits up to {@code wait} (a long poll) for messages, and answers at most ten. */
    List<Message> receive(Duration wait);

    /** The message was acted on: it is deleted. */
    void done(Message message);

    /** The message is for another replica: it is made visible again at once, for the next receiver. */
    void handOn(Message message);

    /**
     * A message as received.
     *
     * @param receipt what deletes it or makes it visible again
     * @param receives how many times it was received, this time included
     * @param body the notification, as S3 wrote it (JSON)
     */
    record Message(String receipt, int receives, String body) {}
}
