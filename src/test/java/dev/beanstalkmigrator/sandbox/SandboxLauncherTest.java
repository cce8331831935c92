package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The Quarkus launcher's logic, without booting Quarkus: what listens on the configured port, seen from outside. */
class SandboxLauncherTest {

    record Config(boolean enabled, int port, String seed, String plan, String ecsThrottling, double ecsThrottlingScale)
            implements SandboxConfig {
        Config(boolean enabled, int port, String seed, String plan) {
            this(enabled, port, seed, plan, "off", 1);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * What the sandbox's control API on {@code port} answers at {@code path} (under {@code /_sandbox/}), or null
     * when nothing listens there. A new client per call: no kept-alive connection outlives a stopped sandbox.
     */
    static JsonNode control(int port, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/_sandbox/" + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(answer.body());
        } catch (ConnectException e) {
            return null;
        }
    }

    @Test
    void disabledByDefaultStartsNothing() throws Exception {
        SandboxLauncher l = new SandboxLauncher();
        int port = freePort();
        l.config = new Config(false, port, "config/sandbox.yaml", "config/desired-state.yaml");
        l.onStart(null);
        assertNull(control(port, "health"));
        l.onStop(null);
    }

    @Test
    void enabledStartsTheDemoWorldAndSetsTestCredentials(@TempDir Path dir) throws Exception {
        String oldKey = System.getProperty("aws.accessKeyId");
        String oldSecret = System.getProperty("aws.secretAccessKey");
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        SandboxLauncher l = new SandboxLauncher();
        int port = freePort();
        l.config = new Config(true, port, "config/sandbox.yaml",
                dir.resolve("missing-desired-state.yaml").toString());
        try {
            l.onStart(null);
            String endpoint = control(port, "health").get("endpoint").asText();
            assertEquals(port, URI.create(endpoint).getPort());
            assertEquals("test", System.getProperty("aws.accessKeyId"));
            assertEquals("test", System.getProperty("aws.secretAccessKey"));
            assertEquals("v41", control(port, "environments/acme-web-prod").get("version").asText());
            assertTrue(endpoint.startsWith("http://127.0.0.1:"));
        } finally {
            l.onStop(null);
            restore("aws.accessKeyId", oldKey);
            restore("aws.secretAccessKey", oldSecret);
        }
        assertNull(control(port, "health"));
    }

    @Test
    void ecsThrottlingAsConfigured(@TempDir Path dir) throws Exception {
        SandboxLauncher l = new SandboxLauncher();
        int port = freePort();
        l.config = new Config(true, port, "config/sandbox.yaml", dir.resolve("none.yaml").toString(), "documented", 0.5);
        try {
            l.onStart(null);
            JsonNode throttling = control(port, "ecs-throttling");
            assertEquals("documented", throttling.get("table").asText());
            assertEquals(0.5, throttling.get("scale").asDouble());
        } finally {
            l.onStop(null);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
