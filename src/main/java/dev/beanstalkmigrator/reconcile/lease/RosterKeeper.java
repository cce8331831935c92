package dev.beanstalkmigrator.reconcile.lease;

import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;
import org.jboss.logging.Logger;

/**
 * Keeps this replica in the {@link Roster} of a prefix of plans, and the roster itself: one membership per replica,
 * renewed once a third of the lease has passed (one PutObject whatever the number of plans), instead of one lease per
 * plan; the plans shared out so that no replica leads more than its share (the number of plans over the number of
 * replicas, rounded up); a replica seen not to renew for a whole lease removed and its plans handed on; and which plan
 * each environment belongs to.
 *
 * <p>The rules are those of {@link LeaseElection}, applied to the membership: a replica acts only while its last
 * successful renewal was sent within the renew deadline, and only on the plans the roster it last read or wrote gives
 * it; another replica judges it gone only after seeing its renewal counter unchanged for a whole lease, and removes it
 * with a compare-and-swap, which fails if it renewed meanwhile. A plan handed over from a replica still serving
 * (rebalancing when a replica joins) is acted on by its new holder only a whole lease after it first saw it given: by
 * then the old holder has read the roster and stopped, or its renew deadline has passed. Each plan's ledger is still
 * written only by compare-and-swap, and a new holder's first write to it is its taking of the plan, so a late write of
 * the old holder is refused by S3 (fencing, as with one plan).
 *
 * <p>Time is judged only on this replica's monotonic clock.
 */
public final class RosterKeeper {

    private static final Logger LOG = Logger.getLogger(RosterKeeper.class);

    private final ObjectStore store;
    private final ObjectLocation location;
    private final String identity;
    private final LeaseElection.Timing timing;
    private final LongSupplier nanoTime;
    private final Clock clock;

    /** The roster as last read or written. */
    private Roster roster = Roster.EMPTY;
    /** Its ETag; null when there is none. */
    private String etag;
    /** Whether {@link #etag} is that of the stored roster as far as this replica knows (else the next use reads). */
    private boolean known;
    /** When the roster was last read or written successfully. */
    private long seenAtNanos;
    private boolean everSeen;
    /** When this replica's last successful write (each one renews its membership) was sent. */
    private long renewedAtNanos;
    private boolean renewed;
    /** Per member, its renewal counter and when this replica first saw that value. */
    private final Map<String, Seen> seen = new HashMap<>();
    /** The plans the roster gives this replica, and when it first saw each given. */
    private final Map<String, Long> mineSince = new HashMap<>();
    /** Per plan, a number that changes each time the plan becomes this replica's. */
    private final Map<String, Long> epochs = new HashMap<>();
    private long epoch;
    /** The plans this replica's last listing found. */
    private Set<String> listed = Set.of();
    /** Plans this replica has left (removed from the prefix, nothing in flight): dropped at its next write. */
    private final Set<String> leaving = new HashSet<>();
    private boolean stopped;
    private String trouble;

    private record Seen(long renewals, long sinceNanos) {}

    public RosterKeeper(ObjectStore store, ObjectLocation location, String identity, LeaseElection.Timing timing,
                        LongSupplier nanoTime, Clock clock) {
        this.store = store;
        this.location = location;
        this.identity = identity;
        this.timing = timing;
        this.nanoTime = nanoTime;
        this.clock = clock;
    }

    public String identity() {
        return identity;
    }

