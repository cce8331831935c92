package dev.beanstalkmigrator.reconcile.rooms;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectListing;
import dev.beanstalkmigrator.reconcile.LoopProblem;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.Snapshot;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.desired.PlanCatalog;
import dev.beanstalkmigrator.reconcile.desired.PlanSource;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.reconcile.lease.PlanLeadership;
import dev.beanstalkmigrator.reconcile.lease.RosterKeeper;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Every plan under a prefix ({@code migrator.desired-state.uri=s3://bucket/plans/}), each in a room of its own: its
 * plan, its ledger beside it, its reconciler and its notifier. A replica opens a room for each plan the
 * {@link RosterKeeper}'s roster gives it, and closes it when the roster gives the plan to another; a plan gone from the
 * prefix has its room retire: what is in flight is followed to its end, then the plan leaves the roster.
 *
 * <p>One listing (ListObjectsV2, a request per 1,000 keys) per plan interval tells which plans exist and which changed
 * (ETags); only a changed plan is read. Each room's cycle runs on its own, so one slow or broken plan holds up no
 * other: a room whose cycle still runs is skipped at the next tick.
 */
public final class PlanRooms {

    private static final Logger LOG = Logger.getLogger(PlanRooms.class);

    /** One plan's room. */
    public record Room(String plan, Reconciler reconciler, MigrationLedger ledger, PlanLeadership leadership,
                       Notifier notifier, AtomicBoolean running) {}

    /** Opens the room of a plan: {@code listed} gives the ETag the last listing found for each plan, or null. */
    public interface Opener {
        Room open(String plan, Function<String, String> listed);
    }

    private final String bucket;
    private final String prefix;
    private final ObjectListing listing;
    private final RosterKeeper roster;
    private final Opener opener;
    private final Duration planInterval;
    private final Clock clock;
    private final Executor runner;
    private final Map<String, Room> rooms = new ConcurrentHashMap<>();

    private volatile Map<String, String> etags = Map.of();
    private volatile boolean listed;
    private volatile String listingError;
    private volatile Instant lastProgress;
    private Instant nextListing = Instant.MIN;

    /**
     * @param runner runs the rooms' cycles, a few at a time
     */
    public PlanRooms(String bucket, String prefix, ObjectListing listing, RosterKeeper roster, Opener opener,
                     Duration planInterval, Clock clock, Executor runner) {
        this.bucket = bucket;
        this.prefix = prefix;
        this.listing = listing;
        this.roster = roster;
        this.opener = opener;
        this.planInterval = planInterval;
        this.clock = clock;
        this.runner = runner;
    }

    /**
     * The source of {@code plan}'s room: its object, read only when {@code listed} (the last listing) shows a revision
     * other than the one in force.
     */
    public static PlanSource listed(String plan, PlanSource object, Function<String, String> listed) {
        return new ListedPlanSource(plan, object, listed);
    }

    /** Where the plans are: {@code s3://bucket/prefix}. */
    public String where() {
        return "s3://" + bucket + "/" + prefix;
    }

    /** The ETag the last listing gave {@code plan}, or null when it did not list it. */
    String listedEtag(String plan) {
        return etags.get(plan);
    }

    /**
     * Lists the plans when the plan interval has passed (or {@code force}), noting which are new, changed or gone.
     *
     * @return whether the listing ran and answered
     */
    public synchronized boolean list(boolean force) {
        Instant now = clock.instant();
        if (!force && now.isBefore(nextListing)) {
            return false;
        }
        nextListing = now.plus(planInterval);
        try {
            PlanCatalog.Changes changes = PlanCatalog.changes(prefix, etags, listing.list(bucket, prefix));
            if (!changes.none()) {
                LOG.infof("plans under %s: %d (added %s, changed %s, removed %s)", where(), changes.now().size(),
                        changes.added(), changes.changed(), changes.removed());
            }
            etags = changes.now();
            listed = true;
            if (listingError != null) {
                LOG.infof("plans under %s can be listed again", where());
            }
            listingError = null;
            return true;
        } catch (CloudError e) {
            if (!e.getMessage().equals(listingError)) {
                LOG.errorf("cannot list the plans under %s: %s", where(), e.getMessage());
            }
            listingError = e.getMessage();
            return false;
        }
    }

    /**
     * One round of the roster, every retry period: renews this replica's membership when due, then takes the ledger of
     * each plan the roster now lets it lead.
     */
    public void elect() {
        roster.round(etags.keySet());
        arrange();
        for (Room room : rooms.values()) {
            if (roster.mayLead(room.plan()) && !room.leadership().holds()) {
                room.ledger().elect();
            }
        }
    }

    /**
     * Opens a room for each plan the roster gives this replica, closes the others' (after their last cycle), marks the
     * rooms of plans gone from the prefix as retiring, and lets a retired plan that settled leave the roster.
     */
    public synchronized void arrange() {
        Set<String> mine = roster.mine();
        for (String plan : mine) {
            rooms.computeIfAbsent(plan, p -> {
                LOG.infof("%s serves plan %s", roster.identity(), p);
                return opener.open(p, this::listedEtag);
            });
        }
        for (Room room : List.copyOf(rooms.values())) {
            if (!mine.contains(room.plan())) {
                rooms.remove(room.plan());
                LOG.infof("%s no longer serves plan %s: the roster gives it to %s", roster.identity(), room.plan(),
                        roster.holders().getOrDefault(room.plan(), "nobody (it left)"));
                continue;
            }
            boolean gone = listed && !etags.containsKey(room.plan());
            room.reconciler().retire(gone);
            if (gone && room.reconciler().settled()) {
                LOG.infof("plan %s was removed and nothing of it is in flight: it leaves the roster", room.plan());
                roster.left(room.plan());
            }
        }
    }

    /**
     * A tick: lists the plans when due, then starts the cycle of every room whose last one ended, each on the runner.
     * With {@code force} (reconcile now), lists at once and waits for every room's cycle.
     */
    public void cycle(boolean force) {
        list(force);
        arrange();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (Room room : rooms.values()) {
            if (!room.running().compareAndSet(false, true)) {
                continue;
            }
            started.add(CompletableFuture.runAsync(() -> {
                try {
                    room.reconciler().cycle(force);
                } catch (RuntimeException e) {
                    room.reconciler().failed(e);
                } finally {
                    room.running().set(false);
                }
            }, runner));
        }
        lastProgress = clock.instant();
        if (force) {
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
        }
    }

    /** Delivers every room's due notifications. */
    public void dispatch() {
        rooms.values().forEach(room -> room.notifier().dispatch());
    }

    /** At shutdown: gives every plan's ledger up, then leaves the roster, so other replicas take the plans at once. */
    public void release() {
        for (Room room : rooms.values()) {
            room.ledger().release(room.notifier().settled());
        }
        roster.leave();
    }

    /** The rooms open now, by plan. */
    public Map<String, Room> rooms() {
        return new TreeMap<>(rooms);
    }

    /** Every plan the roster or the listing knows, with the replica that leads it (null: nobody yet). */
    public Map<String, String> plans() {
        Map<String, String> plans = new TreeMap<>();
        etags.keySet().forEach(plan -> plans.put(plan, null));
        plans.putAll(roster.holders());
        return plans;
    }

    public RosterKeeper roster() {
        return roster;
    }

    /**
     * What this replica's rooms saw, as one snapshot: their environments, the plans' environments (each name once,
     * the first plan's), every plan's error prefixed with the plan. What keeps the listing or the roster from working
     * is the snapshot's problem; a broken plan is only its own room's.
     */
    public Snapshot snapshot() {
        List<EnvironmentStatus> environments = new ArrayList<>();
        Map<String, EnvironmentSpec> specs = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        boolean leads = false;
        boolean awsAnswered = true;
        Instant lastSync = null;
        long passes = 0;
        Set<String> lastErrors = new LinkedHashSet<>();
        for (Room room : rooms().values()) {
            Snapshot s = room.reconciler().snapshot();
            environments.addAll(s.status().environments());
            if (s.plan() != null && s.plan().loaded()) {
                s.plan().plan().environments().forEach(spec -> specs.putIfAbsent(spec.name(), spec));
            }
            if (s.plan() != null) {
                s.plan().errors().forEach(error -> errors.add(room.plan() + ": " + error));
            }
            leads |= s.leader();
            awsAnswered &= s.awsAnswered() || !s.leader();
            if (s.lastSync() != null && (lastSync == null || s.lastSync().isBefore(lastSync))) {
                lastSync = s.lastSync();
            }
            passes += s.passes();
            if (s.problem() != null) {
                lastErrors.add(room.plan() + ": " + s.problem().reason() + ": " + s.problem().message());
            } else if (s.lastError() != null && (s.plan() == null || !s.lastError().equals(s.plan().error()))) {
                lastErrors.add(room.plan() + ": " + s.lastError());
            }
        }
        String name = etags.size() + " plans under " + where();
        DesiredState.View view = listed
                ? new DesiredState.View(new MigrationPlan(name, List.copyOf(specs.values()), List.of()), null, errors,
                        null)
                : new DesiredState.View(null, null, List.of(listingError == null ? "not listed yet" : listingError),
                        null);
        MigrationStatus status = new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, name, null,
                errors.isEmpty() ? null : String.join("\n", errors), leads ? roster.identity() : null, null,
                List.of(), environments);
        LoopProblem problem = listingError != null
                ? new LoopProblem("PlansNotListed", "cannot list the plans under " + where() + ": " + listingError,
                        "allow s3:ListBucket on the bucket, with the prefix, to the operator's role")
                : roster.trouble() != null
                ? new LoopProblem("RosterNotKept", roster.trouble(), "allow s3:GetObject and s3:PutObject on the"
                        + " roster beside the plans to the operator's role")
                : null;
        return new Snapshot(status, view, leads, roster.identity(), lastSync,
                lastErrors.isEmpty() ? null : String.join("\n", lastErrors), awsAnswered, lastProgress, passes,
                problem);
    }
}
