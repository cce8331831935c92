package dev.beanstalkmigrator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.reconcile.LeaseElection;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The leader-election settings as configuration gives them: the defaults, and the check made at startup. */
class LeaderElectionSettingsTest {

    static MigratorConfig.LeaderElection configured(Map<String, String> values) {
        // Quarkus's converter, as the application has it: "60s" as well as ISO-8601.
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(MigratorConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withDefaultValue("migrator.desired-state.uri", "file:/plans/acme.yaml")
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .build();
        return config.getConfigMapping(MigratorConfig.class).leaderElection();
    }

    @Test
    void theDefaultsAreALeaseOfAMinuteRenewedEveryTwentySeconds() {
        LeaseElection.Timing timing = OperatorWiring.timing(configured(Map.of()));
        assertEquals(new LeaseElection.Timing(Duration.ofSeconds(60), Duration.ofSeconds(40), Duration.ofSeconds(10)),
                timing);
        assertEquals(Duration.ofSeconds(20), timing.renewInterval());
    }

    @Test
    void durationsThatCannotKeepOneLeaderStopTheStartNamingTheKeys() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> OperatorWiring.timing(configured(
                Map.of("migrator.leader-election.lease-duration", "30s"))));
        assertEquals("invalid configuration: migrator.leader-election.renew-deadline (40s) must be shorter than"
                + " migrator.leader-election.lease-duration (30s): a leader must stop acting before a standby may"
                + " take over", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> OperatorWiring.timing(configured(
                Map.of("migrator.leader-election.retry-period", "45s"))));
        assertTrue(e.getMessage().startsWith("invalid configuration: migrator.leader-election.retry-period (45s)"
                + " must be shorter than migrator.leader-election.renew-deadline (40s)"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> OperatorWiring.timing(configured(
                Map.of("migrator.leader-election.renew-deadline", "25s"))));
        assertTrue(e.getMessage().contains("migrator.leader-election.renew-deadline (25s) must be longer than a third"
                + " of migrator.leader-election.lease-duration (60s"), e.getMessage());
    }
}
