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
import java.time.Duration;
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
 *       age far beyond a run, an outbox that cannot fill): every event must arrive;</li>
 *   <li>{@value #REPEATS}: each post of an event after its first accepted one is one of the repeats the README's
 *       at-least-once window allows, judged as it arrives ({@link Duplicates}): before the write that recorded a
 *       delivery, a replica was killed, stopped or paused, or the lease moved, between the first delivery (less the
 *       time a post may be under way: one sent before the disruption may arrive after it) and the repeat; after that
 *       write, the repeat was under way when its sender was killed, paused or lost the lease, before the write. The
 *       suite's receiver answers at once, so no answer is lost to a timeout without a pause.</li>
 * </ul>
 */
final class NotificationInvariants {

    static final String RECORDED = "every event is in the outbox of the write that makes its transition";
    static final String NO_PHANTOM = "every event sent or recorded names a transition an accepted write made";
    static final String NO_LOSS = "every event is delivered at least once";
    static final String REPEATS = "an event is posted again only when a replica died, paused or lost the lease before"
            + " its delivery was recorded";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A terminal transition: the event id, and the accepted write that made it. */
    record Transition(String id, long writeSeq) {}

    /**
     * Repeated posts of delivered events: {@code disrupted} before the write that recorded a delivery, with a replica
     * killed, stopped or paused, or the lease moving, since the first delivery (less the time a post may be under
     * way); {@code afterRecorded} after that write, under way when their sender was killed, paused or deposed before
     * it; {@code otherwise} neither (each breaks {@value #REPEATS}), listed in {@code unexplained}.
     */
    record Duplicates(int total, int disrupted, int afterRecorded, int otherwise, List<String> unexplained) {}

    /** When a replica was killed or stopped, or the lease moved (an instant), or a replica was paused (a span). */
    private record Disruption(long fromNanos, long toNanos) {

        boolean meets(long fromNanos, long toNanos) {
            return this.fromNanos <= toNanos && this.toNanos >= fromNanos;
        }
    }

    private final String channel;
    private final long underWayNanos;
    private final Map<String, Transition> transitions = new LinkedHashMap<>();
    private final Set<String> recorded = new java.util.HashSet<>();
    /** Per event, when the first write that no longer listed it pending for the channel was accepted. */
    private final Map<String, Long> settledAt = new HashMap<>();
    /** Per event, when the receiver accepted each of its posts (System.nanoTime), in order. */
    private final Map<String, List<Long>> deliveries = new LinkedHashMap<>();
    /** When a replica was killed, stopped or paused, or the lease moved (System.nanoTime). */
    private final List<Disruption> disruptions = new ArrayList<>();
    private int repeats;
    private int disrupted;
    private int afterRecorded;
    private final List<String> unexplained = new ArrayList<>();
    private int refused;
    private LaunchInvariants.Broken first;
    private String context = "";

    /**
     * @param channel the channel name every replica has
     * @param underWay the longest a post may take from its sender to the receiver while the sender runs: the
     *     replicas' connect and request timeouts together (a post the receiver takes later is no delivery to its
     *     sender, which tries again)
     */
    NotificationInvariants(String channel, Duration underWay) {
        this.channel = channel;
        this.underWayNanos = underWay.toNanos();
    }

    synchronized void context(String context) {
        this.context = context;
    }

    synchronized LaunchInvariants.Broken firstBroken() {
        return first;
    }

    /** A replica was killed, stopped or paused at {@code nanos}. */
    synchronized void disrupted(long nanos) {
        disruptions.add(new Disruption(nanos, nanos));
    }

    /**
     * A replica was paused from {@code fromNanos} until it was resumed at {@code toNanos}: what it had under way goes
     * out after it resumes, and its clocks jump (a post it waited for may time out although it arrived).
     */
    synchronized void paused(long fromNanos, long toNanos) {
        disruptions.add(new Disruption(fromNanos, toNanos));
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
            disruptions.add(new Disruption(write.atNanos(), write.atNanos()));
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
        List<Long> times = deliveries.computeIfAbsent(id, k -> new ArrayList<>());
        times.add(answer.atNanos());
        if (!transitions.containsKey(id)) {
            breaks(NO_PHANTOM, "event " + id + " was delivered, and no accepted ledger write made that transition");
        }
        if (times.size() > 1) {
            repeated(id, times.get(0), answer.atNanos());
        }
    }

    /** Judges a repeated post of {@code id}, first delivered at {@code first}, now at {@code at}. */
    private void repeated(String id, long first, long at) {
        repeats++;
        Long recorded = settledAt.get(id);
        String detail;
        if (recorded != null && at > recorded) {
            // Only a post already under way when its sender stopped leading, before that write, arrives this late.
            if (disruptions.stream().anyMatch(d -> d.meets(at - underWayNanos, recorded))) {
                afterRecorded++;
                return;
            }
            detail = (at - recorded) / 1_000_000 + " ms after the write that recorded its delivery";
        } else {
            if (disruptions.stream().anyMatch(d -> d.meets(first - underWayNanos, at))) {
                disrupted++;
                return;
            }
            detail = (at - first) / 1_000_000 + " ms after its first delivery, not yet recorded";
        }
        unexplained.add(id + " (posted " + detail + ")");
        breaks(REPEATS, "event " + id + " was posted again " + detail + ", and no replica was killed, stopped or"
                + " paused, nor the lease moved, while it could explain it");
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
        return new Duplicates(repeats, disrupted, afterRecorded, unexplained.size(), List.copyOf(unexplained));
    }

    private void breaks(String invariant, String detail) {
        if (first == null) {
            first = new LaunchInvariants.Broken(invariant, detail + (context.isEmpty() ? "" : "; " + context));
        }
    }
}
