package dev.beanstalkmigrator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import dev.beanstalkmigrator.testing.DefaultRetry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code migrator.notifications.*}: the operator's channels, from properties or environment variables, checked. */
class NotificationConfigTest {

    @Test
    void byDefaultThereAreNoChannelsAndDeliveryIsBounded() {
        Notifier.Settings settings = OperatorWiring.notificationSettings(DefaultRetry.config(Map.of()).notifications());
        assertEquals(List.of(), settings.channels());
        assertEquals(10, settings.backoff().maxAttempts());
        assertEquals(Duration.ofSeconds(2), settings.backoff().base());
        assertEquals(Duration.ofMinutes(5), settings.backoff().cap());
        assertEquals(Duration.ofHours(24), settings.maxAge());
        assertEquals(100, settings.outboxLimit());
        assertNull(settings.statusUrl());
    }

    @Test
    void aChannelOfTheOperatorsHasItsTypeAndEventsButNoUrlInTheModel() {
        Notifier.Settings settings = OperatorWiring.notificationSettings(DefaultRetry.config(Map.of(
                "migrator.notifications.channels.ops.type", "webhook",
                "migrator.notifications.channels.ops.url", "https://hooks.example/canary-config-url",
                "migrator.notifications.channels.ops.events", "Succeeded,Failed",
                "migrator.notifications.channels.team.type", "slack",
                "migrator.notifications.channels.team.url", "https://hooks.slack.com/services/x",
                "migrator.notifications.status-page-url", "https://migrator.internal/")).notifications());
        assertEquals(List.of(
                new NotificationChannel("ops", NotificationChannel.Type.WEBHOOK, null,
                        List.of(NotificationEvent.Succeeded, NotificationEvent.Failed)),
                new NotificationChannel("team", NotificationChannel.Type.SLACK, null, NotificationEvent.DEFAULTS)),
                settings.channels().stream().sorted(java.util.Comparator.comparing(NotificationChannel::name))
                        .toList());
        assertFalse(settings.toString().contains("canary-config-url"), "the URL stays in configuration");
        assertEquals("https://migrator.internal/", settings.statusUrl());
    }

    @Test
    void aChannelCanComeFromEnvironmentVariablesAlone() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(MigratorConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new EnvConfigSource(Map.of(
                        "MIGRATOR_DESIRED_STATE_URI", "file:/unused/plan.yaml",
                        "MIGRATOR_NOTIFICATIONS_CHANNELS_OPS_TYPE", "slack",
                        "MIGRATOR_NOTIFICATIONS_CHANNELS_OPS_URL", "https://hooks.slack.com/services/env"), 300))
                .build();
        MigratorConfig.Notifications notifications = config.getConfigMapping(MigratorConfig.class).notifications();
        assertEquals("https://hooks.slack.com/services/env", notifications.channels().get("ops").url());
        assertEquals(NotificationChannel.Type.SLACK,
                OperatorWiring.notificationSettings(notifications).channels().get(0).type());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "migrator.notifications.channels.ops.type, teams, migrator.notifications.channels.ops.type must be",
            "migrator.notifications.channels.ops.events, Failure, migrator.notifications.channels.ops.events: Failure",
            "migrator.notifications.max-attempts, 0, migrator.notifications.max-attempts must be at least 1",
            "migrator.notifications.initial-delay, 0s, migrator.notifications.initial-delay must be positive",
            "migrator.notifications.request-timeout, 0s, migrator.notifications.connect-timeout, request-timeout",
    })
    void aValueThatCouldNeverWorkIsRefusedNamingItsKey(String key, String value, String message) {
        Map<String, String> values = new java.util.HashMap<>(Map.of(
                "migrator.notifications.channels.ops.type", "webhook",
                "migrator.notifications.channels.ops.url", "https://hooks.example/x"));
        values.put(key, value);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> OperatorWiring.notificationSettings(DefaultRetry.config(values).notifications()));
        assertTrue(error.getMessage().startsWith(message), error::getMessage);
    }
}
