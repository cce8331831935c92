package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.reconcile.observe.Observation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Decides, without side effects, what each environment needs and what follows each {@link Outcome}: compares
 * the plan (desired) with the ledger and Elastic Beanstalk (observed). Level-based: the same inputs give the
 * same decisions, so a decision lost in a crash is simply taken again.
 *
 * <p>Rules: a migration is keyed by (environment, version, rerun token) and launched only if the ledger has
 * no record of that key; one migration at a time per environment; in-flight migrations are adopted or
 * watched whatever the plan now says, so no launched task loses its outcome. A migration past its timeout is
 * stopped, and stays in flight until ECS reports its task STOPPED: its container runs on after StopTask. Before a
 * new launch: its preview and approval ({@link Previews}), then promotion order ({@link Promotion}), then the
 * database's turn ({@link Databases}).
 */
public final class Planner {

    /** ECS honours a RunTask client token for 24 h; stop relying on it a little before. */
    static final Duration CLIENT_TOKEN_WINDOW = Duration.ofHours(23);
    static final String RUN_TASK = "ecs:RunTask";
    /** Launches per cycle: about five seconds of RunTask at Fargate's 20 per second. */
    public static final int MAX_LAUNCHES_PER_CYCLE = 100;
    /** The timeout of a migration whose record names none and whose environment left the plan. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    private Planner() {}

    /**
     * What a pass decides from.
     *
     * @param retries the environments whose launch or deploy failed, and when they may try again
     * @param tasksDue whether running tasks are to be described in this pass
     * @param logTails whether a failed migration's log tail is read
     * @param launchIds a fresh launch id per call
     * @param claimedElsewhere the environments of this plan that another plan under the same prefix recorded first,
     *     by name: the plan that holds each (see README, "Many plans")
     */
    public record Inputs(MigrationPlan plan, String planRevision, MigrationStatus ledger, Observation observation,
                  Map<String, Requeues.Retry> retries, Instant now, boolean tasksDue, boolean dryRun,
                  boolean logTails, Supplier<String> launchIds, Map<String, String> claimedElsewhere) {

        public Inputs {
            claimedElsewhere = claimedElsewhere == null ? Map.of() : Map.copyOf(claimedElsewhere);
        }

        /** Inputs of a plan that shares its environments with no other plan. */
        public Inputs(MigrationPlan plan, String planRevision, MigrationStatus ledger, Observation observation,
                      Map<String, Requeues.Retry> retries, Instant now, boolean tasksDue, boolean dryRun,
                      boolean logTails, Supplier<String> launchIds) {
            this(plan, planRevision, ledger, observation, retries, now, tasksDue, dryRun, logTails, launchIds,
                    Map.of());
        }

        public EnvironmentSpec spec(String environment) {
            return plan == null ? null : plan.environments().stream().filter(e -> e.name().equals(environment))
                    .findFirst().orElse(null);
        }
    }

    /** A pass: the decision per environment, and the actions to take first, in order. */
    public record Pass(List<Decision> decisions, List<Action> actions) {}

    /**
     * What follows an outcome: records the ledger gets (an intent, an outcome, a launch waiting for its database),
     * further actions, launches the planner refuses with the error a user must fix, and the holds of environments
     * that wait (by environment).
     */
    public record FollowUp(List<Recorded> records, List<Action> actions, List<Outcome.Failed> refusals,
                           Map<String, Hold> holds) {
        static final FollowUp NONE = new FollowUp(List.of(), List.of(), List.of());

        public FollowUp(List<Recorded> records, List<Action> actions, List<Outcome.Failed> refusals) {
            this(records, actions, refusals, Map.of());
        }
    }

    /** A record the ledger gets for {@code environment} (added, or replacing the one with its launch id). */
    public record Recorded(String environment, MigrationRecord record) {}

