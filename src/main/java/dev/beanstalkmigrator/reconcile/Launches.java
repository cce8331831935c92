package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.ContainerService;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** How a migration's records and RunTask requests are made: pure. */
public final class Launches {

    public static final String TAG_ENVIRONMENT = "beanstalk-migrator:environment";
    public static final String TAG_VERSION = "beanstalk-migrator:version";
    public static final String TAG_LAUNCH_ID = "beanstalk-migrator:launch-id";

    private Launches() {}

    /** A new record of the migration of {@code version}, in {@code phase}, created now. */
    static MigrationRecord record(EnvironmentSpec spec, String version, String launchId, Phase phase,
                                  String taskDefinition, ImageResolver.Resolved image, String overrides, Instant now) {
        return new MigrationRecord(version, spec.rerun(), phase, launchId, spec.cluster(), spec.container(), null,
                image == null ? null : image.image(), image == null ? null : image.source(), taskDefinition, overrides,
                spec.command(), now, null, null, null, null, null, null);
    }

    /**
     * The RunTask request of an intent: count 1, {@code startedBy} and the client token derived from its launch
     * id, the command and {@code variables} as container overrides when the intent says they fit there.
     */
    static ContainerService.TaskLaunch taskLaunch(EnvironmentSpec spec, MigrationRecord intent,
                                                  Map<String, String> variables) {
        boolean inOverrides = Overrides.IN_CONTAINER_OVERRIDES.equals(intent.overrides());
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(TAG_ENVIRONMENT, tagValue(spec.name()));
        tags.put(TAG_VERSION, tagValue(intent.version()));
        tags.put(TAG_LAUNCH_ID, intent.launchId());
        return new ContainerService.TaskLaunch(intent.cluster(), intent.taskDefinitionArn(), intent.container(),
                inOverrides ? intent.command() : null, inOverrides ? variables : null, spec.launchType(),
                spec.capacityProviderStrategy(), spec.network(), startedBy(intent), intent.launchId(), tags);
    }

    static String startedBy(MigrationRecord record) {
        return "bm-" + record.launchId();
    }

    /** ECS tag values allow letters, digits, spaces and + - = . _ : / @, up to 256 characters. */
    static String tagValue(String value) {
        String cleaned = value.replaceAll("[^\\p{L}\\p{N} +\\-=._:/@]", "_");
        return cleaned.length() > 256 ? cleaned.substring(0, 256) : cleaned;
    }
}
