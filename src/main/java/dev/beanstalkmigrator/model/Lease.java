package dev.beanstalkmigrator.model;

import java.time.Instant;

/**
 * The leader's lease, kept in the status ledger itself, so that taking the lease, renewing it and every ledger
 * write are compare-and-swaps on one object: a write from a replica whose lease another replica has taken is
 * refused by S3, whenever it arrives.
 *
 * @param holder the identity of the leader's process (its configured name plus a suffix of that process's own, so
 *     that no two processes share one); empty when released at shutdown
 * @param leaseDurationSeconds how long a standby waits, having seen the ledger unchanged, before taking over
 * @param acquireTime when the holder took the lease (for humans: expiry is never judged by comparing clocks)
 * @param renewTime when the holder last renewed it (for humans)
 * @param leaderTransitions how many times the lease changed hands
 */
public record Lease(String holder, long leaseDurationSeconds, Instant acquireTime, Instant renewTime,
                    int leaderTransitions) {

    /** Whether nobody holds it (released by its last leader). */
    public boolean released() {
        return holder == null || holder.isBlank();
    }
}
