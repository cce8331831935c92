package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides, without side effects, what each environment needs: compares the plan (desired) with the ledger
 * and Elastic Beanstalk (observed). Level-based: the same inputs give the same decisions, so a decision lost
 * in a crash is simply taken again.
 *
 * <p>Rules: a migration is keyed by (environment, version, rerun token) and launched only if the ledger has
 * no record of that key; one migration at a time per environment; in-flight migrations are adopted or
 * watched whatever the plan now says, so no launched task loses its outcome.
 */
public final class Planner {

    private Planner() {}

    public static List<Decision> plan(MigrationPlan plan, MigrationStatus ledger, Observation observation,
                                      boolean dryRun) {
        List<Decision> decisions = new ArrayList<>();
        Set<String> planned = new LinkedHashSet<>();
        if (plan != null) {
            for (EnvironmentSpec spec : plan.environments()) {
                planned.add(spec.name());
                decisions.add(decide(spec, ledger.environment(spec.name()), observation, dryRun));
            }
        }
        for (EnvironmentStatus orphan : ledger.environments()) {
            if (!planned.contains(orphan.name())) {
                List<Action> actions = followInFlight(orphan);
                if (!actions.isEmpty()) {
                    decisions.add(new Decision(orphan.name(), null, null, orphan.deployedVersion(), actions, null));
                }
            }
        }
        return decisions;
    }

    static Decision decide(EnvironmentSpec spec, EnvironmentStatus status, Observation observation, boolean dryRun) {
        List<Action> actions = status == null ? new ArrayList<>() : followInFlight(status);
        Observation.Application app = observation.application(spec.application());
        if (app == null) {
            return new Decision(spec.name(), spec, null, null, actions,
                    Hold.waiting("NotObserved", "application " + spec.application() + " not read yet"));
        }
        if (app.error() != null) {
            return new Decision(spec.name(), spec, null, null, actions, holdFor(app.error()));
        }
        Beanstalk.Environment environment = app.environment(spec.name());
        if (environment == null) {
            return new Decision(spec.name(), spec, null, null, actions, Hold.stalled("EnvironmentNotFound",
                    "Elastic Beanstalk has no environment " + spec.name() + " in application " + spec.application()
                            + "; fix the name or the application in the plan"));
        }
        String deployed = environment.versionLabel();
        String version = switch (spec.version().mode()) {
            case LABEL -> spec.version().label();
            case DEPLOYED -> deployed;
            case LATEST -> app.versions() == null || app.versions().isEmpty() ? null : app.versions().get(0).label();
        };
        if (version == null) {
            return new Decision(spec.name(), spec, null, deployed, actions, Hold.waiting("NoVersion",
                    "no application version to resolve '" + spec.version() + "' to yet"));
        }
        Hold hold = null;
        MigrationRecord existing = status == null ? null : status.find(version, spec.rerun());
        boolean inFlight = !actions.isEmpty();
        if (existing == null && status != null && status.archivedKey(version, spec.rerun()) != null) {
            // Migrated long ago; only its key is left. Never again.
            return new Decision(spec.name(), spec, version, deployed, actions, null);
        }
        if (spec.suspend()) {
            hold = new Hold(Hold.Kind.SUSPENDED, "Suspended", "suspend: true in the plan; nothing new is launched");
        } else if (existing == null || existing.phase() == Phase.Pending) {
            if (inFlight) {
                hold = Hold.waiting("MigrationInFlight",
                        "waiting for the migration in flight before migrating " + version);
            } else if (dryRun) {
                if (existing == null) {
                    actions.add(new Action.Preview(spec, version));
                }
                hold = Hold.waiting("DryRun", "dry-run: would migrate " + version);
            } else {
                actions.add(new Action.Launch(spec, version));
            }
        } else if (existing.phase() == Phase.Succeeded && spec.afterSuccess() == AfterSuccess.DEPLOY
                && existing.deployedAt() == null && !version.equals(deployed)) {
            if (dryRun) {
                hold = Hold.waiting("DryRun", "dry-run: would deploy " + version);
            } else if (!environment.ready()) {
                hold = Hold.waiting("EnvironmentBusy", "environment is " + environment.status()
                        + "; deploying " + version + " once it is Ready");
            } else {
                actions.add(new Action.Deploy(spec.name(), existing));
            }
        }
        return new Decision(spec.name(), spec, version, deployed, actions, hold);
    }

    private static List<Action> followInFlight(EnvironmentStatus status) {
        List<Action> actions = new ArrayList<>();
        for (MigrationRecord record : status.history()) {
            if (record.phase() == Phase.Launching) {
                actions.add(new Action.Adopt(status.name(), record));
            } else if (record.phase() == Phase.Running) {
                actions.add(new Action.Watch(status.name(), record));
            }
        }
        return actions;
    }

    static Hold holdFor(CloudError error) {
        if (error instanceof CloudError.Stalled stalled) {
            return Hold.stalled(stalled.code() == null ? "AwsError" : stalled.code(),
                    stalled.getMessage() + (stalled.hint() == null ? "" : "; " + stalled.hint()));
        }
        if (error instanceof CloudError.Waiting waiting) {
            return Hold.waiting(waiting.code() == null ? "Waiting" : waiting.code(), waiting.getMessage());
        }
        if (error instanceof CloudError.Conflict conflict) {
            return Hold.waiting("Conflict", conflict.getMessage());
        }
        return Hold.waiting("AwsUnavailable", error.getMessage() + "; retrying");
    }
}
