package dev.beanstalkmigrator.sandbox;

import java.time.Instant;

/**
 * A write of the watched status ledger that the sandbox accepted, with the lease holder it names and the one
 * the write accepted before it named: how a fault suite proves that no write was accepted from a replica whose
 * lease another replica had taken, and that no replica took the lease before it had lain unchanged for a whole
 * lease duration (both judged by the sandbox's own clock).
 *
 * @param seq                 position among the watched writes, from 0
 * @param holder              the lease holder the written ledger names ({@code lease.holder}); "" when released
 *                            or when the ledger carries no lease
 * @param previousHolder      the holder the previously accepted write named; null for the first watched write
 * @param sincePreviousNanos  how long after the previously accepted write this one was accepted (sandbox
 *                            monotonic clock); -1 for the first
 * @param atNanos             when it was accepted (sandbox monotonic clock)
 */
public record ObjectWrite(long seq, String key, String etag, String holder, String previousHolder,
                          long sincePreviousNanos, long atNanos, Instant at) {

    /** Whether this write moved the lease from one holder to another (not a renewal, not a release). */
    public boolean takeover() {
        return previousHolder != null && !previousHolder.isEmpty() && !holder.isEmpty()
                && !holder.equals(previousHolder);
    }
}
