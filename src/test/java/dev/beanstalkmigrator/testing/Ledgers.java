package dev.beanstalkmigrator.testing;

import dev.beanstalkmigrator.model.MigrationStatus;

/** Ledgers for tests: only the operator's own passes write a leader into the ledgers it stores. */
public final class Ledgers {

    private Ledgers() {}

    /** {@code status} naming {@code leader}. */
    public static MigrationStatus withLeader(MigrationStatus status, String leader) {
        return new MigrationStatus(status.apiVersion(), status.kind(), status.plan(), status.observedPlanRevision(),
                status.planError(), leader, status.lease(), status.notifications(), status.environments());
    }
}
