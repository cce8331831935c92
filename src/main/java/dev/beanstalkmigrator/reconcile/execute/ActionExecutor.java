package dev.beanstalkmigrator.reconcile.execute;

import dev.beanstalkmigrator.model.CloudPlace;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.Clouds;
import dev.beanstalkmigrator.port.ContainerLogs;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.LogTarget;
import dev.beanstalkmigrator.reconcile.decide.Action;
import dev.beanstalkmigrator.reconcile.decide.Launches;
import dev.beanstalkmigrator.reconcile.decide.Outcome;
import dev.beanstalkmigrator.reconcile.decide.Previews;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.observe.EnvironmentDiscovery;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Carries out one {@link Action} through the ports and answers with its {@link Outcome}. It decides nothing:
 * what the outcome means, and what follows, is the {@link dev.beanstalkmigrator.reconcile.decide.Planner}'s. RunTask is asked of ECS only while this
 * replica leads, and paced by the {@link RunTaskPacer}.
 */
public final class ActionExecutor {

    private final Clouds clouds;
    private final ImageResolver images;
    /** What was found of each place's clusters and environments, by {@link CloudPlace#key()}. */
    private final Map<String, EnvironmentDiscovery> discoveries = new ConcurrentHashMap<>();
    private final BooleanSupplier leadership;
    private final RunTaskPacer pacer;
    private final Clock clock;
    private final int logTailLines;

    /** An executor for the operator's own account and Region only. */
    public ActionExecutor(Beanstalk beanstalk, ContainerService ecs, ContainerLogs logs, ImageResolver images,
                   BooleanSupplier leadership, RunTaskPacer pacer, Clock clock, int logTailLines) {
        this(Clouds.home(beanstalk, ecs, logs, new CloudPlace.Located(null, null)), images, leadership, pacer, clock,
                logTailLines);
    }

    /** An executor that acts on each action where its environment lives ({@link #placeOf}). */
    public ActionExecutor(Clouds clouds, ImageResolver images, BooleanSupplier leadership, RunTaskPacer pacer,
                          Clock clock, int logTailLines) {
        this.clouds = clouds;
        this.images = images;
        this.leadership = leadership;
        this.pacer = pacer;
        this.clock = clock;
        this.logTailLines = logTailLines;
    }

    /**
     * Where an action is carried out: a new launch where the plan places its environment now; whatever follows a
     * record (finding, describing, stopping its task, reading its log, deploying its version) where the record says
     * its task was launched, whatever the plan says since.
     */
    static CloudPlace placeOf(Action action) {
        if (action instanceof Action.Prepare prepare) {
            return prepare.spec().place();
        }
        if (action instanceof Action.RegisterRevision register) {
            return register.intent().at();
        }
        if (action instanceof Action.Launch launch) {
            return launch.intent().at();
        }
        if (action instanceof Action.Relaunch relaunch) {
            return relaunch.intent().at();
        }
        if (action instanceof Action.FindTask find) {
            return find.intent().at();
        }
        if (action instanceof Action.DescribeTasks describe) {
            return describe.place();
        }
        if (action instanceof Action.StopTask stop) {
            return stop.record().at();
        }
        if (action instanceof Action.TailLog tail) {
            return tail.record().at();
        }
        return ((Action.Deploy) action).record().at();
    }

    /**
     * @param definitions task definitions already described in this cycle, by reference (a burst of launches
     *     shares a few)
     */
    public Outcome run(Action action, Map<String, ContainerService.TaskDefinition> definitions) {
        try {
            CloudPlace place = placeOf(action);
            Clouds.Cloud cloud = clouds.at(place);
            ContainerService ecs = cloud.ecs();
            // Task definitions are the place's: a family of one account is not another's.
            Function<String, ContainerService.TaskDefinition> describe = reference -> definitions.computeIfAbsent(
                    place.key() + "\n" + reference, key -> ecs.describeTaskDefinition(reference));
            if (action instanceof Action.Prepare prepare) {
                EnvironmentDiscovery.Found found = discoveries.computeIfAbsent(place.key(),
                                key -> new EnvironmentDiscovery(ecs, clock))
                        .complete(prepare.spec(), prepare.version(), prepare.environmentId(), describe);
                EnvironmentSpec spec = found.spec();
                ContainerService.TaskDefinition base = describe.apply(spec.taskDefinition());
                if (base.container(spec.container()) == null) {
                    return new Outcome.Prepared(prepare, base, null, Beanstalk.Configuration.EMPTY, spec, found.how());
                }
                ImageResolver.Resolved image = images.resolve(spec, prepare.version(), base, cloud.beanstalk());
                return new Outcome.Prepared(prepare, base, image,
                        cloud.beanstalk().configuration(spec.application(), spec.name()), spec, found.how());
            }
            if (action instanceof Action.RegisterRevision register) {
                return new Outcome.Registered(register, ecs.migrateRevision(register.base(),
                        register.spec().container(), register.intent().image(), register.bakedVariables(),
                        register.bakedSecrets(), register.bakedCommand()));
            }
            if (action instanceof Action.Launch launch) {
                return runTask(action, launch.intent(), ecs, launch.variablesOf() == null ? launch.launch()
                        : Launches.taskLaunch(launch.environment(), launch.spec(), launch.intent(),
                        variables(cloud, launch.variablesOf(), launch.environment())));
            }
            if (action instanceof Action.Relaunch relaunch) {
                return runTask(action, relaunch.intent(), ecs, Launches.taskLaunch(relaunch.environment(),
                        relaunch.spec(), relaunch.intent(),
                        variables(cloud, relaunch.variablesOf(), relaunch.environment())));
            }
            if (action instanceof Action.FindTask find) {
                List<String> found = ecs.findTasks(find.intent().cluster(), Launches.startedBy(find.intent()));
                return new Outcome.Found(find, found.isEmpty() ? null : found.get(0));
            }
            if (action instanceof Action.DescribeTasks describeTasks) {
                return new Outcome.Described(describeTasks, ecs.describeTasks(describeTasks.cluster(),
                                describeTasks.watches().stream().map(w -> w.record().taskArn()).toList())
                        .stream().collect(Collectors.toMap(ContainerService.TaskState::arn, s -> s, (a, b) -> a)));
            }
            if (action instanceof Action.StopTask stop) {
                ecs.stopTask(stop.record().cluster(), stop.record().taskArn(),
                        "beanstalk-migrator: migration timed out after " + stop.timeout());
                return new Outcome.Stopped(stop, clock.instant());
            }
            if (action instanceof Action.TailLog tail) {
                return tail(tail, cloud, describe);
            }
            Action.Deploy deploy = (Action.Deploy) action;
            cloud.beanstalk().deploy(deploy.environment(), deploy.record().version());
            return new Outcome.Deployed(deploy, clock.instant());
        } catch (CloudError e) {
            return new Outcome.Failed(action, e);
        }
    }

