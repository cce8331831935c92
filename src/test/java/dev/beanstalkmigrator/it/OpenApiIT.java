package dev.beanstalkmigrator.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code GET /q/openapi} describes every operation of /api/v1, its problem+json errors and the bearer scheme. */
@QuarkusTest
class OpenApiIT {

    static final Map<String, List<String>> OPERATIONS = Map.of(
            "/api/v1/status", List.of("get"),
            "/api/v1/environments", List.of("get"),
            "/api/v1/environments/{name}", List.of("get"),
            "/api/v1/plans", List.of("get"),
            "/api/v1/reconcile", List.of("post"),
            "/api/v1/validate", List.of("post"));

    static JsonNode document() throws Exception {
        String body = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().asString();
        return new ObjectMapper().readTree(body);
    }

    @Test
    void everyOperationHasASummaryAndItsErrorsAreProblems() throws Exception {
        JsonNode paths = document().path("paths");
        List<String> apiPaths = new ArrayList<>();
        paths.fieldNames().forEachRemaining(p -> {
            if (p.startsWith("/api/v1")) {
                apiPaths.add(p);
            }
        });
        assertEquals(OPERATIONS.keySet(), new java.util.HashSet<>(apiPaths), "the /api/v1 paths described");
        OPERATIONS.forEach((path, methods) -> methods.forEach(method -> {
            JsonNode operation = paths.path(path).path(method);
            String name = method.toUpperCase() + " " + path;
            assertFalse(operation.path("summary").asText().isBlank(), name + " has a summary");
            JsonNode responses = operation.path("responses");
            assertTrue(responses.has("200"), name + " documents its answer: " + responses);
            List<String> errors = new ArrayList<>();
            responses.fieldNames().forEachRemaining(code -> {
                if (code.startsWith("4") || code.startsWith("5")) {
                    errors.add(code);
                }
            });
            assertTrue(errors.contains("401") && errors.contains("500"), name + " errors: " + errors);
            for (String code : errors) {
                JsonNode content = responses.path(code).path("content");
                assertEquals(List.of("application/problem+json"), fieldNames(content), name + " " + code);
                assertTrue(content.path("application/problem+json").path("schema").has("$ref"), name + " " + code);
            }
        }));
        assertTrue(paths.path("/api/v1/environments/{name}").path("get").path("responses").has("404"));
        JsonNode validate = paths.path("/api/v1/validate").path("post").path("responses");
        for (String code : List.of("413", "415", "422")) {
            assertTrue(validate.has(code), "validate documents " + code);
        }
        assertTrue(paths.path("/api/v1/reconcile").path("post").path("responses").has("403"));
    }

    @Test
    void theBearerSchemeGuardsReconcileAndOptionallyReads() throws Exception {
        JsonNode document = document();
        JsonNode scheme = document.path("components").path("securitySchemes").path("bearer");
        assertEquals("http", scheme.path("type").asText(), scheme.toString());
        assertEquals("bearer", scheme.path("scheme").asText(), scheme.toString());
        JsonNode problem = document.path("components").path("schemas").path("Problem").path("properties");
        assertTrue(problem.has("title") && problem.has("status") && problem.has("detail"), problem.toString());

        JsonNode reconcile = document.path("paths").path("/api/v1/reconcile").path("post").path("security");
        assertEquals("[{\"bearer\":[]}]", reconcile.toString(), "reconcile needs the token");
        JsonNode status = document.path("paths").path("/api/v1/status").path("get").path("security");
        assertEquals("[{},{\"bearer\":[]}]", status.toString(), "reads: open, or the bearer token when one is set");
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