    public static Pass plan(Inputs in) {
        List<Decision> decisions = new ArrayList<>();
        Set<String> planned = new LinkedHashSet<>();
        int launches = 0;
        if (in.plan() != null) {
            for (EnvironmentSpec spec : in.plan().environments()) {
                planned.add(spec.name());
                Decision decision = gate(decide(spec, in.ledger().environment(spec.name()), in), in);
                boolean launching = decision.actions().stream()
                        .anyMatch(a -> a instanceof Action.Prepare || a instanceof Action.Launch);
                if (launching && launches >= MAX_LAUNCHES_PER_CYCLE) {
                    // The rest wait for the next cycle, which comes at once: a long burst must not keep the loop
                    // from watching tasks and reading the plan.
                    decision = decision.without(Action.Prepare.class, null, Duration.ZERO)
                            .without(Action.Launch.class, null, Duration.ZERO);
                } else if (launching) {
                    launches++;
                }
                decisions.add(decision);
            }
        }
        for (EnvironmentStatus orphan : in.ledger().environments()) {
            if (!planned.contains(orphan.name())) {
                List<Action> actions = new ArrayList<>();
                List<Action.Watch> watches = new ArrayList<>();
                followInFlight(orphan, actions, watches);
                if (!actions.isEmpty() || !watches.isEmpty()) {
                    decisions.add(new Decision(orphan.name(), null, null, orphan.deployedVersion(), actions, watches,
                            List.of(), null, null));
                }
            }
        }
        List<Action> actions = new ArrayList<>();
        decisions.forEach(d -> actions.addAll(d.actions()));
        if (in.tasksDue()) {
            // One call per cluster, and a cluster is one place's: clusters of one name in two accounts are two.
            Map<List<String>, List<Action.Watch>> byCluster = decisions.stream().flatMap(d -> d.watches().stream())
                    .collect(Collectors.groupingBy(w -> List.of(w.record().at().key(), w.record().cluster()),
                            LinkedHashMap::new, Collectors.toList()));
            byCluster.forEach((cluster, watches) -> actions.add(new Action.DescribeTasks(cluster.get(1), watches)));
        }
        return new Pass(decisions, actions);
    }

    /** A launch or deploy that failed waits for its retry time, unless the plan changed since. */
    private static Decision gate(Decision decision, Inputs in) {
        Requeues.Retry retry = in.retries().get(decision.environment());
        if (retry == null || !retry.holds(in.planRevision(), in.now())) {
            return decision;
        }
        Duration wait = Duration.between(in.now(), retry.notBefore());
        return decision.without(Action.Prepare.class, retry.hold(), wait)
                .without(Action.Launch.class, retry.hold(), wait)
                .without(Action.Deploy.class, retry.hold(), wait);
    }

