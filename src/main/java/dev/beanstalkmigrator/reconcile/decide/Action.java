package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.port.ContainerService;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One thing the {@link dev.beanstalkmigrator.reconcile.execute.ActionExecutor} does through the ports, as decided by the {@link Planner}. Each answers
 * with one {@link Outcome}; what follows is the planner's to decide.
 */
public sealed interface Action {

    /** The environment it is for (a batch of watches names its first). */
    String environment();

    /**
     * Gathers the facts a launch needs: the cluster, task definition and container where the plan leaves them out
     * (found from the environment by {@link dev.beanstalkmigrator.reconcile.observe.EnvironmentDiscovery}), the base task definition, the image for the
     * version, the environment's variables. The planner then chooses the task definition to run.
     *
     * @param launchId the id the launch will carry if the planner goes on with it
     * @param environmentId the environment's id as this cycle read it from Elastic Beanstalk (null if unknown):
     *     what its ECS cluster is tagged with
     * @param preview the launch is the version's preview ({@code spec} then carries the preview's command)
     */
    record Prepare(EnvironmentSpec spec, String version, String launchId, String environmentId, boolean preview)
            implements Action {

        /** A migration's launch. */
        Prepare(EnvironmentSpec spec, String version, String launchId, String environmentId) {
            this(spec, version, launchId, environmentId, false);
        }

        /** A migration's launch whose environment id is not known. */
        Prepare(EnvironmentSpec spec, String version, String launchId) {
            this(spec, version, launchId, null, false);
        }

        @Override
        public String environment() {
            return spec.name();
        }
    }

    /**
     * Registers (or reuses) the migrate revision of {@code base}: {@code image} in the container, and, when
     * given, the secrets (as references), the variables and the command baked in (the variables and the command
     * only when they do not fit into RunTask's overrides).
     *
     * @param overridden the variables that ride in the launch's overrides instead, for the launch that follows;
     *     never recorded
     */
    record RegisterRevision(EnvironmentSpec spec, MigrationRecord intent, ContainerService.TaskDefinition base,
                            Map<String, String> bakedVariables, Map<String, String> bakedSecrets,
                            List<String> bakedCommand, Map<String, String> overridden) implements Action {
        @Override
        public String environment() {
            return spec.name();
        }
    }

    /**
     * RunTask of an intent that is in the ledger already.
     *
     * @param launch the request; without the variables that ride in its overrides when {@code variablesOf} is set
     * @param variablesOf the Elastic Beanstalk application whose environment's variables ride in the overrides and
     *     are to be read again first (a Pending launch sent again: its variables are not recorded), or null when the
     *     request is complete
     */
    record Launch(EnvironmentSpec spec, MigrationRecord intent, ContainerService.TaskLaunch launch, String variablesOf)
            implements Action {

        /** A complete request. */
        public Launch(EnvironmentSpec spec, MigrationRecord intent, ContainerService.TaskLaunch launch) {
            this(spec, intent, launch, null);
        }

        @Override
        public String environment() {
            return spec.name();
        }
    }

    /** Looks for the task of an intent without task ARN, by {@code startedBy} (ListTasks). */
    record FindTask(String environment, MigrationRecord intent) implements Action {}

    /**
     * RunTask again with the intent's client token (ECS returns the first call's task, if any, while it honours
     * the token). The request is rebuilt from the intent, so it is the first one, but for the variables that ride
     * in its overrides: they are read again, and if they changed meanwhile ECS answers ConflictException naming the
     * first call's task, which is adopted.
     *
     * @param spec the environment's entry in the plan, or null when it left the plan: an intent with its placement
     *     needs nothing of it
     * @param variablesOf the Elastic Beanstalk application whose environment's variables ride in the overrides
     *     (read them again), or null when none do
     */
    record Relaunch(String environment, EnvironmentSpec spec, MigrationRecord intent, String variablesOf)
            implements Action {}

    /**
     * Describes the running migrate tasks of one cluster (DescribeTasks, batched): the watches' records were all
     * launched in that cluster at one place.
     */
    record DescribeTasks(String cluster, List<Watch> watches) implements Action {
        @Override
        public String environment() {
            return watches.get(0).environment();
        }

        /** Where the cluster is: where its tasks were launched. */
        public dev.beanstalkmigrator.model.CloudPlace place() {
            return watches.get(0).record().at();
        }
    }

    /** A running migration to look at. */
    record Watch(String environment, MigrationRecord record) {}

    /** Asks ECS to stop a task past its timeout (SIGTERM, then SIGKILL after the container's stop timeout). */
    record StopTask(String environment, MigrationRecord record, Duration timeout) implements Action {}

    /**
     * Reads the last lines of a finished migration's log, masking the values the task ran with (those of its
     * revision's container, {@code overridden}, and the environment's current ones); or, when the migration had
     * secrets, reads none and says where the log is (the values of secrets cannot be masked: the operator never
     * reads them).
     *
     * @param application the environment's application, whose current variables are masked too (null: unknown)
     * @param overridden the variables RunTask's container override gave the task, as ECS reported it stopped
     *     (only intents written before placements were recorded sent any); empty: none
     */
    record TailLog(String environment, String application, MigrationRecord record, Map<String, String> overridden)
            implements Action {

        public TailLog {
            overridden = overridden == null ? Map.of() : Map.copyOf(overridden);
        }

        /** The migration had secret variables: its log is not copied. */
        public boolean withhold() {
            return record.secrets() != null;
        }
    }

    /** Deploys the migrated version ({@code afterSuccess: deploy}). */
    record Deploy(String environment, MigrationRecord record) implements Action {}
}
