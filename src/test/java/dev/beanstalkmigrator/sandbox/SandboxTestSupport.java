package dev.beanstalkmigrator.sandbox;

import java.net.URISyntaxException;
import java.nio.file.Path;

final class SandboxTestSupport {
    private SandboxTestSupport() {}

    static Path testSeed() {
        try {
            return Path.of(SandboxTestSupport.class.getResource("/sandbox/test-seed.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
