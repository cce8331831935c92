package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectListing;
import dev.beanstalkmigrator.port.PlanEvents;
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
import org.jboss.logging.Logger;

/**
 * Every plan under a prefix ({@code migrator.desired-state.uri=s3://bucket/plans/}), each served apart: its plan, its
 * ledger beside it, its reconciler and its notifier. A replica serves each plan the
 * {@link RosterKeeper}'s roster gives it, and closes it when the roster gives the plan to another; a plan gone from the
 * prefix retires: what is in flight is followed to its end, then the plan leaves the roster.
 *
 * <p>One listing (ListObjectsV2, a request per 1,000 keys) per plan interval tells which plans exist and which changed
 * (ETags); only a changed plan is read. Each plan's cycle runs on its own, so one slow or broken plan holds up no
 * other: a plan whose cycle still runs is skipped at the next tick.
 */
public final class ManyPlans {

    private static final Logger LOG = Logger.getLogger(ManyPlans.class);

    /** A plan this replica serves. */
    public record Served(String plan, Reconciler reconciler, MigrationLedger ledger, PlanLeadership leadership,
                       Notifier notifier, AtomicBoolean running) {}

    /** Begins to serve a plan, whose source is {@link #source}. */
    public interface Opener {
        Served open(String plan, ManyPlans plans);
    }

    /** How many times a message about another replica's plan is handed on before it is dropped (the listing covers). */
    static final int HAND_ON_LIMIT = 10;

    private final String bucket;
    private final String prefix;
    private final ObjectListing listing;
    private final RosterKeeper roster;
    private final Opener opener;
    private final Duration listingInterval;
    private final Clock clock;
    private final Executor runner;
    private final Map<String, Served> served = new ConcurrentHashMap<>();

    private volatile Map<String, String> etags = Map.of();
    /** Plans an event said changed, not yet read again. */
    private final Set<String> hinted = ConcurrentHashMap.newKeySet();
    /** An event named a plan this replica does not know, or a removal: list at the next tick. */
    private volatile boolean listNow;
    /** The last listing found a plan not listed before. */
    private boolean added;
    private volatile boolean listed;
    private volatile String listingError;
    private volatile Instant lastProgress;
    private Instant nextListing = Instant.MIN;

    /**
     * @param listingInterval how often every plan is listed: the plan interval, or with events the slow full listing's
     * @param runner runs the plans' cycles, a few at a time
     */
    public ManyPlans(String bucket, String prefix, ObjectListing listing, RosterKeeper roster, Opener opener,
                     Duration listingInterval, Clock clock, Executor runner) {
        this.bucket = bucket;
        this.prefix = prefix;
        this.listing = listing;
        this.roster = roster;
        this.opener = opener;
        this.listingInterval = listingInterval;
        this.clock = clock;
        this.runner = runner;
    }

