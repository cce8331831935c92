package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.CloudPlace;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.Clouds;
import dev.beanstalkmigrator.port.ContainerLogs;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.reconcile.decide.Action;
import dev.beanstalkmigrator.reconcile.decide.Decision;
import dev.beanstalkmigrator.reconcile.decide.Outcome;
import dev.beanstalkmigrator.reconcile.decide.Planner;
import dev.beanstalkmigrator.reconcile.decide.Requeues;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.execute.ActionExecutor;
import dev.beanstalkmigrator.reconcile.execute.RunTaskPacer;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.reconcile.lease.RosterKeeper;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import dev.beanstalkmigrator.reconcile.notify.Outbox;
import dev.beanstalkmigrator.reconcile.observe.BeanstalkObserver;
import dev.beanstalkmigrator.reconcile.observe.Observation;
import dev.beanstalkmigrator.reconcile.record.LedgerDraft;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * One reconcile cycle: read the plan (if due), observe Elastic Beanstalk (if due), then a pass: the
 * {@link Planner} decides, the {@link ActionExecutor} acts, the {@link LedgerDraft} folds the outcomes in, round
 * after round until nothing follows; the result is written to the {@link MigrationLedger} and published as a
 * {@link Snapshot}.
 *
 * <p>The launch protocol, which makes a migration start at most once: (1) the intent, a Launching record with
 * a fresh launch id, is written to the ledger with a compare-and-swap; (2) RunTask with {@code startedBy} and
 * {@code clientToken} derived from the launch id; (3) the task ARN is written. A restart between (1) and (3)
 * finds the Launching record and adopts the task: by {@code ListTasks(startedBy)}, else by repeating RunTask
 * with the same client token (ECS then returns the first call's task) while ECS honours it.
 *
 * <p>Notifications ride on the same writes: a pass's transitions that are events ({@link dev.beanstalkmigrator.reconcile.notify.NotificationEvents}) join
 * the ledger's outbox in the write that records them, and the deliveries the {@link Notifier} settled since the last
 * pass leave it; a delivery to record is reason enough for a pass. The notifier is offered the outbox only as this
 * replica read or wrote the ledger in its current term of leadership ({@link dev.beanstalkmigrator.reconcile.lease.LeaseElection#term()}): what it saw
 * before (as a standby, or as leader in an earlier term) may list as pending what another leader has since delivered
 * and recorded. The reconcile thread never posts anything.
 */
public final class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    static final Duration STANDBY_RECHECK = Duration.ofMillis(250);

    private final DesiredState desired;
    private final MigrationLedger ledger;
    private final BeanstalkObserver observer;
    private final Clouds clouds;
    private final ActionExecutor executor;
    private final ReconcileSettings settings;
    private final Clock clock;
    private final LongSupplier leadership;
    /** Runs a cycle's AWS reads in parallel: each launch needs a few, and a burst has hundreds. */
    private final Executor workers;
    private final RunTaskPacer pacer = new RunTaskPacer();
    private final Requeues requeues;
    /** Delivers the ledger's outbox, or null when this operator sends no notifications. */
    private final Notifier notifier;
    private final Map<String, String> warnings = new ConcurrentHashMap<>();
    /** Which plan each environment belongs to, when this plan is one of several. */
    private final EnvironmentClaims claims;
    /** Set when the plan is gone from its prefix: what is in flight is followed to its end, nothing new starts. */
    private volatile boolean retiring;
    /** Set when a listing or an event says the plan changed: the next cycle reads it, whatever the plan interval. */
    private final java.util.concurrent.atomic.AtomicBoolean planHint = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * The term of leadership this replica acted in last (see {@link dev.beanstalkmigrator.reconcile.lease.LeaseElection#term()}), or -1 since it followed
     * as a standby. What it knows of the ledger is read again whenever the term changes, whether or not a standby
     * cycle came in between: a lease lost and taken back between two cycles is a new term too.
     */
    private long term = -1;

    private Observation observation = new Observation(Map.of());
    /** What the last reconcile pass looked at; a pass with the same inputs and nothing in flight is skipped. */
    private PassInputs lastPass;
    private long passes;
    private Instant nextPlanPoll = Instant.MIN;
    private Instant nextObservation = Instant.MIN;
    private Instant nextTaskPoll = Instant.MIN;
    private Instant lastSync;
    private String lastInterruption;
    /** What keeps the loop from working, as last reported (logged once per change), or null. */
    private LoopProblem problem;
    private volatile Snapshot snapshot;

    /**
     * A reconciler; with a notifier, it records notification events in the ledger's outbox, in the writes that make
     * their transitions, and offers the outbox to it (see README, "Notifications").
     *
     * @param leadership the term of leadership this replica is in, or a negative number when it may not act (see
     *     {@link dev.beanstalkmigrator.reconcile.lease.LeaseElection#term()}; a constant for a single instance); asked at the start of every cycle and
     *     before every RunTask. A standby only follows the plan and the ledger.
     * @param workers runs the AWS reads of a cycle in parallel; its owner shuts it down
     * @param notifier delivers the outbox; null: no events are recorded and the outbox is kept as found
     */
    public Reconciler(DesiredState desired, MigrationLedger ledger, Beanstalk beanstalk, ContainerService ecs,
                      ContainerLogs logs, ImageResolver images, ReconcileSettings settings, Clock clock,
                      LongSupplier leadership, Executor workers, Notifier notifier) {
        this(desired, ledger, Clouds.home(beanstalk, ecs, logs, new CloudPlace.Located(null, null)), images, settings,
                clock, leadership, workers, notifier);
    }

    /**
     * A reconciler that reaches each environment where the plan places it ({@code region}, {@code roleArn}), through
     * {@code clouds}.
     */
    public Reconciler(DesiredState desired, MigrationLedger ledger, Clouds clouds, ImageResolver images,
                      ReconcileSettings settings, Clock clock, LongSupplier leadership, Executor workers,
                      Notifier notifier) {
        this(desired, ledger, clouds, images, settings, clock, leadership, workers, notifier, EnvironmentClaims.NONE);
    }

    /**
     * A reconciler of one plan among several (a prefix of plans): {@code claims} tells which of its environments
     * another plan recorded first.
     */
    public Reconciler(DesiredState desired, MigrationLedger ledger, Clouds clouds, ImageResolver images,
                      ReconcileSettings settings, Clock clock, LongSupplier leadership, Executor workers,
                      Notifier notifier, EnvironmentClaims claims) {
        this.claims = claims;
        this.notifier = notifier;
        this.desired = desired;
        this.ledger = ledger;
        this.clouds = clouds;
        this.observer = new BeanstalkObserver(clouds, workers);
        this.settings = settings;
        this.clock = clock;
        this.leadership = leadership;
        this.workers = workers;
        this.requeues = new Requeues(new Requeues.Delays(settings.requeueBase(), settings.beanstalkInterval(),
                settings.stalledRequeueBase(), settings.requeueCap()));
        this.executor = new ActionExecutor(clouds, images, () -> leadership.getAsLong() >= 0, pacer, clock,
                settings.logTailLines());
        this.snapshot = Snapshot.initial(settings.identity());
    }

    /**
     * The inputs of a reconcile pass that can change while nothing is in flight: the plan, what Elastic
     * Beanstalk said, and the ledger's content.
     */
    private record PassInputs(String planRevision, List<String> planErrors, Observation observation,
                              long ledgerVersion, Map<String, String> claimedElsewhere) {

        boolean sameAs(PassInputs other) {
            return other != null && Objects.equals(planRevision, other.planRevision)
                    && planErrors.equals(other.planErrors) && observation.sameAs(other.observation)
                    && ledgerVersion == other.ledgerVersion && claimedElsewhere.equals(other.claimedElsewhere);
        }
    }

    /** {@code status} with, for each environment of {@code from}, what ran for it in the plan named there. */
    private MigrationStatus inherited(MigrationStatus status, Map<String, String> from) {
        List<EnvironmentStatus> environments = new ArrayList<>(status.environments());
        // One read of each plan's ledger, however many of its environments this plan takes over.
        Map<String, MigrationStatus> ledgers = new HashMap<>();
        from.forEach((name, plan) -> {
            MigrationStatus theirs = ledgers.computeIfAbsent(plan, claims::ledgerOf);
            EnvironmentStatus before = theirs == null ? null : theirs.environment(name);
            if (before == null) {
                return;
            }
            EnvironmentStatus mine = status.environment(name);
            LOG.infof("%s: takes over what plan %s ran for it (%d migrations)", name, plan,
                    before.history().size() + before.archived().size());
            if (mine == null) {
                environments.add(new EnvironmentStatus(name, before.application(), null, null, null, List.of(),
                        List.of(), List.of()).inheriting(before));
            } else {
                environments.set(environments.indexOf(mine), mine.inheriting(before));
            }
        });
        return status.withEnvironments(environments);
    }

    /**
     * The environments this plan claims: those it names, and those of its ledger with a task still in flight (kept
     * until it ends, wherever the plan moved them), by name.
     */
    private static Map<String, String> claimKeys(MigrationPlan plan, MigrationStatus status) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (EnvironmentStatus environment : status.environments()) {
            // A preview in flight holds the environment as a migration does: another plan must not preview it too.
            for (MigrationRecord record : java.util.stream.Stream.concat(environment.history().stream(),
                    environment.previews().stream()).toList()) {
                if (!record.phase().terminal()) {
                    keys.put(environment.name(), EnvironmentClaims.key(environment.name()));
                }
            }
        }
        for (EnvironmentSpec spec : plan.environments()) {
            keys.putIfAbsent(spec.name(), EnvironmentClaims.key(spec.name()));
        }
        return keys;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * The plan was removed from its prefix ({@code true}), or is back ({@code false}): while retiring, every
     * environment is treated as no longer in the plan, so what is in flight is followed to its end and nothing new
     * is launched.
     */
    public void retire(boolean retire) {
        retiring = retire;
    }

    /** The plan changed (a listing or an event says so): the next cycle reads it, whatever the plan interval. */
    public void planChanged() {
        planHint.set(true);
    }

    /**
     * Whether the last cycle ran as leader and the ledger it published has nothing in flight. Never waits for a cycle
     * under way: the lease keeper asks it.
     */
    public boolean settled() {
        Snapshot last = snapshot;
        return last.leader() && leadership.getAsLong() >= 0 && nothingInFlight(last.status());
    }

    /**
     * Runs one cycle.
     *
     * @param force do everything now, whatever is due (POST /api/v1/reconcile)
     */
    public synchronized Snapshot cycle(boolean force) {
        Instant now = clock.instant();
        boolean awsAnswered = true;
        // The scheduler wakes the loop once a tick, never exactly when something falls due: what falls due before
        // the middle of the next tick is done now, or a plan interval of one tick would be served every other tick.
        Instant horizon = now.plus(settings.tick().dividedBy(2));
        boolean planDue = planHint.getAndSet(false) | force || !horizon.isBefore(nextPlanPoll);
        boolean observationDue = force || !horizon.isBefore(nextObservation);
        boolean tasksDue = force || !horizon.isBefore(nextTaskPoll);
        if (!planDue && !observationDue && !tasksDue) {
            return snapshot;
        }
        try {
            long current = leadership.getAsLong();
            if (current < 0) {
                return standby(planDue, now);
            }
            if (current != term) {
                // Whatever this replica knew before, another leader may have written since. The term is taken once the
                // ledger is read: until then nothing this replica holds may be offered as this term's.
                ledger.reload();
                requeues.clear();
                term = current;
                planDue = observationDue = tasksDue = true;
            }
            boolean planChanged = false;
            if (planDue) {
                nextPlanPoll = now.plus(settings.planInterval());
                planChanged = desired.refresh();
            }
            DesiredState.View view = desired.view();
            if (retiring) {
                // Gone from the prefix, perhaps before this replica ever read it: what its ledger holds is followed.
                MigrationPlan gone = view.plan();
                view = new DesiredState.View(gone == null ? new MigrationPlan(desired.name(), List.of(), List.of())
                        : new MigrationPlan(gone.name(), List.of(), gone.notifications()),
                        view.revision(), List.of(), view.refusedRevision());
            }
            if (!view.loaded()) {
                return publish(storedOrLast(view), view, view.error(), awsAnswered);
            }
            if (planChanged || observationDue) {
                nextObservation = now.plus(settings.beanstalkInterval());
                observation = observer.observe(view.plan(), now);
                awsAnswered = observation.applications().values().stream()
                        .noneMatch(a -> a.error() != null && a.error().policy() == CloudError.Policy.RETRY);
            }
            if (tasksDue) {
                nextTaskPoll = now.plus(settings.taskInterval());
            }
            if (awsAnswered) {
                lastSync = now;
            }
            // Ready as soon as the plan is loaded and AWS answered, not after a long burst of launches.
            publish(snapshot.status(), view, view.error(), awsAnswered);
            MigrationStatus status = ledger.current();
            Map<String, String> keys = claimKeys(view.plan(), status);
            RosterKeeper.Claimed claimed = claims.claim(keys, Set.of());
            if (!claimed.inherit().isEmpty()) {
                // Environments another plan held last: what ran there is kept here first, so that none of it runs
                // again, and only then claimed (a crash in between takes it over again, which changes nothing).
                ledger.write(inherited(status, claimed.inherit()));
                status = ledger.current();
                claimed = claims.claim(keys, claimed.inherit().keySet());
            }
            Map<String, String> claimedElsewhere = claimed.elsewhere();
            PassInputs inputs = new PassInputs(view.revision(), view.errors(), observation, ledger.contentVersion(),
                    claimedElsewhere);
            if (!force && inputs.sameAs(lastPass) && requeues.isEmpty() && nothingInFlight(status)
                    && (notifier == null || !notifier.unrecorded())) {
                // Nothing new to look at, no clock running (no task, no retry) and no delivery to record: the pass
                // would decide what the last one decided. With 1,000 environments it would cost tens of milliseconds
                // per interval.
                report(null, null);
                offer(status, view);
                return publish(status, view, view.error(), awsAnswered);
            }
            report(null, null);
            lastInterruption = null;
            lastPass = null;
            passes++;
            MigrationStatus next = pass(view, status, tasksDue, now, claimedElsewhere);
            if (!ledger.write(next) && ledger.contentVersion() == inputs.ledgerVersion()) {
                // A fixed point: this pass changed nothing, so the same inputs would decide the same again. A
                // pass that changed the ledger is followed by one that looks at what it wrote.
                lastPass = inputs;
            }
            // The ledger as stored, not the draft: the draft carries no lease, the stored ledger does (and the
            // write left it known, so this reads nothing).
            MigrationStatus stored = ledger.current();
            offer(stored, view);
            return publish(stored, view, view.error(), awsAnswered);
        } catch (CloudError e) {
            if (e.policy() == CloudError.Policy.STALL) {
                report(LoopProblem.of(e), null);
            } else {
                // Transient (AWS did not answer: readiness says so) or a conflict (re-read next cycle): not a
                // problem a human must solve, and logged once per distinct message.
                report(null, null);
                if (!e.getMessage().equals(lastInterruption)) {
                    LOG.warnf("reconcile cycle interrupted: %s", e.getMessage());
                }
                lastInterruption = e.getMessage();
            }
            return publish(storedOrLast(desired.view()), desired.view(), e.getMessage(),
                    e.policy() != CloudError.Policy.RETRY);
        }
    }

    /**
     * Publishes a cycle that failed with an exception nobody expected (a bug): a classified problem in health
     * and status, logged with its stack trace once per distinct problem.
     */
    public synchronized Snapshot failed(RuntimeException error) {
        report(LoopProblem.of(error), error);
        return publish(snapshot.status(), snapshot.plan(), error.toString(), snapshot.awsAnswered());
    }

    /** Makes {@code next} the loop's problem; logs a new one (and its end) once. */
    private void report(LoopProblem next, Throwable cause) {
        if (next != null && !next.equals(problem)) {
            LOG.errorf(cause, "%s: %s%s", next.reason(), next.message(),
                    next.action() == null ? "" : "; " + next.action());
        } else if (next == null && problem != null) {
            LOG.infof("%s resolved", problem.reason());
        }
        problem = next;
    }

    /** A standby follows the plan (to report it) and the leader's ledger (to serve it), and acts on nothing. */
    private Snapshot standby(boolean planDue, Instant now) {
        term = -1;
        // Look again soon: the lease keeper may make this replica the leader at any moment.
        nextObservation = now.plus(STANDBY_RECHECK);
        nextTaskPoll = nextObservation;
        if (!planDue) {
            return snapshot;
        }
        nextPlanPoll = now.plus(settings.planInterval());
        desired.refresh();
        MigrationStatus status = ledger.follow();
        report(null, null);
        lastSync = now;
        return publish(status, desired.view(), desired.view().error(), true);
    }

    private static boolean nothingInFlight(MigrationStatus status) {
        for (EnvironmentStatus environment : status.environments()) {
            for (MigrationRecord record : environment.history()) {
                if (!record.phase().terminal()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The ledger as stored (read again if an error left it unknown), offered to the notifier; or, when it cannot be
     * read, the last snapshot's, which is only published: it may be from before this term.
     */
    private MigrationStatus storedOrLast(DesiredState.View view) {
        try {
            MigrationStatus stored = ledger.current();
            offer(stored, view);
            return stored;
        } catch (CloudError e) {
            return snapshot.status();
        }
    }

    /**
     * Offers the notifier the outbox of {@code stored}, the ledger as this replica read or wrote it in its current
     * {@link #term} (every term begins with a read), stamped with that term: the notifier sends only from an outbox
     * offered in the term it is in. A standby offers nothing.
     */
    private void offer(MigrationStatus stored, DesiredState.View view) {
        if (notifier != null && term >= 0) {
            notifier.offer(stored.notifications(), view == null ? null : view.plan(), term);
        }
    }

    private Snapshot publish(MigrationStatus status, DesiredState.View view, String error, boolean awsAnswered) {
        snapshot = new Snapshot(status, view, term >= 0, settings.identity(), lastSync, error, awsAnswered,
                clock.instant(), passes, problem);
        return snapshot;
    }

    /** Decide, act, fold, until nothing follows; then the conditions. */
    private MigrationStatus pass(DesiredState.View view, MigrationStatus status, boolean tasksDue, Instant now,
                                 Map<String, String> claimedElsewhere) {
        Planner.Inputs in = new Planner.Inputs(view.plan(), view.revision(), status, observation, requeues.view(), now,
                tasksDue, settings.dryRun(), settings.logTailLines() > 0,
                () -> UUID.randomUUID().toString().replace("-", ""), claimedElsewhere);
        Planner.Pass pass = Planner.plan(in);
        LedgerDraft draft = new LedgerDraft(status, in, requeues, warnings);
        draft.locatedAt(clouds.home());
        if (notifier != null) {
            // Dry-run makes no events (it launches nothing, and tells nobody); what is pending is still delivered.
            draft.notifying(new Outbox(settings.dryRun() ? List.of() : notifier.channels(view.plan()),
                    notifier.settled(), notifier.outboxLimit()));
        }
        pass.decisions().forEach(d -> d.records().forEach(r -> draft.record(r, d.environment())));
        Map<String, ContainerService.TaskDefinition> definitions = ActionExecutor.cycleCache();
        List<Action> actions = pass.actions();
        while (!actions.isEmpty()) {
            actions = round(actions, draft, in, view, definitions);
        }
        for (Decision decision : pass.decisions()) {
            draft.conclude(decision, view.error(), now);
            if (decision.requeueAfter() != null && now.plus(decision.requeueAfter()).isBefore(nextTaskPoll)) {
                nextTaskPoll = now.plus(decision.requeueAfter());
            }
        }
        if (draft.deployed()) {
            nextObservation = now;
        }
        return draft.toStatus(view, settings.identity(), settings.historyLimit());
    }

    /** Runs one round of actions (reads in parallel, then launches in order) and returns what follows. */
    private List<Action> round(List<Action> actions, LedgerDraft draft, Planner.Inputs in, DesiredState.View view,
                               Map<String, ContainerService.TaskDefinition> definitions) {
        List<Action> next = new ArrayList<>();
        List<Action> launches = actions.stream().filter(a -> a instanceof Action.Launch).toList();
        List<CompletableFuture<Outcome>> running = actions.stream().filter(a -> !(a instanceof Action.Launch))
                .map(a -> actions.size() == 1 ? CompletableFuture.completedFuture(executor.run(a, definitions))
                        : CompletableFuture.supplyAsync(() -> executor.run(a, definitions), workers))
                .toList();
        BeanstalkObserver.join(running).forEach(outcome -> next.addAll(fold(outcome, draft, in)));
        if (!launches.isEmpty()) {
            // The intents are durable before any task can start: each launch's intent is in this write, whether
            // the planner recorded it already (a new launch) or not (a Pending launch sent again).
            launches.forEach(l -> draft.record(Planner.intentOf(l), l.environment()));
            ledger.write(draft.toStatus(view, settings.identity(), settings.historyLimit()));
            for (Action launch : launches) {
                Outcome outcome = executor.run(launch, definitions);
                snapshot = snapshot.progressed(clock.instant());
                next.addAll(fold(outcome, draft, in));
                if (Planner.stopLaunching(outcome)) {
                    break;
                }
            }
            ledger.write(draft.toStatus(view, settings.identity(), settings.historyLimit()));
            pacer.report(launches.size());
        }
        return next;
    }

    private static List<Action> fold(Outcome outcome, LedgerDraft draft, Planner.Inputs in) {
        draft.fold(outcome);
        Planner.FollowUp followUp = Planner.next(outcome, in, draft.environments());
        draft.apply(followUp);
        return followUp.actions();
    }
}
