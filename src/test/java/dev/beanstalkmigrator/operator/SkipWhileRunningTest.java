package dev.beanstalkmigrator.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SkipWhileRunningTest {

    @Test
    void aRunThatComesWhileAnotherGoesOnIsSkippedNotQueued() throws Exception {
        SkipWhileRunning gate = new SkipWhileRunning();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> gate.run(() -> {
            runs.incrementAndGet();
            started.countDown();
            await(release);
        }));
        assertTrue(started.await(10, TimeUnit.SECONDS));

        assertFalse(gate.run(runs::incrementAndGet), "skipped while the first run goes on");
        release.countDown();
        assertTrue(first.get(10, TimeUnit.SECONDS));
        assertEquals(1, runs.get());

        assertTrue(gate.run(runs::incrementAndGet), "runs again once the first one is over");
        assertEquals(2, runs.get());
    }

    @Test
    void aRunThatThrowsDoesNotHoldTheGate() {
        SkipWhileRunning gate = new SkipWhileRunning();
        assertThrows(IllegalStateException.class, () -> gate.run(() -> {
            throw new IllegalStateException("a bug");
        }));
        assertTrue(gate.run(() -> { }));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
