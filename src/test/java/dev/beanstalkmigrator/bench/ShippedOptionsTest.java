package dev.beanstalkmigrator.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.testing.ContainerImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The container runs what the README shows and the benchmark measures: the README's Dockerfile is
 * {@code src/main/docker/Dockerfile.jvm} as it is, and the benchmark (like {@code DockerfileArchiveIT}) runs that
 * file's own steps through {@link ContainerImage}; here, that the reading sees the steps the image has, and that
 * the AOT cache's training run uses the {@code ENTRYPOINT}'s options, without which the JVM would refuse the cache.
 */
class ShippedOptionsTest {

    static final String TRAINING = "bash aot-training/aot-training.sh ";

    @Test
    void theReadmeShowsTheDockerfileAsItIs() throws Exception {
        assertEquals(withoutHeader(Files.readString(ContainerImage.DOCKERFILE)), readmeDockerfile(),
                "README.md's Dockerfile block must be " + ContainerImage.DOCKERFILE + " without its header comment");
    }

    @Test
    void theTrainingRunUsesTheEntrypointsOptionsAndWritesTheCacheItUses() {
        ContainerImage image = ContainerImage.read();
        String cache = image.option("AOTCache");
        assertNotNull(cache, "the ENTRYPOINT uses an AOT cache: " + image.entrypoint());
        List<String> options = new ArrayList<>(image.jvmOptions());
        options.remove("-XX:AOTCache=" + cache);
        String training = image.runs().stream().filter(run -> run.startsWith(TRAINING)).findFirst()
                .orElseThrow(() -> new AssertionError("no RUN " + TRAINING + "...: " + image.runs()));
        assertTrue(training.startsWith(TRAINING + cache + " " + String.join(" ", options) + " && "),
                () -> "the training run must write " + cache + " with the ENTRYPOINT's options " + options + ": "
                        + training);
    }

    @Test
    void theReadingSeesTheImagesSteps() {
        ContainerImage image = ContainerImage.read();
        assertTrue(image.from().startsWith("eclipse-temurin:" + image.jdkRelease() + "-"), image.from());
        assertEquals("quarkus-run.jar", image.jar());
        assertEquals(new ContainerImage.Copy(List.of("target/quarkus-app/"), "/app/"), image.copies().get(0));
        ContainerImage.Copy training = image.copies().get(1);
        assertEquals("/app/aot-training/", training.destination());
        for (String source : training.sources()) {
            assertTrue(Files.isRegularFile(Path.of(source)), () -> "COPY " + source + ": no such file");
        }
    }

    /** The Dockerfile's instructions and their comments, from {@code FROM} on. */
    static String withoutHeader(String dockerfile) {
        return dockerfile.substring(dockerfile.indexOf("\nFROM ") + 1);
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
