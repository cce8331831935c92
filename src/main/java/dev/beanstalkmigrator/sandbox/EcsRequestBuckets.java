package dev.beanstalkmigrator.sandbox;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The token buckets of the {@link EcsThrottles} in force, one per category, for the sandbox's one account and Region:
 * full when the table is set, then refilled continuously. Thread-safe.
 */
final class EcsRequestBuckets {
    private final LongSupplier nanoClock;
    private EcsThrottles throttles = EcsThrottles.OFF;
    private final Map<String, TokenBucket> byCategory = new HashMap<>();

    /** @param nanoClock nanoseconds, as {@link System#nanoTime()} */
    EcsRequestBuckets(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Puts {@code throttles} in force, every bucket full. */
    synchronized void set(EcsThrottles throttles) {
        this.throttles = throttles;
        byCategory.clear();
        for (EcsThrottles.Category c : throttles.categories()) {
            byCategory.put(c.name(), new TokenBucket(c.perSecond(), c.burst(), nanoClock));
        }
    }

    synchronized EcsThrottles throttles() {
        return throttles;
    }

    /** Whether a request for {@code action} may go on now: its category's bucket gave it a token, or it has none. */
    synchronized boolean admit(String action) {
        return throttles.categoryOf(action).map(c -> byCategory.get(c.name()).take(1)).orElse(true);
    }
}
