package dev.beanstalkmigrator.reconcile.lease;

import dev.beanstalkmigrator.model.Lease;

/**
 * Who may write one status ledger, and with what lease in it: the decisions {@link MigrationLedger} asks for before
 * and after each read and compare-and-swap write of the ledger. {@link LeaseElection} keeps a lease of its own in
 * the ledger (one plan); {@link PlanLeadership} follows the roster of many plans, in which each replica keeps one
 * membership for all the plans it leads.
 *
 * <p>Time is judged only on this replica's monotonic clock ({@link #nanoTime()}).
 */
public interface Leadership {

    /** This process's identity: the holder of the lease while it leads. */
    String identity();

    /** The holder of the lease as last seen (this replica's identity when it leads), or null. */
    String holder();

    /** Whether this replica may act now. */
    boolean isLeader();

    /**
     * The leadership this replica is in: a number that changes each time it begins to lead, or -1 while it may not
     * act. What a replica learned of the ledger in an earlier term may be stale.
     */
    long term();

    long nanoTime();

    /** Whether this replica took the lease and has not seen it taken since (it may not act, all the same). */
    boolean holds();

    /** The ledger was read: its ETag (null: there is none) and the lease in it, at {@code nowNanos}. */
    void observed(String etag, Lease read, long nowNanos);

    /** The ledger was written by this replica, with {@code written} as its lease, from a request sent at {@code sentAtNanos}. */
    void wrote(String etag, Lease written, long sentAtNanos);

    /** Someone else wrote the ledger (a compare-and-swap was refused): not the leader until read again. */
    void lost();

    /** Whether the holder should write the ledger now only to renew the lease. */
    boolean renewalDue(long nowNanos);

    /** Whether this replica read the ledger (or wrote it) within the last retry period. */
    boolean observedWithinRetryPeriod(long nowNanos);

    /** The lease this replica writes with its next ledger write: its own, renewed now. */
    Lease renewal();

    /** The lease to give up at shutdown, or null when this replica does not hold it. */
    Lease release();

    /**
     * For a replica that does not hold the lease, right after reading the ledger: the lease to take now, or null to
     * keep waiting.
     *
     * @param exists whether the ledger exists (else it is created with {@code If-None-Match: *})
     */
    Lease claim(boolean exists, long nowNanos);
}
