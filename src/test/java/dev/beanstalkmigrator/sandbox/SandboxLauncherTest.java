package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Quarkus launcher's logic, without booting Quarkus. */
class SandboxLauncherTest {

    record Config(boolean enabled, int port, String seed, String plan) implements SandboxConfig {}

    @Test
    void disabledByDefaultStartsNothing() {
        SandboxLauncher l = new SandboxLauncher();
        l.config = new Config(false, 4566, "config/sandbox.yaml", "config/desired-state.yaml");
        l.onStart(null);
        assertNull(l.cloud());
        l.onStop(null);
    }

    @Test
    void enabledStartsTheDemoWorldAndSetsTestCredentials(@TempDir Path dir) throws IOException {
        String oldKey = System.getProperty("aws.accessKeyId");
        String oldSecret = System.getProperty("aws.secretAccessKey");
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        SandboxLauncher l = new SandboxLauncher();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        l.config = new Config(true, port, "config/sandbox.yaml",
                dir.resolve("missing-desired-state.yaml").toString());
        try {
            l.onStart(null);
            assertEquals(port, l.cloud().port());
            assertEquals("test", System.getProperty("aws.accessKeyId"));
            assertEquals("test", System.getProperty("aws.secretAccessKey"));
            assertEquals("v41", l.cloud().deployedVersion("acme-web-prod"));
            assertTrue(l.cloud().endpoint().toString().startsWith("http://127.0.0.1:"));
        } finally {
            l.onStop(null);
            restore("aws.accessKeyId", oldKey);
            restore("aws.secretAccessKey", oldSecret);
        }
        assertNull(l.cloud());
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
