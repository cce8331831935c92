package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The retry state of the environments whose launch or deploy failed: when each may be tried again. The delay
 * is capped exponential backoff with full jitter ({@link Backoff}); its first ceiling depends on the error: a
 * stalled environment (a human must act) is looked at rarely, a waiting one (and a launch ECS placed nowhere for
 * want of capacity) at the Elastic Beanstalk interval, a transient failure soon. A new plan revision lifts the wait.
 */
public final class Requeues {

    /** A failed launch or deploy, and when to try it again. */
    record Retry(Instant notBefore, int attempts, Hold hold, String planRevision) {

        /** Whether it still holds the environment back at {@code now} under {@code planRevision}. */
        boolean holds(String revision, Instant now) {
            return planRevision.equals(revision) && now.isBefore(notBefore);
        }
    }

    private final Map<String, Retry> retries = new HashMap<>();
    private final Backoff transientBackoff;
    private final Backoff waitingBackoff;
    private final Backoff stalledBackoff;

    /**
     * The first ceilings of the backoffs, by kind of failure, and the largest delay of all.
     *
     * @param transientBase after a transient failure ({@code migrator.retry.requeue.base})
     * @param waitingBase after a wait, and for capacity: the Elastic Beanstalk interval
     * @param stalledBase after a failure a human must fix ({@code migrator.retry.requeue.stalled-base})
     * @param cap the largest delay ({@code migrator.retry.requeue.cap}); a base above it is its own cap
     */
    public record Delays(Duration transientBase, Duration waitingBase, Duration stalledBase, Duration cap) {}

    public Requeues(Delays delays) {
        RandomGenerator random = () -> ThreadLocalRandom.current().nextLong();
        transientBackoff = new Backoff(delays.transientBase(), delays.cap(), Integer.MAX_VALUE, random);
        waitingBackoff = new Backoff(delays.waitingBase(), max(delays.waitingBase(), delays.cap()), Integer.MAX_VALUE,
                random);
        stalledBackoff = new Backoff(delays.stalledBase(), max(delays.stalledBase(), delays.cap()), Integer.MAX_VALUE,
                random);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The retry state as the planner reads it. */
    public Map<String, Retry> view() {
        return Map.copyOf(retries);
    }

    public boolean isEmpty() {
        return retries.isEmpty();
    }

    public void clear() {
        retries.clear();
    }

    public void succeeded(String environment) {
        retries.remove(environment);
    }

    /**
     * A launch step succeeded. A wait for capacity is kept: its launch has yet to be placed, and its backoff grows
     * until a task starts ({@link #succeeded}).
     */
    public void stepSucceeded(String environment) {
        Retry retry = retries.get(environment);
        if (retry != null && !Reasons.WAITING_FOR_CAPACITY.equals(retry.hold().reason())) {
            retries.remove(environment);
        }
    }

    /**
     * ECS placed no task: the launch waits, with the Elastic Beanstalk interval's backoff, growing per attempt.
     *
     * @return whether {@code hold} says something other than the environment's previous hold (worth a log line)
     */
    public boolean waitForCapacity(String environment, Hold hold, String planRevision, Instant now) {
        Retry previous = retries.get(environment);
        int attempts = previous == null ? 1 : previous.attempts() + 1;
        retries.put(environment, new Retry(now.plus(waitingBackoff.delay(attempts - 1)), attempts, hold,
                planRevision == null ? "" : planRevision));
        return previous == null || !previous.hold().equals(hold);
    }

    /** Records a failure and returns the hold it puts on the environment until its next try. */
    public Hold failed(String environment, CloudError error, String planRevision, Instant now) {
        Hold hold = Holds.of(error);
        Retry previous = retries.get(environment);
        int attempts = previous == null ? 1 : previous.attempts() + 1;
        Backoff backoff = switch (error.policy()) {
            case STALL -> stalledBackoff;
            case WAIT -> waitingBackoff;
            case RETRY, REREAD -> transientBackoff;
        };
        retries.put(environment, new Retry(now.plus(backoff.delay(attempts - 1)), attempts, hold,
                planRevision == null ? "" : planRevision));
        return hold;
    }
}
