package dev.beanstalkmigrator.reconcile.lease;

import dev.beanstalkmigrator.model.Lease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Who leads, decided the way client-go's leaderelection decides it with a Lease: take the lease when nobody
 * holds it, renew it once a third of the lease has passed since the last renewal, take it over once it has been
 * seen unchanged for a whole lease duration.
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
 *
 * <p>Renewing costs a PutObject of the whole ledger, so the leader renews only as often as safety needs: once
 * {@link Timing#renewInterval()} (a third of the lease) has passed since its last renewal, any ledger write
 * counting as one. It is asked every retry period, so a renewal that fails is tried again each retry period
 * until the renew deadline passes; from then on it does not act, and it keeps trying (a renewal nobody
 * forestalled makes it lead again, its compare-and-swap proving nobody else wrote meanwhile).
 *
 * <p>Each instance has an identity of its own, a name plus a random suffix ({@link #processIdentity}), as
 * client-go's has: a lease bearing this identity was written by this very process. Two replicas configured with one
 * name (two processes on one host with no identity configured, say) are still two holders, and a restarted process
 * is a new one, which waits for its predecessor's lease to expire like any standby (it cannot know the predecessor
 * is dead), unless the predecessor released the lease at shutdown.
 */
public final class LeaseElection implements Leadership {

    private final String identity;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration renewInterval;
    private final Duration retryPeriod;
    private final LongSupplier nanoTime;
    private final Clock clock;

    private String observedEtag;
    private long observedAtNanos;
    private Lease lease;
    private long renewedAtNanos;
    private long lastSeenNanos;
    private boolean leading;
    /** How many times this replica has begun to lead: taken the lease, or taken it back after losing it. */
    private long terms;
    private volatile String holder;

    /**
     * The three durations of leader election, named.
     *
     * @param leaseDuration how long a standby must see the ledger unchanged before it takes the lease over
     * @param renewDeadline how long after its last renewal a leader stops acting; shorter than the lease by the
     *     safety margin, and longer than a third of the lease plus a retry period, so that a due renewal is tried
     *     at least once before it
     * @param retryPeriod how often the lease is checked: renewed when due, retried after a failure, watched by a
     *     standby
     */
    public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {

        public Timing {
            String problem = problem(leaseDuration, renewDeadline, retryPeriod, "the lease duration",
                    "the renew deadline", "the retry period");
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }

        /** A third of the lease: how long after a renewal the leader renews again. */
        public Duration renewInterval() {
            return leaseDuration.dividedBy(3);
        }

        /**
         * What is wrong with these durations, naming them as the caller does (configuration keys, say), or null.
         */
        public static String problem(Duration lease, Duration renewDeadline, Duration retryPeriod, String leaseName,
                                     String renewDeadlineName, String retryPeriodName) {
            if (retryPeriod.isNegative() || retryPeriod.isZero()) {
                return retryPeriodName + " (" + text(retryPeriod) + ") must be positive";
            }
            if (renewDeadline.compareTo(lease) >= 0) {
                return renewDeadlineName + " (" + text(renewDeadline) + ") must be shorter than " + leaseName + " ("
                        + text(lease) + "): a leader must stop acting before a standby may take over";
            }
            if (retryPeriod.compareTo(renewDeadline) >= 0) {
                return retryPeriodName + " (" + text(retryPeriod) + ") must be shorter than " + renewDeadlineName
                        + " (" + text(renewDeadline) + ")";
            }
            if (lease.dividedBy(3).plus(retryPeriod).compareTo(renewDeadline) >= 0) {
                return renewDeadlineName + " (" + text(renewDeadline) + ") must be longer than a third of "
                        + leaseName + " (" + text(lease) + ", when the leader renews) plus " + retryPeriodName + " ("
                        + text(retryPeriod) + ", how often it checks), or a due renewal may not be tried before the"
                        + " deadline";
            }
            return null;
        }

        private static String text(Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
    }

    /**
     * @param name the configured name of this replica (the host name by default): the prefix of its identity, which
     *     gets a random suffix of its own here
     */
    public LeaseElection(String name, Timing timing, LongSupplier nanoTime, Clock clock) {
        this.identity = processIdentity(name);
        this.leaseDuration = timing.leaseDuration();
        this.renewInterval = timing.renewInterval();
        this.renewDeadline = timing.renewDeadline();
        this.retryPeriod = timing.retryPeriod();
        this.nanoTime = nanoTime;
        this.clock = clock;
    }

    /**
     * An identity for one process: {@code name}, an underscore and a random UUID, the form client-go's leader
     * election gives a Lease holder (its host name plus a UUID). Unique per call, so per process when made once at
     * startup.
     */
    public static String processIdentity(String name) {
        return name + "_" + UUID.randomUUID();
    }

    /** This process's identity: its configured name plus its own suffix; the holder of the lease while it leads. */
    @Override
    public String identity() {
        return identity;
    }

    @Override
    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    /** The holder of the lease as last seen (this replica's identity when it leads), or null. */
    @Override
    public String holder() {
        return holder;
    }

    /** Whether this replica may act now: it holds the lease and renewed it within the renew deadline. */
    @Override
    public synchronized boolean isLeader() {
        return leading && nanoTime.getAsLong() - renewedAtNanos < renewDeadline.toNanos();
    }

    /**
     * The leadership this replica is in: a number that changes each time it begins to lead (takes the lease, or
     * takes it back once it had lost it, whoever wrote meanwhile), or -1 while it may not act. A renewal that lands
     * after the renew deadline, nobody having written meanwhile, continues the same term. What a replica learned
     * of the ledger in an earlier term may be stale: another leader may have acted in between.
     */
    @Override
    public synchronized long term() {
        return isLeader() ? terms : -1;
    }

    /** Whether this replica took the lease and has not seen it taken since (it may be past its deadline). */
    @Override
    public synchronized boolean holds() {
        return leading;
    }

    /** The ledger was read: a version this replica had not seen starts a new wait for the lease to expire. */
    @Override
    public synchronized void observed(String etag, Lease read, long nowNanos) {
        if (!Objects.equals(etag, observedEtag)) {
            observedEtag = etag;
            observedAtNanos = nowNanos;
        }
        lastSeenNanos = nowNanos;
        lease = read;
        holder = read == null ? null : read.holder();
        if (leading && (read == null || !identity.equals(read.holder()))) {
            leading = false;
        }
    }

    /** The ledger was written by this replica, with {@code written} as its lease, from a request sent at {@code sentAtNanos}. */
    @Override
    public synchronized void wrote(String etag, Lease written, long sentAtNanos) {
        observedEtag = etag;
        observedAtNanos = sentAtNanos;
        lease = written;
        holder = written == null ? null : written.holder();
        lastSeenNanos = sentAtNanos;
        boolean was = leading;
        leading = written != null && identity.equals(written.holder());
        if (leading) {
            renewedAtNanos = sentAtNanos;
            if (!was) {
                terms++;
            }
        }
    }

    /** Someone else wrote the ledger (a compare-and-swap was refused): not the leader until read again. */
    @Override
    public synchronized void lost() {
        leading = false;
        observedEtag = null;
    }

    /**
     * Whether the lease holder should renew now: nothing it wrote renewed the lease within the renew interval.
     * Still true after a failed renewal (nothing renewed), so the next round, a retry period later, tries again.
     */
    @Override
    public synchronized boolean renewalDue(long nowNanos) {
        return leading && nowNanos - renewedAtNanos >= renewInterval.toNanos();
    }

    /** Whether this replica read the ledger (or wrote it) within the last retry period. */
    @Override
    public synchronized boolean observedWithinRetryPeriod(long nowNanos) {
        return observedEtag != null && nowNanos - lastSeenNanos < retryPeriod.toNanos();
    }

    /** The lease this replica writes with its next ledger write: its own, renewed now. */
    @Override
    public synchronized Lease renewal() {
        Instant now = clock.instant();
        return lease == null || !identity.equals(lease.holder())
                ? new Lease(identity, leaseDuration.toSeconds(), now, now, 0)
                : new Lease(identity, leaseDuration.toSeconds(), lease.acquireTime(), now, lease.leaderTransitions());
    }

    /** The lease to give up at shutdown, or null when this replica does not hold it. */
    @Override
    public synchronized Lease release() {
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
    @Override
    public synchronized Lease claim(boolean exists, long nowNanos) {
        Instant now = clock.instant();
        if (!exists) {
            return new Lease(identity, leaseDuration.toSeconds(), now, now, 0);
        }
        int transitions = lease == null ? 0 : lease.leaderTransitions();
        if (lease != null && identity.equals(lease.holder())) {
            // Written by this very process (the identity is its own), and nobody wrote since: a renewal whose answer
            // was lost and whose retry was then refused as a conflict, say. Ours again.
            return new Lease(identity, leaseDuration.toSeconds(), now, now, transitions);
        }
        if (lease != null && lease.released() || nowNanos - observedAtNanos >= leaseDuration.toNanos()) {
            // Released by its last leader at shutdown, or seen unchanged for a whole lease.
            return new Lease(identity, leaseDuration.toSeconds(), now, now, transitions + 1);
        }
        return null;
    }
}
