package dev.beanstalkmigrator.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.sandbox.Fault;
import dev.beanstalkmigrator.testing.Plans;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /q/metrics} scraped as Prometheus would, after a migration that succeeds and one that fails, on an
 * operator of its own (a profile of its own restarts Quarkus and the sandbox, so the counters start at zero).
 */
@QuarkusTest
@TestProfile(MetricsIT.OwnOperator.class)
class MetricsIT {

    public static class OwnOperator implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("migrator.leader-election.identity", "metrics-replica");
        }
    }

    /** One sample of the Prometheus text format: name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)$");
    static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    static List<Sample> samples(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = LINE.matcher(line.strip());
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            Matcher label = LABEL.matcher(m.group(2) == null ? "" : m.group(2));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return samples;
    }

    /** The value of the one sample named {@code name} whose labels include {@code labels}, or null if none. */
    static Double value(List<Sample> samples, String name, String... labels) {
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name)).filter(s -> {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
        assertTrue(found.size() <= 1, () -> "more than one sample of " + name + ": " + found);
        return found.isEmpty() ? null : found.get(0).value();
    }

    @Test
    void aScrapeAfterAMigrationThatSucceedsAndOneThatFailsShowsWhatHappened() {
        String canary = "canary-metrics-5e2b7d91c4";
        OperatorIT.cloud().setEnvironmentVariable("shop-new", "DB_PASSWORD", canary);
        OperatorIT.cloud().injectFault(Fault.throttle("ecs:RunTask"));
        SandboxResource.plan(Plans.plan("{name: shop-new, version: v2}", "{name: shop-fail, version: v-broken}"));
        MigrationRecord succeeded = OperatorIT.awaitPhase("shop-new", "v2", Phase.Succeeded);
        OperatorIT.awaitPhase("shop-fail", "v-broken", Phase.Failed);

        await().atMost(OperatorIT.DEADLINE).until(() -> {
            List<Sample> s = samples(scrape());
            return Double.valueOf(1).equals(value(s, "beanstalk_migrator_migrations_total", "phase", "Failed"))
                    && Double.valueOf(1).equals(value(s, "beanstalk_migrator_migrations_total", "phase", "Succeeded"));
        });
        // More cycles over the same ledger, one of them forced: nothing is counted twice.
        given().header("Authorization", "Bearer " + SandboxResource.TOKEN).post("/api/v1/reconcile").then()
                .statusCode(200);
        String text = scrape();
        List<Sample> s = samples(text);

        assertEquals(1.0, value(s, "beanstalk_migrator_migrations_total", "phase", "Succeeded"));
        assertEquals(1.0, value(s, "beanstalk_migrator_migrations_total", "phase", "Failed"));
        assertEquals(0.0, value(s, "beanstalk_migrator_migrations_total", "phase", "TimedOut"));
        assertEquals(1.0, value(s, "beanstalk_migrator_migration_duration_seconds_count", "phase", "Succeeded"));
        double ran = java.time.Duration.between(succeeded.startedAt(), succeeded.finishedAt()).toNanos() / 1e9;
        assertEquals(ran, value(s, "beanstalk_migrator_migration_duration_seconds_sum", "phase", "Succeeded"), 1e-3);
        assertEquals(0.0, value(s, "beanstalk_migrator_migrations_in_flight"));
        assertEquals(1.0, value(s, "beanstalk_migrator_environment_ready", "environment", "shop-new"));
        assertEquals(0.0, value(s, "beanstalk_migrator_environment_ready", "environment", "shop-fail"));
        assertEquals(1.0, value(s, "beanstalk_migrator_leader"));

        assertTrue(value(s, "controller_runtime_reconcile_total", "controller", "migration", "result", "success") > 0,
                text);
        assertTrue(value(s, "controller_runtime_reconcile_time_seconds_count", "controller", "migration") > 0);
        assertEquals(value(s, "controller_runtime_reconcile_time_seconds_count", "controller", "migration"),
                value(s, "controller_runtime_reconcile_time_seconds_bucket", "controller", "migration", "le", "+Inf"));
        assertTrue(value(s, "controller_runtime_reconcile_errors_total", "controller", "migration") >= 0);

        assertEquals(1.0, value(s, "beanstalk_migrator_aws_calls_total", "service", "ecs", "operation", "RunTask",
                "outcome", "throttled"), "the sandbox throttled the first RunTask");
        assertEquals(2.0, value(s, "beanstalk_migrator_aws_calls_total", "service", "ecs", "operation", "RunTask",
                "outcome", "success"), "one task per migration, the throttled one retried");
        for (String[] call : List.of(new String[] {"s3", "GetObject"}, new String[] {"s3", "PutObject"},
                new String[] {"elasticbeanstalk", "DescribeEnvironments"},
                new String[] {"elasticbeanstalk", "DescribeConfigurationSettings"},
                new String[] {"ecs", "DescribeTasks"}, new String[] {"logs", "GetLogEvents"})) {
            Double calls = value(s, "beanstalk_migrator_aws_calls_total", "service", call[0], "operation", call[1],
                    "outcome", "success");
            assertTrue(calls != null && calls >= 1, call[0] + " " + call[1] + ": " + calls);
        }
        assertFalse(text.contains(canary), "no environment variable value in the metrics");
        assertFalse(text.contains(succeeded.launchId()), "no launch id");
        assertFalse(text.contains(succeeded.taskArn()), "no task ARN");
    }

    @Test
    void aRefusedPlanIsCountedOnceAndAnEnvironmentThatLeavesThePlanLosesItsSeries() {
        SandboxResource.plan(Plans.plan("{name: shop-suspend, version: v2, suspend: true}",
                "{name: shop-deployed, version: v1, suspend: true}"));
        OperatorIT.awaitPlanInForce();
        await().atMost(OperatorIT.DEADLINE).until(() -> value(samples(scrape()),
                "beanstalk_migrator_environment_ready", "environment", "shop-deployed") != null);
        double refusedBefore = value(samples(scrape()), "beanstalk_migrator_plan_refusals_total");

        SandboxResource.plan(Plans.plan("{name: shop-suspend, version: v2, timeout: 30x}"));
        await().atMost(OperatorIT.DEADLINE).until(() -> OperatorIT.ledger().planError() != null);
        await().atMost(OperatorIT.DEADLINE).until(() -> Double.valueOf(refusedBefore + 1).equals(
                value(samples(scrape()), "beanstalk_migrator_plan_refusals_total")));
        given().header("Authorization", "Bearer " + SandboxResource.TOKEN).post("/api/v1/reconcile").then()
                .statusCode(200);
        assertEquals(refusedBefore + 1, value(samples(scrape()), "beanstalk_migrator_plan_refusals_total"),
                "the same refused revision, seen again: not counted again");

        SandboxResource.plan(Plans.plan("{name: shop-suspend, version: v2, suspend: true}"));
        await().atMost(OperatorIT.DEADLINE).until(() -> OperatorIT.ledger().planError() == null);
        await().atMost(OperatorIT.DEADLINE).until(() -> value(samples(scrape()),
                "beanstalk_migrator_environment_ready", "environment", "shop-deployed") == null);
        List<Sample> s = samples(scrape());
        assertEquals(0.0, value(s, "beanstalk_migrator_environment_ready", "environment", "shop-suspend"));
        assertNull(value(s, "beanstalk_migrator_environment_ready", "environment", "shop-new"),
                "only the plan's environments");
    }

    @Test
    void metricsAreOpenAndPrometheusText() {
        String type = given().get("/q/metrics").then().statusCode(200).extract().contentType();
        assertTrue(type.startsWith("text/plain") || type.startsWith("application/openmetrics-text"), type);
        String text = scrape();
        assertTrue(text.contains("# TYPE controller_runtime_reconcile_time_seconds histogram"), text);
        // The text format names a counter's family without its _total suffix.
        assertTrue(text.contains("# TYPE beanstalk_migrator_migrations counter"), text);
        assertTrue(text.contains("# TYPE beanstalk_migrator_leader gauge"), text);
    }
}
