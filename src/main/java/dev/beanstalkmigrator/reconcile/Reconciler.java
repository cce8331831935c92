package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.VersionRef;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerLogs;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.LogTarget;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * One reconcile cycle: read the plan (if due), observe Elastic Beanstalk (if due), decide with the
 * {@link Planner}, carry the decisions out through the ports, record everything in the {@link MigrationLedger}.
 *
 * <p>The launch protocol, which makes a migration start at most once: (1) the intent, a Launching record with
 * a fresh launch id, is written to the ledger with a compare-and-swap; (2) RunTask with {@code startedBy} and
 * {@code clientToken} derived from the launch id; (3) the task ARN is written. A restart between (1) and (3)
 * finds the Launching record and adopts the task: by {@code ListTasks(startedBy)}, else by repeating RunTask
 * with the same client token (ECS then returns the first call's task) while ECS honours it.
 */
public final class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    /** ECS honours a RunTask client token for 24 h; stop relying on it a little before. */
    static final Duration CLIENT_TOKEN_WINDOW = Duration.ofHours(23);
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    static final Duration STANDBY_RECHECK = Duration.ofMillis(250);
    /** Launches per cycle: about five seconds of RunTask at Fargate's 20 per second. */
    static final int MAX_LAUNCHES_PER_CYCLE = 100;
    static final String TAG_ENVIRONMENT = "beanstalk-migrator:environment";
    static final String TAG_VERSION = "beanstalk-migrator:version";
    static final String TAG_LAUNCH_ID = "beanstalk-migrator:launch-id";

    private final DesiredState desired;
    private final MigrationLedger ledger;
    private final Beanstalk beanstalk;
    private final ContainerService ecs;
    private final ContainerLogs logs;
    private final ImageResolver images;
    private final ReconcileSettings settings;
    private final Clock clock;
    private final BooleanSupplier leadership;
    private boolean leading;

    private Observation observation = new Observation(Map.of());
    /** What the last reconcile pass looked at; a pass with the same inputs and nothing in flight is skipped. */
    private PassInputs lastPass;
    private long passes;
    private Instant nextPlanPoll = Instant.MIN;
    private Instant nextObservation = Instant.MIN;
    private Instant nextTaskPoll = Instant.MIN;
    private Instant lastSync;
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    private final Map<String, String> warnings = new ConcurrentHashMap<>();
    /** Prepares launches and reads applications in parallel: each needs a few AWS reads, and a burst has hundreds. */
    private final Executor workers;
    private final RunTaskPacer pacer = new RunTaskPacer();
    private volatile Snapshot snapshot;
    /** The last time the loop did something (a cycle ended, a task was launched): liveness. */
    private volatile Instant lastProgress;

    /**
     * @param leadership whether this replica may act now (see {@link LeaseElection#isLeader()}); asked at the
     *     start of every cycle and before every RunTask. A standby only follows the plan and the ledger.
     * @param workers runs the AWS reads of a cycle in parallel; its owner shuts it down
     */
    public Reconciler(DesiredState desired, MigrationLedger ledger, Beanstalk beanstalk, ContainerService ecs,
                      ContainerLogs logs, ImageResolver images, ReconcileSettings settings, Clock clock,
                      BooleanSupplier leadership, Executor workers) {
        this.workers = workers;
        this.leadership = leadership;
        this.desired = desired;
        this.ledger = ledger;
        this.beanstalk = beanstalk;
        this.ecs = ecs;
        this.logs = logs;
        this.images = images;
        this.settings = settings;
        this.clock = clock;
        this.snapshot = Snapshot.initial(settings.identity());
    }

    /** A launch or deploy that failed, and when to try it again. */
    private record Retry(Instant notBefore, int attempts, Hold hold, String planRevision) {}

    /**
     * The inputs of a reconcile pass that can change while nothing is in flight: the plan, what Elastic
     * Beanstalk said, and the ledger's content.
     */
    private record PassInputs(String planRevision, List<String> planErrors, Observation observation,
                              long ledgerVersion) {

        boolean sameAs(PassInputs other) {
            return other != null && java.util.Objects.equals(planRevision, other.planRevision)
                    && planErrors.equals(other.planErrors) && observation.sameAs(other.observation)
                    && ledgerVersion == other.ledgerVersion;
        }
    }

    /** A launch whose intent is being recorded. */
    private record Prepared(EnvironmentSpec spec, MigrationRecord record, ContainerService.TaskLaunch launch) {}

    public Snapshot snapshot() {
        return snapshot;
    }

    /** How many reconcile passes have run (cycles with nothing new to look at run none). */
    public synchronized long passes() {
        return passes;
    }

    /** When the next thing falls due: the plan, Elastic Beanstalk or the tasks. */
    public synchronized Instant nextDue() {
        Instant next = nextPlanPoll.isBefore(nextObservation) ? nextPlanPoll : nextObservation;
        return next.isBefore(nextTaskPoll) ? next : nextTaskPoll;
    }

    /**
     * Runs one cycle.
     *
     * @param force do everything now, whatever is due (POST /api/v1/reconcile)
     */
    public synchronized Snapshot cycle(boolean force) {
        Instant now = clock.instant();
        String error = null;
        boolean awsAnswered = true;
        boolean planDue = force || !now.isBefore(nextPlanPoll);
        boolean observationDue = force || !now.isBefore(nextObservation);
        boolean tasksDue = force || !now.isBefore(nextTaskPoll);
        if (!planDue && !observationDue && !tasksDue) {
            return snapshot;
        }
        try {
            if (!leadership.getAsBoolean()) {
                return standby(planDue, now);
            }
            if (!leading) {
                // Whatever this replica knew before, another leader may have written since.
                leading = true;
                ledger.reload();
                retries.clear();
                planDue = observationDue = tasksDue = true;
            }
            boolean planChanged = false;
            if (planDue) {
                nextPlanPoll = now.plus(settings.planInterval());
                planChanged = desired.refresh();
            }
            DesiredState.View view = desired.view();
            if (!view.loaded()) {
                return publish(ledgerOrEmpty(), view, view.error(), awsAnswered, now);
            }
            if (planChanged || observationDue) {
                nextObservation = now.plus(settings.beanstalkInterval());
                observation = observe(view.plan(), now);
                awsAnswered = observation.applications().values().stream()
                        .noneMatch(a -> a.error() instanceof CloudError.Transient);
                if (awsAnswered) {
                    lastSync = now;
                }
            }
            if (tasksDue) {
                nextTaskPoll = now.plus(settings.taskInterval());
            }
            // Ready as soon as the plan is loaded and AWS answered, not after a long burst of launches.
            publish(snapshot.status(), view, view.error(), awsAnswered, now);
            MigrationStatus status = ledger.current();
            PassInputs inputs = new PassInputs(view.revision(), view.errors(), observation, ledger.contentVersion());
            if (!force && inputs.sameAs(lastPass) && retries.isEmpty() && nothingInFlight(status)) {
                // Nothing new to look at and no clock running (no task, no retry): the pass would decide what
                // the last one decided. With 1,000 environments it would cost tens of milliseconds per interval.
                if (awsAnswered) {
                    lastSync = now;
                }
                return publish(status, view, view.error(), awsAnswered, now);
            }
            lastPass = null;
            passes++;
            MigrationStatus next = reconcile(view, status, tasksDue, now);
            if (!ledger.write(next) && ledger.contentVersion() == inputs.ledgerVersion()) {
                // A fixed point: this pass changed nothing, so the same inputs would decide the same again. A
                // pass that changed the ledger is followed by one that looks at what it wrote.
                lastPass = inputs;
            }
            if (awsAnswered) {
                lastSync = now;
            }
            error = view.error();
            return publish(next, view, error, awsAnswered, now);
        } catch (CloudError e) {
            if (e instanceof CloudError.Conflict) {
                LOG.warnf("the status ledger changed underneath this replica; re-reading it: %s", e.getMessage());
            } else {
                LOG.warnf("reconcile cycle interrupted: %s", e.getMessage());
            }
            return publish(ledgerOrEmpty(), desired.view(), e.getMessage(),
                    !(e instanceof CloudError.Transient), now);
        }
    }

    /** A standby follows the plan (to report it) and the leader's ledger (to serve it), and acts on nothing. */
    private Snapshot standby(boolean planDue, Instant now) {
        leading = false;
        // Look again soon: the lease keeper may make this replica the leader at any moment.
        nextObservation = now.plus(STANDBY_RECHECK);
        nextTaskPoll = nextObservation;
        if (!planDue) {
            return snapshot;
        }
        nextPlanPoll = now.plus(settings.planInterval());
        desired.refresh();
        MigrationStatus status = ledger.follow();
        lastSync = now;
        return publish(status, desired.view(), desired.view().error(), true, now);
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

    private MigrationStatus ledgerOrEmpty() {
        try {
            return ledger.current();
        } catch (CloudError e) {
            return snapshot.status();
        }
    }

    /** When the loop last made progress: a cycle ended or, inside a long one, a task was launched. */
    public Instant lastProgress() {
        return lastProgress;
    }

    private Snapshot publish(MigrationStatus status, DesiredState.View view, String error, boolean awsAnswered,
                             Instant now) {
        lastProgress = clock.instant();
        snapshot = new Snapshot(status, view, leading, settings.identity(), lastSync, error, awsAnswered,
                clock.instant());
        return snapshot;
    }

    private Observation observe(MigrationPlan plan, Instant now) {
        Map<String, Boolean> applications = new LinkedHashMap<>();
        for (EnvironmentSpec spec : plan.environments()) {
            applications.merge(spec.application(), spec.version().mode() == VersionRef.Mode.LATEST, Boolean::logicalOr);
        }
        Map<String, Observation.Application> seen = new ConcurrentHashMap<>();
        // One call per application, all at once: with ten applications a plan change is not ten round trips
        // away from its first launch.
        List<Future<?>> reads = new ArrayList<>();
        applications.forEach((application, needsVersions) -> reads.add(CompletableFuture.runAsync(() -> {
            try {
                List<Beanstalk.Environment> environments = beanstalk.environments(application);
                List<Beanstalk.ApplicationVersion> versions = needsVersions
                        ? beanstalk.versions(application, List.of()) : null;
                seen.put(application, new Observation.Application(environments, versions, null, now));
            } catch (CloudError e) {
                LOG.warnf("cannot read application %s: %s", application, e.getMessage());
                seen.put(application, new Observation.Application(null, null, e, now));
            }
        }, workers)));
        awaitAll(reads);
        return new Observation(seen);
    }

    private MigrationStatus reconcile(DesiredState.View view, MigrationStatus status, boolean tasksDue, Instant now) {
        Draft draft = new Draft(status);
        List<Decision> decisions = Planner.plan(view.plan(), status, observation, settings.dryRun());
        Map<String, Hold> holds = new ConcurrentHashMap<>();
        List<Action.Launch> launches = new ArrayList<>();
        for (Decision decision : decisions) {
            if (decision.hold() != null) {
                holds.put(decision.environment(), decision.hold());
            }
            for (Action action : decision.actions()) {
                if (action instanceof Action.Launch launch) {
                    if (launches.size() < MAX_LAUNCHES_PER_CYCLE) {
                        launches.add(launch);
                    } else {
                        // The rest wait for the next cycle, which comes at once: a long burst must not keep the
                        // loop from watching tasks and reading the plan.
                        nextTaskPoll = now;
                    }
                } else if (action instanceof Action.Preview preview) {
                    draft.put(preview.spec(), intent(preview.spec(), preview.version(), Phase.Pending, null, null,
                            null, null, now));
                } else if (action instanceof Action.Adopt adopt) {
                    adopt(adopt, view.plan(), draft, holds, now);
                } else if (action instanceof Action.Watch watch) {
                    if (tasksDue) {
                        draft.watch(watch);
                    }
                } else if (action instanceof Action.Deploy deploy) {
                    deploy(deploy, draft, holds, view.revision(), now);
                }
            }
        }
        watch(draft, view.plan(), now);
        launch(prepareAll(launches, view.revision(), holds, now), draft, holds, now);
        for (Decision decision : decisions) {
            draft.finish(decision, holds.get(decision.environment()), view.error(),
                    warnings.get(decision.environment()), now);
        }
        return draft.toStatus(view, settings.identity(), settings.historyLimit());
    }

    // --- launching ------------------------------------------------------------------------------------------

    private static void awaitAll(List<? extends Future<?>> futures) {
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloudError.Transient("reconcile", "Interrupted", "shutting down", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime
                        : new IllegalStateException(e.getCause());
            }
        }
    }

    private List<Prepared> prepareAll(List<Action.Launch> launches, String planRevision, Map<String, Hold> holds,
                                      Instant now) {
        Map<String, ContainerService.TaskDefinition> definitions = new ConcurrentHashMap<>();
        if (launches.size() <= 1) {
            return launches.stream().map(l -> prepare(l, planRevision, holds, definitions, now))
                    .filter(Objects::nonNull).toList();
        }
        List<CompletableFuture<Prepared>> futures = launches.stream()
                .map(l -> CompletableFuture.supplyAsync(() -> prepare(l, planRevision, holds, definitions, now), workers))
                .toList();
        List<Prepared> prepared = new ArrayList<>();
        for (CompletableFuture<Prepared> future : futures) {
            try {
                Prepared p = future.get();
                if (p != null) {
                    prepared.add(p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloudError.Transient("prepare", "Interrupted", "shutting down", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime
                        : new IllegalStateException(e.getCause());
            }
        }
        return prepared;
    }

    private Prepared prepare(Action.Launch launch, String planRevision, Map<String, Hold> holds,
                             Map<String, ContainerService.TaskDefinition> definitions, Instant now) {
        EnvironmentSpec spec = launch.spec();
        Retry retry = retries.get(spec.name());
        if (retry != null && retry.planRevision().equals(planRevision) && now.isBefore(retry.notBefore())) {
            holds.put(spec.name(), retry.hold());
            return null;
        }
        try {
            ContainerService.TaskDefinition base = definitions.computeIfAbsent(spec.taskDefinition(),
                    ecs::describeTaskDefinition);
            ContainerService.Container container = base.container(spec.container());
            if (container == null) {
                throw new CloudError.Stalled("ecs:DescribeTaskDefinition", "ContainerNotFound",
                        "task definition " + base.arn() + " has no container " + spec.container() + " (it has: "
                                + base.containers().stream().map(ContainerService.Container::name)
                                .collect(Collectors.joining(", ")) + ")",
                        "fix container in the plan", null);
            }
            ImageResolver.Resolved image = images.resolve(spec, launch.version(), base);
            Map<String, String> environment = beanstalk.environmentVariables(spec.application(), spec.name());
            boolean fit = Overrides.fit(spec.container(), spec.command(), environment);
            String taskDefinition = fit && image.image().equals(container.image()) ? base.arn()
                    : ecs.migrateRevision(base, spec.container(), image.image(), fit ? null : environment,
                    fit ? null : spec.command());
            if (image.warning() != null) {
                warnings.put(spec.name(), image.warning());
            } else {
                warnings.remove(spec.name());
            }
            if (!fit) {
                LOG.infof("%s: command and environment exceed ECS's %d-byte override limit; they are registered "
                        + "in task definition %s instead", spec.name(), Overrides.LIMIT_BYTES, taskDefinition);
            }
            MigrationRecord record = intent(spec, launch.version(), Phase.Launching, taskDefinition, image.image(),
                    image.source(), fit ? Overrides.IN_CONTAINER_OVERRIDES : Overrides.IN_TASK_DEFINITION, now);
            retries.remove(spec.name());
            return new Prepared(spec, record, taskLaunch(spec, record, fit ? environment : null));
        } catch (CloudError e) {
            holdAndRetry(spec.name(), e, planRevision, holds, now);
            return null;
        }
    }

    private MigrationRecord intent(EnvironmentSpec spec, String version, Phase phase, String taskDefinition,
                                   String image, String imageSource, String overrides, Instant now) {
        String launchId = UUID.randomUUID().toString().replace("-", "");
        return new MigrationRecord(version, spec.rerun(), phase, launchId, spec.cluster(), spec.container(), null,
                image, imageSource, taskDefinition, overrides, spec.command(), now, null, null, null, null, null,
                null);
    }

    private static ContainerService.TaskLaunch taskLaunch(EnvironmentSpec spec, MigrationRecord record,
                                                          Map<String, String> environment) {
        boolean inOverrides = Overrides.IN_CONTAINER_OVERRIDES.equals(record.overrides());
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(TAG_ENVIRONMENT, tagValue(spec.name()));
        tags.put(TAG_VERSION, tagValue(record.version()));
        tags.put(TAG_LAUNCH_ID, record.launchId());
        return new ContainerService.TaskLaunch(record.cluster(), record.taskDefinitionArn(), record.container(),
                inOverrides ? record.command() : null, inOverrides ? environment : null, spec.launchType(),
                spec.capacityProviderStrategy(), spec.network(), startedBy(record), record.launchId(), tags);
    }

    static String startedBy(MigrationRecord record) {
        return "bm-" + record.launchId();
    }

    /** ECS tag values allow letters, digits, spaces and + - = . _ : / @, up to 256 characters. */
    static String tagValue(String value) {
        String cleaned = value.replaceAll("[^\\p{L}\\p{N} +\\-=._:/@]", "_");
        return cleaned.length() > 256 ? cleaned.substring(0, 256) : cleaned;
    }

    private void launch(List<Prepared> prepared, Draft draft, Map<String, Hold> holds, Instant now) {
        if (prepared.isEmpty()) {
            return;
        }
        for (Prepared p : prepared) {
            draft.put(p.spec(), p.record());
        }
        // The intent is durable before any task can start.
        ledger.write(draft.snapshotForWrite());
        for (Prepared p : prepared) {
            if (!leadership.getAsBoolean()) {
                // The intents stay in the ledger: whoever leads next adopts them.
                LOG.warnf("lost the lease while launching; %s and the rest are left to the next leader",
                        p.spec().name());
                break;
            }
            try {
                ContainerService.LaunchResult result = pacer.run(() -> ecs.runTask(p.launch()),
                        leadership);
                lastProgress = clock.instant();
                if (result.taskArn() != null) {
                    LOG.infof("%s: migrating %s with task %s (launch %s)", p.spec().name(), p.record().version(),
                            result.taskArn(), p.record().launchId());
                    draft.put(p.spec(), p.record().running(result.taskArn(), clock.instant()));
                } else {
                    LOG.warnf("%s: ECS did not place the migrate task of %s: %s", p.spec().name(),
                            p.record().version(), result.failure());
                    draft.put(p.spec(), p.record().finished(Phase.Failed, clock.instant(), null,
                            "RunTask placed no task: " + result.failure(), null));
                }
            } catch (CloudError.Stalled e) {
                // ECS refused the request itself, so no task exists: forget the intent, say why, try again later.
                draft.remove(p.spec().name(), p.record().launchId());
                holdAndRetry(p.spec().name(), e, desired.view().revision(), holds, now);
            } catch (CloudError e) {
                // Unknown whether the task started: the intent stays and the next cycle adopts it.
                if (e instanceof CloudError.Throttled) {
                    LOG.infof("ECS keeps throttling RunTask; %s and the launches after it are adopted next cycle",
                            p.spec().name());
                    break;
                }
                LOG.warnf("%s: RunTask unanswered (%s); the launch will be adopted", p.spec().name(), e.getMessage());
            }
        }
        ledger.write(draft.snapshotForWrite());
        pacer.report(prepared.size());
    }

    private void adopt(Action.Adopt adopt, MigrationPlan plan, Draft draft, Map<String, Hold> holds, Instant now) {
        MigrationRecord record = adopt.record();
        try {
            List<String> found = ecs.findTasks(record.cluster(), startedBy(record));
            if (!found.isEmpty()) {
                LOG.infof("%s: adopted task %s of launch %s", adopt.environment(), found.get(0), record.launchId());
                draft.update(adopt.environment(), record.running(found.get(0), record.createdAt()));
                return;
            }
            EnvironmentSpec spec = plan.environments().stream()
                    .filter(e -> e.name().equals(adopt.environment())).findFirst().orElse(null);
            if (spec == null || now.isAfter(record.createdAt().plus(CLIENT_TOKEN_WINDOW))) {
                LOG.warnf("%s: launch %s of %s cannot be found or repeated safely; marking it %s",
                        adopt.environment(), record.launchId(), record.version(), TaskOutcomes.LAUNCH_LOST);
                draft.update(adopt.environment(), record.finished(Phase.Failed, now, null, TaskOutcomes.LAUNCH_LOST,
                        null));
                return;
            }
            Map<String, String> environment = Overrides.IN_CONTAINER_OVERRIDES.equals(record.overrides())
                    ? beanstalk.environmentVariables(spec.application(), spec.name()) : null;
            ContainerService.LaunchResult result = pacer.run(() -> ecs.runTask(taskLaunch(spec, record, environment)),
                    leadership);
            if (result.taskArn() != null) {
                LOG.infof("%s: launch %s resumed with the same client token: task %s", adopt.environment(),
                        record.launchId(), result.taskArn());
                draft.update(adopt.environment(), record.running(result.taskArn(), now));
            } else {
                draft.update(adopt.environment(), record.finished(Phase.Failed, now, null,
                        "RunTask placed no task: " + result.failure(), null));
            }
        } catch (CloudError e) {
            holds.put(adopt.environment(), Planner.holdFor(e));
        }
    }

    // --- watching -------------------------------------------------------------------------------------------

    private void watch(Draft draft, MigrationPlan plan, Instant now) {
        Map<String, List<Action.Watch>> byCluster = draft.watched().stream()
                .collect(Collectors.groupingBy(w -> w.record().cluster(), LinkedHashMap::new, Collectors.toList()));
        byCluster.forEach((cluster, watches) -> {
            Map<String, ContainerService.TaskState> states;
            try {
                states = ecs.describeTasks(cluster, watches.stream().map(w -> w.record().taskArn()).toList())
                        .stream().collect(Collectors.toMap(ContainerService.TaskState::arn, s -> s, (a, b) -> a));
            } catch (CloudError e) {
                LOG.warnf("cannot describe migrate tasks on cluster %s: %s", cluster, e.getMessage());
                return;
            }
            for (Action.Watch w : watches) {
                MigrationRecord record = w.record();
                EnvironmentSpec spec = specOf(plan, w.environment());
                Duration timeout = spec == null ? DEFAULT_TIMEOUT : spec.timeout();
                TaskOutcomes.Outcome outcome = TaskOutcomes.judge(record, states.get(record.taskArn()), now, timeout);
                if (outcome instanceof TaskOutcomes.Outcome.PastTimeout past) {
                    timeOut(w, past.timeout(), draft, now);
                } else if (outcome instanceof TaskOutcomes.Outcome.Finished done) {
                    {
                        MigrationRecord finished = record.finished(done.phase(), done.finishedAt(), done.exitCode(),
                                done.reason(), null);
                        if (done.phase() != Phase.Succeeded) {
                            finished = withLogTail(w.environment(), draft.application(w.environment()), finished);
                        }
                        LOG.infof("%s: migration of %s %s%s", w.environment(), record.version(),
                                done.phase().name().toLowerCase(),
                                done.exitCode() == null ? "" : " with exit code " + done.exitCode());
                        draft.update(w.environment(), finished);
                    }
                }
            }
        });
    }

    private void timeOut(Action.Watch watch, Duration timeout, Draft draft, Instant now) {
        MigrationRecord record = watch.record();
        String reason = "timed out after " + timeout + "; the task was stopped";
        try {
            ecs.stopTask(record.cluster(), record.taskArn(), "beanstalk-migrator: migration timed out after "
                    + timeout);
        } catch (CloudError e) {
            LOG.warnf("%s: cannot stop timed-out task %s: %s", watch.environment(), record.taskArn(), e.getMessage());
            return;
        }
        LOG.warnf("%s: migration of %s %s", watch.environment(), record.version(), reason);
        draft.update(watch.environment(), withLogTail(watch.environment(), draft.application(watch.environment()),
                record.finished(Phase.TimedOut, now, null, reason, null)));
    }

    private MigrationRecord withLogTail(String environment, String application, MigrationRecord record) {
        if (settings.logTailLines() <= 0 || record.taskArn() == null) {
            return record;
        }
        try {
            List<String> values = application == null ? List.of()
                    : List.copyOf(beanstalk.environmentVariables(application, environment).values());
            String reason = Secrets.redact(record.reason(), values);
            ContainerService.Container container = ecs.describeTaskDefinition(record.taskDefinitionArn())
                    .container(record.container());
            LogTarget target = container == null ? null : container.logs();
            String stream = target == null ? null : target.stream(record.container(), record.taskArn());
            List<String> tail = stream == null ? List.of()
                    : Secrets.redact(logs.tail(target, stream, settings.logTailLines()), values);
            return record.finished(record.phase(), record.finishedAt(), record.exitCode(), reason, tail);
        } catch (CloudError e) {
            LOG.warnf("%s: no log tail for task %s: %s", environment, record.taskArn(), e.getMessage());
            return record;
        }
    }

    private void deploy(Action.Deploy deploy, Draft draft, Map<String, Hold> holds, String planRevision,
                        Instant now) {
        Retry retry = retries.get(deploy.environment());
        if (retry != null && retry.planRevision().equals(planRevision) && now.isBefore(retry.notBefore())) {
            holds.put(deploy.environment(), retry.hold());
            return;
        }
        try {
            beanstalk.deploy(deploy.environment(), deploy.record().version());
            LOG.infof("%s: deploying %s after its migration succeeded", deploy.environment(),
                    deploy.record().version());
            draft.update(deploy.environment(), deploy.record().deployed(now));
            retries.remove(deploy.environment());
            nextObservation = now;
        } catch (CloudError e) {
            holdAndRetry(deploy.environment(), e, planRevision, holds, now);
        }
    }

    private void holdAndRetry(String environment, CloudError error, String planRevision, Map<String, Hold> holds,
                              Instant now) {
        Hold hold = Planner.holdFor(error);
        Retry previous = retries.get(environment);
        int attempts = previous == null ? 1 : previous.attempts() + 1;
        Duration base = error instanceof CloudError.Stalled ? Duration.ofSeconds(30)
                : error instanceof CloudError.Waiting ? settings.beanstalkInterval() : Duration.ofSeconds(1);
        long capMillis = Duration.ofMinutes(10).toMillis();
        long ceiling = Math.min(capMillis, base.toMillis() << Math.min(attempts - 1, 20));
        // Full jitter, but never sooner than half the ceiling: several stalled environments do not retry in step.
        long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        retries.put(environment, new Retry(now.plusMillis(delay), attempts, hold, planRevision));
        holds.put(environment, hold);
        if (error instanceof CloudError.Stalled) {
            LOG.errorf("%s: stalled: %s", environment, hold.message());
        } else {
            LOG.infof("%s: %s", environment, hold.message());
        }
    }

    private static EnvironmentSpec specOf(MigrationPlan plan, String environment) {
        return plan.environments().stream().filter(e -> e.name().equals(environment)).findFirst().orElse(null);
    }

    /** The ledger being rewritten by this cycle. */
    private final class Draft {
        private final Map<String, EnvironmentStatus> environments = new LinkedHashMap<>();
        private final List<Action.Watch> watched = new ArrayList<>();

        Draft(MigrationStatus status) {
            status.environments().forEach(e -> environments.put(e.name(), e));
        }

        List<Action.Watch> watched() {
            return watched;
        }

        void watch(Action.Watch watch) {
            watched.add(watch);
        }

        String application(String environment) {
            EnvironmentStatus status = environments.get(environment);
            return status == null ? null : status.application();
        }

        /** Adds a record, or replaces the one of the same version and rerun token. */
        void put(EnvironmentSpec spec, MigrationRecord record) {
            EnvironmentStatus status = environments.get(spec.name());
            List<MigrationRecord> history = new ArrayList<>();
            history.add(record);
            if (status != null) {
                status.history().stream().filter(r -> !r.matches(record.version(), record.rerun())).forEach(history::add);
            }
            environments.put(spec.name(), status == null
                    ? new EnvironmentStatus(spec.name(), spec.application(), spec.version().toString(), null, null,
                    List.of(), history)
                    : status.withHistory(history));
        }

        /** Replaces the record with the same launch id. */
        void update(String environment, MigrationRecord record) {
            EnvironmentStatus status = environments.get(environment);
            environments.put(environment, status.withHistory(status.history().stream()
                    .map(r -> r.launchId().equals(record.launchId()) ? record : r).toList()));
        }

        void remove(String environment, String launchId) {
            EnvironmentStatus status = environments.get(environment);
            environments.put(environment, status.withHistory(status.history().stream()
                    .filter(r -> !r.launchId().equals(launchId)).toList()));
        }

        /** Fills in what the cycle observed and concluded for an environment of the decision. */
        void finish(Decision decision, Hold hold, String planError, String warning, Instant now) {
            EnvironmentStatus status = environments.get(decision.environment());
            EnvironmentSpec spec = decision.spec();
            if (spec == null && status == null) {
                return;
            }
            List<MigrationRecord> history = status == null ? List.of() : status.history();
            String application = spec != null ? spec.application() : status.application();
            String desiredVersion = spec != null ? spec.version().toString() : status.desiredVersion();
            String deployed = decision.deployedVersion() != null ? decision.deployedVersion()
                    : status == null ? null : status.deployedVersion();
            environments.put(decision.environment(), new EnvironmentStatus(decision.environment(), application,
                    desiredVersion, decision.resolvedVersion(), deployed,
                    Conditions.derive(status == null ? List.of() : status.conditions(), spec,
                            decision.resolvedVersion(), history,
                            status == null ? List.of() : status.archived(), hold, planError, warning, now),
                    history, status == null ? List.of() : status.archived()));
        }

        MigrationStatus snapshotForWrite() {
            return toStatus(desired.view(), settings.identity(), settings.historyLimit());
        }

        MigrationStatus toStatus(DesiredState.View view, String leader, int historyLimit) {
            List<EnvironmentStatus> capped = environments.values().stream().map(e -> e.capped(historyLimit))
                    .toList();
            return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND,
                    view.plan() == null ? null : view.plan().name(), view.revision(), view.error(), leader, null,
                    capped);
        }

    }
}
