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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "plan", "observedPlanRevision", "planError", "leader", "environments"})
public record MigrationStatus(String apiVersion, String kind, String plan, String observedPlanRevision,
                              String planError, String leader, List<EnvironmentStatus> environments) {

    public static final String API_VERSION = "beanstalk-migrator/v1";
    public static final String KIND = "MigrationStatus";

    public MigrationStatus {
        environments = environments == null ? List.of() : List.copyOf(environments);
    }

    public static MigrationStatus empty() {
        return new MigrationStatus(API_VERSION, KIND, null, null, null, null, List.of());
    }

    public MigrationStatus withLeader(String leader) {
        return new MigrationStatus(apiVersion, kind, plan, observedPlanRevision, planError, leader, environments);
    }

    public EnvironmentStatus environment(String name) {
        return environments.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }
}
