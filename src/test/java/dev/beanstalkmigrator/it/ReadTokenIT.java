package dev.beanstalkmigrator.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code migrator.api.read-token} set, the API answers only callers with that token or the API token, and
 * the read token alone never reconciles; health stays open. (Without it, reads are open: {@code OperatorIT}.)
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
}
