package dev.beanstalkmigrator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {

    static final Duration BASE = Duration.ofMillis(200);
    static final Duration CAP = Duration.ofSeconds(5);
    static final int DRAWS = 2_000;

    static Backoff seeded(long seed) {
        return new Backoff(BASE, CAP, 4, new SplittableRandom(seed));
    }

    @ParameterizedTest(name = "attempt {0}: delay in [0, {1} ms]")
    @CsvSource({
            "0, 200",
            "1, 400",
            "2, 800",
            "3, 1600",
            "4, 3200",
            "5, 5000", // 6400 capped
            "6, 5000",
            "30, 5000",
            "63, 5000",
            "64, 5000",
            "2147483647, 5000"})
    void boundsAreRespected(int attempt, long ceilingMillis) {
        Backoff backoff = seeded(42);
        Duration ceiling = Duration.ofMillis(ceilingMillis);
        assertEquals(ceiling.toNanos(), backoff.ceilingNanos(attempt));
        for (int i = 0; i < DRAWS; i++) {
            Duration delay = backoff.delay(attempt);
            assertTrue(!delay.isNegative() && delay.compareTo(ceiling) <= 0, () -> "attempt " + attempt + ": " + delay);
        }
    }

    @Test
    void theCapIsReachedButNeverExceeded() {
        Backoff backoff = seeded(7);
        Duration max = IntStream.range(0, DRAWS).mapToObj(i -> backoff.delay(10)).max(Duration::compareTo).orElseThrow();
        assertTrue(max.compareTo(CAP) <= 0, max::toString);
        assertTrue(max.compareTo(CAP.multipliedBy(95).dividedBy(100)) > 0, () -> "max " + max + " should near the cap");
    }

    @Test
    void delaysAreSpreadNotConstant() {
        Backoff backoff = seeded(1);
        List<Duration> delays = IntStream.range(0, DRAWS).mapToObj(i -> backoff.delay(3)).toList();
        Set<Duration> distinct = new HashSet<>(delays);
        assertTrue(distinct.size() > DRAWS * 9 / 10, () -> distinct.size() + " distinct of " + DRAWS);

        // Full jitter is uniform on [0, ceiling]: the mean is near half the ceiling, and both halves are hit.
        double meanMillis = delays.stream().mapToLong(Duration::toNanos).average().orElseThrow() / 1e6;
        assertTrue(Math.abs(meanMillis - 800) < 80, () -> "mean " + meanMillis);
        long low = delays.stream().filter(d -> d.toMillis() < 160).count();
        long high = delays.stream().filter(d -> d.toMillis() >= 1440).count();
        assertTrue(low > DRAWS / 20 && high > DRAWS / 20, () -> "low " + low + ", high " + high);
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        Backoff a = seeded(99);
        Backoff b = seeded(99);
        for (int attempt = 0; attempt < 8; attempt++) {
            assertEquals(a.delay(attempt), b.delay(attempt));
        }
    }

    @Test
    void perThreadJitterKeepsTheBounds() {
        Backoff backoff = Backoff.of(Duration.ofMillis(200), Duration.ofSeconds(5), 4);
        assertEquals(Duration.ofMillis(200), backoff.base());
        assertEquals(Duration.ofSeconds(5), backoff.cap());
        assertEquals(4, backoff.maxAttempts());
        for (int i = 0; i < 100; i++) {
            Duration delay = backoff.delay(1);
            assertTrue(!delay.isNegative() && delay.toMillis() <= 400, delay::toString);
        }
    }

    @Test
    void rejectsNonsense() {
        SplittableRandom random = new SplittableRandom(0);
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, CAP, 4, random));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofMillis(-1), CAP, 4, random));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(CAP, BASE, 4, random));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(BASE, CAP, 0, random));
        assertThrows(IllegalArgumentException.class, () -> seeded(0).delay(-1));
    }
}
