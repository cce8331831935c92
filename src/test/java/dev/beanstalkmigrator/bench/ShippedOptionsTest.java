package dev.beanstalkmigrator.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The container runs what the README shows and the benchmark measures: {@code src/main/docker/Dockerfile.jvm},
 * the README's Dockerfile and the benchmark's "as shipped" JVM options must not drift apart.
 */
class ShippedOptionsTest {

    static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");

    @Test
    void theReadmeShowsTheDockerfileAsItIs() throws Exception {
        assertEquals(withoutHeader(Files.readString(DOCKERFILE)), readmeDockerfile(),
                "README.md's Dockerfile block must be " + DOCKERFILE + " without its header comment");
    }

    @Test
    void theDockerfileRunsTheOptionsTheBenchmarkMeasures() throws Exception {
        String dockerfile = Files.readString(DOCKERFILE);
        String cmd = dockerfile.substring(dockerfile.indexOf("ENTRYPOINT ["));
        for (String option : Footprint.SHIPPED) {
            assertTrue(cmd.contains("\"" + option + "\""), () -> option + " missing from the Dockerfile's ENTRYPOINT: " + cmd);
        }
        assertTrue(cmd.contains("\"-XX:SharedArchiveFile=app-cds.jsa\""), cmd);
        assertTrue(dockerfile.contains("RUN java -XX:ArchiveClassesAtExit=app-cds.jsa -jar quarkus-run.jar "),
                "the archive is built as the benchmark builds it");
    }

    /** The Dockerfile's instructions and their comments, from {@code FROM} on. */
    static String withoutHeader(String dockerfile) {
        return dockerfile.substring(dockerfile.indexOf("FROM "));
    }

    /** The README's {@code ```Dockerfile} block, without the list item's indentation. */
    static String readmeDockerfile() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int from = readme.indexOf("```Dockerfile\n");
        assertTrue(from >= 0, "README.md has a Dockerfile");
        String block = readme.substring(from + "```Dockerfile\n".length(), readme.indexOf("```", from + 3));
        return block.lines().map(line -> line.startsWith("   ") ? line.substring(3) : line)
                .collect(Collectors.joining("\n")).stripTrailing() + "\n";
    }
}
