package dev.beanstalkmigrator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.reconcile.lease.LeaseElection;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The leader-election settings as configuration gives them: the defaults, the check made at startup, and the
 * identity each process gets.
 */
class LeaderElectionSettingsTest {

    static MigratorConfig config(Map<String, String> values) {
        // Quarkus's converter, as the application has it: "60s" as well as ISO-8601.
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(MigratorConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withDefaultValue("migrator.desired-state.uri", "file:/plans/acme.yaml")
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .build();
        return config.getConfigMapping(MigratorConfig.class);
    }

    static MigratorConfig.LeaderElection configured(Map<String, String> values) {
        return config(values).leaderElection();
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

    @Test
    void theConfiguredIdentityIsThePrefixOfAnIdentityEachProcessHasToItself() {
        MigratorConfig config = config(Map.of("migrator.leader-election.identity", "web-1"));
        // Two processes started alike (each builds its election once).
        LeaseElection one = new OperatorWiring().leaseElection(config);
        LeaseElection two = new OperatorWiring().leaseElection(config);
        assertNotEquals(one.identity(), two.identity(), "two replicas configured alike are two lease holders");
        assertTrue(one.identity().matches("web-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
                one.identity());
    }

    @Test
    void withNoIdentityConfiguredTheHostNameIsThePrefix() throws UnknownHostException {
        LeaseElection election = new OperatorWiring().leaseElection(config(Map.of()));
        String host = InetAddress.getLocalHost().getHostName();
        assertTrue(election.identity().startsWith(host + "_"), election.identity());
        assertNotEquals(election.identity(), new OperatorWiring().leaseElection(config(Map.of())).identity());
    }
}
