package dev.beanstalkmigrator.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.sandbox.ObjectWrite;
import dev.beanstalkmigrator.testing.WebhookReceiver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the notification outbox promises, checked on the sandbox's record of every accepted ledger write and on the
 * receiver's record of every post it accepted, as they happen. Every replica of the suite has one operator channel
 * that wants the migration events ({@code Succeeded}, {@code Failed}, {@code TimedOut}, {@code LaunchLost}), so every
 * terminal transition an accepted write makes is an event for it. Fed from the sandbox's and the suite's threads;
 * thread-safe.
 *
 * <ul>
 *   <li>{@value #RECORDED}: a write that makes a record terminal (or writes it terminal) holds the event
 *       ({@code environment/launchId/event}) in its outbox, pending for the channel;</li>
 *   <li>{@value #NO_PHANTOM}: every event in an outbox, and every event the receiver accepted, is a transition
 *       some accepted write made; a post's {@code Idempotency-Key} header is its body's {@code id};</li>
 *   <li>{@value #NO_LOSS}: at the end, every transition was accepted by the receiver at least once
 *       ({@link #undelivered()}). The ledger does not tell a give-up from a delivery (both remove the channel from
 *       the event's {@code pending}), so the suite runs with settings under which nothing is given up (attempts and
 *       age far beyond a run, an outbox that cannot fill): every event must arrive.</li>
 * </ul>
 *
 * <p>Repeats are allowed (at least once) and counted: each post of an event after its first accepted one, sorted by
 * what explains it ({@link Duplicates}).
 */
final class NotificationInvariants {

    static final String RECORDED = "every event is in the outbox of the write that makes its transition";
    static final String NO_PHANTOM = "every event sent or recorded names a transition an accepted write made";
    static final String NO_LOSS = "every event is delivered at least once";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A terminal transition: the event id, and the accepted write that made it. */
    record Transition(String id, long writeSeq) {}

    /**
     * Repeated posts of delivered events: {@code disrupted} with a replica killed, stopped or paused, or the lease
     * moving, between the event's first delivery and the write that recorded it (the window the README names);
     * {@code afterRecorded} posted after the write that recorded a delivery; {@code otherwise} neither.
     */
    record Duplicates(int total, int disrupted, int afterRecorded, int otherwise, List<String> unexplained) {}

    private final String channel;
    private final Map<String, Transition> transitions = new LinkedHashMap<>();
    private final Set<String> recorded = new java.util.HashSet<>();
    /** Per event, when the first write that no longer listed it pending for the channel was accepted. */
    private final Map<String, Long> settledAt = new HashMap<>();
    /** Per event, when the receiver accepted each of its posts (System.nanoTime), in order. */
    private final Map<String, List<Long>> deliveries = new LinkedHashMap<>();
    /** When a replica was killed, stopped or paused, or the lease moved (System.nanoTime). */
    private final List<Long> disruptions = new ArrayList<>();
    private int refused;
    private LaunchInvariants.Broken first;
    private String context = "";

    /** @param channel the channel name every replica has */
    NotificationInvariants(String channel) {
        this.channel = channel;
    }

    synchronized void context(String context) {
        this.context = context;
    }

    synchronized LaunchInvariants.Broken firstBroken() {
        return first;
    }

    /** A replica was killed, stopped or paused at {@code nanos}. */
    synchronized void disrupted(long nanos) {
        disruptions.add(nanos);
    }

    /** The event of a record that is terminal: {@code LaunchLost} is a {@code Failed} with that reason. */
    static String eventOf(MigrationRecord record) {
        return record.phase() == Phase.Failed && Reasons.LAUNCH_LOST.equals(record.reason()) ? "LaunchLost"
                : record.phase().name();
    }

    /**
     * The sandbox accepted {@code write}, replacing {@code previous} (null when it was the first, or did not parse)
     * with {@code ledger}. Judged on the pair alone, so writes may be fed in any order.
     */
    synchronized void ledgerWritten(ObjectWrite write, MigrationStatus previous, MigrationStatus ledger) {
        if (write.takeover()) {
            disruptions.add(write.atNanos());
        }
        Map<String, Notification> outbox = new HashMap<>();
        ledger.notifications().forEach(n -> outbox.put(n.id(), n));
        for (EnvironmentStatus environment : ledger.environments()) {
            EnvironmentStatus before = previous == null ? null : previous.environment(environment.name());
            for (MigrationRecord record : environment.history()) {
                if (record.launchId() == null || !record.phase().terminal()) {
                    continue;
                }
                MigrationRecord was = before == null ? null : before.history().stream()
                        .filter(h -> record.launchId().equals(h.launchId())).findFirst().orElse(null);
                if (was != null && was.phase().terminal()) {
                    continue;
                }
                String id = environment.name() + "/" + record.launchId() + "/" + eventOf(record);
                transitions.putIfAbsent(id, new Transition(id, write.seq()));
                Notification event = outbox.get(id);
                if (event == null || !event.pending().contains(channel)) {
                    breaks(RECORDED, "event " + id + ": ledger write #" + write.seq() + " by " + write.holder()
                            + " made the record " + record.phase() + " with " + (event == null
                            ? "no such event in its outbox" : "the event pending only for " + event.pending()));
                }
            }
        }
        for (Notification event : ledger.notifications()) {
            if (event.pending().contains(channel)) {
                recorded.add(event.id());
                if (!transitions.containsKey(event.id())) {
                    breaks(NO_PHANTOM, "event " + event.id() + " is in the outbox of ledger write #" + write.seq()
                            + " by " + write.holder() + ", and no accepted write made that transition");
                }
            }
        }
        if (previous != null) {
            for (Notification event : previous.notifications()) {
                Notification now = outbox.get(event.id());
                if (event.pending().contains(channel) && (now == null || !now.pending().contains(channel))) {
                    settledAt.putIfAbsent(event.id(), write.atNanos());
                }
            }
        }
    }

    /**
     * The receiver answered a post to the channel's path: a 200 is a delivery of the event its
     * {@code Idempotency-Key} names, which must also be its body's {@code id}.
     */
    synchronized void answered(WebhookReceiver.Answered answer) {
        if (answer.status() != 200) {
            refused++;
            return;
        }
        String key = answer.request().headers().get("idempotency-key");
        String id;
        try {
            JsonNode body = JSON.readTree(answer.request().body());
            id = body.path("id").asText(null);
        } catch (IOException e) {
            breaks(NO_PHANTOM, "a post with Idempotency-Key " + key + " has no JSON body: " + e.getMessage());
            return;
        }
        if (key == null || !key.equals(id)) {
            breaks(NO_PHANTOM, "a post's Idempotency-Key " + key + " is not its body's id " + id);
            return;
        }
        deliveries.computeIfAbsent(id, k -> new ArrayList<>()).add(answer.atNanos());
        if (!transitions.containsKey(id)) {
            breaks(NO_PHANTOM, "event " + id + " was delivered, and no accepted ledger write made that transition");
        }
    }

    /** The transitions no post has delivered yet, oldest first. */
    synchronized List<String> undelivered() {
        return transitions.keySet().stream().filter(id -> !deliveries.containsKey(id)).toList();
    }

    synchronized int transitions() {
        return transitions.size();
    }

    /** Events that were ever pending for the channel in an accepted write. */
    synchronized int recorded() {
        return recorded.size();
    }

    /** Distinct events delivered. */
    synchronized int delivered() {
        return deliveries.size();
    }

    /** Posts the receiver answered with an error. */
    synchronized int refused() {
        return refused;
    }

    synchronized Duplicates duplicates() {
        int total = 0;
        int disrupted = 0;
        int afterRecorded = 0;
        List<String> unexplained = new ArrayList<>();
        for (Map.Entry<String, List<Long>> e : deliveries.entrySet()) {
            List<Long> times = e.getValue();
            Long settled = settledAt.get(e.getKey());
            for (long repeat : times.subList(1, times.size())) {
                total++;
                long firstDelivery = times.get(0);
                long windowEnd = settled == null ? Long.MAX_VALUE : settled;
                if (settled != null && repeat > settled) {
                    afterRecorded++;
                    unexplained.add(e.getKey() + " (posted " + (repeat - settled) / 1_000_000
                            + " ms after the write that recorded its delivery)");
                } else if (disruptions.stream().anyMatch(d -> d >= firstDelivery && d <= windowEnd)) {
                    disrupted++;
                } else {
                    unexplained.add(e.getKey() + " (posted " + (repeat - firstDelivery) / 1_000_000
                            + " ms after its first delivery, not yet recorded)");
                }
            }
        }
        return new Duplicates(total, disrupted, afterRecorded, total - disrupted - afterRecorded, unexplained);
    }

    private void breaks(String invariant, String detail) {
        if (first == null) {
            first = new LaunchInvariants.Broken(invariant, detail + (context.isEmpty() ? "" : "; " + context));
        }
    }
}
