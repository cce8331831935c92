package dev.beanstalkmigrator.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
            "90s, 90000",
            "30m, 1800000",
            "1h, 3600000",
            "1h30m, 5400000",
            "500ms, 500",
            "2m30s500ms, 150500",
            "1h1s, 3601000",
            "90m, 5400000",
            "0s, 0",
            "24h, 86400000",
            "007s, 7000",
    })
    void parses(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest(name = "\"{0}\" is rejected")
    @ValueSource(strings = {"", "30", "30x", "m", "1.5h", "-5s", "+5s", "1 h", " 1h", "1h ", "1H", "30sec",
            "1d", "1h30", "5mss", "1234567890s", "ms", "h1"})
    void rejectsWithHowToWriteOne(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().startsWith(Texts.quote(text) + " is not a duration; "), e.getMessage());
        assertTrue(e.getMessage().endsWith("e.g. 90s, 30m or 1h30m") || e.getMessage().endsWith("e.g. 1h30m"),
                e.getMessage());
    }

    @ParameterizedTest(name = "\"{0}\" is rejected for unit order")
    @ValueSource(strings = {"30m1h", "1s1s", "1m1m", "500ms1s", "1h2h"})
    void rejectsUnitsOutOfOrder(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().contains("largest first"), e.getMessage());
    }

    @Test
    void nullIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
    }

    @ParameterizedTest(name = "{0} ms formats as {1}")
    @CsvSource({
            "0, 0s",
            "500, 500ms",
            "1000, 1s",
            "90000, 1m30s",
            "1800000, 30m",
            "5400000, 1h30m",
            "86400000, 24h",
            "90061001, 25h1m1s1ms",
    })
    void formats(long millis, String text) {
        assertEquals(text, Durations.format(Duration.ofMillis(millis)));
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @Test
    void formatDropsSubMillisecondsAndRejectsNegatives() {
        assertEquals("1s", Durations.format(Duration.ofNanos(1_000_999_999L).minusNanos(999_999L)));
        assertEquals("1ms", Durations.format(Duration.ofNanos(1_999_999L)));
        assertThrows(IllegalArgumentException.class, () -> Durations.format(Duration.ofSeconds(-1)));
    }

    @Test
    void roundTripsEveryFewSeconds() {
        for (long ms = 0; ms <= 86_400_000L; ms += 997_003L) {
            Duration d = Duration.ofMillis(ms);
            assertEquals(d, Durations.parse(Durations.format(d)));
        }
    }
}