    static Decision decide(EnvironmentSpec spec, EnvironmentStatus status, Inputs in) {
        List<Action> actions = new ArrayList<>();
        List<Action.Watch> watches = new ArrayList<>();
        if (status != null) {
            followInFlight(status, actions, watches);
        }
        String claimant = in.claimedElsewhere().get(spec.name());
        if (claimant != null) {
            // What this plan launched before the other claimed it is still followed to its end; nothing new starts.
            return new Decision(spec.name(), spec, null, null, actions, watches, List.of(),
                    Hold.stalled(Reasons.CLAIMED_BY_OTHER_PLAN, "the plan " + claimant + " recorded environment "
                            + spec.name() + " first and keeps it (across plans an environment is known by its name,"
                            + " whatever its account or Region); remove it from this plan (or from " + claimant
                            + ", which then lets it go)"), null);
        }
        Observation.Application app = in.observation().application(Observation.key(spec));
        if (app == null) {
            return new Decision(spec.name(), spec, null, null, actions, watches, List.of(),
                    Hold.waiting(Reasons.NOT_OBSERVED, "application " + spec.application() + " not read yet"), null);
        }
        if (app.error() != null) {
            return new Decision(spec.name(), spec, null, null, actions, watches, List.of(), Holds.of(app.error()),
                    null);
        }
        Beanstalk.Environment environment = app.environment(spec.name());
        if (environment == null) {
            return new Decision(spec.name(), spec, null, null, actions, watches, List.of(),
                    Hold.stalled(Reasons.ENVIRONMENT_NOT_FOUND, "Elastic Beanstalk has no environment " + spec.name()
                            + " in application " + spec.application() + "; fix the name or the application in the plan"),
                    null);
        }
        String deployed = environment.versionLabel();
        String version = switch (spec.version().mode()) {
            case LABEL -> spec.version().label();
            case DEPLOYED -> deployed;
            case LATEST -> app.versions() == null || app.versions().isEmpty() ? null : app.versions().get(0).label();
        };
        if (version == null) {
            return new Decision(spec.name(), spec, null, deployed, actions, watches, List.of(),
                    Hold.waiting(Reasons.NO_VERSION, "no application version to resolve '" + spec.version()
                            + "' to yet"), null);
        }
        Hold hold = null;
        Databases.Holder holder;
        Hold promotion;
        Previews.Step preview;
        List<MigrationRecord> records = new ArrayList<>();
        MigrationRecord existing = status == null ? null : status.find(version, spec.rerun());
        boolean inFlight = !actions.isEmpty() || !watches.isEmpty();
        if (existing == null && status != null && status.archivedKey(version, spec.rerun()) != null) {
            // Migrated long ago; only its key is left. Never again.
            return new Decision(spec.name(), spec, version, deployed, actions, watches, List.of(), null, null);
        }
        if (spec.suspend()) {
            hold = new Hold(Hold.Kind.SUSPENDED, Reasons.SUSPENDED, "suspend: true in the plan; nothing new is launched");
        } else if (existing == null || existing.phase() == Phase.Pending) {
            // A Pending record keeps its launch id: a dry-run's, or one ECS placed nowhere or refused. One with a
            // request is sent again as it was (same client token, same everything), unless the plan changed what
            // the request is made of: then it is prepared again under the same launch id, and a task the first
            // request may have started makes ECS answer ConflictException naming it, which is adopted.
            if (inFlight) {
                hold = inFlight(status, version);
            } else if (in.dryRun()) {
                if (existing == null) {
                    records.add(Launches.record(spec, version, in.launchIds().get(), Phase.Pending, null, null, null,
                            in.now()));
                }
                hold = Hold.waiting(Reasons.DRY_RUN, "dry-run: would migrate " + version);
            } else if ((preview = Previews.step(spec, version, status, existing, environment.id(), in)) != null) {
                hold = preview.hold();
                if (preview.action() != null) {
                    actions.add(preview.action());
                }
                if (preview.record() != null) {
                    records.add(preview.record());
                }
            } else if ((promotion = Promotion.hold(spec, version, in)) != null) {
                hold = promotion;
            } else if ((holder = databaseHolder(spec, existing, in)) != null) {
                hold = waitingForDatabase(existing.database(), holder, version);
            } else if (existing != null && Launches.sendsAgain(existing, spec)) {
                MigrationRecord intent = existing.relaunching();
                actions.add(new Action.Launch(spec, intent, Launches.taskLaunch(spec.name(), spec, intent, null),
                        Launches.variablesInOverrides(intent) ? spec.application() : null));
            } else {
                actions.add(new Action.Prepare(spec, version, existing != null && existing.launchId() != null
                        ? existing.launchId() : in.launchIds().get(), environment.id()));
            }
        } else if (existing.phase() == Phase.Succeeded && spec.afterSuccess() == AfterSuccess.DEPLOY
                && existing.deployedAt() == null && !version.equals(deployed)) {
            if (in.dryRun()) {
                hold = Hold.waiting(Reasons.DRY_RUN, "dry-run: would deploy " + version);
            } else if (!environment.ready()) {
                hold = Hold.waiting(Reasons.ENVIRONMENT_BUSY, "environment is " + environment.status()
                        + "; deploying " + version + " once it is Ready");
            } else {
                actions.add(new Action.Deploy(spec.name(), existing));
            }
        }
        return new Decision(spec.name(), spec, version, deployed, actions, watches, records, hold, null);
    }

    /** Why nothing new starts while a task of the environment is in flight: a migration (stopping or not), a preview. */
    private static Hold inFlight(EnvironmentStatus status, String version) {
        MigrationRecord stopping = status.history().stream()
                .filter(r -> r.phase().inFlight() && r.stopRequestedAt() != null).findFirst().orElse(null);
        if (stopping != null) {
            return Hold.waiting(Reasons.MIGRATION_IN_FLIGHT, Conditions.stopping(stopping) + " before migrating "
                    + version);
        }
        MigrationRecord preview = status.previews().stream().filter(r -> r.phase().inFlight()).findFirst()
                .orElse(null);
        if (preview != null && status.history().stream().noneMatch(r -> r.phase().inFlight())) {
            return Hold.waiting(Reasons.PREVIEWING, "previewing " + preview.version()
                    + (preview.taskArn() == null ? "" : " (task " + preview.taskArn() + ")") + " before migrating it");
        }
        return Hold.waiting(Reasons.MIGRATION_IN_FLIGHT, "waiting for the migration in flight before migrating "
                + version);
    }

