package dev.beanstalkmigrator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.testing.DefaultRetry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code migrator.retry.*}: the defaults, and a value out of range refused with a message naming its key. */
class RetryConfigTest {

    @Test
    void defaultsAreFourAttemptsFrom200MillisCappedAt5Seconds() {
        Backoff backoff = DefaultRetry.config(Map.of()).retry().backoff();
        assertEquals(4, backoff.maxAttempts());
        assertEquals(Duration.ofMillis(200), backoff.base());
        assertEquals(Duration.ofSeconds(5), backoff.cap());
    }

    @Test
    void valuesComeFromConfiguration() {
        Backoff backoff = DefaultRetry.config(Map.of("migrator.retry.max-attempts", "6",
                "migrator.retry.initial-delay", "50ms", "migrator.retry.max-delay", "2s")).retry().backoff();
        assertEquals(6, backoff.maxAttempts());
        assertEquals(Duration.ofMillis(50), backoff.base());
        assertEquals(Duration.ofSeconds(2), backoff.cap());
    }

    @Test
    void oneAttemptIsAllowed() {
        assertEquals(1, DefaultRetry.config(Map.of("migrator.retry.max-attempts", "1")).retry().backoff()
                .maxAttempts());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "migrator.retry.max-attempts, 0, got 0",
            "migrator.retry.max-attempts, -3, got -3",
            "migrator.retry.initial-delay, 0s, got PT0S",
            "migrator.retry.initial-delay, -1s, got PT-1S",
            "migrator.retry.max-delay, 100ms, must be at least migrator.retry.initial-delay (PT0.2S)",
            "migrator.retry.max-delay, 1000d, got PT24000H",
    })
    void outOfRangeValuesAreRefusedNamingTheKey(String key, String value, String detail) {
        MigratorConfig config = DefaultRetry.config(Map.of(key, value));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> config.retry().backoff());
        assertTrue(error.getMessage().startsWith(key + " "), error::getMessage);
        assertTrue(error.getMessage().contains(detail), error::getMessage);
    }

    @Test
    void unparsableValuesAreRefusedByConfigurationNamingTheKey() {
        RuntimeException error = assertThrows(RuntimeException.class,
                () -> DefaultRetry.config(Map.of("migrator.retry.max-attempts", "many")));
        assertTrue(String.valueOf(error.getMessage()).contains("migrator.retry.max-attempts"), error::getMessage);
    }
}
