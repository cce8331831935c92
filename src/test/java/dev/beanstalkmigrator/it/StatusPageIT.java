package dev.beanstalkmigrator.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.testing.Plans;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;

/**
 * The status page at {@code /}, rendered by the operator against the sandbox: a failed migration with its state,
 * versions, exit code and log tail (shown as text, markup and all), the leader and its lease, a refused plan's
 * errors with line and column; the rest of the HTTP surface unaffected by it.
 */
@QuarkusTest
@QuarkusTestResource(value = SandboxResource.class, restrictToAnnotatedClass = false)
class StatusPageIT {

    static final Duration DEADLINE = Duration.ofSeconds(30);

    static MigrationStatus ledger() {
        String yaml = SandboxResource.ledger();
        return yaml == null ? MigrationStatus.empty() : LedgerCodec.read(yaml.getBytes(StandardCharsets.UTF_8));
    }

    static MigrationRecord awaitPhase(String environment, String version, Phase phase) {
        return await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            var status = ledger().environment(environment);
            return status == null || status.history().isEmpty() ? null : status.history().get(0);
        }, r -> r != null && r.version().equals(version) && r.phase() == phase);
    }

    static String page() {
        return given().accept("text/html").get("/").then().statusCode(200)
                .contentType(startsWith("text/html")).header("Cache-Control", "no-store").extract().asString();
    }

    static Element one(Element scope, String css) {
        Element found = scope.selectFirst(css);
        assertNotNull(found, () -> "no " + css + " in " + scope.outerHtml());
        return found;
    }

    @Test
    void aFailedMigrationShowsWithItsStateVersionsExitCodeAndLogTailAsText() {
        SandboxResource.plan(Plans.plan("{name: shop-page, version: v-broken}"));
        MigrationRecord failed = awaitPhase("shop-page", "v-broken", Phase.Failed);

        String body = page();
        Document html = Jsoup.parse(body);
        assertEquals("5", one(html, "meta[http-equiv=refresh]").attr("content"), "refreshes itself");
        assertEquals("width=device-width, initial-scale=1", one(html, "meta[name=viewport]").attr("content"));
        assertTrue(html.select("script").isEmpty(), "no script, and a log tail's markup is escaped");
        assertTrue(body.contains("&lt;script&gt;alert("), "the tail's markup shows as text");

        assertEquals("shop", one(html, "#plan-name").text(), "the plan's name");
        assertEquals(ledger().observedPlanRevision(), one(html, "#plan-revision").text());
        // The configured identity and this process's own suffix.
        String identity = one(html, "#leader").text();
        assertTrue(identity.matches("it-replica_[0-9a-f-]{36}"), identity);
        assertEquals(identity, one(html, "#lease .holder").text());
        given().get("/api/v1/status").then().body("lease.holder", equalTo(identity));
        assertTrue(one(html, "#lease").text().matches("held by " + identity + ", renewed .+ UTC, expires .+ UTC"
                + " unless renewed \\(60 s; \\d+ transitions\\)"), one(html, "#lease").text());
        assertTrue(one(html, "#last-sync").text().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+ s ago\\)"),
                one(html, "#last-sync").text());

        Element environment = one(html, "section#env-shop-page");
        assertEquals("Failed", environment.attr("data-state"));
        assertEquals("Failed", one(environment, "h2 .badge.failed").text());
        assertTrue(one(environment, "p.why").text().startsWith("MigrationFailed: "), environment.text());
        assertEquals("v-broken", one(environment, ".desired").text());
        assertEquals("v-broken", one(environment, ".resolved").text());
        assertEquals("v1", one(environment, ".deployed").text());

        Element row = one(environment, "tr.migration[data-version=v-broken]");
        assertEquals("Failed", row.attr("data-phase"));
        assertEquals("1", one(row, ".exit-code").text());
        assertEquals(failed.reason(), one(row, ".reason").text());
        String tail = one(environment, "pre.log-tail").wholeText();
        assertEquals(String.join("\n", failed.logTail()), tail, "the whole tail, as the ledger holds it");
        assertTrue(tail.endsWith("<script>alert('tail')</script> relation \"orders_tag\" already exists"), tail);
    }

    @Test
    void aRefusedPlanShowsItsErrorsWithLineAndColumnWhileTheLastValidPlanStaysInForce() {
        SandboxResource.plan(Plans.plan("{name: shop-page, version: v1}"));
        await().atMost(DEADLINE).until(() -> ledger().planError() == null && ledger().environment("shop-page") != null
                && "v1".equals(ledger().environment("shop-page").desiredVersion()));
        String validRevision = ledger().observedPlanRevision();

        SandboxResource.plan(Plans.plan("{name: shop-page, version: v2, timeout: 30x}"));
        Document html = Jsoup.parse(await().atMost(DEADLINE).until(StatusPageIT::page,
                p -> p.contains("id=\"plan-errors\"")));
        assertEquals(validRevision, one(html, "#plan-in-force").text(), "the last valid plan stays in force");
        Elements errors = html.select("#plan-errors li.plan-error");
        assertEquals(1, errors.size(), errors::outerHtml);
        Element error = errors.get(0);
        // Plans.plan puts the environments on line 14, each as "    - {...}": timeout's value starts at column 47.
        assertEquals("plan.yaml line 14, column 47: spec.environments[0].timeout: \"30x\" is not a duration; write a"
                + " number and a unit, e.g. 90s, 30m or 1h30m", error.text());
        assertEquals("14", one(error, ".line").text());
        assertEquals("47", one(error, ".column").text());

        SandboxResource.plan(Plans.plan("{name: shop-page, version: v1}"));
        await().atMost(DEADLINE).until(StatusPageIT::page, p -> !p.contains("id=\"plan-errors\""));
    }

    @Test
    void theApiHealthAndOpenApiAreUnaffectedAndThePageIsHtmlOnly() {
        given().get("/api/v1/status").then().statusCode(200).contentType(startsWith("application/json"))
                .body("kind", equalTo("MigrationStatus"));
        given().get("/q/health/live").then().statusCode(200).contentType(startsWith("application/json"));
        given().get("/q/openapi?format=json").then().statusCode(200).body(not(containsString("\"/\"")));
        given().accept("application/json").get("/").then().statusCode(406);
        given().get("/").then().statusCode(200).contentType(startsWith("text/html"));
        assertFalse(page().isBlank());
    }
}
