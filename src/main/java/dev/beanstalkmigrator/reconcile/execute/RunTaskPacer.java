package dev.beanstalkmigrator.reconcile.execute;

import dev.beanstalkmigrator.port.CloudError;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Paces RunTask to what ECS accepts (Fargate: 20 per second after a burst of 100), so that a burst of
 * launches is throttled rather than failed: additive increase of the rate on success, multiplicative
 * decrease on a throttling answer, and the throttled call is tried again. Throttling is expected under a
 * burst, so it is counted and reported once, never logged as a failure per call. Only this retries RunTask's
 * throttling: the adapter throws a {@link CloudError.Throttled} at once and retries only other transient errors.
 */
public final class RunTaskPacer {

    private static final Logger LOG = Logger.getLogger(RunTaskPacer.class);

    static final double INITIAL_RATE = 50;
    static final double MIN_RATE = 1;
    static final double MAX_RATE = 1000;
    /**
     * Give up on a launch after this many throttling answers in a row (about 2.5 s of backing off): it stays
     * Launching and the next cycle adopts it, so a long throttling storm never holds the loop.
     */
    static final int MAX_THROTTLED_ATTEMPTS = 10;

    private double rate = INITIAL_RATE;
    private long nextAtNanos;
    private long throttled;

    /** Calls {@code runTask} when the pace allows, again while ECS throttles it. */
    synchronized <T> T run(Supplier<T> runTask, BooleanSupplier stillLeading) {
        int attempts = 0;
        while (true) {
            long wait = nextAtNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            nextAtNanos = Math.max(System.nanoTime(), nextAtNanos) + (long) (TimeUnit.SECONDS.toNanos(1) / rate);
            try {
                T result = runTask.get();
                rate = Math.min(MAX_RATE, rate + 0.5);
                return result;
            } catch (CloudError.Throttled e) {
                if (++attempts >= MAX_THROTTLED_ATTEMPTS || !stillLeading.getAsBoolean()) {
                    throw e;
                }
                throttled++;
                rate = Math.max(MIN_RATE, rate * 0.7);
            }
        }
    }

    /** Logs once how the last batch was paced, if it was throttled. */
    public synchronized void report(int launched) {
        if (throttled > 0) {
            LOG.infof("launched %d migrate tasks; ECS throttled RunTask %d times, paced to %.1f per second", launched,
                    throttled, rate);
            throttled = 0;
        }
    }
}
