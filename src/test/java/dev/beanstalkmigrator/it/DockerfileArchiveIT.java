package dev.beanstalkmigrator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.beanstalkmigrator.testing.ContainerImage;
import dev.beanstalkmigrator.testing.Jdks;
import dev.beanstalkmigrator.testing.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image of {@code src/main/docker/Dockerfile.jvm}, built and started on the host as Docker would:
 * its {@code COPY} steps staged into a directory that stands for the {@code WORKDIR}, its {@code RUN} step (the AOT
 * cache's training run) through {@code /bin/sh -c} there with the JDK of the {@code FROM} line's release first on the
 * {@code PATH}, and its {@code ENTRYPOINT} started there. A step that exits non-zero fails the image build, so it must
 * exit 0 and leave the cache the {@code ENTRYPOINT} names; and the {@code ENTRYPOINT} must be able to use that cache.
 * Skipped, with the reason, where no JDK of that release is installed (see {@link Jdks} for where it is looked for).
 */
class DockerfileArchiveIT {

    static final Path STAGED = Path.of("target/dockerfile-it/app").toAbsolutePath();

    static ContainerImage image;
    static Path jdk;
    static int buildExit;
    static Path buildLog;

    @BeforeAll
    static void build() throws Exception {
        image = ContainerImage.read();
        Optional<Path> found = Jdks.find(image.jdkRelease());
        assumeTrue(found.isPresent(), () -> "the image runs Java " + image.jdkRelease() + ": "
                + Jdks.howToName(image.jdkRelease()));
        jdk = found.get();
        image.stage(Path.of("").toAbsolutePath(), STAGED);
        buildLog = STAGED.resolveSibling("build.log");
        Files.deleteIfExists(buildLog);
        // The image's ports are taken on a shared host: the training run moves them where told to.
        buildExit = image.build(STAGED, jdk, Map.of("QUARKUS_HTTP_PORT", String.valueOf(OperatorProcess.freePort()),
                "MIGRATOR_SANDBOX_PORT", String.valueOf(OperatorProcess.freePort())), buildLog, 4);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        ContainerImage.deleteTree(STAGED.getParent());
    }

    @Test
    void theTrainingStepSucceedsAndWritesTheCache() throws Exception {
        assertEquals(0, buildExit, () -> "'RUN " + image.runs() + "' would fail docker build: " + log(buildLog));
        Path cache = STAGED.resolve(image.option("AOTCache"));
        assertTrue(Files.size(cache) > 10_000_000, "an AOT cache of the operator's classes, not an empty file");
        assertFalse(Files.exists(STAGED.resolve("aot-training")), "the sample world is not left in the image");
    }

    /**
     * The operator as the container starts it (the {@code ENTRYPOINT} in the {@code WORKDIR}), in the sandbox profile
     * as the training ran, with {@code -XX:AOTMode=on}: a JVM that cannot use the cache refuses to start instead of
     * going on without it. Most of the classes it loads until ready come from the cache.
     */
    @Test
    void theEntrypointStartsOnTheCache() throws Exception {
        assumeTrue(buildExit == 0, "the image was not built");
        Path dir = STAGED.getParent();
        Path classes = dir.resolve("classes.log");
        List<String> options = new ArrayList<>(image.jvmOptions());
        options.add("-XX:AOTMode=on");
        options.add("-Xlog:class+load=info:file=" + classes);
        options.add("-Dquarkus.profile=sandbox");
        options.add("-Dmigrator.sandbox.port=" + OperatorProcess.freePort());
        options.add("-Dmigrator.sandbox.seed=" + Path.of("config/sandbox.yaml").toAbsolutePath());
        options.add("-Dmigrator.sandbox.plan=" + Path.of("config/desired-state.yaml").toAbsolutePath());
        OperatorProcess.Launch entrypoint = new OperatorProcess.Launch(Jdks.java(jdk), STAGED, Path.of(image.jar()));
        try (OperatorProcess operator = OperatorProcess.start(entrypoint, OperatorProcess.freePort(), options, Map.of(),
                dir.resolve("entrypoint.log"), false)) {
            operator.awaitReady(Duration.ofMinutes(2));
        }
        List<String> loaded = Files.readAllLines(classes).stream().filter(l -> l.contains(" source: ")).toList();
        long cached = loaded.stream().filter(l -> l.contains("source: shared objects file")).count();
        assertTrue(cached > loaded.size() * 0.8, () -> cached + " of " + loaded.size() + " classes came from the cache");
    }

    static String log(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
