package dev.beanstalkmigrator.sandbox;

import java.util.function.LongSupplier;

/**
 * A token bucket: full at {@code burst} tokens, refilled continuously at {@code perSecond} tokens a second up to
 * {@code burst}; a request takes its tokens or is refused. Not thread-safe: its owner's lock guards it.
 */
final class TokenBucket {
    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoClock;
    private double tokens;
    private long last;

    /** A full bucket on {@code nanoClock} (nanoseconds, as {@link System#nanoTime()}). */
    TokenBucket(double perSecond, int burst, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.last = nanoClock.getAsLong();
    }

    /** Takes {@code n} tokens if the bucket holds them now; false (and nothing taken) if not. */
    boolean take(int n) {
        long now = nanoClock.getAsLong();
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
        last = now;
        if (tokens + 1e-9 >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }
}
