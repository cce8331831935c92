package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationRecord;
import java.time.Duration;
import java.util.List;

/**
 * The planner's verdict for one environment.
 *
 * @param spec the environment's entry in the plan, or null for an environment only the ledger knows
 * @param resolvedVersion the version the plan asks for, resolved; null if it cannot be resolved now
 * @param deployedVersion what Elastic Beanstalk runs, or null if unknown
 * @param actions what to do, in order
 * @param watches the running migrations to look at
 * @param records what the ledger gets without any call (a dry-run's Pending record)
 * @param hold why nothing new is launched, or null
 * @param requeueAfter when to look again at the latest, or null for the usual intervals
 */
public record Decision(String environment, EnvironmentSpec spec, String resolvedVersion, String deployedVersion,
                       List<Action> actions, List<Action.Watch> watches, List<MigrationRecord> records, Hold hold,
                       Duration requeueAfter) {
    public Decision {
        actions = List.copyOf(actions);
        watches = List.copyOf(watches);
        records = List.copyOf(records);
    }

    /** This decision without its actions of {@code kind}, held by {@code newHold} (if any) until {@code after}. */
    Decision without(Class<? extends Action> kind, Hold newHold, Duration after) {
        if (actions.stream().noneMatch(kind::isInstance)) {
            return this;
        }
        return new Decision(environment, spec, resolvedVersion, deployedVersion,
                actions.stream().filter(a -> !kind.isInstance(a)).toList(), watches, records,
                newHold != null ? newHold : hold, after);
    }
}