    /**
     * Who has the database of a Pending launch of {@code spec} (one waiting for it, or one to send again), if another
     * environment's migration has it; null for a new launch, whose database is known once it is prepared.
     */
    private static Databases.Holder databaseHolder(EnvironmentSpec spec, MigrationRecord existing, Inputs in) {
        if (existing == null || existing.phase() != Phase.Pending || existing.database() == null) {
            return null;
        }
        return Databases.holder(existing.database(), spec.name(), Databases.sent(existing) ? existing : null,
                in.ledger().environments(), in::spec);
    }

    private static Hold waitingForDatabase(String database, Databases.Holder holder, String version) {
        return Hold.waiting(Reasons.WAITING_FOR_DATABASE, "waiting for database " + database + ": "
                + holder.describe() + " has it; migrating " + version + " once it has finished");
    }

    private static void followInFlight(EnvironmentStatus status, List<Action> actions, List<Action.Watch> watches) {
        follow(status.name(), status.history(), actions, watches);
        follow(status.name(), status.previews(), actions, watches);
    }

    private static void follow(String environment, List<MigrationRecord> records, List<Action> actions,
                               List<Action.Watch> watches) {
        for (MigrationRecord record : records) {
            if (record.phase() == Phase.Launching) {
                actions.add(new Action.FindTask(environment, record));
            } else if (record.phase() == Phase.Running) {
                watches.add(new Action.Watch(environment, record));
            }
        }
    }

    /** What follows {@code outcome}, with the ledger as the pass found it. */
    public static FollowUp next(Outcome outcome, Inputs in) {
        return next(outcome, in, in.ledger().environments());
    }

    /**
     * What follows {@code outcome}; {@code environments} is the ledger as it stands in the pass (with the records it
     * has written so far), so that of two environments prepared together on one database only the first launches.
     */
    public static FollowUp next(Outcome outcome, Inputs in, Collection<EnvironmentStatus> environments) {
        if (outcome instanceof Outcome.Prepared prepared) {
            return afterPrepared(prepared, in, environments);
        }
        if (outcome instanceof Outcome.Registered registered) {
            return launch(registered.action().spec(),
                    registered.action().intent().withTaskDefinition(registered.taskDefinitionArn()),
                    registered.action().overridden());
        }
        if (outcome instanceof Outcome.NotPlaced notPlaced) {
            return waitForCapacity(notPlaced.action(), notPlaced.intent(), notPlaced.failure());
        }
        if (outcome instanceof Outcome.Failed failed && placedNothing(failed.action(), failed.error())) {
            return waitForCapacity(failed.action(), intentOf(failed.action()),
                    failed.error().code() + ": " + failed.error().text());
        }
        if (outcome instanceof Outcome.Found found && found.taskArn() == null) {
            return afterNotFound(found.action(), in);
        }
        if (outcome instanceof Outcome.Described described) {
            return afterDescribed(described, in);
        }
        if (outcome instanceof Outcome.Stopped stopped) {
            // StopTask only asks: the container runs on until it exits or is killed after its stop timeout. The
            // migration stays Running (so nothing else of the environment starts) until ECS reports it STOPPED;
            // the request is written down so that a restart does not ask again at once.
            return new FollowUp(List.of(new Recorded(stopped.action().environment(),
                    stopped.action().record().stopRequested(stopped.at()))), List.of(), List.of());
        }
        // Everything else is a fact the ledger draft folds in; nothing follows from it.
        return FollowUp.NONE;
    }

