package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import java.util.List;

/**
 * The planner's verdict for one environment.
 *
 * @param spec the environment's entry in the plan, or null for an environment only the ledger knows
 * @param resolvedVersion the version the plan asks for, resolved; null if it cannot be resolved now
 * @param deployedVersion what Elastic Beanstalk runs, or null if unknown
 * @param actions what to do, in order
 * @param hold why nothing new is launched, or null
 */
public record Decision(String environment, EnvironmentSpec spec, String resolvedVersion, String deployedVersion,
                       List<Action> actions, Hold hold) {
    public Decision {
        actions = List.copyOf(actions);
    }
}
