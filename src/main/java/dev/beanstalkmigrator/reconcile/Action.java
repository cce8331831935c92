package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationRecord;

/** One thing the executor must do, as decided by the {@link Planner}. */
public sealed interface Action {

    String environment();

    /** Start the migration of {@code version}: record the intent, then RunTask. */
    record Launch(EnvironmentSpec spec, String version) implements Action {
        @Override
        public String environment() {
            return spec.name();
        }
    }

    /** Dry-run: record what would be launched, launch nothing. */
    record Preview(EnvironmentSpec spec, String version) implements Action {
        @Override
        public String environment() {
            return spec.name();
        }
    }

    /** An intent without a task ARN (the operator stopped between intent and recording the ARN): find or relaunch it. */
    record Adopt(String environment, MigrationRecord record) implements Action {}

    /** A task is running: see whether it stopped, or ran past its timeout. */
    record Watch(String environment, MigrationRecord record) implements Action {}

    /** The migration succeeded and the plan says {@code afterSuccess: deploy}. */
    record Deploy(String environment, MigrationRecord record) implements Action {}
}
