package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.reconcile.lease.RosterKeeper;
import java.util.Map;
import java.util.Set;

/**
 * Which plan an environment belongs to when several plans are served at once (a prefix of plans): the plan that
 * recorded it first keeps it, and another plan naming it is told which (see README, "Many plans").
 */
public interface EnvironmentClaims {

    /** One plan alone: every environment it names is its own. */
    EnvironmentClaims NONE = new EnvironmentClaims() {
        @Override
        public RosterKeeper.Claimed claim(Map<String, String> keysByName, Set<String> imported) {
            return new RosterKeeper.Claimed(Map.of(), Map.of());
        }

        @Override
        public MigrationStatus ledgerOf(String plan) {
            return null;
        }
    };

    /**
     * Claims for this plan every environment of {@code keysByName} that no plan holds (one another plan held last only
     * once its history is in this plan's ledger: {@code imported}), lets go of the ones it held and no longer names,
     * and answers which of them another plan holds, and which another plan held last ({@link RosterKeeper.Claimed}:
     * what ran there is to be taken over from its ledger, {@link #ledgerOf}, before this plan claims it).
     *
     * @param keysByName the environments this plan names or still follows a task of, by name: each one's
     *     {@link #key}
     * @param imported names whose history from the plan that held them last this plan's ledger now holds
     * @throws dev.beanstalkmigrator.port.CloudError when the claims could not be read or written (the cycle is
     *     tried again)
     */
    RosterKeeper.Claimed claim(Map<String, String> keysByName, Set<String> imported);

    /**
     * The ledger of {@code plan}, which held an environment last, or null when it has none.
     *
     * @throws dev.beanstalkmigrator.port.CloudError when that ledger cannot be read (the cycle is tried again)
     */
    MigrationStatus ledgerOf(String plan);

    /**
     * What tells an environment apart across the plans of one prefix: its name, whatever account or Region a plan
     * places it in. An environment moved to another plan and another account in one edit is named, until the old plan
     * reads its new file, by both plans, each in its place, on its one database; keyed by its name it stays with the
     * first plan until that plan lets it go, and the other takes over what ran there (README, "Many plans").
     */
    static String key(String environment) {
        return environment;
    }
}
