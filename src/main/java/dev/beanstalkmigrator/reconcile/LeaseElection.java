package dev.beanstalkmigrator.reconcile;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Leader election through a lease object in S3, the way client-go's leaderelection does it with a Lease:
 * take it with {@code If-None-Match: *}, renew it with {@code If-Match: <etag>}, take it over once it has been
 * seen unchanged for a whole lease duration.
 *
 * <p>Time is judged only on this replica's monotonic clock: how long since this replica last renewed, and
 * how long it has observed someone else's lease unchanged. Wall clocks of two machines are never compared
 * (the times written in the lease are for humans). A leader that has not renewed within the renew deadline
 * (shorter than the lease) stops acting: every ledger write and every RunTask asks {@link #isLeader()} first,
 * so it stops before anyone else may take over. One window remains that no client can close: a write already
 * past that question when the process is paused (SIGSTOP, a long GC) reaches S3 late. S3 cannot make one
 * object's write depend on another object, so that write is fenced by the ledger's own compare-and-swap
 * instead: it is refused if a new leader has written the ledger since.
 */
public final class LeaseElection {

    private static final Logger LOG = Logger.getLogger(LeaseElection.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The lease object's content. */
    public record Lease(String holder, long leaseDurationSeconds, Instant acquireTime, Instant renewTime,
                        int leaderTransitions) {}

    private final ObjectStore store;
    private final ObjectLocation location;
    private final String identity;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final LongSupplier nanoTime;
    private final Clock clock;

    private String etag;
    private Lease observed;
    private long observedAtNanos;
    private long renewedAtNanos;
    private boolean leading;
    private volatile String holder;

    public LeaseElection(ObjectStore store, ObjectLocation location, String identity, Duration leaseDuration,
                         Duration renewDeadline, LongSupplier nanoTime, Clock clock) {
        if (renewDeadline.compareTo(leaseDuration) >= 0) {
            throw new IllegalArgumentException("the renew deadline (" + renewDeadline
                    + ") must be shorter than the lease (" + leaseDuration + ")");
        }
        this.store = store;
        this.location = location;
        this.identity = identity;
        this.leaseDuration = leaseDuration;
        this.renewDeadline = renewDeadline;
        this.nanoTime = nanoTime;
        this.clock = clock;
    }

    public ObjectLocation location() {
        return location;
    }

    /** The holder of the lease as last seen (this replica's identity when it leads), or null. */
    public String holder() {
        return holder;
    }

    /** Whether this replica may act now: it holds the lease and renewed it within the renew deadline. */
    public synchronized boolean isLeader() {
        return leading && nanoTime.getAsLong() - renewedAtNanos < renewDeadline.toNanos();
    }

    /**
     * One attempt to take or renew the lease; call it every retry period.
     *
     * @return whether this replica leads after the attempt
     */
    public synchronized boolean tryAcquireOrRenew() {
        long now = nanoTime.getAsLong();
        boolean wasLeading = isLeader();
        try {
            if (leading && etag != null) {
                renew(now);
            } else {
                acquire(now);
            }
        } catch (CloudError.Conflict lost) {
            // Someone else wrote the lease: it is theirs until seen unchanged for a whole lease. Read it now, to
            // know who leads and to start judging its expiry from this moment.
            leading = false;
            etag = null;
            observed = null;
            try {
                acquire(now);
            } catch (CloudError e) {
                LOG.debugf("lease %s: %s", location, e.getMessage());
            }
        } catch (CloudError e) {
            LOG.warnf("lease %s: %s", location, e.getMessage());
        }
        boolean nowLeading = isLeader();
        if (nowLeading && !wasLeading) {
            LOG.infof("%s leads (lease %s)", identity, location);
        } else if (!nowLeading && wasLeading) {
            LOG.warnf("%s stops acting: lease %s not renewed within %s", identity, location, renewDeadline);
        }
        if (!nowLeading && leading && now - renewedAtNanos >= renewDeadline.toNanos()) {
            leading = false;
        }
        return nowLeading;
    }

    private void renew(long now) {
        Lease lease = new Lease(identity, leaseDuration.toSeconds(), observed == null ? clock.instant()
                : observed.acquireTime(), clock.instant(), observed == null ? 0 : observed.leaderTransitions());
        etag = store.put(location, write(lease), "application/yaml", etag);
        observed = lease;
        renewedAtNanos = now;
        holder = identity;
    }

    private void acquire(long now) {
        ObjectStore.Read read = store.get(location, etag);
        if (read instanceof ObjectStore.Read.Missing) {
            take(now, null, 0);
            return;
        }
        if (read instanceof ObjectStore.Read.Found found) {
            Lease lease = readLease(found.body());
            if (!found.etag().equals(etag)) {
                etag = found.etag();
                observed = lease;
                observedAtNanos = now;
            }
        }
        holder = observed == null ? null : observed.holder();
        if (observed != null && (observed.holder() == null || observed.holder().isBlank())) {
            // Released by its last leader at shutdown: free now.
            take(now, etag, observed.leaderTransitions() + 1);
            return;
        }
        if (observed != null && identity.equals(observed.holder())) {
            // Our own lease from before a restart: renew it as ours.
            take(now, etag, observed.leaderTransitions());
            return;
        }
        if (now - observedAtNanos >= leaseDuration.toNanos()) {
            take(now, etag, observed == null ? 0 : observed.leaderTransitions() + 1);
        }
    }

    private void take(long now, String ifMatch, int transitions) {
        Instant at = clock.instant();
        Lease lease = new Lease(identity, leaseDuration.toSeconds(), at, at, transitions);
        etag = store.put(location, write(lease), "application/yaml", ifMatch);
        observed = lease;
        observedAtNanos = now;
        renewedAtNanos = now;
        leading = true;
        holder = identity;
    }

    /** Gives the lease up (at shutdown), so a standby can take over without waiting for it to expire. */
    public synchronized void release() {
        if (!leading || etag == null) {
            return;
        }
        try {
            Lease expired = new Lease("", leaseDuration.toSeconds(), observed.acquireTime(), clock.instant(),
                    observed.leaderTransitions());
            store.put(location, write(expired), "application/yaml", etag);
            LOG.infof("%s released lease %s", identity, location);
        } catch (CloudError e) {
            LOG.warnf("could not release lease %s: %s", location, e.getMessage());
        } finally {
            leading = false;
            etag = null;
        }
    }

    private static byte[] write(Lease lease) {
        try {
            return YAML.writeValueAsBytes(lease);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Lease readLease(byte[] body) {
        try {
            Lease lease = YAML.readValue(body, Lease.class);
            return lease == null ? new Lease("", 0, null, null, 0) : lease;
        } catch (IOException e) {
            // A lease nobody can read is nobody's lease: it expires like any other.
            return new Lease("", 0, null, null, 0);
        }
    }
}
