package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** How a migration's records and RunTask requests are made: pure. */
public final class Launches {

    public static final String TAG_ENVIRONMENT = "beanstalk-migrator:environment";
    public static final String TAG_VERSION = "beanstalk-migrator:version";
    public static final String TAG_LAUNCH_ID = "beanstalk-migrator:launch-id";
    /**
     * The rerun token of the migration ("" when unset): with the environment and version tags, ECS's own record of
     * the tasks says which migration each ran, so exactly-once can be judged from ECS alone.
     */
    public static final String TAG_RERUN = "beanstalk-migrator:rerun";
    /**
     * On a preview's task only: {@value #TASK_PREVIEW}. ECS's record then tells previews from migrations (and a
     * preview's tags name the migration it is for).
     */
    public static final String TAG_TASK = "beanstalk-migrator:task";
    public static final String TASK_PREVIEW = "preview";

    private Launches() {}

    /** A new record of the migration of {@code version}, in {@code phase}, created now. */
    static MigrationRecord record(EnvironmentSpec spec, String version, String launchId, Phase phase,
                                  String taskDefinition, ImageResolver.Resolved image, String overrides, Instant now) {
        return new MigrationRecord(version, spec.rerun(), phase, launchId, spec.cluster(), spec.container(), null,
                image == null ? null : image.image(), image == null ? null : image.source(), taskDefinition, overrides,
                spec.command(), now, null, null, null, null, null, null).withTimeout(spec.timeout()).at(spec.place());
    }

    /** Where and how the plan places the task: recorded with the intent, so that a replay places it the same. */
    static MigrationRecord.Placement placement(EnvironmentSpec spec) {
        return new MigrationRecord.Placement(spec.launchType(), spec.capacityProviderStrategy(), spec.network());
    }

    /**
     * Whether a Pending launch is sent again as it was: it has a request (a task definition and a placement, so
     * {@link #taskLaunch} rebuilds it from the record alone) and the plan still asks for what it is made of (the
     * command, the placement, the Region and role, and the cluster and container where the plan names them). What the environment
     * says now (the task definition it runs) does not count: the request stays the one prepared, but for the
     * variables that ride in its overrides, which are not recorded and so are read again.
     */
    static boolean sendsAgain(MigrationRecord pending, EnvironmentSpec spec) {
        return pending.taskDefinitionArn() != null && pending.placement() != null && pending.at().equals(spec.place())
                && Objects.equals(pending.command(), spec.command()) && pending.placement().equals(placement(spec))
                && (spec.cluster() == null || spec.cluster().equals(pending.cluster()))
                && (spec.container() == null || spec.container().equals(pending.container()));
    }

    /**
     * Whether a command rides in RunTask's container overrides: when it fits into their 8 KiB. Otherwise it is
     * baked into the migrate revision, and so are the environment's variables.
     */
    static boolean commandInOverrides(String container, List<String> command) {
        return Overrides.fit(container, command, Map.of());
    }

    /**
     * Whether the environment's variables ride in the intent's RunTask overrides ({@code overrides:
     * container-overrides}); they are never recorded, so a replay reads them again.
     */
    public static boolean variablesInOverrides(MigrationRecord intent) {
        return Overrides.IN_CONTAINER_OVERRIDES.equals(intent.overrides());
    }

    /**
     * The RunTask request of an intent: its task definition, cluster, placement, the command and {@code variables}
     * as container overrides when the intent says they ride there, count 1, {@code startedBy}, the client token
     * and tags derived from its environment, version and launch id. Whatever the plan says later, a replay is the
     * same request, but for variables changed meanwhile, which ECS answers with ConflictException naming the task.
     *
     * <p>An intent written before placements were recorded ({@code placement} null) is rebuilt as it was then:
     * placement from the plan, and, when its {@code overrides} are {@code container-overrides}, the command and
     * {@code variables} as overrides. Such a replay may differ from the first request; ECS then answers
     * ConflictException naming the first call's task, which is adopted.
     */
    public static ContainerService.TaskLaunch taskLaunch(String environment, EnvironmentSpec spec, MigrationRecord intent,
                                                  Map<String, String> variables) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(TAG_ENVIRONMENT, tagValue(environment));
        tags.put(TAG_VERSION, tagValue(intent.version()));
        tags.put(TAG_RERUN, tagValue(intent.rerun()));
        tags.put(TAG_LAUNCH_ID, intent.launchId());
        if (intent.preview()) {
            tags.put(TAG_TASK, TASK_PREVIEW);
        }
        MigrationRecord.Placement placement = intent.placement();
        if (placement != null) {
            List<String> command = intent.command() != null && commandInOverrides(intent.container(), intent.command())
                    ? intent.command() : null;
            Map<String, String> overridden = variablesInOverrides(intent) && variables != null && !variables.isEmpty()
                    ? variables : null;
            return new ContainerService.TaskLaunch(intent.cluster(), intent.taskDefinitionArn(), intent.container(),
                    command, overridden, placement.launchType(), placement.capacityProviderStrategy(), placement.network(),
                    startedBy(intent), intent.launchId(), tags);
        }
        boolean inOverrides = Overrides.IN_CONTAINER_OVERRIDES.equals(intent.overrides());
        return new ContainerService.TaskLaunch(intent.cluster(), intent.taskDefinitionArn(), intent.container(),
                inOverrides ? intent.command() : null, inOverrides ? variables : null, spec.launchType(),
                spec.capacityProviderStrategy(), spec.network(), startedBy(intent), intent.launchId(), tags);
    }

    public static String startedBy(MigrationRecord record) {
        return ContainerService.MIGRATE_STARTED_BY_PREFIX + record.launchId();
    }

    /** ECS tag values allow letters, digits, spaces and + - = . _ : / @, up to 256 characters. */
    static String tagValue(String value) {
        String cleaned = value.replaceAll("[^\\p{L}\\p{N} +\\-=._:/@]", "_");
        return cleaned.length() > 256 ? cleaned.substring(0, 256) : cleaned;
    }
}
