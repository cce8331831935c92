package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The ledger's view of one environment.
 *
 * @param desiredVersion the plan's {@code version} as written (a label, deployed or latest)
 * @param resolvedVersion the label it resolved to in the last cycle, or null
 * @param deployedVersion what Elastic Beanstalk runs, as last observed
 * @param history migrations, newest first, capped
 * @param previews the previews run before migrations (records of kind {@code preview}), newest first, capped at
 *     {@link #PREVIEW_LIMIT} (besides every one in flight or whose migration is not decided yet)
 * @param account the AWS account the environment is in (its role's, else the operator's), null when not known
 * @param region its AWS Region (the plan's, else the operator's), null when not known
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "application", "account", "region", "desiredVersion", "resolvedVersion", "deployedVersion", "conditions",
        "history", "previews", "archived"})
public record EnvironmentStatus(String name, String application, String desiredVersion, String resolvedVersion,
                                String deployedVersion, List<Condition> conditions, List<MigrationRecord> history,
                                List<MigrationKey> archived, List<MigrationRecord> previews, String account,
                                String region) {

    /**
     * Previews kept per environment, besides every one in flight or whose migration is not decided yet (launched, or
     * ended without a task): the newest is the one a person approves.
     */
    public static final int PREVIEW_LIMIT = 3;

    /** Keys of migrations kept after their records left the history; the oldest are dropped past this. */
    public static final int ARCHIVE_LIMIT = 1000;

    public EnvironmentStatus {
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
        history = history == null ? List.of() : List.copyOf(history);
        archived = archived == null ? List.of() : List.copyOf(archived);
        previews = previews == null ? List.of() : List.copyOf(previews);
    }

    public EnvironmentStatus(String name, String application, String desiredVersion, String resolvedVersion,
                             String deployedVersion, List<Condition> conditions, List<MigrationRecord> history,
                             List<MigrationKey> archived, List<MigrationRecord> previews) {
        this(name, application, desiredVersion, resolvedVersion, deployedVersion, conditions, history, archived,
                previews, null, null);
    }

    public EnvironmentStatus(String name, String application, String desiredVersion, String resolvedVersion,
                             String deployedVersion, List<Condition> conditions, List<MigrationRecord> history,
                             List<MigrationKey> archived) {
        this(name, application, desiredVersion, resolvedVersion, deployedVersion, conditions, history, archived,
                List.of());
    }

    public EnvironmentStatus(String name, String application, String desiredVersion, String resolvedVersion,
                             String deployedVersion, List<Condition> conditions, List<MigrationRecord> history) {
        this(name, application, desiredVersion, resolvedVersion, deployedVersion, conditions, history, List.of());
    }

    public EnvironmentStatus withHistory(List<MigrationRecord> history) {
        return new EnvironmentStatus(name, application, desiredVersion, resolvedVersion, deployedVersion, conditions,
                history, archived, previews, account, region);
    }

    public EnvironmentStatus withPreviews(List<MigrationRecord> previews) {
        return new EnvironmentStatus(name, application, desiredVersion, resolvedVersion, deployedVersion, conditions,
                history, archived, previews, account, region);
    }

    /**
     * This entry with what {@code before} (the same environment's entry in the plan that held it before, under a
     * prefix of plans) ran: its migrations kept as archived keys, so a (version, rerun) it ended there is never
     * launched here, and its ended previews kept as they are (their output and digest), so none is run again and an
     * approval committed for one still counts.
     */
    public EnvironmentStatus inheriting(EnvironmentStatus before) {
        List<MigrationRecord> ownPreviews = new java.util.ArrayList<>(previews);
        before.previews().stream().filter(r -> r.phase().terminal())
                .filter(r -> ownPreviews.stream().noneMatch(p -> p.matches(r.version(), r.rerun())))
                .forEach(ownPreviews::add);
        List<MigrationKey> keys = new java.util.ArrayList<>(archived);
        java.util.stream.Stream.concat(before.history().stream().filter(r -> r.phase().terminal())
                        .map(MigrationKey::of), before.archived().stream())
                .forEach(key -> {
                    if (keys.stream().noneMatch(k -> k.matches(key.version(), key.rerun()))
                            && history.stream().noneMatch(r -> r.matches(key.version(), key.rerun()))) {
                        keys.add(key);
                    }
                });
        return new EnvironmentStatus(name, application, desiredVersion, resolvedVersion, deployedVersion, conditions,
                history, keys, ownPreviews, account, region);
    }

    /** The preview of (version, rerun), or null. */
    public MigrationRecord preview(String version, String rerun) {
        return previews.stream().filter(r -> r.matches(version, rerun)).findFirst().orElse(null);
    }

    /**
     * Keeps the newest {@code limit} records (and every in-flight one); the keys of the records dropped go to
     * {@link #archived()}, so that a plan going back to an old version does not migrate it again.
     */
    public EnvironmentStatus capped(int limit) {
        if (previews.size() > PREVIEW_LIMIT) {
            List<MigrationRecord> kept = new java.util.ArrayList<>();
            for (MigrationRecord preview : previews) {
                // One whose migration is not decided yet stays: without it the preview would run again.
                MigrationRecord migration = find(preview.version(), preview.rerun());
                boolean decided = migration != null && migration.phase() != Phase.Pending
                        || archivedKey(preview.version(), preview.rerun()) != null;
                if (preview.phase().inFlight() || kept.size() < PREVIEW_LIMIT || !decided) {
                    kept.add(preview);
                }
            }
            if (kept.size() < previews.size()) {
                return withPreviews(kept).cappedHistory(limit);
            }
        }
        return cappedHistory(limit);
    }

    /** {@link #capped}, of the history alone. */
    private EnvironmentStatus cappedHistory(int limit) {
        if (history.size() <= limit) {
            return this;
        }
        java.util.List<MigrationRecord> kept = new java.util.ArrayList<>();
        java.util.LinkedHashSet<MigrationKey> keys = new java.util.LinkedHashSet<>();
        int room = limit;
        for (MigrationRecord record : history) {
            if (record.phase().inFlight() || room > 0) {
                kept.add(record);
                room--;
            } else if (record.phase() != Phase.Pending) {
                keys.add(MigrationKey.of(record));
            }
        }
        keys.addAll(archived);
        List<MigrationKey> archive = keys.stream().limit(ARCHIVE_LIMIT).toList();
        return new EnvironmentStatus(name, application, desiredVersion, resolvedVersion, deployedVersion, conditions,
                kept, archive, previews, account, region);
    }

    /** The archived key of (version, rerun), or null. */
    public MigrationKey archivedKey(String version, String rerun) {
        return archived.stream().filter(k -> k.matches(version, rerun)).findFirst().orElse(null);
    }

    public MigrationRecord find(String version, String rerun) {
        return history.stream().filter(r -> r.matches(version, rerun)).findFirst().orElse(null);
    }

    public Condition condition(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
    }
}
