package dev.beanstalkmigrator.reconcile.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.decide.Action;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MigrationLogFieldsTest {

    static MigrationRecord record(String version, String launchId) {
        return new MigrationRecord(version, "", Phase.Running, launchId, "fleet", "app", "arn:task", "img",
                "template", "arn:td", null, List.of(), Instant.EPOCH, null, null, null, null, null, null);
    }

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void aMigrationsLinesCarryItsEnvironmentVersionAndLaunchIdUntilClosed() {
        try (MigrationLogFields fields = MigrationLogFields.of("shop-1", record("v2", "l-1"))) {
            assertEquals("shop-1", MDC.get("environment"));
            assertEquals("v2", MDC.get("version"));
            assertEquals("l-1", MDC.get("launchId"));
        }
        assertNull(MDC.get("environment"));
        assertNull(MDC.get("version"));
        assertNull(MDC.get("launchId"));
    }

    @Test
    void scopesNestAndABatchNamesNoEnvironment() {
        MigrationRecord running = record("v2", "l-1");
        try (MigrationLogFields outer = MigrationLogFields.of(new Action.StopTask("shop-1", running,
                java.time.Duration.ofMinutes(1)))) {
            try (MigrationLogFields inner = MigrationLogFields.of(new Action.DescribeTasks("fleet",
                    List.of(new Action.Watch("shop-1", running), new Action.Watch("shop-2", record("v7", "l-2")))))) {
                assertNull(MDC.get("environment"), "a batch of two environments");
                assertNull(MDC.get("launchId"));
            }
            try (MigrationLogFields inner = MigrationLogFields.of("shop-2", record("v7", "l-2"))) {
                assertEquals("shop-2", MDC.get("environment"));
                assertEquals("l-2", MDC.get("launchId"));
            }
            assertEquals("shop-1", MDC.get("environment"), "the outer scope's fields come back");
            assertEquals("v2", MDC.get("version"));
            assertEquals("l-1", MDC.get("launchId"));
        }
        assertNull(MDC.get("environment"));
    }
}