    /**
     * The variables that ride in a replayed launch's overrides, read again (they are never recorded); null when
     * {@code application} is, as none ride there.
     */
    private static Map<String, String> variables(Clouds.Cloud cloud, String application, String environment) {
        return application == null ? null : cloud.beanstalk().environmentVariables(application, environment);
    }

    /** A fresh cache for {@link #run}'s task definitions. */
    public static Map<String, ContainerService.TaskDefinition> cycleCache() {
        return new ConcurrentHashMap<>();
    }

    private Outcome runTask(Action action, MigrationRecord intent, ContainerService ecs,
                            ContainerService.TaskLaunch launch) {
        if (!leadership.getAsBoolean()) {
            return new Outcome.NotLeader(action);
        }
        ContainerService.LaunchResult result;
        try {
            result = pacer.run(() -> ecs.runTask(launch, leadership), leadership);
        } catch (CloudError.Conflict e) {
            if (ContainerService.NOT_LEADER.equals(e.code())) {
                return new Outcome.NotLeader(action);
            }
            throw e;
        }
        return result.taskArn() != null
                ? new Outcome.Started(action, intent, result.taskArn(), clock.instant(), result.conflict())
                : new Outcome.NotPlaced(action, intent, result.failure(), clock.instant());
    }

    /**
     * The values the task ran with are masked in the reason and the lines: those of its container in the revision
     * it ran and those its RunTask overrides gave it, whatever Elastic Beanstalk holds now (a credential rotated
     * while the task ran is in its log in the old form); the environment's current values besides. A tail to
     * withhold is not read: one line says where the log is and which secrets kept it out.
     */
    private Outcome tail(Action.TailLog tail, Clouds.Cloud cloud,
                         Function<String, ContainerService.TaskDefinition> describe) {
        MigrationRecord record = tail.record();
        ContainerService.Container container = describe.apply(record.taskDefinitionArn()).container(record.container());
        List<Map<String, String>> variables = new ArrayList<>();
        if (container != null) {
            variables.add(container.environment());
        }
        variables.add(tail.overridden());
        // The current values too: the overrides of a task ECS no longer knows (lost, or forgotten before its stop was
        // seen) are unknown, and masking a value the task never had costs nothing.
        if (tail.application() != null) {
            variables.add(cloud.beanstalk().environmentVariables(tail.application(), tail.environment()));
        }
        List<String> values = variables.stream().flatMap(v -> v.values().stream()).distinct().toList();
        LogTarget target = container == null ? null : container.logs();
        String stream = target == null ? null : target.stream(record.container(), record.taskArn());
        String reason = Secrets.redact(record.reason(), values);
        if (record.preview()) {
            return preview(tail, cloud.logs(), reason, target, stream, values, variables);
        }
        if (tail.withhold()) {
            return new Outcome.Tailed(tail, reason, List.of(
                    Secrets.withheld(record.secrets(), target == null ? null : target.group(), stream)), List.of());
        }
        List<String> lines = stream == null ? List.of()
                : Secrets.redact(cloud.logs().tail(target, stream, logTailLines), values);
        return new Outcome.Tailed(tail, reason, lines, lines.isEmpty() ? List.of() : Secrets.tooShort(variables));
    }

    /**
     * A preview's output: its last {@link Previews#LINES} lines (each cut at {@link Previews#LINE} characters, and
     * a line first that says so when anything was cut), masked, and the digest of what is kept. Withheld when the task had secrets (their values cannot be masked): the
     * digest is then of the lines as printed, and one line says where they are. When the container sends no logs to
     * CloudWatch Logs there is nothing to read: one line says so, without a digest.
     */
    private Outcome preview(Action.TailLog tail, ContainerLogs logs, String reason, LogTarget target, String stream,
                            List<String> values, List<Map<String, String>> variables) {
        MigrationRecord record = tail.record();
        if (stream == null) {
            return new Outcome.Tailed(tail, reason, List.of("container " + record.container() + " of "
                    + record.taskDefinitionArn() + " sends no logs to CloudWatch Logs (no awslogs log configuration)"),
                    List.of(), null);
        }
        List<String> printed = Previews.kept(logs.tail(target, stream, Previews.LINES + 1), target.group(), stream);
        if (tail.withhold()) {
            return new Outcome.Tailed(tail, reason, List.of(Secrets.withheld(record.secrets(), target.group(), stream)),
                    List.of(), Previews.digest(printed));
        }
        List<String> lines = Secrets.redact(printed, values);
        return new Outcome.Tailed(tail, reason, lines, lines.isEmpty() ? List.of() : Secrets.tooShort(variables),
                Previews.digest(lines));
    }
}
