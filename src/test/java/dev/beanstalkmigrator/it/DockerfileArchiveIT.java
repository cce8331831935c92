package dev.beanstalkmigrator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.testing.OperatorProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The class-data-sharing step of {@code src/main/docker/Dockerfile.jvm}, run as {@code docker build} runs it: the
 * {@code RUN} line through {@code /bin/sh -c} in the application's directory. A step that exits non-zero fails the
 * image build, so it must exit 0 and leave the archive the {@code CMD} names.
 */
class DockerfileArchiveIT {

    @Test
    void theArchiveStepSucceedsAndWritesTheArchive() throws Exception {
        String dockerfile = Files.readString(Path.of("src/main/docker/Dockerfile.jvm"), StandardCharsets.UTF_8);
        String run = dockerfile.lines().filter(l -> l.startsWith("RUN ")).findFirst()
                .orElseThrow(() -> new AssertionError("no RUN step in the Dockerfile")).substring("RUN ".length());
        Path app = OperatorProcess.JAR.toAbsolutePath().getParent();
        Path archive = app.resolve("app-cds.jsa");
        Files.deleteIfExists(archive);
        try {
            ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", run).directory(app.toFile())
                    .redirectErrorStream(true).redirectOutput(app.resolve("app-cds-step.log").toFile());
            // The image sets no configuration: neither may this run inherit any.
            builder.environment().keySet().removeIf(n -> n.startsWith("MIGRATOR_") || n.startsWith("QUARKUS_"));
            // The image's java is the one on its PATH; here, this JVM's.
            builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":"
                    + builder.environment().getOrDefault("PATH", "/usr/bin:/bin"));
            Process step = builder.start();
            assertTrue(step.waitFor(2, TimeUnit.MINUTES), "the archive step must end by itself");
            assertEquals(0, step.exitValue(), () -> "'RUN " + run + "' would fail docker build");
            assertTrue(Files.size(archive) > 1_000_000, "an archive of Quarkus's classes, not an empty file");
        } finally {
            Files.deleteIfExists(archive);
            Files.deleteIfExists(app.resolve("app-cds-step.log"));
        }
    }
}
