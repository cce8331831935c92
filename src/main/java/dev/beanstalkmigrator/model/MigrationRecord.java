package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
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
 * @param timeout the plan's timeout when the intent was written: the migration is followed with it whatever the
 *     plan says later (null in records written before it was recorded)
 * @param database the database the migration changes, by host, port and name only (never a user or a password), or
 *     as the plan names it; null when none is known
 * @param through the environment whose task migrated the database to this version (with this rerun token) before:
 *     the migration is Succeeded here without a task of its own; null when it ran here
 * @param place the Region and role the task is launched and followed with, as the plan said when the intent was
 *     written; null for the operator's own ({@link CloudPlace#HOME})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"version", "rerun", "kind", "phase", "launchId", "cluster", "container", "taskArn", "image", "imageSource",
        "taskDefinitionArn", "overrides", "database", "through", "command", "secrets", "discovered", "placement",
        "timeout", "createdAt",
        "startedAt", "stopRequestedAt", "finishedAt", "exitCode", "reason", "logTail", "digest", "unmasked", "deployedAt", "place"})
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
        List<String> unmasked,
        // ISO-8601 (PT30M) in the ledger and the API alike, not seconds in one and text in the other.
        @JsonFormat(shape = JsonFormat.Shape.STRING) Duration timeout,
        String database,
        String through,
        String kind,
        String digest,
        CloudPlace place) {

    /** The {@code kind} of a preview's record. */
    public static final String PREVIEW = "preview";

    /**
     * Where and how the task runs, as the RunTask request says: launch type or capacity provider strategy, and
     * the awsvpc network. Recorded with the intent so that a replay places the task the same.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Placement(String launchType, List<CapacityProvider> capacityProviderStrategy, NetworkSpec network) {}

    /** A record of the first nineteen fields, with nothing secret, discovered, placed, stopped, unmasked or timed yet. */
    public MigrationRecord(String version, String rerun, Phase phase, String launchId, String cluster, String container,
                           String taskArn, String image, String imageSource, String taskDefinitionArn, String overrides,
                           List<String> command, Instant createdAt, Instant startedAt, Instant finishedAt,
                           Integer exitCode, String reason, List<String> logTail, Instant deployedAt) {
        this(version, rerun, phase, launchId, cluster, container, taskArn, image, imageSource, taskDefinitionArn,
                overrides, command, createdAt, startedAt, finishedAt, exitCode, reason, logTail, deployedAt, null, null,
                null, null, null, null, null, null, null, null, null);
    }

    /** Where the task is launched and followed: {@link #place}, or the operator's own account and Region. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public CloudPlace at() {
        return place == null ? CloudPlace.HOME : place;
    }

    /** With the place the task is launched and followed at ({@link CloudPlace#HOME}: recorded as none). */
    public MigrationRecord at(CloudPlace place) {
        return with(b -> b.place = place == null || place.equals(CloudPlace.HOME) ? null : place);
    }

    /** Whether this is a preview's record, not a migration's. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean preview() {
        return PREVIEW.equals(kind);
    }

    /** This record as a preview's. */
    public MigrationRecord asPreview() {
        return with(b -> b.kind = PREVIEW);
    }

    /** With the digest of a preview (its output's, or, on a migration, the one it followed). */
    public MigrationRecord withDigest(String digest) {
        return with(b -> b.digest = digest);
    }

    public boolean matches(String version, String rerun) {
        return this.version.equals(version) && this.rerun.equals(rerun == null ? "" : rerun);
    }

    /** The task is known to ECS. */
    public MigrationRecord running(String taskArn, Instant startedAt) {
        return with(b -> {
            b.phase = Phase.Running;
            b.taskArn = taskArn;
            b.startedAt = startedAt;
        });
    }

    /** A terminal outcome. */
    public MigrationRecord finished(Phase phase, Instant finishedAt, Integer exitCode, String reason,
                                    List<String> logTail) {
        return with(b -> {
            b.phase = phase;
            b.finishedAt = finishedAt;
            b.exitCode = exitCode;
            b.reason = reason;
            b.logTail = logTail == null || logTail.isEmpty() ? null : List.copyOf(logTail);
        });
    }

    public MigrationRecord deployed(Instant at) {
        return with(b -> b.deployedAt = at);
    }

    /** The intent with the task definition it runs. */
    public MigrationRecord withTaskDefinition(String taskDefinitionArn) {
        return with(b -> b.taskDefinitionArn = taskDefinitionArn);
    }

    /** With the names of the variables that come as ECS secrets (empty: none). */
    public MigrationRecord withSecrets(List<String> names) {
        return with(b -> b.secrets = names == null || names.isEmpty() ? null : List.copyOf(names));
    }

    /** With what was found from the environment, and how (empty: nothing). */
    public MigrationRecord withDiscovered(Map<String, String> found) {
        return with(b -> b.discovered = found == null || found.isEmpty() ? null : Map.copyOf(found));
    }

    /** With the names of the variables whose values were too short to mask (empty: none). */
    public MigrationRecord withUnmasked(List<String> names) {
        return with(b -> b.unmasked = names == null || names.isEmpty() ? null : List.copyOf(names));
    }

    /** With the placement RunTask is asked for. */
    public MigrationRecord withPlacement(Placement placement) {
        return with(b -> b.placement = placement);
    }

    /** With the key of the database the migration changes (null: none known). */
    public MigrationRecord withDatabase(String database) {
        return with(b -> b.database = database);
    }

    /** With the environment whose task migrated the database (null: it ran here). */
    public MigrationRecord withThrough(String environment) {
        return with(b -> b.through = environment);
    }

    /** With the timeout the migration is followed with. */
    public MigrationRecord withTimeout(Duration timeout) {
        return with(b -> b.timeout = timeout);
    }

    /**
     * Back to Pending, keeping its launch id (so its client token) and its request: RunTask placed no task or was
     * refused, so the same request may be sent again later.
     */
    public MigrationRecord pending(String reason) {
        return with(b -> {
            b.phase = Phase.Pending;
            b.reason = reason;
        });
    }

    /** The same request on its way again: the intent of a Pending launch, Launching once more. */
    public MigrationRecord relaunching() {
        return with(b -> {
            b.phase = Phase.Launching;
            b.reason = null;
        });
    }

    /** StopTask was asked at {@code at}; the record stays in its phase until ECS reports the task STOPPED. */
    public MigrationRecord stopRequested(Instant at) {
        return with(b -> b.stopRequestedAt = at);
    }

    /** This record with the changes {@code change} makes to a copy of its fields: the one way to copy a record. */
    private MigrationRecord with(java.util.function.Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return copy.build();
    }

    /** The fields of a record being copied. */
    private static final class Copy {
        String version;
        String rerun;
        Phase phase;
        String launchId;
        String cluster;
        String container;
        String taskArn;
        String image;
        String imageSource;
        String taskDefinitionArn;
        String overrides;
        List<String> command;
        Instant createdAt;
        Instant startedAt;
        Instant finishedAt;
        Integer exitCode;
        String reason;
        List<String> logTail;
        Instant deployedAt;
        List<String> secrets;
        Map<String, String> discovered;
        Placement placement;
        Instant stopRequestedAt;
        List<String> unmasked;
        Duration timeout;
        String database;
        String through;
        String kind;
        String digest;
        CloudPlace place;

        Copy(MigrationRecord r) {
            version = r.version;
            rerun = r.rerun;
            phase = r.phase;
            launchId = r.launchId;
            cluster = r.cluster;
            container = r.container;
            taskArn = r.taskArn;
            image = r.image;
            imageSource = r.imageSource;
            taskDefinitionArn = r.taskDefinitionArn;
            overrides = r.overrides;
            command = r.command;
            createdAt = r.createdAt;
            startedAt = r.startedAt;
            finishedAt = r.finishedAt;
            exitCode = r.exitCode;
            reason = r.reason;
            logTail = r.logTail;
            deployedAt = r.deployedAt;
            secrets = r.secrets;
            discovered = r.discovered;
            placement = r.placement;
            stopRequestedAt = r.stopRequestedAt;
            unmasked = r.unmasked;
            timeout = r.timeout;
            database = r.database;
            through = r.through;
            kind = r.kind;
            digest = r.digest;
            place = r.place;
        }

        MigrationRecord build() {
            return new MigrationRecord(version, rerun, phase, launchId, cluster, container, taskArn, image,
                    imageSource, taskDefinitionArn, overrides, command, createdAt, startedAt, finishedAt, exitCode,
                    reason, logTail, deployedAt, secrets, discovered, placement, stopRequestedAt, unmasked, timeout,
                    database, through, kind, digest, place);
        }
    }
}
