package dev.beanstalkmigrator.model;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with full jitter, as in the AWS Architecture Blog's "Exponential Backoff And
 * Jitter": the delay before retry {@code attempt} is uniform in {@code [0, min(cap, base * 2^attempt)]}.
 * Full jitter spreads competing callers (several operator replicas, several environments throttled by the
 * same account limit) instead of having them retry in lockstep.
 *
 * <p>Thread-safe if its random generator is; {@link #of} is. The operator's AWS retry policy is configuration
 * ({@code migrator.retry.*}), so no delays or attempt counts are fixed here.
 */
public final class Backoff {

    private final Duration base;
    private final Duration cap;
    private final int maxAttempts;
    private final RandomGenerator random;

    /**
     * @param base the ceiling of the first delay; positive
     * @param cap the largest ceiling any delay can have; at least {@code base}, at most about 292 years
     * @param maxAttempts attempts in all, including the first call; at least 1
     * @param random the source of jitter; tests pass a seeded generator
     * @throws IllegalArgumentException if a bound is out of range
     */
    public Backoff(Duration base, Duration cap, int maxAttempts, RandomGenerator random) {
        this.base = Objects.requireNonNull(base, "base");
        this.cap = Objects.requireNonNull(cap, "cap");
        this.random = Objects.requireNonNull(random, "random");
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("base must be positive, got " + base);
        }
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("cap " + cap + " must be at least base " + base);
        }
        cap.toNanos(); // throws ArithmeticException early for a cap that nanoseconds cannot hold
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
    }

    /**
     * A backoff whose jitter comes from the calling thread's {@link ThreadLocalRandom}: for production, where
     * many threads share one instance.
     *
     * @throws IllegalArgumentException if a bound is out of range, as for the constructor
     */
    public static Backoff of(Duration base, Duration cap, int maxAttempts) {
        // ThreadLocalRandom.current() must be looked up on the thread that uses it, so on every draw.
        RandomGenerator perThread = () -> ThreadLocalRandom.current().nextLong();
        return new Backoff(base, cap, maxAttempts, perThread);
    }

    /**
     * The delay before retry number {@code attempt}, counted from 0 (the wait after the first failure).
     *
     * @param attempt 0 or more
     * @return uniform in {@code [0, min(cap, base * 2^attempt)]}, nanosecond resolution
     */
    public Duration delay(int attempt) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must be 0 or more, got " + attempt);
        }
        return Duration.ofNanos(random.nextLong(0, ceilingNanos(attempt) + 1));
    }

    /** {@code min(cap, base * 2^attempt)} in nanoseconds, without overflowing for large attempts. */
    long ceilingNanos(int attempt) {
        long capNanos = cap.toNanos();
        long ceiling = base.toNanos();
        for (int i = 0; i < attempt && ceiling < capNanos; i++) {
            ceiling = ceiling > capNanos / 2 ? capNanos : ceiling * 2;
        }
        return Math.min(ceiling, capNanos);
    }

    public Duration base() {
        return base;
    }

    public Duration cap() {
        return cap;
    }

    /** Attempts in all, including the first call. */
    public int maxAttempts() {
        return maxAttempts;
    }
}
