package dev.beanstalkmigrator.reconcile.lease;

import dev.beanstalkmigrator.model.Lease;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.notify.Outbox;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * The status ledger in S3, which also holds the leader's lease. Every {@link #write} is a compare-and-swap against
 * the ETag of the ledger its draft was built from: the version {@link #current()} or {@link #reload()} last returned,
 * as this replica's own writes on top of it moved it on. A write based on a stale view (a deposed leader's, or one
 * racing a restart) is refused with {@link CloudError.Conflict} and the caller must {@link #reload()} and decide
 * again. The ETag is never one read after the draft was begun: had the cache been dropped meanwhile (a renewal that
 * failed) and the ledger been rewritten, writing against the newer ETag would overwrite what the other writer wrote.
 *
 * <p>With leader election on, every write carries this replica's lease, renewed; {@link #elect()} takes the
 * lease (a write of the ledger as it stands with this replica's lease in it), renews it when nothing else was
 * written for a third of the lease, and watches it from a standby. Taking the lease therefore changes the
 * ledger's ETag, and any write a deposed leader still has in flight is refused: at every instant the sandbox or
 * S3 can observe, the last accepted write is the lease holder's.
 *
 * <p>Between writes the ledger is served from memory: while this replica is the only writer, what it wrote
 * is what is stored, so an idle cycle reads nothing.
 */
public final class MigrationLedger {

    private static final Logger LOG = Logger.getLogger(MigrationLedger.class);

    private final ObjectStore store;
    private final ObjectLocation location;
    private final Leadership election;
    private final BooleanSupplier fence;
    private final LedgerCodec.Writer writer = new LedgerCodec.Writer();
    /** Whether the cache below is the ledger as last read or written (else the next use reads it). */
    private boolean known;
    /** The ledger, or null while only the bytes of the last read are held: a standby parses them on demand. */
    private MigrationStatus parsed;
    private byte[] unparsed;
    private Lease storedLease;
    /** The ETag of the cached ledger (null: there is none); kept when the cache is dropped. */
    private String etag;
    /**
     * The ETag of the ledger the writer's drafts are built on (null: none existed), once {@link #based}: what
     * {@link #current()} or {@link #reload()} last returned, moved on by this replica's writes on top of it.
     */
    private String baseEtag;
    private boolean based;
    private long contentVersion;
    /** What last kept the lease from being kept, as logged, or null. */
    private String leaseTrouble;

    /** A ledger with no leader election (a single instance): no lease is written. */
    public MigrationLedger(ObjectStore store, ObjectLocation location) {
        this(store, location, null);
    }

    /**
     * @param election decides who leads, or null for a single instance; every write asks it first and is
     *     refused when this replica is not the leader
     */
    public MigrationLedger(ObjectStore store, ObjectLocation location, Leadership election) {
        this.store = store;
        this.location = location;
        this.election = election;
        this.fence = election == null ? () -> true : election::isLeader;
    }

    /**
     * For a standby: the ledger as the leader last wrote it, read with a conditional GET (a 304 when
     * unchanged), unless the lease keeper read it within the last retry period: a standby's second GET of the
     * same object per period would only add to the idle bill.
     */
    public synchronized MigrationStatus follow() {
        if (!(known && election != null && election.observedWithinRetryPeriod(election.nanoTime()))) {
            refresh();
        }
        return status();
    }

    /**
     * A number that changes whenever the ledger's content as this replica knows it may have changed: on every
     * read that brought a body, and on every write of changed content. Renewing the lease leaves it alone.
     */
    public synchronized long contentVersion() {
        return contentVersion;
    }

    /**
     * The ledger as last read or written; loads it on first use, and again after the cache was dropped. A draft built
     * on it is written with {@link #write}, against its ETag.
     */
    public synchronized MigrationStatus current() {
        if (!known) {
            reload();
        }
        return based(status());
    }

    /** Forgets what is cached and reads the ledger from S3 (a missing ledger reads as empty). */
    public synchronized MigrationStatus reload() {
        known = false;
        refresh();
        return based(status());
    }

    /** Makes the cached version, now handed out as {@code status}, the one the next write compares against. */
    private MigrationStatus based(MigrationStatus status) {
        baseEtag = etag;
        based = true;
        return status;
    }

    private MigrationStatus status() {
        if (parsed == null) {
            try {
                parsed = LedgerCodec.read(unparsed);
                // Taking or renewing the lease on what was only read then writes its head alone.
                writer.seed(parsed.environments(), unparsed);
            } catch (IllegalArgumentException e) {
                // Read it again next time: a repaired ledger must be seen without a restart.
                known = false;
                throw unreadable(e.getMessage(), e);
            }
            unparsed = null;
        }
        return parsed;
    }

    /**
     * The ledger object exists but is not a ledger, or cannot be read at all: nobody may lead and nothing may be
     * written over it (it is the record of what ran), so a human must repair it.
     */
    private CloudError.Stalled unreadable(String why, Throwable cause) {
        return new CloudError.Stalled("s3:GetObject", Reasons.LEDGER_UNREADABLE,
                "the status ledger " + location + " cannot be read: " + why,
                "restore it from the object's S3 version history (or delete it to start an empty one); until then "
                        + "no replica leads and nothing is launched", cause);
    }

    /**
     * Reads the ledger, conditionally when a cached copy exists. Only its head (the lease) is parsed now: with
     * 1,000 environments a whole parse costs a quarter of a second, and a standby reads every renewal.
     */
    private void refresh() {
        ObjectStore.Read read;
        try {
            read = store.get(location, known ? etag : null);
        } catch (CloudError.Stalled e) {
            throw unreadable(e.getMessage(), e);
        }
        if (read instanceof ObjectStore.Read.Found found) {
            try {
                storedLease = election == null ? null : LedgerCodec.readHead(found.body()).lease();
            } catch (IllegalArgumentException e) {
                known = false;
                throw unreadable(e.getMessage(), e);
            }
            unparsed = found.body();
            parsed = null;
            etag = found.etag();
            known = true;
            contentVersion++;
        } else if (read instanceof ObjectStore.Read.Missing) {
            parsed = MigrationStatus.empty();
            unparsed = null;
            storedLease = null;
            etag = null;
            known = true;
            contentVersion++;
        }
        if (election != null) {
            // The clock is read after the answer (a GET may take seconds of retries): the version read was
            // written before this instant, so the wait for its lease to expire never starts early.
            election.observed(etag, storedLease, election.nanoTime());
        }
    }

    /**
     * Writes {@code next}, a draft built on the ledger {@link #current()} or {@link #reload()} last returned (or
     * this method last wrote), if the stored ledger is still that one: a compare-and-swap against its ETag, whatever
     * was read since. Writes nothing when the content is that ledger's (the lease aside).
     *
     * @return true if something was written
     * @throws CloudError.Conflict if the ledger changed underneath, or (code {@code NotLeader}) this replica
     *     does not lead; on any error the cache is dropped
     */
    public synchronized boolean write(MigrationStatus next) {
        if (!based) {
            current();
        }
        if (Objects.equals(etag, baseEtag)) {
            // The cache still holds the draft's base (even if dropped: a failed write keeps what it had).
            MigrationStatus base = status();
            if (next.withLease(base.lease()).equals(base)) {
                return false;
            }
        }
        put(next.withLease(election == null ? null : election.renewal()), baseEtag, fence);
        baseEtag = etag;
        return true;
    }

    /**
     * One round of leader election; call it every retry period. A replica that holds the lease renews it once a
     * third of the lease has passed since its last renewal (any write renews it), and tries again every round
     * while that fails, leading again if a renewal succeeds before anyone took over; one that does not hold it
     * reads the ledger (a 304 when unchanged) and takes the lease when it is free, its own, or has been seen
     * unchanged for a whole lease duration.
     *
     * @return whether this replica leads after the round
     */
    public synchronized boolean elect() {
        boolean wasLeader = election.isLeader();
        try {
            if (election.holds()) {
                if (election.renewalDue(election.nanoTime())) {
                    if (!known) {
                        refresh();
                    }
                    if (election.holds()) {
                        put(status().withLease(election.renewal()), etag, () -> true);
                    }
                }
            }
            if (!election.holds()) {
                refresh();
                Lease claim = election.claim(etag != null, election.nanoTime());
                if (claim != null) {
                    put(status().withLease(claim), etag, () -> true);
                }
            }
            trouble(null);
        } catch (CloudError.Conflict lost) {
            // Someone else wrote the ledger: the lease is theirs until seen unchanged for a whole lease. Read it
            // now, to know who leads and to start judging its expiry from this moment.
            try {
                refresh();
                trouble(null);
            } catch (CloudError e) {
                trouble(e);
            }
        } catch (CloudError e) {
            // Not a ledger (edited by hand, or another file at its key), or not readable: nobody can take a lease
            // in it, and nothing is written over it. The reconcile loop reports it in health and status.
            trouble(e);
        }
        boolean leader = election.isLeader();
        if (leader && !wasLeader) {
            LOG.infof("%s leads (lease in %s)", election.identity(), location);
        } else if (!leader && wasLeader) {
            String holder = election.holder();
            LOG.warnf("%s stops acting: its lease in %s %s", election.identity(), location,
                    election.holds() ? "was not renewed within the renew deadline"
                    : holder == null || holder.equals(election.identity())
                    ? "could not be renewed: someone else wrote the ledger"
                    + (leaseTrouble == null ? "" : " (" + leaseTrouble + ")")
                    : "was taken by " + holder);
        }
        return leader;
    }

    /** Logs what keeps the lease from being kept, once per change rather than every round. */
    private void trouble(CloudError error) {
        String now = error == null ? null : error.getMessage();
        if (now != null && !now.equals(leaseTrouble)) {
            LOG.errorf("lease in %s: %s", location, now);
        } else if (now == null && leaseTrouble != null) {
            LOG.infof("lease in %s: the ledger can be read again", location);
        }
        leaseTrouble = now;
    }

    /**
     * Gives the lease up (at shutdown), so a standby can take over without waiting for it to expire. The same write
     * records the notifications this replica settled since its last write, which the next leader would otherwise
     * send again.
     *
     * @param settled per event id, the channels this replica delivered it to (or gave up on) that the ledger does
     *     not yet say so ({@link dev.beanstalkmigrator.reconcile.notify.Notifier#settled()})
     */
    public synchronized void release(Map<String, Set<String>> settled) {
        if (election == null || election.release() == null) {
            return;
        }
        try {
            if (!known) {
                refresh();
            }
            Lease released = election.release();
            if (released != null) {
                MigrationStatus now = status();
                List<Notification> outbox = Outbox.fold(now.notifications(), settled, List.of(), Integer.MAX_VALUE)
                        .outbox();
                put(now.withNotifications(outbox).withLease(released), etag, () -> true);
                LOG.infof("%s released its lease in %s", election.identity(), location);
            }
        } catch (CloudError e) {
            LOG.warnf("could not release the lease in %s: %s", location, e.getMessage());
        }
    }

    /**
     * Writes {@code next} if the stored ledger's ETag is still {@code ifMatch}. A write that only changes the lease of
     * the writer's base (a renewal, the lease taken) moves the base on with it: the content a draft was built on is
     * still what is stored.
     */
    private void put(MigrationStatus next, String ifMatch, BooleanSupplier allowed) {
        long sentAt = election == null ? 0 : election.nanoTime();
        String written;
        try {
            written = store.put(location, writer.write(next), "application/yaml", ifMatch, allowed);
        } catch (CloudError error) {
            // Refused, or unknown whether it was stored (a dropped connection): either way the cached ETag may be
            // stale, so the next use re-reads rather than trusting it.
            known = false;
            if (election != null && error.policy() == CloudError.Policy.REREAD && !"NotLeader".equals(error.code())) {
                election.lost();
            }
            throw error;
        }
        etag = written;
        if (parsed == null || !next.withLease(null).equals(parsed.withLease(null))) {
            contentVersion++;
        } else if (based && Objects.equals(ifMatch, baseEtag)) {
            baseEtag = written;
        }
        parsed = next;
        unparsed = null;
        storedLease = next.lease();
        known = true;
        if (election != null) {
            election.wrote(written, next.lease(), sentAt);
        }
    }
}
