package dev.beanstalkmigrator.model;

import java.time.Duration;
import java.util.List;

/**
 * One environment of the plan, with {@code spec.defaults} already merged in (the environment's own
 * value wins). Optional fields are {@code null} when neither the environment nor the defaults set them.
 *
 * @param name Elastic Beanstalk environment name, unique across the plan
 * @param application Elastic Beanstalk application
 * @param version which version must be migrated
 * @param suspend launch nothing new here
 * @param rerun token; a new value runs a Failed/TimedOut migration again ("" when unset)
 * @param cluster ECS cluster that runs the migrate task; null: found from the environment when a launch is prepared
 * @param taskDefinition the app's task definition: family, family:revision or ARN; null: found likewise
 * @param container container of the task definition that runs the command; null: found likewise
 * @param command the migrate command
 * @param timeout after this the task is stopped and the migration is TimedOut
 * @param launchType FARGATE or EC2, or null when a capacity provider strategy is used
 * @param capacityProviderStrategy null unless set
 * @param network awsvpc configuration, or null
 * @param image image template with {version}, {application}, {environment}; "" when unset
 * @param afterSuccess what to do after success
 * @param database the database the migrations change, as the plan names it; null: found from the environment's
 *     variables when a launch is prepared; {@value #NO_DATABASE}: none (the environment is its own unit)
 * @param after the environments of the plan that must have migrated a version (Succeeded, under their rerun token
 *     now) before it is launched here; empty when none
 * @param preview the command run before a new version's migration, and when its output must be approved; null when
 *     none
 * @param approved digests ({@code sha256:<hex>}) of preview outputs approved for migration: the environment's and
 *     the defaults' together; empty when none
 * @param place the Region and role the environment is reached with; {@link CloudPlace#HOME} when the plan names
 *     neither
 */
public record EnvironmentSpec(
        String name,
        String application,
        VersionRef version,
        boolean suspend,
        String rerun,
        String cluster,
        String taskDefinition,
        String container,
        List<String> command,
        Duration timeout,
        String launchType,
        List<CapacityProvider> capacityProviderStrategy,
        NetworkSpec network,
        String image,
        AfterSuccess afterSuccess,
        String database,
        List<String> after,
        PreviewSpec preview,
        List<String> approved,
        CloudPlace place) {

    /** {@code database: none}: the environment shares no database that the operator should know of. */
    public static final String NO_DATABASE = "none";

    public EnvironmentSpec {
        command = List.copyOf(command);
        capacityProviderStrategy = capacityProviderStrategy == null ? null : List.copyOf(capacityProviderStrategy);
        rerun = rerun == null ? "" : rerun;
        image = image == null ? "" : image;
        after = after == null ? List.of() : List.copyOf(after);
        approved = approved == null ? List.of() : List.copyOf(approved);
        place = place == null ? CloudPlace.HOME : place;
    }

    /** An environment in the operator's own account and Region. */
    public EnvironmentSpec(String name, String application, VersionRef version, boolean suspend, String rerun,
                           String cluster, String taskDefinition, String container, List<String> command,
                           Duration timeout, String launchType, List<CapacityProvider> capacityProviderStrategy,
                           NetworkSpec network, String image, AfterSuccess afterSuccess, String database,
                           List<String> after, PreviewSpec preview, List<String> approved) {
        this(name, application, version, suspend, rerun, cluster, taskDefinition, container, command, timeout,
                launchType, capacityProviderStrategy, network, image, afterSuccess, database, after, preview, approved,
                CloudPlace.HOME);
    }

    /** This environment with the cluster, task definition and container found for it. */
    public EnvironmentSpec found(String cluster, String taskDefinition, String container) {
        return new EnvironmentSpec(name, application, version, suspend, rerun, cluster, taskDefinition, container,
                command, timeout, launchType, capacityProviderStrategy, network, image, afterSuccess, database, after,
                preview, approved, place);
    }

    /** This environment as reached at {@code place}. */
    public EnvironmentSpec at(CloudPlace place) {
        return new EnvironmentSpec(name, application, version, suspend, rerun, cluster, taskDefinition, container,
                command, timeout, launchType, capacityProviderStrategy, network, image, afterSuccess, database, after,
                preview, approved, place);
    }

    /** An environment without a preview. */
    public EnvironmentSpec(String name, String application, VersionRef version, boolean suspend, String rerun,
                           String cluster, String taskDefinition, String container, List<String> command,
                           Duration timeout, String launchType, List<CapacityProvider> capacityProviderStrategy,
                           NetworkSpec network, String image, AfterSuccess afterSuccess, String database,
                           List<String> after) {
        this(name, application, version, suspend, rerun, cluster, taskDefinition, container, command, timeout,
                launchType, capacityProviderStrategy, network, image, afterSuccess, database, after, null, List.of());
    }

    /**
     * This environment as its preview runs: the preview's command in place of the migrate command; everything else
     * (cluster, revision, variables, secrets, placement, timeout) is the migration's.
     */
    public EnvironmentSpec previewing() {
        return new EnvironmentSpec(name, application, version, suspend, rerun, cluster, taskDefinition, container,
                preview.command(), timeout, launchType, capacityProviderStrategy, network, image, afterSuccess,
                database, after, preview, approved, place);
    }

    /** An environment that comes after no other. */
    public EnvironmentSpec(String name, String application, VersionRef version, boolean suspend, String rerun,
                           String cluster, String taskDefinition, String container, List<String> command,
                           Duration timeout, String launchType, List<CapacityProvider> capacityProviderStrategy,
                           NetworkSpec network, String image, AfterSuccess afterSuccess, String database) {
        this(name, application, version, suspend, rerun, cluster, taskDefinition, container, command, timeout,
                launchType, capacityProviderStrategy, network, image, afterSuccess, database, List.of(), null,
                List.of());
    }

    /** An environment whose database is found from its variables. */
    public EnvironmentSpec(String name, String application, VersionRef version, boolean suspend, String rerun,
                           String cluster, String taskDefinition, String container, List<String> command,
                           Duration timeout, String launchType, List<CapacityProvider> capacityProviderStrategy,
                           NetworkSpec network, String image, AfterSuccess afterSuccess) {
        this(name, application, version, suspend, rerun, cluster, taskDefinition, container, command, timeout,
                launchType, capacityProviderStrategy, network, image, afterSuccess, null, List.of(), null,
                List.of());
    }
}
