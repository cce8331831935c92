package dev.beanstalkmigrator.reconcile.record;

import dev.beanstalkmigrator.model.CloudPlace;
import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.reconcile.decide.Action;
import dev.beanstalkmigrator.reconcile.decide.Conditions;
import dev.beanstalkmigrator.reconcile.decide.Decision;
import dev.beanstalkmigrator.reconcile.decide.Hold;
import dev.beanstalkmigrator.reconcile.decide.Holds;
import dev.beanstalkmigrator.reconcile.decide.Outcome;
import dev.beanstalkmigrator.reconcile.decide.Planner;
import dev.beanstalkmigrator.reconcile.decide.Requeues;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.notify.Outbox;
import java.time.Instant;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The ledger being rewritten by one pass, and the reducer that folds into it what the pass met: the planner's
 * records, the outcomes of actions, and holds (why an environment is not progressing), which also move the
 * retry state. At the end of the pass it gives every environment its conditions.
 */
public final class LedgerDraft {

    private static final Logger LOG = Logger.getLogger(LedgerDraft.class);

    private final Map<String, EnvironmentStatus> environments = new LinkedHashMap<>();
    private final Map<String, Hold> holds = new HashMap<>();
    /**
     * Per environment, the intent of a launch whose migrate revision is being registered in this pass, as an entry of
     * its own (the environment's name, that intent alone).
     */
    private final Map<String, EnvironmentStatus> claims = new LinkedHashMap<>();
    private final Requeues requeues;
    /**
     * Lasting warnings, kept across passes by the reconciler: an environment's (by its name, shown in its Ready
     * condition) and the last error describing each cluster's tasks (logged once per change).
     */
    private final Map<String, String> warnings;
    private final Planner.Inputs in;
    /** The ledger as the pass found it: what its transitions are measured against. */
    private final MigrationStatus before;
    private Outbox outbox;
    private boolean deployed;
    /** The operator's own account and Region, as far as known: where an environment without a place is. */
    private CloudPlace.Located home = new CloudPlace.Located(null, null);

    /**
     * @param requeues the retry state, moved by failures and successes
     * @param warnings per environment, what its last launch warned of (an image not pinned to the version)
     */
    public LedgerDraft(MigrationStatus status, Planner.Inputs in, Requeues requeues, Map<String, String> warnings) {
        status.environments().forEach(e -> environments.put(e.name(), e));
        this.before = status;
        this.in = in;
        this.requeues = requeues;
        this.warnings = warnings;
    }

    /**
     * Makes every draft carry the outbox: what {@code before} held, less what was settled, plus the events of this
     * pass's transitions. Without it the outbox is written as found.
     */
    /** Names the operator's own account and Region, for the environments the plan places nowhere else. */
    public void locatedAt(CloudPlace.Located home) {
        this.home = home;
    }

