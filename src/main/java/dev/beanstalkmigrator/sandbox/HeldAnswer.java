package dev.beanstalkmigrator.sandbox;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The answer to one call, kept back after the call took effect: what {@link SandboxCloud#holdNext} returns. It lets
 * a test act in the instant between an effect and the caller learning of it (a ledger write stored, a task
 * started), typically to kill the caller there, the way a crash at that instruction would leave the world.
 *
 * <p>Armed, it waits for the first call its condition accepts ({@link #held()} completes then, on the sandbox's
 * thread that carries the call, so a callback chained on it runs while the answer is kept back). The answer goes
 * out on {@link #release()}, the connection is closed without one on {@link #drop()}. An answer is never kept
 * back longer than {@link #LONGEST}, nor past {@link SandboxCloud#close()}: then it is released.
 */
public final class HeldAnswer {

    /** The longest an answer is kept back; then it is sent as if released. */
    public static final Duration LONGEST = Duration.ofSeconds(60);

    enum State { ARMED, HELD, RELEASED, DROPPED, CANCELLED }

    private final Predicate<SandboxCall> which;
    private final CompletableFuture<SandboxCall> held = new CompletableFuture<>();
    private final CountDownLatch decided = new CountDownLatch(1);
    private final AtomicReference<State> state = new AtomicReference<>(State.ARMED);

    HeldAnswer(Predicate<SandboxCall> which) {
        this.which = which;
    }

    /** Completes with the held call when one matches; cancelled by {@link #cancel()} before that. */
    public CompletableFuture<SandboxCall> held() {
        return held;
    }

    /** Whether a call matched and its answer is kept back now. */
    public boolean isHeld() {
        return state.get() == State.HELD;
    }

    /** Whether no call has matched yet (and the hold was not cancelled). */
    public boolean isArmed() {
        return state.get() == State.ARMED;
    }

    /** Sends the held answer. Before a call matched, the same as {@link #cancel()}. */
    public void release() {
        if (!cancel()) {
            state.compareAndSet(State.HELD, State.RELEASED);
            decided.countDown();
        }
    }

    /** Closes the held call's connection without an answer, as a network failure after the effect would. */
    public void drop() {
        if (!cancel()) {
            state.compareAndSet(State.HELD, State.DROPPED);
            decided.countDown();
        }
    }

    /** Disarms the hold if no call matched yet; true if it did, false if a call is or was held. */
    public boolean cancel() {
        if (state.compareAndSet(State.ARMED, State.CANCELLED)) {
            held.cancel(false);
            decided.countDown();
            return true;
        }
        return state.get() == State.CANCELLED;
    }

    /** Claims {@code call} if the hold is armed and its condition accepts it; at most one call is ever claimed. */
    boolean claim(SandboxCall call) {
        return state.get() == State.ARMED && which.test(call) && state.compareAndSet(State.ARMED, State.HELD);
    }

    /** Runs on the claiming thread: tells the test, then waits for its word; true to answer, false to drop. */
    boolean hold(SandboxCall call) throws InterruptedException {
        held.complete(call);
        if (!decided.await(LONGEST.toNanos(), TimeUnit.NANOSECONDS)) {
            state.compareAndSet(State.HELD, State.RELEASED);
        }
        return state.get() != State.DROPPED;
    }
}
