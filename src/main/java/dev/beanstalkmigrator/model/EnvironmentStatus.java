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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "application", "desiredVersion", "resolvedVersion", "deployedVersion", "conditions",
        "history"})
public record EnvironmentStatus(String name, String application, String desiredVersion, String resolvedVersion,
                                String deployedVersion, List<Condition> conditions, List<MigrationRecord> history) {

    public EnvironmentStatus {
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
        history = history == null ? List.of() : List.copyOf(history);
    }

    public MigrationRecord find(String version, String rerun) {
        return history.stream().filter(r -> r.matches(version, rerun)).findFirst().orElse(null);
    }

    public Condition condition(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
    }
}
