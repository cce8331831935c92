package dev.beanstalkmigrator.reconcile.lease;

import dev.beanstalkmigrator.model.Lease;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Who may write the ledger of one plan among several (a prefix of plans): the replica the {@link RosterKeeper}'s
 * roster gives the plan, once it has taken the plan's ledger (written its lease into it, a compare-and-swap that
 * fences any late write of the plan's last holder). The lease in the ledger is not renewed by itself: the holder's
 * membership in the roster is what is renewed, once for all its plans.
 *
 * <p>Each time the roster gives the plan to this replica anew, it takes the ledger again, which begins a new term:
 * what it knew of the ledger from before may be stale.
 */
public final class PlanLeadership implements Leadership {

    private final RosterKeeper roster;
    private final String plan;
    private final Clock clock;

    private Lease lease;
    private String observedEtag;
    private long lastSeenNanos;
    private boolean leading;
    /** The roster's epoch of the plan under which this replica took the ledger. */
    private long takenInEpoch;
    private long terms;
    private volatile String holder;

    public PlanLeadership(RosterKeeper roster, String plan, Clock clock) {
        this.roster = roster;
        this.plan = plan;
        this.clock = clock;
    }

    @Override
    public String identity() {
        return roster.identity();
    }

    @Override
    public String holder() {
        return holder;
    }

    @Override
    public synchronized boolean isLeader() {
        return holds() && roster.mayLead(plan);
    }

    @Override
    public synchronized long term() {
        return isLeader() ? terms : -1;
    }

    @Override
    public long nanoTime() {
        return roster.nanoTime();
    }

    /** Whether this replica took the ledger since the roster last gave it the plan, and has not seen it taken. */
    @Override
    public synchronized boolean holds() {
        if (leading && takenInEpoch != roster.epoch(plan)) {
            // Given anew (after having been another's, or this replica's membership lapsing): take the ledger again.
            leading = false;
        }
        return leading;
    }

    @Override
    public synchronized void observed(String etag, Lease read, long nowNanos) {
        observedEtag = etag;
        lastSeenNanos = nowNanos;
        lease = read;
        holder = read == null ? null : read.holder();
        if (leading && (read == null || !identity().equals(read.holder()))) {
            leading = false;
        }
    }

    @Override
    public synchronized void wrote(String etag, Lease written, long sentAtNanos) {
        observedEtag = etag;
        lastSeenNanos = sentAtNanos;
        lease = written;
        holder = written == null ? null : written.holder();
        boolean was = leading;
        leading = written != null && identity().equals(written.holder());
        if (leading && !was) {
            takenInEpoch = roster.epoch(plan);
            terms++;
        }
    }

    @Override
    public synchronized void lost() {
        leading = false;
        observedEtag = null;
    }

    /** Never: the membership in the roster is what is renewed. */
    @Override
    public boolean renewalDue(long nowNanos) {
        return false;
    }

    @Override
    public synchronized boolean observedWithinRetryPeriod(long nowNanos) {
        return observedEtag != null && nowNanos - lastSeenNanos < roster.timing().retryPeriod().toNanos();
    }

    @Override
    public synchronized Lease renewal() {
        Instant now = clock.instant();
        long seconds = roster.timing().leaseDuration().toSeconds();
        return lease == null || !identity().equals(lease.holder())
                ? new Lease(identity(), seconds, now, now, 0)
                : new Lease(identity(), seconds, lease.acquireTime(), now, lease.leaderTransitions());
    }

    @Override
    public synchronized Lease release() {
        if (!leading || lease == null) {
            return null;
        }
        return new Lease("", roster.timing().leaseDuration().toSeconds(), lease.acquireTime(), clock.instant(),
                lease.leaderTransitions());
    }

    /** The ledger's lease for this replica when the roster lets it lead the plan, whoever held it before. */
    @Override
    public synchronized Lease claim(boolean exists, long nowNanos) {
        if (!roster.mayLead(plan)) {
            return null;
        }
        Instant now = clock.instant();
        long seconds = roster.timing().leaseDuration().toSeconds();
        if (!exists || lease == null) {
            return new Lease(identity(), seconds, now, now, 0);
        }
        int transitions = lease.leaderTransitions() + (Objects.equals(identity(), lease.holder()) ? 0 : 1);
        return new Lease(identity(), seconds, now, now, transitions);
    }
}
