package dev.beanstalkmigrator.sandbox;

import java.time.Instant;

/**
 * One PutObject the sandbox accepted on a watched object (see {@link SandboxCloud#watchLeaseAndLedger}), with who
 * held the lease at that instant by the sandbox's own clock: how a fault suite proves that no write was
 * accepted from a replica whose lease had been taken over or had expired.
 *
 * @param seq            order of acceptance among watched writes, from 0
 * @param lease          whether this is a write of the lease object (else of the ledger)
 * @param writer         the identity the object names: the lease's {@code holder}, the ledger's {@code leader}
 * @param leaseHolder    the holder of the lease as last accepted before this write (for a lease write: before it);
 *                       null when no lease was ever written
 * @param leaseAgeNanos  how long before this write that lease was accepted (sandbox monotonic clock); -1 when none
 * @param atNanos        when this write was accepted ({@link System#nanoTime()} of the sandbox's JVM)
 */
public record ObjectWrite(long seq, String key, boolean lease, String etag, String writer, String leaseHolder,
                          long leaseAgeNanos, long atNanos, Instant at) {}
