package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.reconcile.lease.RosterKeeper;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The claims of one plan among several, kept in the roster of the prefix: what another plan held last is read from
 * that plan's ledger.
 *
 * @param roster the prefix's roster
 * @param objects where the plans' ledgers are
 * @param plan the plan these claims are for (its key under the prefix)
 * @param ledgerLocation where a plan's ledger is, by the plan's key
 */
public record RosterClaims(RosterKeeper roster, ObjectStore objects, String plan,
                           Function<String, ObjectLocation> ledgerLocation) implements EnvironmentClaims {

    @Override
    public RosterKeeper.Claimed claim(Map<String, String> keysByName, Set<String> imported) {
        return roster.claim(plan, keysByName, imported);
    }

    @Override
    public MigrationStatus ledgerOf(String other) {
        return objects.get(ledgerLocation.apply(other), null) instanceof ObjectStore.Read.Found found
                ? LedgerCodec.read(found.body()) : null;
    }
}
