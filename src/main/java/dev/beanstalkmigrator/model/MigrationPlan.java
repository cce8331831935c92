package dev.beanstalkmigrator.model;

import java.util.List;

/**
 * A validated desired state: {@code kind: MigrationPlan} with defaults merged into every environment.
 *
 * @param name metadata.name, free text shown in status and logs
 * @param environments in file order, names unique
 */
public record MigrationPlan(String name, List<EnvironmentSpec> environments) {
    public MigrationPlan {
        environments = List.copyOf(environments);
    }
}
