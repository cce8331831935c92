package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One migration of one environment: the ledger's unit of exactly-once. Keyed by (version, rerun) within its
 * environment. Never holds environment variable values.
 *
 * @param launchId unique id of this launch; {@code startedBy} and {@code clientToken} derive from it
 * @param overrides {@code task-definition} when the environment's variables (and secrets), or a command over ECS's
 *     8 KiB override limit, were registered into the migrate revision; else {@code container-overrides}. The
 *     command otherwise rides in RunTask's container overrides. (Records written before {@code placement} was
 *     recorded sent the variables as overrides too when this says {@code container-overrides}.)
 * @param imageSource {@code template}, {@code source-bundle:<file>} or {@code base-task-definition}
 * @param deployedAt when {@code afterSuccess: deploy} asked Elastic Beanstalk to deploy the version
 * @param secrets names (never values) of the variables that reach the container as ECS {@code secrets}
 * @param discovered what was found from the environment because the plan left it out, and how: keyed by
 *     {@code cluster}, {@code taskDefinition}, {@code container}
 * @param placement how the task is placed, as RunTask was (or will be) asked: what an adoption replays
 * @param stopRequestedAt when StopTask was asked of ECS; the migration is final only once ECS reports STOPPED
 * @param unmasked names (never values) of the variables whose values are too short to be masked (under four
 *     characters): where {@code logTail} holds them, it holds them as they are
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"version", "rerun", "phase", "launchId", "cluster", "container", "taskArn", "image", "imageSource",
        "taskDefinitionArn", "overrides", "command", "secrets", "discovered", "placement", "createdAt", "startedAt",
        "stopRequestedAt", "finishedAt", "exitCode", "reason", "logTail", "unmasked", "deployedAt"})
public record MigrationRecord(
        String version,
        String rerun,
        Phase phase,
        String launchId,
        String cluster,
        String container,
        String taskArn,
        String image,
        String imageSource,
        String taskDefinitionArn,
        String overrides,
        List<String> command,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Integer exitCode,
        String reason,
        List<String> logTail,
        Instant deployedAt,
        List<String> secrets,
        Map<String, String> discovered,
        Placement placement,
        Instant stopRequestedAt,
        List<String> unmasked) {

    /**
     * Where and how the task runs, as the RunTask request says: launch type or capacity provider strategy, and
     * the awsvpc network. Recorded with the intent so that a replay is the very same request.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Placement(String launchType, List<CapacityProvider> capacityProviderStrategy, NetworkSpec network) {}

    /** A record of the first nineteen fields, with nothing secret, discovered, placed, stopped or unmasked yet. */
    public MigrationRecord(String version, String rerun, Phase phase, String launchId, String cluster, String container,
                           String taskArn, String image, String imageSource, String taskDefinitionArn, String overrides,
                           List<String> command, Instant createdAt, Instant startedAt, Instant finishedAt,
                           Integer exitCode, String reason, List<String> logTail, Instant deployedAt) {
        this(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource, taskDefinitionArn,
                overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail, deployedAt, null, null,
                null, null, null);
    }

    public boolean matches(String version, String rerun) {
        return this.version.equals(version) && this.rerun.equals(rerun == null ? "" : rerun);
    }

    /** The task is known to ECS. */
    public MigrationRecord running(String taskArn, Instant startedAt) {
        return new MigrationRecord(version, rerun, Phase.Running, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail,
                deployedAt, secrets, discovered, placement, stopRequestedAt, unmasked);
    }

    /** A terminal outcome. */
    public MigrationRecord finished(Phase phase, Instant finishedAt, Integer exitCode, String reason,
                                    List<String> logTail) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason,
                logTail == null || logTail.isEmpty() ? null : List.copyOf(logTail), deployedAt, secrets, discovered,
                placement, stopRequestedAt, unmasked);
    }

    public MigrationRecord deployed(Instant at) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail, at,
                secrets, discovered, placement, stopRequestedAt, unmasked);
    }

    /** The intent with the task definition it runs. */
    public MigrationRecord withTaskDefinition(String taskDefinitionArn) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail,
                deployedAt, secrets, discovered, placement, stopRequestedAt, unmasked);
    }

    /** With the names of the variables that come as ECS secrets (empty: none). */
    public MigrationRecord withSecrets(List<String> names) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail,
                deployedAt, names == null || names.isEmpty() ? null : List.copyOf(names), discovered, placement,
                stopRequestedAt, unmasked);
    }

    /** With what was found from the environment, and how (empty: nothing). */
    public MigrationRecord withDiscovered(Map<String, String> found) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail,
                deployedAt, secrets, found == null || found.isEmpty() ? null : Map.copyOf(found), placement,
                stopRequestedAt, unmasked);
    }

    /** With the names of the variables whose values were too short to mask (empty: none). */
    public MigrationRecord withUnmasked(List<String> names) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail,
                deployedAt, secrets, discovered, placement, stopRequestedAt,
                names == null || names.isEmpty() ? null : List.copyOf(names));
    }

    /** With the placement RunTask is asked for. */
    public MigrationRecord withPlacement(Placement placement) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail,
                deployedAt, secrets, discovered, placement, stopRequestedAt, unmasked);
    }

    /**
     * Back to Pending, keeping its launch id (so its client token): RunTask placed no task, so none exists and the
     * same request may be sent again later.
     */
    public MigrationRecord pending(String reason) {
        return new MigrationRecord(version, rerun, Phase.Pending, launchId, cluster, container, taskArn, image,
                imageSource, taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason,
                logTail, deployedAt, secrets, discovered, placement, stopRequestedAt, unmasked);
    }

    /** StopTask was asked at {@code at}; the record stays in its phase until ECS reports the task STOPPED. */
    public MigrationRecord stopRequested(Instant at) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail,
                deployedAt, secrets, discovered, placement, at, unmasked);
    }
}
