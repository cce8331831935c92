package dev.beanstalkmigrator.reconcile.notify;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.port.Webhooks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Delivers the ledger's outbox. The {@link dev.beanstalkmigrator.reconcile.Reconciler} offers it the outbox after each cycle as leader
 * ({@link #offer}, with the term of leadership in which it read or wrote that ledger) and records in its next write
 * what was settled ({@link #settled()}: delivered, or given up on); {@link #dispatch()}, called on a schedule, hands
 * every due (event, channel) to the sender executor and returns at once, so that neither a slow receiver nor a retry
 * ever holds up reconciling.
 *
 * <p>Each (event, channel) is tried until the receiver accepts it, with capped exponential backoff and full
 * jitter between attempts ({@link Settings#backoff()}); after the backoff's attempts, a refusal that would be
 * repeated (a 4xx, no URL), or once the event is older than {@link Settings#maxAge()}, it is given up and that
 * is logged once. Only the leader sends, and only from an outbox offered in its current term of leadership
 * ({@link dev.beanstalkmigrator.reconcile.lease.LeaseElection#term()}): a replica that leads again after another leader acted must not send what that
 * leader has since delivered and recorded, so it waits for its first pass as leader to offer the ledger as it now
 * stands. A post is also sent only if the term it was handed to the senders in is still current when a sender takes
 * it up: one that waited behind slow posts, or in a replica paused past its lease, would otherwise go out after the
 * next leader took over and sent the same event. A delivered (event, channel) is not sent again by this replica; once
 * the ledger records it, by nobody. What remains (at least once; receivers drop repeats by the event's id): a
 * leader that stops leading between a delivery and the write that records it leaves the event pending, and the next
 * leader sends it again; a post already under way when its sender stops leading may reach the receiver after the
 * next leader's; and a post the receiver took but whose answer was lost is retried.
 */
public final class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);

    /**
     * How notifications are sent.
     *
     * @param channels the operator's own channels ({@code migrator.notifications.channels}); a plan's channel of
     *     the same name is ignored
     * @param backoff the wait between attempts, and how many attempts in all
     * @param maxAge an event still undelivered this long after its transition is given up
     * @param outboxLimit the most events the ledger's outbox holds
     * @param statusUrl where a person looks (the status page), linked from every message; null for none
     */
    public record Settings(List<NotificationChannel> channels, Backoff backoff, Duration maxAge, int outboxLimit,
                           String statusUrl) {
        public Settings {
            channels = List.copyOf(channels);
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(maxAge, "maxAge");
        }
    }

    /** One event to one channel. */
    private record Key(String id, String channel) {}

    /** The attempts made so far at one key. */
    private static final class Attempts {
        int failures;
        Instant next = Instant.MIN;
        boolean inFlight;
    }

    private final Webhooks webhooks;
    private final Settings settings;
    private final Clock clock;
    private final LongSupplier leadership;
    private final Executor senders;

    private List<Notification> offered = List.of();
    /** The term of leadership in which {@link #offered} was offered; -1 for none. */
    private long offeredTerm = -1;
    private Map<String, NotificationChannel> channels = new LinkedHashMap<>();
    private final Map<Key, Attempts> attempts = new HashMap<>();
    /** Delivered or given up, not yet seen recorded in an offered outbox. */
    private final Set<Key> settled = new HashSet<>();

    /**
     * @param leadership the term of leadership this replica is in, or a negative number when it does not lead (see
     *     {@link dev.beanstalkmigrator.reconcile.lease.LeaseElection#term()}; a constant for a single instance); asked at every dispatch and before every
     *     post
     * @param senders runs the posts; its owner shuts it down
     */
    public Notifier(Webhooks webhooks, Settings settings, Clock clock, LongSupplier leadership, Executor senders) {
        this.webhooks = webhooks;
        this.settings = settings;
        this.clock = clock;
        this.leadership = leadership;
        this.senders = senders;
        settings.channels().forEach(c -> channels.put(c.name(), c));
    }

    /** The channels in force with this plan: the operator's, then the plan's whose names the operator's leave free. */
    public List<NotificationChannel> channels(MigrationPlan plan) {
        Map<String, NotificationChannel> all = new LinkedHashMap<>();
        settings.channels().forEach(c -> all.put(c.name(), c));
        if (plan != null) {
            plan.notifications().forEach(c -> all.putIfAbsent(c.name(), c));
        }
        return List.copyOf(all.values());
    }

    public int outboxLimit() {
        return settings.outboxLimit();
    }

    /**
     * Per event id, the channels settled (delivered, or given up on) since the ledger last said otherwise: for the
     * next write to record, the last one at shutdown included.
     */
    public synchronized Map<String, Set<String>> settled() {
        Map<String, Set<String>> byId = new HashMap<>();
        settled.forEach(k -> byId.computeIfAbsent(k.id(), id -> new HashSet<>()).add(k.channel()));
        return byId;
    }

    /** Whether something settled is not yet recorded: then the reconciler must write even if nothing else changed. */
    public synchronized boolean unrecorded() {
        return !settled.isEmpty();
    }

    /**
     * The outbox as the leader last wrote (or found) it, and the plan whose channels are in force. What it no
     * longer lists as pending is recorded, and forgotten here.
     *
     * @param term the term of leadership in which the ledger holding {@code outbox} was read or written (see
     *     {@link dev.beanstalkmigrator.reconcile.lease.LeaseElection#term()}); it is sent from only while this replica is still in that term
     */
    public synchronized void offer(List<Notification> outbox, MigrationPlan plan, long term) {
        offered = outbox;
        offeredTerm = term;
        Map<String, NotificationChannel> inForce = new LinkedHashMap<>();
        channels(plan).forEach(c -> inForce.put(c.name(), c));
        channels = inForce;
        Set<Key> pending = new HashSet<>();
        outbox.forEach(e -> e.pending().forEach(c -> pending.add(new Key(e.id(), c))));
        settled.retainAll(pending);
        attempts.keySet().retainAll(pending);
    }

    /**
     * Hands every due (event, channel) of the outbox to the sender executor; returns at once. Does nothing on a
     * replica that does not lead, nor with an outbox offered before its current term of leadership began.
     */
    public void dispatch() {
        long term = leadership.getAsLong();
        if (term < 0) {
            return;
        }
        List<Runnable> sends = new ArrayList<>();
        synchronized (this) {
            if (term != offeredTerm) {
                return;
            }
            Instant now = clock.instant();
            for (Notification event : offered) {
                for (String name : event.pending()) {
                    Key key = new Key(event.id(), name);
                    Attempts tried = attempts.computeIfAbsent(key, k -> new Attempts());
                    if (settled.contains(key) || tried.inFlight || now.isBefore(tried.next)) {
                        continue;
                    }
                    NotificationChannel channel = channels.get(name);
                    if (channel == null) {
                        giveUp(key, event, "the channel is no longer configured (neither in the plan nor in"
                                + " migrator.notifications.channels)");
                    } else if (expired(event, now)) {
                        giveUp(key, event, "it is older than migrator.notifications.max-age ("
                                + settings.maxAge() + ")");
                    } else {
                        tried.inFlight = true;
                        sends.add(() -> send(key, event, channel, term));
                    }
                }
            }
        }
        for (Runnable send : sends) {
            try {
                senders.execute(send);
            } catch (RejectedExecutionException e) {
                // Shutting down: the event stays pending in the ledger for whoever leads next.
                synchronized (this) {
                    attempts.values().forEach(a -> a.inFlight = false);
                }
                return;
            }
        }
    }

    private boolean expired(Notification event, Instant now) {
        return Duration.between(event.at(), now).compareTo(settings.maxAge()) > 0;
    }

    /** Posts {@code event}, handed to the senders in {@code term}, unless this replica no longer leads in that term. */
    private void send(Key key, Notification event, NotificationChannel channel, long term) {
        if (leadership.getAsLong() != term) {
            // Not an attempt: the leader of the current term sends it, from the ledger as that term read it.
            synchronized (this) {
                Attempts tried = attempts.get(key);
                if (tried != null) {
                    tried.inFlight = false;
                }
            }
            return;
        }
        Webhooks.Delivery delivery;
        try {
            byte[] body = channel.type() == NotificationChannel.Type.SLACK
                    ? NotificationMessages.slack(event, settings.statusUrl())
                    : NotificationMessages.generic(event, settings.statusUrl());
            delivery = webhooks.post(channel, body, Map.of("Idempotency-Key", event.id()));
        } catch (RuntimeException e) {
            delivery = Webhooks.Delivery.retryable(e.getClass().getSimpleName());
        }
        settle(key, event, channel, delivery);
    }

    private synchronized void settle(Key key, Notification event, NotificationChannel channel,
                                     Webhooks.Delivery delivery) {
        Attempts tried = attempts.computeIfAbsent(key, k -> new Attempts());
        tried.inFlight = false;
        if (delivery.delivered()) {
            settled.add(key);
            LOG.infof("notified channel %s of %s (%s)%s", channel.name(), event.id(), event.event(),
                    tried.failures == 0 ? "" : " after " + tried.failures + " failed attempts");
            return;
        }
        tried.failures++;
        Instant now = clock.instant();
        if (!delivery.retry()) {
            giveUp(key, event, "refused (" + delivery.detail() + "); check the channel's URL");
        } else if (tried.failures >= settings.backoff().maxAttempts()) {
            giveUp(key, event, tried.failures + " attempts failed, the last: " + delivery.detail());
        } else if (expired(event, now)) {
            giveUp(key, event, "it is older than migrator.notifications.max-age (" + settings.maxAge()
                    + "); the last attempt: " + delivery.detail());
        } else {
            tried.next = now.plus(settings.backoff().delay(tried.failures - 1));
            if (tried.failures == 1) {
                LOG.warnf("channel %s: %s (%s) not delivered: %s; retrying with backoff", channel.name(), event.id(),
                        event.event(), delivery.detail());
            }
        }
    }

    private void giveUp(Key key, Notification event, String why) {
        settled.add(key);
        LOG.errorf("gave up notifying channel %s of %s (%s): %s", key.channel(), event.id(), event.event(), why);
    }
}
