package dev.beanstalkmigrator.port;

import dev.beanstalkmigrator.model.CapacityProvider;
import dev.beanstalkmigrator.model.NetworkSpec;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** The ECS calls the operator needs. Failures are {@link CloudError}s. */
public interface ContainerService {

    /** The family of a migrate revision is its base's family with this suffix. */
    String MIGRATE_FAMILY_SUFFIX = "-migrate";

    /** What {@code startedBy} of every migrate task begins with (the launch id follows). */
    String MIGRATE_STARTED_BY_PREFIX = "bm-";

    /** The task definition named by family, family:revision or ARN (DescribeTaskDefinition). */
    TaskDefinition describeTaskDefinition(String reference);

    /**
     * The migrate revision of a base task definition: a copy in family {@code <base family>-migrate} whose
     * container {@code container} runs {@code image}, and, when given, has {@code environment}, {@code secrets}
     * and {@code command} baked in. Secrets are registered as references only ({@code secrets: [{name,
     * valueFrom}]}): ECS reads their values with the task execution role when the task starts. Reuses an
     * identical active revision of that family instead of registering a new one, and remembers what it found or
     * registered, so that a burst of launches with the same inputs costs one lookup.
     *
     * @param environment plain variables (name to value), or null for none
     * @param secrets secret variables (name to ARN), or null for none
     * @param command the command, or null to keep the base's (it then goes into RunTask's overrides)
     * @return the ARN of the revision to run
     */
    String migrateRevision(TaskDefinition base, String container, String image,
                           Map<String, String> environment, Map<String, String> secrets, List<String> command);

    /**
     * Starts one task (RunTask, count 1). Idempotent for the same {@link TaskLaunch#clientToken()} while
     * ECS honours it (24 h): a repeat returns the task of the first call. A repeat whose parameters differ from the
     * first call's is answered by ECS with ConflictException naming the token's tasks: that task is returned too,
     * with {@link LaunchResult#conflict()} saying so.
     *
     * @param allowed asked before every attempt (retries included), so that a caller who lost its right to launch
     *     (its lease) sends nothing more
     * @throws CloudError.Conflict with code {@code NotLeader} when {@code allowed} says no
     */
    LaunchResult runTask(TaskLaunch launch, BooleanSupplier allowed);

    /** What {@link #runTask} throws when the caller may no longer launch. */
    static CloudError.Conflict notAllowed(TaskLaunch launch) {
        return new CloudError.Conflict("ecs:RunTask", NOT_LEADER,
                "this replica no longer holds the lease; launch " + launch.clientToken() + " is not sent", null);
    }

    /** The code of the error a call refused for want of the lease carries. */
    String NOT_LEADER = "NotLeader";

    /** The state of tasks (DescribeTasks, in batches of at most 100). Unknown tasks come back missing. */
    List<TaskState> describeTasks(String cluster, Collection<String> taskArns);

    /** ARNs of tasks started with this {@code startedBy}, running or stopped (ListTasks). */
    List<String> findTasks(String cluster, String startedBy);

    /**
     * Asks ECS to stop a task (StopTask). Returns once ECS accepted: the container gets SIGTERM and may run on until
     * its stop timeout; the task is stopped only when {@link #describeTasks} reports it STOPPED.
     */
    void stopTask(String cluster, String taskArn, String reason);

    /** Every cluster of the account and region, with its tags (ListClusters, DescribeClusters with TAGS). */
    List<Cluster> clusters();

    /**
     * The tasks of a cluster that are meant to run (ListTasks with desiredStatus RUNNING, then DescribeTasks):
     * how the task definition an environment runs is found.
     */
    List<RunningTask> runningTasks(String cluster);

    /** A cluster and its tags. */
    record Cluster(String arn, String name, Map<String, String> tags) {
        public Cluster {
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }
    }

    /** A task that is meant to run: its task definition and who started it ({@code startedBy}, null if unset). */
    record RunningTask(String arn, String taskDefinitionArn, String startedBy, Instant createdAt) {}

    /** What the operator needs to know of a task definition. */
    record TaskDefinition(String arn, String family, int revision, String networkMode, List<Container> containers) {
        public TaskDefinition {
            containers = List.copyOf(containers);
        }

        public Container container(String name) {
            return containers.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * A container definition: its image, if it logs with awslogs, where, whether it is essential, and its plain
     * variables.
     *
     * @param environment the definition's {@code environment}, name to value (empty: none). In a migrate revision
     *     these are the values the task runs with; they may hold credentials, so they go nowhere but into masking.
     */
    record Container(String name, String image, LogTarget logs, boolean essential, Map<String, String> environment) {
        public Container {
            environment = environment == null ? Map.of() : Map.copyOf(environment);
        }

        /** An essential container (ECS's default) without variables. */
        public Container(String name, String image, LogTarget logs) {
            this(name, image, logs, true, Map.of());
        }
    }

    /** What RunTask needs. */
    record TaskLaunch(String cluster, String taskDefinitionArn, String container, List<String> command,
                      Map<String, String> environment, String launchType,
                      List<CapacityProvider> capacityProviderStrategy, NetworkSpec network,
                      String startedBy, String clientToken, Map<String, String> tags) {}

    /**
     * RunTask's answer: a task ARN, or the reason ECS gave for not placing the task.
     *
     * @param conflict ECS's message when the task is the client token's task named by a ConflictException (the
     *     request differed from the first one); null otherwise
     */
    record LaunchResult(String taskArn, String failure, String conflict) {
        public LaunchResult(String taskArn, String failure) {
            this(taskArn, failure, null);
        }
    }

    /** A task as DescribeTasks reports it; {@code missing} when ECS no longer knows it. */
    record TaskState(String arn, boolean missing, String lastStatus, String stoppedReason, String stopCode,
                     Instant createdAt, Instant startedAt, Instant stoppedAt, List<ContainerState> containers) {
        public TaskState {
            containers = containers == null ? List.of() : List.copyOf(containers);
        }

        public static TaskState missing(String arn) {
            return new TaskState(arn, true, null, null, null, null, null, null, List.of());
        }

        public boolean stopped() {
            return "STOPPED".equals(lastStatus);
        }

        public ContainerState container(String name) {
            return containers.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * A container of a task: its exit code (null if it never ran to an exit) and ECS's reason.
     *
     * @param environment the variables RunTask's container override gave it, name to value (empty: none), as
     *     DescribeTasks reports the task's {@code overrides}; they may hold credentials, like the definition's
     */
    record ContainerState(String name, Integer exitCode, String reason, Map<String, String> environment) {
        public ContainerState {
            environment = environment == null ? Map.of() : Map.copyOf(environment);
        }
    }
}
