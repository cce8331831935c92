package dev.beanstalkmigrator.reconcile.notify;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.Digests;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which transitions of one pass are events, comparing the ledger as the pass found it with the ledger it
 * drafts. Pure. Only a change made by the pass is an event: a record that was already final, a condition that
 * was already True or a plan error already recorded make none, so a ledger written before notifications existed
 * (or by another leader) is never replayed.
 */
final class NotificationEvents {

    private NotificationEvents() {}

    /**
     * @param before the ledger as the pass read it
     * @param after the environments as the pass drafted them
     * @param planError the plan's error as the pass records it, or null
     * @param channels the channels in force; an event no channel wants is not made
     * @return the events, each pending for the channels that want it
     */
    static List<Notification> derive(MigrationStatus before, Collection<EnvironmentStatus> after, String plan,
                                     String planError, List<NotificationChannel> channels, Instant now) {
        List<Notification> events = new ArrayList<>();
        for (EnvironmentStatus environment : after) {
            EnvironmentStatus was = before.environment(environment.name());
            Map<String, MigrationRecord> earlier = new HashMap<>();
            if (was != null) {
                was.history().forEach(r -> earlier.put(r.launchId(), r));
            }
            for (MigrationRecord record : environment.history()) {
                MigrationRecord previous = earlier.get(record.launchId());
                if (record.phase().terminal() && (previous == null || !previous.phase().terminal())) {
                    NotificationEvent event = eventOf(record);
                    events.add(new Notification(environment.name() + "/" + record.launchId() + "/" + event, event,
                            record.finishedAt() == null ? now : record.finishedAt(), plan, environment.name(),
                            record.version(), record.rerun(), record.phase(), record.launchId(), record.exitCode(),
                            record.reason(), record.reason(), record.taskArn(), record.logTail(), null));
                }
            }
            Condition stalled = environment.condition(Condition.STALLED);
            Condition wasStalled = was == null ? null : was.condition(Condition.STALLED);
            if (stalled != null && stalled.holds() && (wasStalled == null || !wasStalled.holds())) {
                Instant at = stalled.lastTransitionTime() == null ? now : stalled.lastTransitionTime();
                events.add(new Notification(environment.name() + "/Stalled/" + at.toEpochMilli(),
                        NotificationEvent.Stalled, at, plan, environment.name(), environment.resolvedVersion(), null,
                        null, null, null, stalled.reason(), stalled.message(), null, null, null));
            }
            Condition ready = environment.condition(Condition.READY);
            Condition wasReady = was == null ? null : was.condition(Condition.READY);
            if (blocked(ready) && !(blocked(wasReady) && Objects.equals(wasReady.message(), ready.message()))) {
                Instant at = ready.lastTransitionTime() == null ? now : ready.lastTransitionTime();
                events.add(new Notification(environment.name() + "/PromotionBlocked/" + digest(ready.message()),
                        NotificationEvent.PromotionBlocked, at, plan, environment.name(),
                        environment.resolvedVersion(), null, null, null, null, ready.reason(), ready.message(), null,
                        null, null));
            }
            if (waitsForApproval(ready) && !(waitsForApproval(wasReady)
                    && Objects.equals(wasReady.message(), ready.message()))) {
                Instant at = ready.lastTransitionTime() == null ? now : ready.lastTransitionTime();
                MigrationRecord preview = environment.resolvedVersion() == null ? null
                        : environment.previews().stream().filter(p -> p.version().equals(environment.resolvedVersion()))
                        .findFirst().orElse(null);
                events.add(new Notification(environment.name() + "/ApprovalRequested/" + digest(ready.message()),
                        NotificationEvent.ApprovalRequested, at, plan, environment.name(),
                        environment.resolvedVersion(), preview == null ? null : preview.rerun(), null,
                        preview == null ? null : preview.launchId(), null, ready.reason(), ready.message(),
                        preview == null ? null : preview.taskArn(), preview == null ? null : preview.logTail(),
                        null));
            }
        }
        if (planError != null && !planError.equals(before.planError())) {
            events.add(new Notification("plan/" + digest(planError), NotificationEvent.PlanRefused, now, plan, null,
                    null, null, null, null, null, Reasons.INVALID_PLAN, planError, null, null, null));
        }
        List<Notification> wanted = new ArrayList<>();
        for (Notification event : events) {
            List<String> pending = channels.stream().filter(c -> c.wants(event.event()))
                    .map(NotificationChannel::name).toList();
            if (!pending.isEmpty()) {
                wanted.add(event.withPending(pending));
            }
        }
        return wanted;
    }

    /** A Ready condition that says an environment this one comes after failed the version. */
    private static boolean blocked(Condition ready) {
        return ready != null && !ready.holds() && Reasons.PROMOTION_BLOCKED.equals(ready.reason());
    }

    /** A Ready condition that says a preview waits for a person's approval. */
    private static boolean waitsForApproval(Condition ready) {
        return ready != null && !ready.holds() && Reasons.APPROVAL_PENDING.equals(ready.reason());
    }

    static NotificationEvent eventOf(MigrationRecord record) {
        if (record.phase() == Phase.Failed && Reasons.LAUNCH_LOST.equals(record.reason())) {
            return NotificationEvent.LaunchLost;
        }
        return NotificationEvent.valueOf(record.phase().name());
    }

    /** A short, stable name for a plan error: the same refusal gets the same id, whoever leads. */
    private static String digest(String text) {
        return Digests.sha256(text).substring(0, 16);
    }
}