    /**
     * The base task definition if it already runs the image and the environment has no secrets, else the migrate
     * revision with the image and the secrets (as references) registered in it. The environment's plain variables
     * ride in RunTask's container overrides with the command, so that environments with variables of their own share
     * one revision (ECS lets an account register a task definition about once a second); only when they do not fit
     * into the overrides' 8 KiB are they registered too, and so is a command that alone does not fit. The intent
     * records where the variables ride ({@code overrides}), the secrets' names and the placement before RunTask; a
     * replay reads the variables again (see {@link Action.Relaunch}).
     */
    private static FollowUp afterPrepared(Outcome.Prepared prepared, Inputs in,
                                          Collection<EnvironmentStatus> environments) {
        Action.Prepare action = prepared.action();
        // The plan's spec with what it left out found from the environment: the records name what runs.
        EnvironmentSpec spec = prepared.spec();
        ContainerService.TaskDefinition base = prepared.base();
        ContainerService.Container container = base.container(spec.container());
        if (container == null) {
            return new FollowUp(List.of(), List.of(), List.of(new Outcome.Failed(action,
                    new CloudError.Stalled("ecs:DescribeTaskDefinition", Reasons.CONTAINER_NOT_FOUND,
                            "task definition " + base.arn() + " has no container " + spec.container() + " (it has: "
                                    + base.containers().stream().map(ContainerService.Container::name)
                                    .collect(Collectors.joining(", ")) + ")",
                            "fix container in the plan", null))));
        }
        Beanstalk.Configuration configuration = prepared.configuration();
        Map<String, String> variables = configuration.variables();
        String database = Databases.of(spec, variables);
        // A preview changes nothing: it takes no turn on the database, and runs whether or not the version ran there.
        FollowUp turn = action.preview() ? null : databaseTurn(prepared, database, in, environments);
        if (turn != null) {
            return turn;
        }
        boolean commandFits = Launches.commandInOverrides(spec.container(), spec.command());
        boolean variablesFit = commandFits && Overrides.fit(spec.container(), spec.command(), variables);
        String overrides = variablesFit ? Overrides.IN_CONTAINER_OVERRIDES : Overrides.IN_TASK_DEFINITION;
        MigrationRecord intent = Launches.record(spec, action.version(), action.launchId(), Phase.Launching, null,
                prepared.image(), overrides, in.now())
                .withSecrets(configuration.secrets().keySet().stream().sorted().toList())
                .withPlacement(Launches.placement(spec))
                .withDiscovered(prepared.discovered())
                .withDatabase(database);
        intent = action.preview() ? intent.asPreview() : intent.withDigest(previewed(spec, action.version(), in));
        Map<String, String> overridden = variablesFit ? variables : Map.of();
        if (variablesFit && configuration.secrets().isEmpty() && prepared.image().image().equals(container.image())) {
            return launch(spec, intent.withTaskDefinition(base.arn()), overridden);
        }
        return new FollowUp(List.of(), List.of(new Action.RegisterRevision(spec, intent, base,
                variablesFit || variables.isEmpty() ? null : variables,
                configuration.secrets().isEmpty() ? null : configuration.secrets(),
                commandFits ? null : spec.command(), overridden)), List.of());
    }

    /** The digest of the preview the migration of {@code version} follows, or null when it follows none. */
    private static String previewed(EnvironmentSpec spec, String version, Inputs in) {
        EnvironmentStatus status = spec.preview() == null ? null : in.ledger().environment(spec.name());
        MigrationRecord preview = status == null ? null : status.preview(version, spec.rerun());
        return preview == null ? null : preview.digest();
    }

