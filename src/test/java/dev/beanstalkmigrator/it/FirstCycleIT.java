package dev.beanstalkmigrator.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The first lease round and the first reconcile cycle run as soon as the application has started, not at the
 * scheduler's first tick: with the scheduler halted (it fires nothing), the operator still takes the lease and
 * becomes ready.
 */
@QuarkusTest
@TestProfile(FirstCycleIT.SchedulerHalted.class)
class FirstCycleIT {

    public static class SchedulerHalted implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.scheduler.start-mode", "halted");
        }
    }

    @Inject
    Scheduler scheduler;

    @Test
    void theOperatorTakesTheLeaseAndIsReadyWithoutTheScheduler() {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));
        String identity = given().get("/q/health/ready").then().extract().path("checks[0].data.identity");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            String yaml = SandboxResource.ledger();
            MigrationStatus ledger = yaml == null ? null : LedgerCodec.read(yaml.getBytes(StandardCharsets.UTF_8));
            return ledger != null && ledger.lease() != null && identity.equals(ledger.lease().holder());
        });
        // Nothing of this came from a scheduled job.
        assertFalse(scheduler.isRunning(), "the scheduler is halted");
    }
}
