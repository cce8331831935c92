package dev.beanstalkmigrator.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The benchmark measures the JVM options the README's Dockerfile ships: the two must not drift apart. */
class ShippedOptionsTest {

    @Test
    void theDockerfileRunsTheOptionsTheBenchmarkMeasures() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int from = readme.indexOf("```Dockerfile");
        assertTrue(from >= 0, "README.md has a Dockerfile");
        String dockerfile = readme.substring(from, readme.indexOf("```", from + 3));
        String cmd = dockerfile.substring(dockerfile.indexOf("CMD ["));
        for (String option : Footprint.SHIPPED) {
            assertTrue(cmd.contains("\"" + option + "\""), () -> option + " missing from the Dockerfile's CMD: " + cmd);
        }
        assertTrue(cmd.contains("\"-XX:SharedArchiveFile=app-cds.jsa\""), cmd);
        assertTrue(dockerfile.contains("-XX:ArchiveClassesAtExit=app-cds.jsa -Dquarkus.appcds.generate=true"),
                "the archive is built as the benchmark builds it");
    }
}
