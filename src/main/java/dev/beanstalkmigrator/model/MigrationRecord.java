package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * One migration of one environment: the ledger's unit of exactly-once. Keyed by (version, rerun) within its
 * environment. Never holds environment variable values.
 *
 * @param launchId unique id of this launch; {@code startedBy} and {@code clientToken} derive from it
 * @param overrides where command and environment went: {@code container-overrides} or, when over ECS's
 *     8 KiB override limit, {@code task-definition}
 * @param imageSource {@code template}, {@code source-bundle:<file>} or {@code base-task-definition}
 * @param deployedAt when {@code afterSuccess: deploy} asked Elastic Beanstalk to deploy the version
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"version", "rerun", "phase", "launchId", "cluster", "container", "taskArn", "image", "imageSource",
        "taskDefinitionArn", "overrides", "command", "createdAt", "startedAt", "finishedAt", "exitCode", "reason",
        "logTail", "deployedAt"})
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
        Instant deployedAt) {

    public boolean matches(String version, String rerun) {
        return this.version.equals(version) && this.rerun.equals(rerun == null ? "" : rerun);
    }

    /** The task is known to ECS. */
    public MigrationRecord running(String taskArn, Instant startedAt) {
        return new MigrationRecord(version, rerun, Phase.Running, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail,
                deployedAt);
    }

    /** A terminal outcome. */
    public MigrationRecord finished(Phase phase, Instant finishedAt, Integer exitCode, String reason,
                                    List<String> logTail) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason,
                logTail == null || logTail.isEmpty() ? null : List.copyOf(logTail), deployedAt);
    }

    public MigrationRecord deployed(Instant at) {
        return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource,
                taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail, at);
    }
}