    public LeaseElection.Timing timing() {
        return timing;
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    /**
     * One round, every retry period: reads the roster (a 304 when unchanged), and writes it when this replica's
     * renewal is due or something is to change: a plan listed that the roster lacks, a plan left, a replica gone,
     * plans to share out again.
     *
     * @param listedPlans the plans this replica's last listing found
     */
    public synchronized void round(Set<String> listedPlans) {
        if (stopped) {
            return;
        }
        listed = Set.copyOf(listedPlans);
        try {
            for (int attempt = 1; ; attempt++) {
                read();
                long now = nanoTime();
                Roster next = next(now);
                boolean due = !renewed || now - renewedAtNanos >= timing.renewInterval().toNanos();
                if (!due && next.equals(roster) && roster.members().containsKey(identity)) {
                    break;
                }
                try {
                    write(renewedIn(next));
                    break;
                } catch (CloudError.Conflict lost) {
                    // Another replica wrote first: read what it wrote and decide again, a few times at once, so
                    // that replicas renewing together do not keep each other from renewing.
                    known = false;
                    if (attempt == 3) {
                        throw lost;
                    }
                }
            }
            trouble(null);
        } catch (CloudError.Conflict lost) {
            trouble(null);
        } catch (CloudError e) {
            trouble(e);
        }
        boolean acting = mayAct();
        if (acting != wasActing) {
            if (acting) {
                LOG.infof("%s acts on the plans the roster %s gives it: %s", identity, location, new TreeSet<>(mine()));
            } else {
                LOG.warnf("%s stops acting on its plans: %s", identity, !roster.members().containsKey(identity)
                        ? "the roster " + location + " no longer lists it (judged gone)"
                        : "its membership in " + location + " was not renewed within the renew deadline"
                        + (trouble == null ? "" : " (" + trouble + ")"));
            }
            wasActing = acting;
        }
    }

    /** Whether the last round ended with this replica acting, for logging each change once. */
    private boolean wasActing;

    /** Whether this replica may act at all: it is in the roster and renewed within the renew deadline. */
    public synchronized boolean mayAct() {
        return !stopped && renewed && roster.members().containsKey(identity)
                && nanoTime() - renewedAtNanos < timing.renewDeadline().toNanos();
    }

    /**
     * Whether this replica may lead {@code plan} now: it may act, the roster gives it the plan, and, when the plan
     * was handed over from a replica still serving, a whole lease has passed since it first saw it given.
     */
    public synchronized boolean mayLead(String plan) {
        if (!mayAct()) {
            return false;
        }
        Roster.Assignment assignment = roster.plans().get(plan);
        Long since = mineSince.get(plan);
        if (assignment == null || !assignment.holder().equals(identity) || since == null) {
            return false;
        }
        return !assignment.handover() || nanoTime() - since >= timing.leaseDuration().toNanos();
    }

    /** A number that changes each time {@code plan} becomes this replica's; 0 before it ever was. */
    public synchronized long epoch(String plan) {
        return epochs.getOrDefault(plan, 0L);
    }

    /** The plans the roster gives this replica, as last read or written. */
    public synchronized Set<String> mine() {
        return Set.copyOf(mineSince.keySet());
    }

    /** Who leads each plan, as last read or written, by plan. */
    public synchronized Map<String, String> holders() {
        Map<String, String> holders = new TreeMap<>();
        roster.plans().forEach((plan, assignment) -> holders.put(plan, assignment.holder()));
        return holders;
    }

    /** What keeps the roster from being kept, or null. */
    public synchronized String trouble() {
        return trouble;
    }

    /**
     * {@code plan} was removed from the prefix and nothing of it is in flight: the next write drops it and the
     * environments it claimed.
     *
     * @return whether this is news (the plan was not already leaving)
     */
    public synchronized boolean left(String plan) {
        return leaving.add(plan);
    }

    /**
     * What {@link #claim} found: the environments another plan holds, by name, with that plan; and those no plan holds
     * that another plan held last, by name, with that plan: their history is to be taken over from its ledger, and
     * they are claimed only once the caller says so ({@code imported}).
     */
    public record Claimed(Map<String, String> elsewhere, Map<String, String> inherit) {}

    /**
     * Claims for {@code plan} what no plan holds among {@code keysByName} (but what another plan held last, until the
     * caller has taken its history over: {@code imported}), lets go of what it holds and no longer names, and answers
     * which of them another plan holds (see {@link dev.beanstalkmigrator.reconcile.EnvironmentClaims}). Writes the
     * roster only when a claim is to be made or let go of.
     *
     * @param imported the names whose history from the plan that held them last the caller's ledger now holds
     * @throws CloudError.Conflict when this replica does not lead {@code plan} (code {@code NotLeader}), or the roster
     *     kept changing under three attempts
     */
    public synchronized Claimed claim(String plan, Map<String, String> keysByName, Set<String> imported) {
        CloudError.Conflict conflict = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            if (!mayLead(plan)) {
                throw ObjectStore.notAllowed(location);
            }
            Map<String, String> claims = new TreeMap<>(roster.claims());
            Map<String, String> released = new TreeMap<>(roster.released());
            Map<String, String> elsewhere = new LinkedHashMap<>();
            Map<String, String> inherit = new LinkedHashMap<>();
            Collection<String> keys = keysByName.values();
            // Not through the entry set's iterator: a TreeMap entry removed through it may then carry its successor's
            // key, and the wrong environment would be recorded as released.
            for (String key : List.copyOf(claims.keySet())) {
                if (claims.get(key).equals(plan) && !keys.contains(key)) {
                    claims.remove(key);
                    released.put(key, plan);
                }
            }
            keysByName.forEach((name, key) -> {
                String holder = claims.get(key);
                String last = released.get(key);
                if (holder == null && last != null && !last.equals(plan) && !imported.contains(name)) {
                    inherit.put(name, last);
                } else if (holder == null) {
                    claims.put(key, plan);
                    released.remove(key);
                } else if (!holder.equals(plan)) {
                    elsewhere.put(name, holder);
                }
            });
            if (claims.equals(roster.claims()) && released.equals(roster.released())) {
                return new Claimed(elsewhere, inherit);
            }
            try {
                write(renewedIn(new Roster(Roster.KIND, roster.members(), roster.plans(), claims, released)));
                return new Claimed(elsewhere, inherit);
            } catch (CloudError.Conflict e) {
                conflict = e;
                known = false;
                read();
            }
        }
        throw conflict;
    }