    /**
     * The source of {@code plan}: its object, read only when the last listing shows a revision other than the
     * one in force, or an event said it changed.
     */
    public PlanSource source(String plan, PlanSource object) {
        // The field is read at every fetch: each listing replaces the map.
        return new ListedPlanSource(plan, object, this::listedEtag, hinted::remove);
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
        boolean asked = listNow;
        if (!force && !asked && now.isBefore(nextListing)) {
            return false;
        }
        listNow = false;
        nextListing = now.plus(listingInterval);
        try {
            PlanCatalog.Changes changes = PlanCatalog.changes(prefix, etags, listing.list(bucket, prefix));
            if (!changes.none()) {
                LOG.infof("plans under %s: %d (added %s, changed %s, removed %s)", where(), changes.now().size(),
                        changes.added(), changes.changed(), changes.removed());
            }
            etags = changes.now();
            added |= !changes.added().isEmpty();
            for (String plan : changes.changed()) {
                Served room = served.get(plan);
                if (room != null) {
                    room.reconciler().planChanged();
                }
            }
            listed = true;
            if (listingError != null) {
                LOG.infof("plans under %s can be listed again", where());
            }
            listingError = null;
            return true;
        } catch (CloudError e) {
            listNow |= asked;
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
        for (Served room : served.values()) {
            if (roster.mayLead(room.plan()) && !room.leadership().holds()) {
                room.ledger().elect();
            }
        }
    }

    /**
     * Serves each plan the roster gives this replica, stops serving the others (after their last cycle), marks the
     * plans gone from the prefix as retiring, and lets a retired plan that settled leave the roster.
     */
    public synchronized void arrange() {
        Set<String> mine = roster.mine();
        for (String plan : mine) {
            served.computeIfAbsent(plan, p -> {
                LOG.infof("%s serves plan %s", roster.identity(), p);
                return opener.open(p, this);
            });
        }
        for (Served room : List.copyOf(served.values())) {
            if (!mine.contains(room.plan())) {
                served.remove(room.plan());
                LOG.infof("%s no longer serves plan %s: the roster gives it to %s", roster.identity(), room.plan(),
                        roster.holders().getOrDefault(room.plan(), "nobody (it left)"));
                continue;
            }
            boolean gone = listed && !etags.containsKey(room.plan());
            room.reconciler().retire(gone);
            if (gone && room.reconciler().settled() && roster.left(room.plan())) {
                LOG.infof("plan %s was removed and nothing of it is in flight: it leaves the roster", room.plan());
            }
        }
    }

    /**
     * A tick: lists the plans when due, then starts the cycle of every plan served whose last one ended, each on the runner.
     * With {@code force} (reconcile now), lists at once and waits for every plan's cycle.
     */
    public void cycle(boolean force) {
        if (list(force) && added) {
            // A new plan is served from the next round of the roster: run it now rather than a retry period later.
            added = false;
            elect();
        }
        arrange();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (Served room : served.values()) {
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

    /** What became of the messages of one receive. */
    public record EventsHandled(int hints, int handedOn, int dropped) {}

    /**
     * Acts on messages of the plans bucket's S3 Event Notifications. A change to a plan this replica leads (or that
     * nobody leads yet) makes it read at the next tick; a plan not known, or removed, makes the listing run at
     * the next tick. A message about a plan another replica leads is handed on (made visible again at once) for that
     * replica, at most {@value #HAND_ON_LIMIT} times. Every other message is deleted. An event never decides anything
     * by itself: it only makes the plan or the listing read sooner, so a duplicate costs a 304 and a lost one waits
     * for the next full listing.
     */
    public EventsHandled onEvents(List<PlanEvents.Message> messages, PlanEvents events) {
        int hints = 0;
        int handedOn = 0;
        int dropped = 0;
        Map<String, String> holders = roster.holders();
        for (PlanEvents.Message message : messages) {
            boolean forAnother = false;
            for (S3EventHints.Change change : S3EventHints.parse(message.body())) {
                if (!change.bucket().equals(bucket) || !PlanCatalog.isPlan(prefix, change.key())) {
                    continue;
                }
                String holder = holders.get(change.key());
                if (holder != null && !holder.equals(roster.identity())) {
                    forAnother = true;
                    continue;
                }
                hints++;
                Served room = served.get(change.key());
                if (change.removed() || room == null || !etags.containsKey(change.key())) {
                    listNow = true;
                }
                if (room != null && !change.removed()) {
                    hinted.add(change.key());
                    room.reconciler().planChanged();
                }
            }
            if (forAnother && message.receives() < HAND_ON_LIMIT) {
                events.handOn(message);
                handedOn++;
            } else {
                dropped += forAnother ? 1 : 0;
                events.done(message);
            }
        }
        return new EventsHandled(hints, handedOn, dropped);
    }

    /** Delivers every served plan's due notifications. */
    public void dispatch() {
        served.values().forEach(room -> room.notifier().dispatch());
    }

    /** At shutdown: gives every plan's ledger up, then leaves the roster, so other replicas take the plans at once. */
    public void release() {
        for (Served room : served.values()) {
            room.ledger().release(room.notifier().settled());
        }
        roster.leave();
    }

    /** The plans served now, by plan. */
    public Map<String, Served> served() {
        return new TreeMap<>(served);
    }

    /** Every plan the roster or the listing knows, with the replica that leads it (null: nobody yet). */
    public Map<String, String> plans() {
        Map<String, String> plans = new TreeMap<>();
        etags.keySet().forEach(plan -> plans.put(plan, null));
        plans.putAll(roster.holders());
        return plans;
    }

    /**
     * What this replica's served saw, as one snapshot: their environments, the plans' environments (each name once,
     * the first plan's), every plan's error prefixed with the plan. What keeps the listing or the roster from working
     * is the snapshot's problem; a broken plan's error is its own.
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
        for (Served room : served().values()) {
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
        String name = etags.size() + (etags.size() == 1 ? " plan under " : " plans under ") + where();
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
        // As for one plan, a refused plan is the snapshot's error (readiness shows it) but not its problem.
        Set<String> allErrors = new LinkedHashSet<>(errors);
        allErrors.addAll(lastErrors);
        return new Snapshot(status, view, leads, roster.identity(), lastSync,
                allErrors.isEmpty() ? null : String.join("\n", allErrors), awsAnswered, lastProgress, passes,
                problem);
    }
}
