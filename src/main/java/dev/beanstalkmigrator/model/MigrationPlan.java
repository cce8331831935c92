package dev.beanstalkmigrator.model;

import java.util.List;

/**
 * A validated desired state: {@code kind: MigrationPlan} with defaults merged into every environment.
 *
 * @param name metadata.name, free text shown in status and logs
 * @param environments in file order, names unique
 * @param notifications spec.notifications, names unique
 */
public record MigrationPlan(String name, List<EnvironmentSpec> environments,
                            List<NotificationChannel> notifications) {
    public MigrationPlan {
        environments = List.copyOf(environments);
        notifications = notifications == null ? List.of() : List.copyOf(notifications);
    }
}