    /**
     * Leaves the roster at shutdown, after the plans' ledgers were released: this replica's membership and its plans'
     * assignments are removed, so the others take the plans at their next round, without waiting for a lease.
     */
    public synchronized void leave() {
        stopped = true;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                if (!known) {
                    read();
                }
                Map<String, Roster.Member> members = new TreeMap<>(roster.members());
                if (members.remove(identity) == null) {
                    return;
                }
                Map<String, Roster.Assignment> plans = new TreeMap<>(roster.plans());
                plans.values().removeIf(a -> a.holder().equals(identity));
                write(new Roster(Roster.KIND, members, plans, roster.claims(), roster.released()));
                LOG.infof("%s left the roster %s", identity, location);
                return;
            } catch (CloudError.Conflict e) {
                known = false;
            } catch (CloudError e) {
                LOG.warnf("could not leave the roster %s: %s", location, e.getMessage());
                return;
            }
        }
    }

    private void read() {
        ObjectStore.Read read = store.get(location, known ? etag : null);
        long now = nanoTime();
        if (read instanceof ObjectStore.Read.Found found) {
            try {
                roster = Roster.fromJson(found.body());
            } catch (IllegalArgumentException e) {
                known = false;
                throw new CloudError.Stalled("s3:GetObject", "RosterUnreadable", "the roster " + location
                        + " cannot be read: " + e.getMessage(), "delete it: the replicas write it again at once (each"
                        + " plan's ledger still fences its leader); until then no plan under the prefix is led", e);
            }
            etag = found.etag();
        } else if (read instanceof ObjectStore.Read.Missing) {
            roster = Roster.EMPTY;
            etag = null;
        } else if (read instanceof ObjectStore.Read.TooLarge tooLarge) {
            throw new CloudError.Stalled("s3:GetObject", "RosterUnreadable", "the roster " + location + " is "
                    + tooLarge.size() + " bytes, not a roster", "delete it", null);
        }
        known = true;
        observe(now);
    }

    private void write(Roster next) {
        Roster before = roster;
        long sentAt = nanoTime();
        String written;
        try {
            written = store.put(location, next.toJson(), "application/json", etag);
        } catch (CloudError e) {
            known = false;
            throw e;
        }
        roster = next;
        etag = written;
        known = true;
        for (String member : before.members().keySet()) {
            if (!member.equals(identity) && !next.members().containsKey(member)) {
                LOG.warnf("%s removed replica %s from %s: its membership was not renewed for %ds; its plans are"
                        + " handed on", identity, member, location, timing.leaseDuration().toSeconds());
            }
        }
        if (next.members().containsKey(identity)) {
            renewedAtNanos = sentAt;
            renewed = true;
        }
        leaving.removeIf(plan -> !next.plans().containsKey(plan));
        // The new version exists from some instant after the request was sent: what it gives is judged from then.
        observe(sentAt);
    }

    /** Takes note of the roster just read or written, at {@code now}. */
    private void observe(long now) {
        seenAtNanos = now;
        everSeen = true;
        seen.keySet().retainAll(roster.members().keySet());
        roster.members().forEach((member, entry) -> {
            Seen before = seen.get(member);
            if (before == null || before.renewals() != entry.renewals()) {
                seen.put(member, new Seen(entry.renewals(), now));
            }
        });
        Set<String> given = new HashSet<>();
        roster.plans().forEach((plan, assignment) -> {
            if (assignment.holder().equals(identity)) {
                given.add(plan);
            }
        });
        for (String plan : given) {
            if (!mineSince.containsKey(plan)) {
                mineSince.put(plan, now);
                epochs.put(plan, ++epoch);
            }
        }
        mineSince.keySet().retainAll(given);
    }

    /** The roster this replica would write now, its own renewal aside. */
    private Roster next(long now) {
        Map<String, Roster.Member> members = new TreeMap<>(roster.members());
        for (String member : roster.members().keySet()) {
            if (!member.equals(identity) && gone(member, now)) {
                members.remove(member);
            }
        }
        members.putIfAbsent(identity, new Roster.Member(0, clock.instant().toString(),
                timing.leaseDuration().toSeconds()));
        Set<String> plans = new TreeSet<>(roster.plans().keySet());
        plans.addAll(listed);
        for (String plan : leaving) {
            Roster.Assignment assignment = roster.plans().get(plan);
            if (assignment == null || assignment.holder().equals(identity)) {
                plans.remove(plan);
            }
        }
        Map<String, Roster.Assignment> assigned = assign(plans, roster.plans(), members.keySet());
        Map<String, String> claims = new TreeMap<>(roster.claims());
        Map<String, String> released = new TreeMap<>(roster.released());
        for (String key : List.copyOf(claims.keySet())) {
            String holder = claims.get(key);
            if (!plans.contains(holder)) {
                // The plan left: its ledger stays, and holds what ran for the environment there.
                claims.remove(key);
                released.put(key, holder);
            }
        }
        return new Roster(Roster.KIND, members, assigned, claims, released);
    }

    /** Whether {@code member} has been seen with the same renewal counter for a whole lease, by reads up to now. */
    private boolean gone(String member, long now) {
        Seen s = seen.get(member);
        return s != null && everSeen && now - seenAtNanos < timing.retryPeriod().toNanos()
                && now - s.sinceNanos() >= timing.leaseDuration().toNanos();
    }

    /** {@code roster} with this replica's membership renewed. */
    private Roster renewedIn(Roster next) {
        Map<String, Roster.Member> members = new TreeMap<>(next.members());
        Roster.Member mine = members.get(identity);
        long renewals = mine == null ? 0 : mine.renewals();
        Roster.Member stored = roster.members().get(identity);
        renewals = Math.max(renewals, stored == null ? 0 : stored.renewals()) + 1;
        members.put(identity, new Roster.Member(renewals, clock.instant().toString(),
                timing.leaseDuration().toSeconds()));
        return new Roster(Roster.KIND, members, next.plans(), next.claims(), next.released());
    }

    /**
     * Shares {@code plans} out among {@code live}: each keeps the plans it leads up to its share (the number of plans
     * over the number of replicas, rounded up), and every other plan goes to the replica with the fewest, ties broken
     * by a hash of plan and replica (so that replicas agree without talking). A plan taken from a replica still in
     * {@code live} is marked a handover.
     */
    static Map<String, Roster.Assignment> assign(Set<String> plans, Map<String, Roster.Assignment> before,
                                                 Set<String> live) {
        Map<String, Roster.Assignment> out = new TreeMap<>();
        if (live.isEmpty()) {
            return out;
        }
        long share = (plans.size() + live.size() - 1) / live.size();
        Map<String, Integer> counts = new TreeMap<>();
        live.forEach(member -> counts.put(member, 0));
        List<String> rest = new ArrayList<>();
        for (String plan : new TreeSet<>(plans)) {
            Roster.Assignment held = before.get(plan);
            if (held != null && live.contains(held.holder()) && counts.get(held.holder()) < share) {
                out.put(plan, held);
                counts.merge(held.holder(), 1, Integer::sum);
            } else {
                rest.add(plan);
            }
        }
        for (String plan : rest) {
            String to = counts.keySet().stream()
                    .min(Comparator.comparingInt((String m) -> counts.get(m)).thenComparingLong(m -> hash(plan, m))
                            .thenComparing(m -> m))
                    .orElseThrow();
            Roster.Assignment held = before.get(plan);
            boolean handover = held != null && live.contains(held.holder()) && !held.holder().equals(to);
            out.put(plan, new Roster.Assignment(to, handover));
            counts.merge(to, 1, Integer::sum);
        }
        return out;
    }

    private static long hash(String plan, String member) {
        CRC32 crc = new CRC32();
        crc.update((plan + "\n" + member).getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** Logs what keeps the roster from being kept, once per change. */
    private void trouble(CloudError error) {
        String now = error == null ? null : error.getMessage();
        if (now != null && !now.equals(trouble)) {
            LOG.errorf("roster %s: %s", location, now);
        } else if (now == null && trouble != null) {
            LOG.infof("roster %s: kept again", location);
        }
        trouble = now;
    }
}
