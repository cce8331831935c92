package dev.beanstalkmigrator.reconcile.notify;

import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The ledger's outbox as one pass rewrites it: what the pass found, less the deliveries settled since (each
 * removes its channel from an event's pending list; an event with none left is dropped), plus the events of the
 * pass's own transitions ({@link NotificationEvents}). Every draft the pass writes (the intents before a launch,
 * the end of the pass) carries the outbox computed from the same start, so an event is in the very write that
 * records its transition.
 */
public final class Outbox {

    private static final Logger LOG = Logger.getLogger(Outbox.class);

    private final List<NotificationChannel> channels;
    private final Map<String, Set<String>> settled;
    private final int limit;
    private final Set<String> dropLogged = new HashSet<>();

    /**
     * @param channels the channels in force (the operator's and the plan's)
     * @param settled per event id, the channels it reached (or that were given up on) and that the ledger does
     *     not yet say so
     * @param limit the most events the outbox holds; past it the oldest are dropped, and logged
     */
    public Outbox(List<NotificationChannel> channels, Map<String, Set<String>> settled, int limit) {
        this.channels = channels;
        this.settled = settled;
        this.limit = limit;
    }

    /** The outbox to write with {@code after}, the environments as drafted from {@code before}. */
    public List<Notification> next(MigrationStatus before, Collection<EnvironmentStatus> after, String plan,
                            String planError, Instant now) {
        List<Notification> derived = NotificationEvents.derive(before, after, plan, planError, channels, now);
        Folded folded = fold(before.notifications(), settled, derived, limit);
        for (Notification dropped : folded.dropped()) {
            if (dropLogged.add(dropped.id())) {
                LOG.warnf("notification outbox full (%d events): dropped %s (%s) before it reached %s", limit,
                        dropped.id(), dropped.event(), String.join(", ", dropped.pending()));
            }
        }
        return folded.outbox();
    }

    /** The outbox, and the events the cap pushed out. */
    public record Folded(List<Notification> outbox, List<Notification> dropped) {}

    /**
     * Pure: {@code stored} less {@code settled}, plus those of {@code derived} not already stored, oldest first,
     * capped at {@code limit} (the oldest dropped).
     */
    public static Folded fold(List<Notification> stored, Map<String, Set<String>> settled, List<Notification> derived,
                       int limit) {
        Map<String, Notification> byId = new LinkedHashMap<>();
        for (Notification event : stored) {
            Set<String> done = settled.getOrDefault(event.id(), Set.of());
            List<String> pending = event.pending().stream().filter(c -> !done.contains(c)).toList();
            if (!pending.isEmpty()) {
                byId.put(event.id(), event.withPending(pending));
            }
        }
        Set<String> storedIds = new HashSet<>();
        stored.forEach(e -> storedIds.add(e.id()));
        for (Notification event : derived) {
            if (!storedIds.contains(event.id())) {
                byId.putIfAbsent(event.id(), event);
            }
        }
        List<Notification> all = new ArrayList<>(byId.values());
        int excess = Math.max(0, all.size() - limit);
        return new Folded(List.copyOf(all.subList(excess, all.size())), List.copyOf(all.subList(0, excess)));
    }
}