    /**
     * Null when the migration may launch: its database is nobody's now, and no other environment migrated it to this
     * version with this rerun token. Otherwise what is recorded instead: the launch waits, Pending under its launch id
     * with the database it waits for (so the next passes see the wait without preparing it again); or it ended as it
     * did in the environment that ran it (Succeeded, Failed or TimedOut through it), without a task of its own.
     */
    private static FollowUp databaseTurn(Outcome.Prepared prepared, String database, Inputs in,
                                         Collection<EnvironmentStatus> environments) {
        if (database == null) {
            return null;
        }
        Action.Prepare action = prepared.action();
        EnvironmentSpec spec = prepared.spec();
        MigrationRecord mine = sentPending(environments, spec.name(), action.launchId());
        Databases.Holder holder = Databases.holder(database, spec.name(), mine, environments, in::spec);
        if (holder != null) {
            Hold hold = waitingForDatabase(database, holder, action.version());
            MigrationRecord waiting = Launches.record(spec, action.version(), action.launchId(), Phase.Pending, null,
                    prepared.image(), null, in.now()).withDatabase(database).pending(hold.message());
            return new FollowUp(List.of(new Recorded(spec.name(), waiting)), List.of(), List.of(),
                    Map.of(spec.name(), hold));
        }
        Databases.Ran ran = Databases.ranThrough(database, action.version(), spec.rerun(), spec.name(), environments);
        if (ran == null) {
            return null;
        }
        String key = action.version() + (spec.rerun().isEmpty() ? "" : " (rerun " + spec.rerun() + ")");
        String reason = ran.phase().name().toLowerCase(Locale.ROOT) + " through " + ran.environment() + ": the"
                + " migration of " + database + " to " + key + " ran there"
                + (ran.taskArn() == null ? "" : " (task " + ran.taskArn() + ")") + "; not run again here"
                + (ran.phase() == Phase.Succeeded ? "" : " until the rerun token changes");
        MigrationRecord through = Launches.record(spec, action.version(), action.launchId(), ran.phase(), null,
                prepared.image(), null, in.now()).withDatabase(database).withThrough(ran.environment())
                .finished(ran.phase(), in.now(), null, reason, null);
        return new FollowUp(List.of(new Recorded(spec.name(), through)), List.of(), List.of());
    }

    /** {@code environment}'s Pending launch {@code launchId} with its request, or null; without a stream per entry. */
    private static MigrationRecord sentPending(Collection<EnvironmentStatus> environments, String environment,
                                               String launchId) {
        for (EnvironmentStatus status : environments) {
            if (status.name().equals(environment)) {
                List<MigrationRecord> history = status.history();
                for (int i = 0; i < history.size(); i++) {
                    MigrationRecord r = history.get(i);
                    if (r.launchId().equals(launchId) && r.phase() == Phase.Pending && Databases.sent(r)) {
                        return r;
                    }
                }
            }
        }
        return null;
    }

    /**
     * The intent goes into the ledger, then RunTask, whose request the intent makes with the variables that ride in
     * its overrides (read with the environment's configuration in this cycle, and never recorded).
     */
    private static FollowUp launch(EnvironmentSpec spec, MigrationRecord intent, Map<String, String> overridden) {
        return new FollowUp(List.of(new Recorded(spec.name(), intent)), List.of(new Action.Launch(spec, intent,
                Launches.taskLaunch(spec.name(), spec, intent, overridden))), List.of());
    }

    /**
     * RunTask placed no task (EC2 capacity): no task exists, so the intent goes back to Pending with its launch id,
     * and the same request is sent again when the environment's wait ends ({@link Requeues}). Not Failed: capacity
     * is expected to come (an Auto Scaling group grows, other tasks end).
     */
    private static FollowUp waitForCapacity(Action action, MigrationRecord intent, String failure) {
        return new FollowUp(List.of(new Recorded(action.environment(), intent.pending(
                "waiting for capacity: RunTask placed no task (" + failure + ")"))), List.of(), List.of());
    }

    /**
     * Whether a RunTask error says that ECS placed nothing and could once there is capacity: a {@link
     * CloudError.Policy#WAIT} answer of RunTask itself (InvalidParameterException "No Container Instances were
     * found in your cluster.") is a refusal, so no task exists. (A relaunch also reads the environment's
     * variables first; a wait there is not about capacity.)
     */
    public static boolean placedNothing(Action action, CloudError error) {
        return (action instanceof Action.Launch || action instanceof Action.Relaunch)
                && error.policy() == CloudError.Policy.WAIT && RUN_TASK.equals(error.operation());
    }

    /** The intent a RunTask action (a launch or a relaunch) carries. */
    public static MigrationRecord intentOf(Action action) {
        return action instanceof Action.Launch launch ? launch.intent() : ((Action.Relaunch) action).intent();
    }

