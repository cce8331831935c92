package dev.beanstalkmigrator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.testing.OperatorProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate} run as CI runs it: the packaged artifact with a command, as a process. It checks the files
 * offline and exits with the verdict, without starting the HTTP server or the reconcile loop.
 */
class ValidateCommandIT {

    @TempDir
    Path dir;

    record Result(int exit, List<String> lines) {}

    Result validate(boolean onGitHub, String... files) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                OperatorProcess.JAR.toString(), "validate"));
        command.addAll(List.of(files));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        builder.environment().remove("GITHUB_ACTIONS");
        if (onGitHub) {
            builder.environment().put("GITHUB_ACTIONS", "true");
        }
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("validate did not exit within 60 s: "
                    + Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readAllLines(dir.resolve("out.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void aValidPlanExitsZeroWithoutStartingTheOperator() throws Exception {
        Result result = validate(false, "config/desired-state.yaml");

        assertEquals(0, result.exit(), result.lines()::toString);
        assertEquals(List.of("config/desired-state.yaml: valid plan acme, 2 environments"), result.lines(),
                "the verdict and nothing else: no Quarkus banner, no HTTP server, no reconcile loop");
    }

    @Test
    void anInvalidPlanPrintsEachErrorAndItsGitHubAnnotationAndExitsOne() throws Exception {
        Path broken = Files.writeString(dir.resolve("plan.yaml"), """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: shop}
                spec:
                  environments:
                    - {name: shop-prod, application: shop, version: v2, command: [migrate], timeout: 30x}
                """);

        Result result = validate(true, "config/desired-state.yaml", broken.toString());

        assertEquals(1, result.exit(), result.lines()::toString);
        assertTrue(result.lines().contains("config/desired-state.yaml: valid plan acme, 2 environments"),
                result.lines()::toString);
        assertTrue(result.lines().stream().anyMatch(l -> l.startsWith(broken + ":6:") && l.contains("timeout")),
                result.lines()::toString);
        assertTrue(result.lines().stream().anyMatch(l -> l.startsWith("::error file=") && l.contains(",line=6,col=")),
                result.lines()::toString);
        assertTrue(result.lines().stream().noneMatch(l -> l.contains("Listening on") || l.contains("started in")),
                result.lines()::toString);
    }
}
