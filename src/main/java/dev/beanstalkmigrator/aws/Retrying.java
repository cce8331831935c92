package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.port.CloudError;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs an AWS call, retrying it only while it fails with an error whose {@link CloudError#policy()} is
 * {@link CloudError.Policy#RETRY}, with the delays of a {@link Backoff} (capped exponential, full jitter).
 * Everything thrown out of here is a {@link CloudError}: the first one that is not to be retried, or the last
 * retryable one once the attempts are spent (the caller then requeues the work on its own, longer, schedule).
 *
 * <p>This is the only retry loop of every AWS client: the SDK clients are built with their own retries off
 * ({@link AwsClients}), so a logical call makes at most {@link Backoff#maxAttempts()} HTTP requests. The policy
 * comes from configuration ({@code migrator.retry.*}). A caller that paces and retries throttled calls itself
 * uses {@link #exceptThrottling()}, so that throttling is retried once over, not twice.
 */
public final class Retrying {

    /** Waits between attempts; tests pass a fake that records the delays instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        /** Blocks the calling thread for {@code delay}. */
        void sleep(Duration delay) throws InterruptedException;

        /** Really sleeps, with {@link Thread#sleep(long, int)}. */
        Sleeper THREAD = delay -> Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);
    }

    private final Backoff backoff;
    private final Sleeper sleeper;
    private final boolean retryThrottling;

    /**
     * @param backoff the delays between attempts and how many attempts in all
     * @param sleeper how to wait; {@link Sleeper#THREAD} in production
     */
    public Retrying(Backoff backoff, Sleeper sleeper) {
        this(backoff, sleeper, true);
    }

    private Retrying(Backoff backoff, Sleeper sleeper, boolean retryThrottling) {
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.retryThrottling = retryThrottling;
    }

    /**
     * The same retries, except that a {@link CloudError.Throttled} is thrown at once: for calls whose caller
     * paces them and retries throttling itself, where retrying here too would multiply the calls.
     */
    public Retrying exceptThrottling() {
        return new Retrying(backoff, sleeper, false);
    }

    /**
     * Calls {@code call} until it returns, fails with an error not to be retried (or with
     * throttling, for {@link #exceptThrottling()}), or has been tried {@link Backoff#maxAttempts()} times.
     *
     * @param operation the AWS call as {@code service:Action}, for classification and messages
     * @param call the call; it is invoked again on transient failures, so it must be safe to repeat
     *     (idempotent, or guarded by a client token or a conditional write)
     * @return what the call returned
     * @throws CloudError the classified failure: one not to be retried at once, a retryable one after the last
     *     attempt, or the last retryable one if the thread is interrupted while waiting (the interrupt flag is
     *     kept)
     */
    public <T> T call(String operation, Supplier<T> call) {
        Objects.requireNonNull(call, "call");
        for (int attempt = 0; ; attempt++) {
            CloudError error;
            try {
                return call.get();
            } catch (Exception e) {
                error = AwsErrorClassifier.classify(operation, e);
            }
            boolean retried = error.policy() == CloudError.Policy.RETRY
                    && (retryThrottling || !(error instanceof CloudError.Throttled));
            if (!retried || attempt + 1 >= backoff.maxAttempts()) {
                throw error;
            }
            try {
                sleeper.sleep(backoff.delay(attempt));
            } catch (InterruptedException interrupted) {
                // Shutting down: stop retrying, keep the flag for whoever owns the thread.
                Thread.currentThread().interrupt();
                throw error;
            }
        }
    }

    /** {@link #call} for calls that return nothing. */
    public void run(String operation, Runnable call) {
        Objects.requireNonNull(call, "call");
        call(operation, () -> {
            call.run();
            return null;
        });
    }
}