    /**
     * An intent whose task ListTasks does not know: RunTask again while the client token holds, else lost. The
     * request comes from the intent (and the variables that ride in its overrides, read again from the environment
     * the ledger names), so an environment that left the plan meanwhile is replayed all the same: ListTasks lags
     * behind RunTask, and a miss says nothing while ECS still honours the token.
     */
    private static FollowUp afterNotFound(Action.FindTask find, Inputs in) {
        MigrationRecord intent = find.intent();
        if (in.now().isAfter(intent.createdAt().plus(CLIENT_TOKEN_WINDOW))) {
            return new FollowUp(List.of(new Recorded(find.environment(),
                    intent.finished(Phase.Failed, in.now(), null, Reasons.LAUNCH_LOST, null))), List.of(), List.of());
        }
        EnvironmentSpec spec = in.spec(find.environment());
        if (intent.placement() == null && spec == null) {
            // An intent of an older operator, which placed its task from the plan: without the plan's entry its
            // request cannot be rebuilt, so it is looked for again until the client token's window has passed.
            return FollowUp.NONE;
        }
        return new FollowUp(List.of(), List.of(new Action.Relaunch(find.environment(), spec, intent,
                Launches.variablesInOverrides(intent) ? application(find.environment(), spec, in) : null)), List.of());
    }

    /**
     * The Elastic Beanstalk application of {@code environment}, whose variables a replay reads again: the plan's,
     * else the ledger's (an environment that left the plan mid-launch is still finished).
     */
    private static String application(String environment, EnvironmentSpec spec, Inputs in) {
        if (spec != null) {
            return spec.application();
        }
        return in.ledger() == null ? null : in.ledger().environments().stream()
                .filter(e -> e.name().equals(environment)).map(EnvironmentStatus::application)
                .findFirst().orElse(null);
    }

    /** Each watched task: still running, past its timeout (stop it) or finished (record it, tail a failure). */
    private static FollowUp afterDescribed(Outcome.Described described, Inputs in) {
        List<Recorded> records = new ArrayList<>();
        List<Action> actions = new ArrayList<>();
        for (Action.Watch watch : described.action().watches()) {
            MigrationRecord record = watch.record();
            Duration timeout = timeout(record, in.spec(watch.environment()));
            ContainerService.TaskState state = described.tasks().get(record.taskArn());
            TaskOutcomes.Outcome judged = TaskOutcomes.judge(record, state, in.now(), timeout);
            if (judged instanceof TaskOutcomes.Outcome.PastTimeout past) {
                actions.add(new Action.StopTask(watch.environment(), record, past.timeout()));
            } else if (judged instanceof TaskOutcomes.Outcome.Finished done) {
                MigrationRecord finished = record.finished(done.phase(), done.finishedAt(), done.exitCode(),
                        done.reason(), null);
                records.add(new Recorded(watch.environment(), finished));
                if (done.phase() != Phase.Succeeded || finished.preview()) {
                    // A preview's output is read whatever came of it: it is what a person approves.
                    actions.addAll(tail(watch.environment(), finished, state, in));
                }
            }
        }
        return new FollowUp(records, actions, List.of());
    }

    /**
     * What a migration is followed with: the timeout its intent recorded (the plan's when it was launched),
     * else, for a record of an older operator, the plan's now, else {@link #DEFAULT_TIMEOUT}.
     */
    static Duration timeout(MigrationRecord record, EnvironmentSpec spec) {
        return record.timeout() != null ? record.timeout() : spec != null ? spec.timeout() : DEFAULT_TIMEOUT;
    }

    /** Tails a finished task's log; {@code state} is how ECS reported it (null or missing: no overrides known). */
    private static List<Action> tail(String environment, MigrationRecord finished, ContainerService.TaskState state,
                                     Inputs in) {
        if (!in.logTails() && !finished.preview() || finished.taskArn() == null) {
            return List.of();
        }
        EnvironmentSpec spec = in.spec(environment);
        EnvironmentStatus status = in.ledger().environment(environment);
        String application = spec != null ? spec.application() : status == null ? null : status.application();
        ContainerService.ContainerState container = state == null ? null : state.container(finished.container());
        return List.of(new Action.TailLog(environment, application, finished,
                container == null ? null : container.environment()));
    }

    /** Whether the launches left in a batch wait for the next cycle after this outcome. */
    public static boolean stopLaunching(Outcome outcome) {
        return outcome instanceof Outcome.NotLeader
                || outcome instanceof Outcome.Failed failed && failed.error() instanceof CloudError.Throttled;
    }
}