    public void notifying(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Whether an environment was deployed in this pass (then Elastic Beanstalk is read again soon). */
    public boolean deployed() {
        return deployed;
    }

    void hold(String environment, Hold hold) {
        holds.put(environment, hold);
    }

    /** Adds a record, or replaces the one with the same launch id. */
    public void record(MigrationRecord record, String environment) {
        EnvironmentStatus status = environments.get(environment);
        if (record.preview()) {
            preview(record, environment, status);
            return;
        }
        MigrationRecord previous = status == null ? null : status.history().stream()
                .filter(r -> r.launchId().equals(record.launchId())).findFirst().orElse(null);
        if (record.through() != null && (previous == null || previous.through() == null)) {
            LOG.infof("%s: %s", environment, record.reason());
        }
        if (previous != null) {
            environments.put(environment, status.withHistory(status.history().stream()
                    .map(r -> r.launchId().equals(record.launchId()) ? record : r).toList()));
            if (previous.phase().inFlight() && record.phase().terminal()) {
                try (MigrationLogFields fields = MigrationLogFields.of(environment, record)) {
                    LOG.infof("%s: migration of %s %s%s", environment, record.version(),
                            record.phase().name().toLowerCase(),
                            record.exitCode() == null ? "" : " with exit code " + record.exitCode());
                }
            }
            return;
        }
        EnvironmentSpec spec = in.spec(environment);
        List<MigrationRecord> history = new ArrayList<>();
        history.add(record);
        if (status != null) {
            status.history().stream().filter(r -> !r.matches(record.version(), record.rerun())).forEach(history::add);
        }
        environments.put(environment, status == null
                ? new EnvironmentStatus(environment, spec.application(), spec.version().toString(), null, null,
                List.of(), history)
                : status.withHistory(history));
    }

    /** A preview's record: added first to the environment's previews, or in place of the one with its launch id. */
    private void preview(MigrationRecord record, String environment, EnvironmentStatus status) {
        List<MigrationRecord> previews = new ArrayList<>();
        MigrationRecord previous = null;
        for (MigrationRecord r : status == null ? List.<MigrationRecord>of() : status.previews()) {
            if (r.launchId().equals(record.launchId())) {
                previous = r;
                previews.add(record);
            } else {
                previews.add(r);
            }
        }
        if (previous == null) {
            previews.add(0, record);
        } else if (previous.phase().inFlight() && record.phase().terminal()) {
            try (MigrationLogFields fields = MigrationLogFields.of(environment, record)) {
                LOG.infof("%s: preview of %s %s%s", environment, record.version(), record.phase().name()
                        .toLowerCase(), record.exitCode() == null ? "" : " with exit code " + record.exitCode());
            }
        } else if (previous.digest() == null && record.digest() != null) {
            LOG.infof("%s: preview of %s printed %d lines, digest %s", environment, record.version(),
                    record.logTail() == null ? 0 : record.logTail().size(), record.digest());
        }
        EnvironmentSpec spec = in.spec(environment);
        environments.put(environment, status == null
                ? new EnvironmentStatus(environment, spec.application(), spec.version().toString(), null, null,
                List.of(), List.of(), List.of(), previews)
                : status.withPreviews(previews));
    }

    /** Folds in what the planner decided after an outcome. */
    public void apply(Planner.FollowUp followUp) {
        followUp.records().forEach(r -> record(r.record(), r.environment()));
        followUp.refusals().forEach(this::fold);
        followUp.holds().forEach((environment, hold) -> {
            // Once per wait: the passes after it see the wait in the ledger and hold without a follow-up.
            LOG.infof("%s: %s", environment, hold.message());
            hold(environment, hold);
        });
        followUp.actions().stream().filter(a -> a instanceof Action.RegisterRevision)
                .forEach(a -> claims.put(a.environment(), new EnvironmentStatus(a.environment(), null, null, null,
                        null, List.of(), List.of(((Action.RegisterRevision) a).intent()))));
    }

    /**
     * The ledger's environments as drafted so far, followed by one entry per intent whose revision is being registered
     * (recorded once it is, just before RunTask), holding that intent alone: what the planner decides the pass's next
     * steps against, so that of two environments prepared together on one database only one launches. A view, not a
     * copy: it is asked for after every outcome of a burst.
     */
    public Collection<EnvironmentStatus> environments() {
        Collection<EnvironmentStatus> drafted = Collections.unmodifiableCollection(environments.values());
        if (claims.isEmpty()) {
            return drafted;
        }
        Collection<EnvironmentStatus> claimed = Collections.unmodifiableCollection(claims.values());
        return new AbstractCollection<>() {
            @Override
            public Iterator<EnvironmentStatus> iterator() {
                return Stream.concat(drafted.stream(), claimed.stream()).iterator();
            }

            @Override
            public int size() {
                return drafted.size() + claimed.size();
            }
        };
    }

    /** Folds in the facts of an outcome; the lines it logs name the migration the action is about. */
    public void fold(Outcome outcome) {
        try (MigrationLogFields fields = MigrationLogFields.of(outcome.action())) {
            foldNamed(outcome);
        }
    }

    /** Where the last error of describing a cluster's tasks is kept, beside the environments' warnings. */
    private static String describing(Action.DescribeTasks describe) {
        return "\u0000describe\u0000" + describe.place().key() + "\u0000" + describe.cluster();
    }

    private void foldNamed(Outcome outcome) {
        String environment = outcome.action().environment();
        if (outcome instanceof Outcome.Described described && warnings.remove(describing(described.action())) != null) {
            LOG.infof("migrate tasks on cluster %s are described again", described.action().cluster());
        }
        if (outcome instanceof Outcome.Prepared prepared && prepared.image() != null) {
            requeues.stepSucceeded(environment);
            if (prepared.image().warning() != null) {
                warnings.put(environment, prepared.image().warning());
            } else {
                warnings.remove(environment);
            }
        } else if (outcome instanceof Outcome.Started started) {
            requeues.succeeded(environment);
            if (started.conflict() != null) {
                LOG.warnf("%s: the replay of launch %s differed from its first RunTask; ECS names task %s for its"
                        + " client token, which is adopted", environment, started.intent().launchId(),
                        started.taskArn());
            }
            LOG.infof("%s: %s %s with task %s (launch %s)", environment, started.intent().preview() ? "previewing"
                    : "migrating", started.intent().version(), started.taskArn(), started.intent().launchId());
            record(started.intent().running(started.taskArn(), started.at()), environment);
        } else if (outcome instanceof Outcome.NotPlaced notPlaced) {
            // The planner puts the intent back to Pending; here the environment waits, and says why.
            waitForCapacity(environment, notPlaced.intent(), notPlaced.failure());
        } else if (outcome instanceof Outcome.NotLeader) {
            // The intents stay in the ledger: whoever leads next adopts them.
            LOG.warnf("lost the lease while launching; %s and the rest are left to the next leader", environment);
        } else if (outcome instanceof Outcome.Found found && found.taskArn() != null) {
            LOG.infof("%s: adopted task %s of launch %s", environment, found.taskArn(), found.action().intent()
                    .launchId());
            record(found.action().intent().running(found.taskArn(), found.action().intent().createdAt()), environment);
        } else if (outcome instanceof Outcome.Stopped stopped) {
            LOG.infof("%s: migration of %s past its timeout of %s: asked ECS to stop task %s; it stays in flight"
                    + " until ECS reports it STOPPED", environment, stopped.action().record().version(),
                    stopped.action().timeout(), stopped.action().record().taskArn());
        } else if (outcome instanceof Outcome.Tailed tailed) {
            MigrationRecord r = tailed.action().record();
            MigrationRecord read = r.finished(r.phase(), r.finishedAt(), r.exitCode(), tailed.reason(), tailed.tail())
                    .withUnmasked(tailed.unmasked());
            record(r.preview() ? read.withDigest(tailed.digest()) : read, environment);
        } else if (outcome instanceof Outcome.Deployed done) {
            LOG.infof("%s: deploying %s after its migration succeeded", environment, done.action().record().version());
            record(done.action().record().deployed(done.at()), environment);
            requeues.succeeded(environment);
            deployed = true;
        } else if (outcome instanceof Outcome.Failed failed) {
            failed(failed.action(), failed.error(), environment);
        }
    }

    private void failed(Action action, CloudError error, String environment) {
        if (Planner.placedNothing(action, error)) {
            waitForCapacity(environment, Planner.intentOf(action), error.code() + ": " + error.text());
        } else if (action instanceof Action.Prepare || action instanceof Action.RegisterRevision
                || action instanceof Action.Deploy) {
            retryLater(environment, error);
        } else if (action instanceof Action.Launch launch && error.policy() == CloudError.Policy.STALL) {
            // ECS refused the request. An earlier attempt whose answer was lost may still have started a task, so
            // the intent goes back to Pending with its launch id and request: the next try is the same request
            // with the same client token, which ECS answers with that task if there is one.
            record(launch.intent().pending("RunTask refused: " + error.getMessage()), environment);
            retryLater(environment, error);
        } else if (action instanceof Action.Launch) {
            // Unknown whether the task started: the intent stays and the next cycle adopts it.
            if (error instanceof CloudError.Throttled) {
                LOG.infof("ECS keeps throttling RunTask; %s and the launches after it are adopted next cycle",
                        environment);
            } else {
                LOG.warnf("%s: RunTask unanswered (%s); the launch will be adopted", environment, error.getMessage());
            }
        } else if (action instanceof Action.FindTask || action instanceof Action.Relaunch) {
            holds.put(environment, Holds.of(error));
        } else if (action instanceof Action.DescribeTasks describe) {
            // Once per change: the tasks are described again every task interval, and an error that lasts (a denied
            // ecs:DescribeTasks, a cluster deleted) would be logged at each.
            if (!error.getMessage().equals(warnings.put(describing(describe), error.getMessage()))) {
                LOG.warnf("cannot describe migrate tasks on cluster %s%s: %s", describe.cluster(),
                        describe.place().isHome() ? "" : " (" + describe.place() + ")", error.getMessage());
            }
        } else if (action instanceof Action.StopTask stop) {
            LOG.warnf("%s: cannot stop timed-out task %s: %s", environment, stop.record().taskArn(),
                    error.getMessage());
        } else {
            LOG.warnf("%s: no log tail for task %s: %s", environment, ((Action.TailLog) action).record().taskArn(),
                    error.getMessage());
        }
    }

    private void waitForCapacity(String environment, MigrationRecord intent, String failure) {
        Hold hold = Holds.noCapacity(intent.cluster(), failure);
        holds.put(environment, hold);
        if (requeues.waitForCapacity(environment, hold, in.planRevision(), in.now())) {
            LOG.warnf("%s: migration of %s (launch %s) is %s", environment, intent.version(), intent.launchId(),
                    hold.message());
        }
    }

    private void retryLater(String environment, CloudError error) {
        Hold hold = requeues.failed(environment, error, in.planRevision(), in.now());
        holds.put(environment, hold);
        if (error.policy() == CloudError.Policy.STALL) {
            LOG.errorf("%s: stalled: %s", environment, hold.message());
        } else {
            LOG.infof("%s: %s", environment, hold.message());
        }
    }

    /** Fills in what the pass observed and concluded for an environment of the decision. */
    public void conclude(Decision decision, String planError, Instant now) {
        EnvironmentStatus status = environments.get(decision.environment());
        EnvironmentSpec spec = decision.spec();
        if (spec == null && status == null) {
            return;
        }
        Hold hold = holds.containsKey(decision.environment()) ? holds.get(decision.environment()) : decision.hold();
        List<MigrationRecord> history = status == null ? List.of() : status.history();
        String application = spec != null ? spec.application() : status.application();
        String desiredVersion = spec != null ? spec.version().toString() : status.desiredVersion();
        String deployedVersion = decision.deployedVersion() != null ? decision.deployedVersion()
                : status == null ? null : status.deployedVersion();
        List<Condition> conditions = Conditions.derive(status == null ? List.of() : status.conditions(), spec,
                decision.resolvedVersion(), history, status == null ? List.of() : status.archived(), hold,
                planError, warnings.get(decision.environment()), now);
        logApprovalRequest(decision.environment(), status, conditions);
        CloudPlace.Located located = spec != null ? spec.place().in(home)
                : new CloudPlace.Located(status.account(), status.region());
        environments.put(decision.environment(), new EnvironmentStatus(decision.environment(), application,
                desiredVersion, decision.resolvedVersion(), deployedVersion, conditions,
                history, status == null ? List.of() : status.archived(),
                status == null ? List.of() : status.previews(), located.account(), located.region()));
    }

    /** A preview waiting for a person's approval is logged once, when the wait (its message) begins or changes. */
    private static void logApprovalRequest(String environment, EnvironmentStatus before, List<Condition> after) {
        Condition ready = after.stream().filter(c -> c.type().equals(Condition.READY)).findFirst().orElse(null);
        Condition was = before == null ? null : before.condition(Condition.READY);
        if (ready != null && Reasons.APPROVAL_PENDING.equals(ready.reason()) && !ready.holds()
                && (was == null || !java.util.Objects.equals(was.message(), ready.message()))) {
            LOG.warnf("%s: %s", environment, ready.message());
        }
    }

    /** The ledger as drafted, each history capped. */
    public MigrationStatus toStatus(DesiredState.View view, String leader, int historyLimit) {
        List<EnvironmentStatus> capped = environments.values().stream().map(e -> e.capped(historyLimit)).toList();
        String plan = view.plan() == null ? null : view.plan().name();
        List<Notification> notifications = outbox == null ? before.notifications()
                : outbox.next(before, environments.values(), plan, view.error(), in.now());
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, plan, view.revision(),
                view.error(), leader, null, notifications, capped);
    }
}
