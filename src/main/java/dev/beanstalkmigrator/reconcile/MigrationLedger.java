package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The status ledger in S3. Every write is a compare-and-swap against the ETag this replica last read or
 * wrote, so a write based on a stale view (a deposed leader's, or one racing a restart) is refused with
 * {@link CloudError.Conflict} and the caller must {@link #reload()} and decide again.
 *
 * <p>Between writes the ledger is served from memory: while this replica is the only writer, what it wrote
 * is what is stored, so an idle cycle reads nothing.
 */
public final class MigrationLedger {

    private final ObjectStore store;
    private final ObjectLocation location;
    private final BooleanSupplier fence;
    private MigrationStatus current;
    private String etag;
    private byte[] lastBytes;

    public MigrationLedger(ObjectStore store, ObjectLocation location) {
        this(store, location, () -> true);
    }

    /**
     * @param fence asked right before every write: false refuses it (this replica is no longer the leader)
     */
    public MigrationLedger(ObjectStore store, ObjectLocation location, BooleanSupplier fence) {
        this.store = store;
        this.location = location;
        this.fence = fence;
    }

    /**
     * For a standby: the ledger as the leader last wrote it, read with a conditional GET (a 304 when
     * unchanged).
     */
    public synchronized MigrationStatus follow() {
        return apply(store.get(location, etag));
    }

    public ObjectLocation location() {
        return location;
    }

    /** The ledger as last read or written; loads it on first use. */
    public synchronized MigrationStatus current() {
        if (current == null) {
            reload();
        }
        return current;
    }

    /** Forgets what is cached and reads the ledger from S3 (a missing ledger reads as empty). */
    public synchronized MigrationStatus reload() {
        return apply(store.get(location, null));
    }

    private MigrationStatus apply(ObjectStore.Read read) {
        if (read instanceof ObjectStore.Read.Found found) {
            current = LedgerCodec.read(found.body());
            etag = found.etag();
            lastBytes = found.body();
        } else if (read instanceof ObjectStore.Read.Missing) {
            current = MigrationStatus.empty();
            etag = null;
            lastBytes = null;
        }
        return current;
    }

    /**
     * Writes {@code next} if the stored ledger is still the one this replica knows. Writes nothing when the
     * content is unchanged.
     *
     * @return true if something was written
     * @throws CloudError.Conflict if the ledger changed underneath; on any error the cache is dropped
     */
    public synchronized boolean write(MigrationStatus next) {
        if (current == null) {
            reload();
        }
        if (next.equals(current)) {
            return false;
        }
        byte[] bytes = LedgerCodec.write(next);
        if (lastBytes != null && Arrays.equals(bytes, lastBytes)) {
            current = next;
            return false;
        }
        try {
            etag = store.put(location, bytes, "application/yaml", etag, fence);
        } catch (CloudError error) {
            // Refused, or unknown whether it was stored (a dropped connection): either way the cached ETag may be
            // stale, so the next use re-reads rather than trusting it.
            current = null;
            throw error;
        }
        current = next;
        lastBytes = bytes;
        return true;
    }
}
