package dev.beanstalkmigrator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {

    static final String BROKEN = """
            apiVersion: beanstalk-migrator/v1
            kind: MigrationPlan
            metadata: {name: shop}
            spec:
              environments:
                - name: shop-prod
                  application: shop
                  version: v2
                  command: [python, manage.py, migrate]
                  timeout: 30x
                  colour: blue
            """;

    @TempDir
    Path dir;

    record Run(int exit, List<String> out, String err) {}

    Run run(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Commands.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), environment);
        return new Run(exit, out.toString(StandardCharsets.UTF_8).lines().toList(),
                err.toString(StandardCharsets.UTF_8));
    }

    Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void theShippedExamplePlanIsValid() {
        Run run = run(Map.of(), "validate", "config/desired-state.yaml");
        assertEquals(Commands.OK, run.exit(), run::toString);
        assertEquals(List.of("config/desired-state.yaml: valid plan acme, 2 environments"), run.out());
    }

    @Test
    void everyErrorOfEveryFileIsPrintedCompilerStyleAndTheExitCodeIsOne() throws IOException {
        String broken = write("broken.yaml", BROKEN).toString();
        Run run = run(Map.of(), "validate", "config/desired-state.yaml", broken);

        assertEquals(Commands.INVALID, run.exit(), run::toString);
        assertEquals("config/desired-state.yaml: valid plan acme, 2 environments", run.out().get(0));
        List<String> errors = run.out().subList(1, run.out().size());
        assertTrue(errors.size() >= 2, errors::toString);
        assertTrue(errors.stream().allMatch(l -> l.startsWith(broken + ":")), errors::toString);
        assertTrue(errors.stream().anyMatch(l -> l.startsWith(broken + ":10:") && l.contains("timeout")),
                errors::toString);
        assertTrue(errors.stream().anyMatch(l -> l.startsWith(broken + ":11:") && l.contains("colour")),
                errors::toString);
        assertTrue(errors.stream().noneMatch(l -> l.startsWith("::error")), "no annotations outside GitHub Actions");
    }

    @Test
    void onGitHubActionsEachErrorAlsoBecomesAnAnnotation() throws IOException {
        String broken = write("broken.yaml", BROKEN).toString();
        Run run = run(Map.of("GITHUB_ACTIONS", "true"), "validate", broken);

        assertEquals(Commands.INVALID, run.exit());
        List<String> annotations = run.out().stream().filter(l -> l.startsWith("::error ")).toList();
        assertEquals(run.out().size() / 2, annotations.size(), run.out()::toString);
        String property = broken.replace(":", "%3A").replace(",", "%2C");
        assertTrue(annotations.stream().anyMatch(a -> a.startsWith("::error file=" + property + ",line=10,col=")
                && a.contains("::spec.environments[0].timeout: ")), annotations::toString);
    }

    @Test
    void aMissingFileIsAnErrorNamingIt() {
        Run run = run(Map.of(), "validate", dir.resolve("nope.yaml").toString());
        assertEquals(Commands.INVALID, run.exit());
        assertEquals(List.of(dir.resolve("nope.yaml") + ":1:1: no such file; name the plan file to check"),
                run.out());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(Commands.USAGE, run(Map.of(), "validate").exit());
        Run unknown = run(Map.of(), "frobnicate");
        assertEquals(Commands.USAGE, unknown.exit());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.err());
        assertTrue(unknown.err().contains("validate FILE..."), unknown.err());
    }

    @Test
    void annotationsEscapeWhatGitHubWouldReadAsSyntax() {
        String line = Commands.annotation(new dev.beanstalkmigrator.plan.PlanError("a,b:c.yaml", 3, 7, "",
                "50% of\nit"));
        assertEquals("::error file=a%2Cb%3Ac.yaml,line=3,col=7::50%25 of%0Ait", line);
    }
}
