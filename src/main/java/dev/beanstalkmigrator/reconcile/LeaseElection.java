package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.Lease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Who leads, decided the way client-go's leaderelection decides it with a Lease: take the lease when nobody
 * holds it, renew it every retry period, take it over once it has been seen unchanged for a whole lease
 * duration.
 *
 * <p>The lease lives in the status ledger (see {@link MigrationLedger#elect()}), which does the reading and
 * the compare-and-swap writes; this class only decides. Keeping both in one object is what makes fencing
 * complete: S3 cannot make a write to one object depend on another, but a write to the ledger is refused
 * once anyone else has written it, so a leader paused past its lease (SIGSTOP, a long GC) whose write reaches
 * S3 late is refused as soon as another replica has taken the lease.
 *
 * <p>Time is judged only on this replica's monotonic clock: how long since this replica last renewed, and
 * how long it has observed the ledger unchanged. Wall clocks of two machines are never compared (the times
 * written in the lease are for humans). A leader that has not renewed within the renew deadline (shorter than
 * the lease) stops acting before anyone else may take over.
 */
public final class LeaseElection {

    private final String identity;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final LongSupplier nanoTime;
    private final Clock clock;

    private String observedEtag;
    private long observedAtNanos;
    private Lease lease;
    private long renewedAtNanos;
    private boolean leading;
    private volatile String holder;

    public LeaseElection(String identity, Duration leaseDuration, Duration renewDeadline, Duration retryPeriod,
                         LongSupplier nanoTime, Clock clock) {
        if (renewDeadline.compareTo(leaseDuration) >= 0) {
            throw new IllegalArgumentException("the renew deadline (" + renewDeadline
                    + ") must be shorter than the lease (" + leaseDuration + ")");
        }
        if (retryPeriod.compareTo(renewDeadline) >= 0) {
            throw new IllegalArgumentException("the retry period (" + retryPeriod
                    + ") must be shorter than the renew deadline (" + renewDeadline + ")");
        }
        this.identity = identity;
        this.leaseDuration = leaseDuration;
        this.renewDeadline = renewDeadline;
        this.retryPeriod = retryPeriod;
        this.nanoTime = nanoTime;
        this.clock = clock;
    }

    public String identity() {
        return identity;
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    /** The holder of the lease as last seen (this replica's identity when it leads), or null. */
    public String holder() {
        return holder;
    }

    /** Whether this replica may act now: it holds the lease and renewed it within the renew deadline. */
    public synchronized boolean isLeader() {
        return leading && nanoTime.getAsLong() - renewedAtNanos < renewDeadline.toNanos();
    }

    /** Whether this replica took the lease and has not seen it taken since (it may be past its deadline). */
    synchronized boolean holds() {
        return leading;
    }

    /** The ledger was read: a version this replica had not seen starts a new wait for the lease to expire. */
    synchronized void observed(String etag, Lease read, long nowNanos) {
        if (!Objects.equals(etag, observedEtag)) {
            observedEtag = etag;
            observedAtNanos = nowNanos;
        }
        lease = read;
        holder = read == null ? null : read.holder();
        if (leading && (read == null || !identity.equals(read.holder()))) {
            leading = false;
        }
    }

    /** The ledger was written by this replica, with {@code written} as its lease, from a request sent at {@code sentAtNanos}. */
    synchronized void wrote(String etag, Lease written, long sentAtNanos) {
        observedEtag = etag;
        observedAtNanos = sentAtNanos;
        lease = written;
        holder = written == null ? null : written.holder();
        leading = written != null && identity.equals(written.holder());
        if (leading) {
            renewedAtNanos = sentAtNanos;
        }
    }

    /** Someone else wrote the ledger (a compare-and-swap was refused): not the leader until read again. */
    synchronized void lost() {
        leading = false;
        observedEtag = null;
    }

    /** Whether the leader should renew now: nothing it wrote renewed the lease within the retry period. */
    synchronized boolean renewalDue(long nowNanos) {
        return leading && nowNanos - renewedAtNanos >= retryPeriod.toNanos();
    }

    /** The lease this replica writes with its next ledger write: its own, renewed now. */
    synchronized Lease renewal() {
        Instant now = clock.instant();
        return lease == null || !identity.equals(lease.holder())
                ? new Lease(identity, leaseDuration.toSeconds(), now, now, 0)
                : new Lease(identity, leaseDuration.toSeconds(), lease.acquireTime(), now, lease.leaderTransitions());
    }

    /** The lease to give up at shutdown, or null when this replica does not hold it. */
    synchronized Lease release() {
        if (!leading || lease == null) {
            return null;
        }
        return new Lease("", leaseDuration.toSeconds(), lease.acquireTime(), clock.instant(),
                lease.leaderTransitions());
    }

    /**
     * For a replica that does not lead, right after reading the ledger: the lease to take now, or null to
     * keep waiting.
     *
     * @param exists whether the ledger exists (else it is created with {@code If-None-Match: *})
     */
    synchronized Lease claim(boolean exists, long nowNanos) {
        Instant now = clock.instant();
        if (!exists) {
            return new Lease(identity, leaseDuration.toSeconds(), now, now, 0);
        }
        int transitions = lease == null ? 0 : lease.leaderTransitions();
        if (lease != null && identity.equals(lease.holder())) {
            // Our own lease from before a restart, or one we stopped renewing that nobody took: ours again.
            return new Lease(identity, leaseDuration.toSeconds(), now, now, transitions);
        }
        if (lease != null && lease.released() || nowNanos - observedAtNanos >= leaseDuration.toNanos()) {
            // Released by its last leader at shutdown, or seen unchanged for a whole lease.
            return new Lease(identity, leaseDuration.toSeconds(), now, now, transitions + 1);
        }
        return null;
    }
}
