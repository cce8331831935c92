package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What an {@link Action} met: facts for the {@link Planner} and the {@link dev.beanstalkmigrator.reconcile.record.LedgerDraft}, never a decision. */
public sealed interface Outcome {

    Action action();

    /**
     * The facts a launch needs.
     *
     * @param spec the action's spec with what the plan left out found from the environment
     * @param discovered how each of those was found, by field ({@code cluster}, ...; empty: nothing was)
     */
    record Prepared(Action.Prepare action, ContainerService.TaskDefinition base, ImageResolver.Resolved image,
                    Beanstalk.Configuration configuration, EnvironmentSpec spec, Map<String, String> discovered)
            implements Outcome {

        /** Facts for a spec the plan gave in full. */
        Prepared(Action.Prepare action, ContainerService.TaskDefinition base, ImageResolver.Resolved image,
                 Beanstalk.Configuration configuration) {
            this(action, base, image, configuration, action.spec(), Map.of());
        }
    }

    /** The migrate revision to run. */
    record Registered(Action.RegisterRevision action, String taskDefinitionArn) implements Outcome {}

    /**
     * RunTask (a launch or a relaunch) answered with a task.
     *
     * @param conflict ECS's ConflictException message when the task is the one ECS named for the client token of a
     *     request that differed from the first; null otherwise
     */
    record Started(Action action, MigrationRecord intent, String taskArn, Instant at, String conflict)
            implements Outcome {
        Started(Action action, MigrationRecord intent, String taskArn, Instant at) {
            this(action, intent, taskArn, at, null);
        }
    }

    /** RunTask answered without a task (no capacity, ...). */
    record NotPlaced(Action action, MigrationRecord intent, String failure, Instant at) implements Outcome {}

    /** This replica no longer leads: the action was not taken. */
    record NotLeader(Action action) implements Outcome {}

    /** ListTasks found the intent's task, or nothing ({@code taskArn} null). */
    record Found(Action.FindTask action, String taskArn) implements Outcome {}

    /** What ECS says of the watched tasks, by ARN (absent: not described). */
    record Described(Action.DescribeTasks action, Map<String, ContainerService.TaskState> tasks)
            implements Outcome {}

    /** StopTask was accepted: ECS is stopping the task (it is not STOPPED yet). */
    record Stopped(Action.StopTask action, Instant at) implements Outcome {}

    /**
     * The record with its masked reason and log tail.
     *
     * @param unmasked the names of the variables whose values were too short to mask in the lines copied (empty when
     *     none were copied)
     * @param digest a preview's: {@code sha256:} of its output (as kept, masked; as printed when withheld); null for a
     *     migration's tail, and for a preview whose output cannot be read (then {@code tail} says why)
     */
    record Tailed(Action.TailLog action, String reason, List<String> tail, List<String> unmasked, String digest)
            implements Outcome {

        /** A migration's tail. */
        public Tailed(Action.TailLog action, String reason, List<String> tail, List<String> unmasked) {
            this(action, reason, tail, unmasked, null);
        }
    }

    /** UpdateEnvironment was accepted. */
    record Deployed(Action.Deploy action, Instant at) implements Outcome {}

    /** The call failed. */
    record Failed(Action action, CloudError error) implements Outcome {}
}
