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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "plan", "observedPlanRevision", "planError", "leader", "lease", "environments"})
public record MigrationStatus(String apiVersion, String kind, String plan, String observedPlanRevision,
                              String planError, String leader, Lease lease,
                              List<EnvironmentStatus> environments) {

    public static final String API_VERSION = "beanstalk-migrator/v1";
    public static final String KIND = "MigrationStatus";

    public MigrationStatus {
        environments = environments == null ? List.of() : List.copyOf(environments);
    }

    public static MigrationStatus empty() {
        return new MigrationStatus(API_VERSION, KIND, null, null, null, null, null, List.of());
    }

    public MigrationStatus withLeader(String leader) {
        return new MigrationStatus(apiVersion, kind, plan, observedPlanRevision, planError, leader, lease,
                environments);
    }

    public MigrationStatus withEnvironments(List<EnvironmentStatus> environments) {
        return new MigrationStatus(apiVersion, kind, plan, observedPlanRevision, planError, leader, lease,
                environments);
    }

    public MigrationStatus withLease(Lease lease) {
        return new MigrationStatus(apiVersion, kind, plan, observedPlanRevision, planError, leader, lease,
                environments);
    }

    public EnvironmentStatus environment(String name) {
        return environments.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }
}
