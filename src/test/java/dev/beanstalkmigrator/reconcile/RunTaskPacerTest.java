package dev.beanstalkmigrator.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.beanstalkmigrator.port.CloudError;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** RunTask pacing: throttling is retried, other errors are not, a storm is given up on. */
class RunTaskPacerTest {

    static CloudError throttled() {
        return new CloudError.Transient("ecs:RunTask", "ThrottlingException", "Rate exceeded", null);
    }

    @Test
    void aThrottledCallIsTriedAgainUntilAccepted() {
        RunTaskPacer pacer = new RunTaskPacer();
        AtomicInteger calls = new AtomicInteger();
        String arn = pacer.run(() -> {
            if (calls.incrementAndGet() <= 3) {
                throw throttled();
            }
            return "arn:task/1";
        }, () -> true);
        assertEquals("arn:task/1", arn);
        assertEquals(4, calls.get());
    }

    @Test
    void otherErrorsAreNotRetriedHere() {
        RunTaskPacer pacer = new RunTaskPacer();
        AtomicInteger calls = new AtomicInteger();
        assertThrows(CloudError.Stalled.class, () -> pacer.run(() -> {
            calls.incrementAndGet();
            throw new CloudError.Stalled("ecs:RunTask", "AccessDeniedException", "no", "grant it", null);
        }, () -> true));
        assertThrows(CloudError.Transient.class, () -> pacer.run(() -> {
            calls.incrementAndGet();
            throw new CloudError.Transient("ecs:RunTask", "NetworkError", "reset", null);
        }, () -> true));
        assertEquals(2, calls.get());
    }

    @Test
    void aThrottlingStormIsGivenUpOnAfterABoundedNumberOfTries() {
        RunTaskPacer pacer = new RunTaskPacer();
        AtomicInteger calls = new AtomicInteger();
        assertThrows(CloudError.Transient.class, () -> pacer.run(() -> {
            calls.incrementAndGet();
            throw throttled();
        }, () -> true));
        assertEquals(RunTaskPacer.MAX_THROTTLED_ATTEMPTS, calls.get());
    }

    @Test
    void aReplicaThatLostTheLeaseStopsTrying() {
        RunTaskPacer pacer = new RunTaskPacer();
        AtomicInteger calls = new AtomicInteger();
        assertThrows(CloudError.Transient.class, () -> pacer.run(() -> {
            calls.incrementAndGet();
            throw throttled();
        }, () -> false));
        assertEquals(1, calls.get());
    }
}
