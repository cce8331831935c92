package dev.beanstalkmigrator.reconcile.observe;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds what a plan leaves out of an environment (its ECS cluster, task definition and container) from the
 * environment itself, the way a team does it by hand, and says how each was found. What the plan names is never
 * looked for.
 *
 * <ul>
 *   <li>cluster: Elastic Beanstalk creates one ECS cluster per ECS-based Docker environment and tags the resources it
 *       creates with {@code elasticbeanstalk:environment-id} and {@code elasticbeanstalk:environment-name}; the cluster
 *       tagged with the environment's id is taken, else the one tagged with its name. None or several: stalled.</li>
 *   <li>task definition: the one the environment's running tasks use (migrate tasks left aside); while a deployment
 *       replaces them, the newest revision of their family. No task, or tasks of several families: stalled.</li>
 *   <li>container: the task definition's only container, else its only essential one; else stalled.</li>
 * </ul>
 *
 * <p>It runs only when a launch is prepared, and keeps what it found (the three values, not a spec made with them,
 * whose other fields are the plan's and may change at any time) for {@link #KEEP}: the retries of a launch read ECS
 * once, and a burst of launches lists the account's clusters once. The picks are pure functions, tested on
 * their own.
 */
public final class EnvironmentDiscovery {

    static final String TAG_ENVIRONMENT_NAME = "elasticbeanstalk:environment-name";
    static final String TAG_ENVIRONMENT_ID = "elasticbeanstalk:environment-id";
    /** How long what was found (and the account's clusters) is trusted before it is read again. */
    static final Duration KEEP = Duration.ofMinutes(5);

    /** The spec with what was found filled in, and how each was found ({@code cluster}, ...; empty: nothing). */
    public record Found(EnvironmentSpec spec, Map<String, String> how) {
        public Found {
            how = Map.copyOf(how);
        }
    }

    /** A value found, and the words that say how. */
    record Pick(String value, String how) {}

    private record Kept<T>(T value, Instant at) {}

    /** What was found for one environment and version: the values alone, never a spec built with them. */
    private record Picks(String cluster, String taskDefinition, String container, Map<String, String> how) {
        Picks {
            how = Map.copyOf(how);
        }
    }

    private final ContainerService ecs;
    private final Clock clock;
    private final Map<String, Kept<Picks>> found = new ConcurrentHashMap<>();
    private Kept<List<ContainerService.Cluster>> clusters;

    public EnvironmentDiscovery(ContainerService ecs, Clock clock) {
        this.ecs = ecs;
        this.clock = clock;
    }

    /** Whether the plan leaves anything of {@code spec} to be found. */
    static boolean needed(EnvironmentSpec spec) {
        return spec.cluster() == null || spec.taskDefinition() == null || spec.container() == null;
    }

    /**
     * {@code spec} with its cluster, task definition and container, found where the plan leaves them out.
     *
     * @param version the version about to be migrated: a new one looks again at what the environment runs (a
     *     deployment may have moved it to a new task definition revision); its retries use what was found
     * @param environmentId the environment's id, as the cycle's observation of Elastic Beanstalk holds it (null
     *     if unknown: then only the name tag can find the cluster)
     * @param definitions describes a task definition by reference (the cycle's shared cache)
     * @throws CloudError a call failed, or {@link CloudError.Stalled} when something cannot be found unambiguously
     */
    public Found complete(EnvironmentSpec spec, String version, String environmentId,
                   Function<String, ContainerService.TaskDefinition> definitions) {
        if (!needed(spec)) {
            return new Found(spec, Map.of());
        }
        String key = spec.application() + "\n" + spec.name() + "\n" + version + "\n" + spec.cluster() + "\n"
                + spec.taskDefinition() + "\n" + spec.container();
        Instant now = clock.instant();
        Kept<Picks> kept = found.get(key);
        Picks picks;
        if (kept != null && now.isBefore(kept.at().plus(KEEP))) {
            picks = kept.value();
        } else {
            picks = discover(spec, environmentId, definitions, now);
            found.put(key, new Kept<>(picks, now));
        }
        // Only what was found is kept: everything else of the spec (rerun token, command, timeout, ...) is the
        // plan's as it is now, never as it was when the environment was first looked at.
        return new Found(spec.found(picks.cluster(), picks.taskDefinition(), picks.container()), picks.how());
    }

    private Picks discover(EnvironmentSpec spec, String environmentId,
                           Function<String, ContainerService.TaskDefinition> definitions, Instant now) {
        Map<String, String> how = new LinkedHashMap<>();
        String cluster = spec.cluster();
        if (cluster == null) {
            Pick pick = pickCluster(spec.name(), environmentId, clusters(now));
            cluster = pick.value();
            how.put("cluster", pick.how());
        }
        String taskDefinition = spec.taskDefinition();
        if (taskDefinition == null) {
            Pick pick = pickTaskDefinition(cluster, ecs.runningTasks(cluster));
            taskDefinition = pick.value();
            how.put("taskDefinition", pick.how());
        }
        String container = spec.container();
        if (container == null) {
            Pick pick = pickContainer(definitions.apply(taskDefinition));
            container = pick.value();
            how.put("container", pick.how());
        }
        return new Picks(cluster, taskDefinition, container, how);
    }

    /** The account's clusters: one listing serves every environment of a burst. */
    private synchronized List<ContainerService.Cluster> clusters(Instant now) {
        if (clusters == null || !now.isBefore(clusters.at().plus(KEEP))) {
            clusters = new Kept<>(ecs.clusters(), now);
        }
        return clusters.value();
    }

    /** The cluster tagged with the environment's id, else the one tagged with its name. */
    static Pick pickCluster(String environment, String environmentId, List<ContainerService.Cluster> clusters) {
        if (environmentId != null) {
            List<ContainerService.Cluster> byId = tagged(clusters, TAG_ENVIRONMENT_ID, environmentId);
            if (byId.size() == 1) {
                return new Pick(byId.get(0).name(), "cluster " + byId.get(0).name() + ": the only cluster tagged "
                        + TAG_ENVIRONMENT_ID + "=" + environmentId);
            }
            if (byId.size() > 1) {
                throw several(byId, TAG_ENVIRONMENT_ID + "=" + environmentId);
            }
        }
        List<ContainerService.Cluster> byName = tagged(clusters, TAG_ENVIRONMENT_NAME, environment);
        if (byName.size() == 1) {
            return new Pick(byName.get(0).name(), "cluster " + byName.get(0).name() + ": the only cluster tagged "
                    + TAG_ENVIRONMENT_NAME + "=" + environment);
        }
        if (byName.size() > 1) {
            throw several(byName, TAG_ENVIRONMENT_NAME + "=" + environment);
        }
        long created = clusters.stream().filter(c -> c.name().startsWith("awseb-")).count();
        throw new CloudError.Stalled("ecs:DescribeClusters", Reasons.CLUSTER_NOT_DISCOVERED,
                "none of the " + clusters.size() + " ECS clusters (" + created + " named awseb-*) is tagged "
                        + TAG_ENVIRONMENT_NAME + "=" + environment
                        + (environmentId == null ? "" : " or " + TAG_ENVIRONMENT_ID + "=" + environmentId),
                "set cluster: in the plan", null);
    }

    private static List<ContainerService.Cluster> tagged(List<ContainerService.Cluster> clusters, String tag,
                                                         String value) {
        return clusters.stream().filter(c -> value.equals(c.tags().get(tag))).toList();
    }

    private static CloudError several(List<ContainerService.Cluster> clusters, String tag) {
        return new CloudError.Stalled("ecs:DescribeClusters", Reasons.CLUSTER_NOT_DISCOVERED,
                clusters.size() + " ECS clusters are tagged " + tag + ": " + clusters.stream()
                        .map(ContainerService.Cluster::name).collect(Collectors.joining(", ")),
                "set cluster: in the plan", null);
    }

    /**
     * The task definition the environment's running tasks use. Migrate tasks (started by this operator, or of a
     * {@code -migrate} family) are left aside. While a deployment replaces the tasks, two revisions of one family
     * run side by side: the newest is the one the environment is moving to, and the words say so.
     */
    static Pick pickTaskDefinition(String cluster, List<ContainerService.RunningTask> running) {
        List<ContainerService.RunningTask> app = running.stream().filter(t -> !migrate(t)).toList();
        if (app.isEmpty()) {
            throw new CloudError.Stalled("ecs:ListTasks", Reasons.TASK_DEFINITION_NOT_DISCOVERED,
                    "cluster " + cluster + " runs no task of the environment" + (running.isEmpty() ? ""
                            : " (" + running.size() + " migrate tasks left aside)"),
                    "set taskDefinition: in the plan, or wait until the environment runs its tasks", null);
        }
        Map<String, Long> byDefinition = app.stream().collect(Collectors.groupingBy(
                ContainerService.RunningTask::taskDefinitionArn, LinkedHashMap::new, Collectors.counting()));
        if (byDefinition.size() == 1) {
            String arn = byDefinition.keySet().iterator().next();
            return new Pick(arn, "task definition " + shortName(arn) + ": what "
                    + (app.size() == 1 ? "the only running task" : "all " + app.size() + " running tasks")
                    + " of cluster " + cluster + " run");
        }
        List<String> families = byDefinition.keySet().stream().map(EnvironmentDiscovery::family).distinct().toList();
        String counted = byDefinition.entrySet().stream().map(e -> shortName(e.getKey()) + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
        if (families.size() > 1) {
            throw new CloudError.Stalled("ecs:DescribeTasks", Reasons.TASK_DEFINITION_NOT_DISCOVERED,
                    "the running tasks of cluster " + cluster + " use task definitions of several families: " + counted,
                    "set taskDefinition: in the plan", null);
        }
        String newest = byDefinition.keySet().stream().max(Comparator.comparingInt(EnvironmentDiscovery::revision))
                .orElseThrow();
        return new Pick(newest, "task definition " + shortName(newest) + ": the newest revision the running tasks of"
                + " cluster " + cluster + " use while a deployment replaces them (" + counted + ")");
    }

    /** The only container, else the only essential one. */
    static Pick pickContainer(ContainerService.TaskDefinition definition) {
        String of = definition.family() + ":" + definition.revision();
        if (definition.containers().size() == 1) {
            String name = definition.containers().get(0).name();
            return new Pick(name, "container " + name + ": the only container of " + of);
        }
        List<ContainerService.Container> essential = definition.containers().stream()
                .filter(ContainerService.Container::essential).toList();
        if (essential.size() == 1) {
            String name = essential.get(0).name();
            return new Pick(name, "container " + name + ": the only essential container of " + of);
        }
        throw new CloudError.Stalled("ecs:DescribeTaskDefinition", Reasons.CONTAINER_NOT_DISCOVERED,
                "task definition " + of + " has " + essential.size() + " essential containers ("
                        + definition.containers().stream().map(ContainerService.Container::name)
                        .collect(Collectors.joining(", ")) + ")",
                "set container: in the plan", null);
    }

    private static boolean migrate(ContainerService.RunningTask task) {
        return task.startedBy() != null && task.startedBy().startsWith(ContainerService.MIGRATE_STARTED_BY_PREFIX)
                || family(task.taskDefinitionArn()).endsWith(ContainerService.MIGRATE_FAMILY_SUFFIX);
    }

    /** {@code family:revision} of a task definition ARN. */
    private static String shortName(String arn) {
        return arn.substring(arn.lastIndexOf('/') + 1);
    }

    private static String family(String arn) {
        String name = shortName(arn);
        int colon = name.lastIndexOf(':');
        return colon < 0 ? name : name.substring(0, colon);
    }

    private static int revision(String arn) {
        String name = shortName(arn);
        int colon = name.lastIndexOf(':');
        try {
            return colon < 0 ? 0 : Integer.parseInt(name.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
