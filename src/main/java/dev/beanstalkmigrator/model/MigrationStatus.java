package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The status ledger the operator writes to S3 ({@code kind: MigrationStatus}).
 *
 * @param plan metadata.name of the plan in force
 * @param observedPlanRevision the ETag of the plan in force
 * @param planError why the newest plan was refused, or null
 * @param leader identity of the replica that wrote this
 * @param lease the leader's lease (with leader election on), renewed by every write
 * @param notifications the outbox: events not yet delivered to every channel (see {@link Notification}), oldest
 *     first; written before the environments, so that it is part of the ledger's cheap head
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "plan", "observedPlanRevision", "planError", "leader", "lease",
        "notifications", "environments"})
public record MigrationStatus(String apiVersion, String kind, String plan, String observedPlanRevision,
                              String planError, String leader, Lease lease,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Notification> notifications,
                              List<EnvironmentStatus> environments) {

    public static final String API_VERSION = "beanstalk-migrator/v1";
    public static final String KIND = "MigrationStatus";

    public MigrationStatus {
        notifications = notifications == null ? List.of() : List.copyOf(notifications);
        environments = environments == null ? List.of() : List.copyOf(environments);
    }

    /** A ledger with an empty outbox. */
    public MigrationStatus(String apiVersion, String kind, String plan, String observedPlanRevision,
                           String planError, String leader, Lease lease, List<EnvironmentStatus> environments) {
        this(apiVersion, kind, plan, observedPlanRevision, planError, leader, lease, List.of(), environments);
    }

    public static MigrationStatus empty() {
        return new MigrationStatus(API_VERSION, KIND, null, null, null, null, null, List.of(), List.of());
    }

    public MigrationStatus withEnvironments(List<EnvironmentStatus> environments) {
        return new MigrationStatus(apiVersion, kind, plan, observedPlanRevision, planError, leader, lease,
                notifications, environments);
    }

    public MigrationStatus withLease(Lease lease) {
        return new MigrationStatus(apiVersion, kind, plan, observedPlanRevision, planError, leader, lease,
                notifications, environments);
    }

    public MigrationStatus withNotifications(List<Notification> notifications) {
        return new MigrationStatus(apiVersion, kind, plan, observedPlanRevision, planError, leader, lease,
                notifications, environments);
    }

    public EnvironmentStatus environment(String name) {
        return environments.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }
}
