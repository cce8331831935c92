package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * An event in the ledger's outbox: added in the same compare-and-swap write as the transition it reports, sent
 * by the leader to every channel in {@code pending}, and removed from {@code pending} channel by channel as
 * deliveries (or give-ups) are recorded by the leader's next write; an entry with nothing pending is dropped.
 * Holds no URL and no environment variable value: the log tail is the record's, masked or withheld.
 *
 * @param id stable across restarts and leaders ({@code environment/launchId/event}, {@code
 *     environment/Stalled/time}, {@code plan/digest}); receivers drop repeats by it
 * @param at when the transition happened
 * @param plan metadata.name of the plan in force
 * @param environment null for a refused plan
 * @param message what a person reads: the condition's message, the plan's errors, or the record's reason
 * @param taskArn the migrate task, where to look in ECS
 * @param pending names of the channels it has yet to reach
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "event", "at", "plan", "environment", "version", "rerun", "phase", "launchId", "exitCode",
        "reason", "message", "taskArn", "logTail", "pending"})
public record Notification(String id, NotificationEvent event, Instant at, String plan, String environment,
                           String version, String rerun, Phase phase, String launchId, Integer exitCode,
                           String reason, String message, String taskArn, List<String> logTail,
                           List<String> pending) {

    public Notification {
        logTail = logTail == null || logTail.isEmpty() ? null : List.copyOf(logTail);
        pending = pending == null ? List.of() : List.copyOf(pending);
    }

    /** The same event, still to reach only {@code channels}. */
    public Notification withPending(List<String> channels) {
        return new Notification(id, event, at, plan, environment, version, rerun, phase, launchId, exitCode, reason,
                message, taskArn, logTail, channels);
    }
}
