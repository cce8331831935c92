package dev.beanstalkmigrator.it;

import dev.beanstalkmigrator.testing.Plans;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.Cookie;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code migrator.api.read-token} set, the API answers only callers with that token or the API token, and
 * the read token alone never reconciles; health stays open. The status page also takes the token once as
 * {@code ?token=} and from then on from the cookie it sets, which opens the page and nothing else. (Without a read
 * token, reads are open: {@code OperatorIT}, {@code StatusPageIT}.)
 */
@QuarkusTest
@TestProfile(ReadTokenIT.ReadTokenSet.class)
class ReadTokenIT {

    static final String READ_TOKEN = "it-read-token";

    public static class ReadTokenSet implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("migrator.api.read-token", READ_TOKEN);
        }
    }

    static final byte[] PLAN = Plans.plan().getBytes(java.nio.charset.StandardCharsets.UTF_8);

    static final List<String> READS = List.of("/api/v1/status", "/api/v1/environments");

    @Test
    void readsWithoutATokenAreRefusedAsAProblemWithTheScheme() {
        for (String path : READS) {
            given().get(path).then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", "Bearer").body("status", equalTo(401));
            given().header("Authorization", "Bearer wrong").get(path).then().statusCode(401)
                    .contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
        }
        given().get("/api/v1/environments/shop-new").then().statusCode(401);
        given().contentType("application/yaml").body(PLAN).post("/api/v1/validate").then().statusCode(401);
    }

    @Test
    void theReadTokenOrTheApiTokenReads() {
        for (String path : READS) {
            given().header("Authorization", "Bearer " + READ_TOKEN).get(path).then().statusCode(200);
            given().header("Authorization", "Bearer " + SandboxResource.TOKEN).get(path).then().statusCode(200);
        }
        given().header("Authorization", "Bearer " + READ_TOKEN).contentType("application/yaml").body(PLAN)
                .post("/api/v1/validate").then().statusCode(200).body("valid", equalTo(true));
    }

    @Test
    void theReadTokenNeverReconciles() {
        given().header("Authorization", "Bearer " + READ_TOKEN).post("/api/v1/reconcile").then().statusCode(401)
                .contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
        given().post("/api/v1/reconcile").then().statusCode(401);
        given().header("Authorization", "Bearer " + SandboxResource.TOKEN).post("/api/v1/reconcile").then()
                .statusCode(200);
    }

    @Test
    void healthMetricsAndTheOpenApiDocumentStayOpen() {
        given().get("/q/openapi").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("beanstalk_migrator_leader"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(200), equalTo(503)));
    }

    // --- the status page ------------------------------------------------------------------------------------

    @Test
    void thePageWithoutATokenIsRefusedAndSaysHowToOpenIt() {
        given().accept("text/html").get("/").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer").body("detail", containsString("/?token=<migrator.api.read-token>"));
        given().accept("text/html").queryParam("token", "wrong").redirects().follow(false).get("/").then()
                .statusCode(401);
        given().accept("text/html").cookie("migrator-page", "wrong").get("/").then().statusCode(401);
        given().accept("text/html").cookie("migrator-page", READ_TOKEN).get("/").then()
                .statusCode(401);
    }

    @Test
    void thePageTakesTheTokenInTheHeader() {
        given().accept("text/html").header("Authorization", "Bearer " + READ_TOKEN).get("/").then().statusCode(200)
                .contentType(startsWith("text/html"));
        given().accept("text/html").header("Authorization", "Bearer " + SandboxResource.TOKEN).get("/").then()
                .statusCode(200);
    }

    @Test
    void thePageTakesTheTokenOnceInTheQueryAndThenFromItsCookieWhichOpensNothingElse() {
        Response exchange = given().accept("text/html").queryParam("token", READ_TOKEN).redirects().follow(false)
                .get("/");
        exchange.then().statusCode(303).header("Location", "./").header("Cache-Control", "no-store");
        Cookie cookie = exchange.getDetailedCookie("migrator-page");
        assertNotNull(cookie, exchange.headers()::toString);
        assertFalse(cookie.getValue().contains(READ_TOKEN), "the cookie holds a digest, not the token");
        assertTrue(cookie.isHttpOnly(), cookie::toString);
        assertEquals("Lax", cookie.getSameSite(), cookie::toString);
        assertFalse(cookie.isSecured(), "plain HTTP: a Secure cookie would never come back");

        given().accept("text/html").cookie("migrator-page", cookie.getValue()).get("/").then().statusCode(200)
                .contentType(startsWith("text/html"));
        // The page's cookie and query parameter open the page only: a browser sends the cookie along to the API.
        for (String path : READS) {
            given().cookie("migrator-page", cookie.getValue()).get(path).then().statusCode(401);
            given().queryParam("token", READ_TOKEN).get(path).then().statusCode(401);
        }
        given().cookie("migrator-page", cookie.getValue()).post("/api/v1/reconcile").then().statusCode(401);

        // Behind a load balancer that ends TLS, the cookie is sent back over HTTPS only.
        Cookie secure = given().accept("text/html").header("X-Forwarded-Proto", "https")
                .queryParam("token", READ_TOKEN).redirects().follow(false).get("/").getDetailedCookie("migrator-page");
        assertTrue(secure.isSecured(), secure::toString);

        // The API token works for the page as for every read; its cookie is another digest, never the token.
        Response withApiToken = given().accept("text/html").queryParam("token", SandboxResource.TOKEN).redirects()
                .follow(false).get("/");
        withApiToken.then().statusCode(303);
        String apiCookie = withApiToken.getCookie("migrator-page");
        assertFalse(apiCookie.contains(SandboxResource.TOKEN));
        assertFalse(apiCookie.equals(cookie.getValue()));
        given().accept("text/html").cookie("migrator-page", apiCookie).get("/").then().statusCode(200);
    }
}
