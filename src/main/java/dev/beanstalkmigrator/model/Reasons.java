package dev.beanstalkmigrator.model;

/**
 * Every reason a condition (or a hold that becomes one) is written with, in one place. CamelCase, as in
 * Kubernetes conditions; users filter on them, so a reason is renamed only with a note in the changelog.
 * Reasons that name an AWS error code (for example {@code AccessDenied}) come from the error itself.
 */
public final class Reasons {

    private Reasons() {}

    // Ready
    public static final String MIGRATION_SUCCEEDED = "MigrationSucceeded";
    public static final String MIGRATION_FAILED = "MigrationFailed";
    public static final String MIGRATION_TIMED_OUT = "MigrationTimedOut";
    /** The reason recorded for a launch that can no longer be found nor repeated safely. */
    public static final String LAUNCH_LOST = "LaunchLost";
    public static final String MIGRATING = "Migrating";
    public static final String MIGRATION_PENDING = "MigrationPending";
    public static final String NOT_IN_PLAN = "NotInPlan";
    public static final String UNRESOLVED = "Unresolved";

    // Migrating
    public static final String IDLE = "Idle";
    public static final String LAUNCHING = "Launching";
    public static final String RUNNING = "Running";
    /** Past its timeout and asked to stop; in flight until ECS reports its task STOPPED. */
    public static final String STOPPING = "Stopping";

    // Stalled
    public static final String PROGRESSING = "Progressing";

    // SpecInvalid
    public static final String INVALID_PLAN = "InvalidPlan";
    public static final String VALID = "Valid";

    // Suspended
    public static final String SUSPENDED_BY_PLAN = "SuspendedByPlan";
    public static final String ACTIVE = "Active";

    // Holds: why nothing new is launched
    public static final String SUSPENDED = "Suspended";
    public static final String NOT_OBSERVED = "NotObserved";
    public static final String ENVIRONMENT_NOT_FOUND = "EnvironmentNotFound";
    public static final String NO_VERSION = "NoVersion";
    public static final String VERSION_NOT_REGISTERED = "VersionNotRegistered";
    public static final String MIGRATION_IN_FLIGHT = "MigrationInFlight";
    /** Another environment's migration has the database this one's would change. */
    public static final String WAITING_FOR_DATABASE = "WaitingForDatabase";
    /** An environment this one comes after ({@code after}) has not migrated the version yet. */
    public static final String WAITING_FOR_PROMOTION = "WaitingForPromotion";
    /** An environment this one comes after failed to migrate the version (under its rerun token now). */
    public static final String PROMOTION_BLOCKED = "PromotionBlocked";
    /** The version's preview task runs, or its output is being read: the migration comes after it. */
    public static final String PREVIEWING = "Previewing";
    /** The version's preview needs approval: its digest is not in the plan's {@code approved}. */
    public static final String APPROVAL_PENDING = "ApprovalPending";
    /** The role the environment is reached with ({@code roleArn}) cannot be assumed: its trust policy, as a rule. */
    public static final String ROLE_NOT_ASSUMED = "RoleNotAssumed";
    /** Another plan under the same prefix recorded the environment first. */
    public static final String CLAIMED_BY_OTHER_PLAN = "ClaimedByOtherPlan";
    public static final String DRY_RUN = "DryRun";
    public static final String ENVIRONMENT_BUSY = "EnvironmentBusy";
    public static final String CONTAINER_NOT_FOUND = "ContainerNotFound";
    /** The plan leaves out cluster, taskDefinition or container, and the environment does not say it plainly. */
    public static final String CLUSTER_NOT_DISCOVERED = "ClusterNotDiscovered";
    public static final String TASK_DEFINITION_NOT_DISCOVERED = "TaskDefinitionNotDiscovered";
    public static final String CONTAINER_NOT_DISCOVERED = "ContainerNotDiscovered";
    public static final String AWS_ERROR = "AwsError";
    public static final String WAITING = "Waiting";
    public static final String CONFLICT = "Conflict";
    public static final String AWS_UNAVAILABLE = "AwsUnavailable";
    /** ECS placed no migrate task: no EC2 capacity (RunTask failures, or no container instance in the cluster). */
    public static final String WAITING_FOR_CAPACITY = "WaitingForCapacity";

    // The operator itself (readiness and status)
    public static final String LEDGER_UNREADABLE = "LedgerUnreadable";
    public static final String CYCLE_FAILED = "CycleFailed";
}
