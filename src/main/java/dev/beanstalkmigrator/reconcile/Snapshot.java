package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import java.time.Instant;

/**
 * What the last reconcile cycle saw and did, published for the API and the health checks (which never call
 * AWS themselves).
 *
 * @param status the ledger as last written or read (never null)
 * @param plan the plan in force and the newest plan's errors
 * @param leader whether this replica acts (false: standby)
 * @param lastSync when AWS last answered a full cycle, or null
 * @param lastError the last cycle's error, or null
 * @param awsAnswered AWS answered in the last cycle
 * @param lastProgress when the loop last made progress: a cycle ended or, inside a long one, a task was launched
 *     (liveness)
 * @param passes how many reconcile passes ran (a cycle with nothing new to look at runs none)
 * @param problem what keeps the loop from working (readiness is down meanwhile), or null
 */
public record Snapshot(MigrationStatus status, DesiredState.View plan, boolean leader, String identity,
                       Instant lastSync, String lastError, boolean awsAnswered, Instant lastProgress, long passes,
                       LoopProblem problem) {

    /** This snapshot, with progress made at {@code at}. */
    Snapshot progressed(Instant at) {
        return new Snapshot(status, plan, leader, identity, lastSync, lastError, awsAnswered, at, passes, problem);
    }

    public static Snapshot initial(String identity) {
        return new Snapshot(MigrationStatus.empty(), null, false, identity, null, null, false, null, 0, null);
    }
}
