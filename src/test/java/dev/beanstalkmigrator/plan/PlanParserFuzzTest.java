package dev.beanstalkmigrator.plan;

import static dev.beanstalkmigrator.plan.ByteEdits.delete;
import static dev.beanstalkmigrator.plan.ByteEdits.insert;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mutations of a valid plan: whatever the bytes, the parser answers Valid or Invalid
 * quickly, never throws, and every error has a real position. A failing case prints its seed and its
 * bytes (Base64) so it can be replayed.
 */
class PlanParserFuzzTest {

    private static final int CASES = 2_000;
    private static final long SEED = 0x5eed_b0a7L;

    /** Fragments that steer mutations into YAML's interesting corners, not only into UTF-8 errors. */
    private static final List<String> TOKENS = List.of(":", ": ", "- ", "[", "]", "{", "}", ",", "\n", "\n  ",
            "\t", "#", "&a ", "*a", "!!str ", "!x ", "---\n", "...\n", "? ", "|\n", ">-\n", "\"", "'", "%YAML 1.2\n",
            "<<: ", "~", "null", "true", "42", "1.5", "0x1F", "\u00e9", "\uD83D\uDE00", "\\", "@", "`", "\r",
            "\u0085", "\u2028", "timeout: 30m\n", "launchType: EC2\n", "version: 7\n");

    @Test
    void mutatedPlansNeverEscapeHangOrLoseTheirPosition() {
        byte[] valid = PlanParserTest.resource("valid-full.yaml");
        PlanParser parser = new PlanParser();
        Random random = new Random(SEED);
        int validCount = 0;
        for (int i = 0; i < CASES; i++) {
            long caseSeed = random.nextLong();
            byte[] input = mutate(valid, new Random(caseSeed));
            ParseOutcome outcome;
            try {
                outcome = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> parser.parse("fuzz.yaml", input));
            } catch (Throwable t) {
                fail("case " + i + " (seed " + caseSeed + ") failed: " + t + "\ninput: "
                        + Base64.getEncoder().encodeToString(input), t);
                return;
            }
            if (outcome instanceof ParseOutcome.Valid) {
                validCount++;
            } else if (outcome instanceof ParseOutcome.Invalid invalid) {
                assertTrue(!invalid.errors().isEmpty() && invalid.errors().size() <= PlanLimits.DEFAULTS.maxErrors());
                PlanError previous = null;
                for (PlanError error : invalid.errors()) {
                    assertTrue(error.line() >= 1 && error.column() >= 1, () -> "bad position in " + error.describe());
                    assertTrue(error.message() != null && !error.message().isBlank(), error::describe);
                    assertTrue(error.path() != null, error::describe);
                    assertTrue(!error.message().contains("report this as a bug")
                            && !error.message().startsWith("could not read the YAML"),
                            () -> "internal failure surfaced as " + error.describe() + "\ninput: "
                                    + Base64.getEncoder().encodeToString(input));
                    if (previous != null) {
                        assertTrue(previous.line() < error.line()
                                || (previous.line() == error.line() && previous.column() <= error.column()),
                                "errors not sorted: " + previous.describe() + " / " + error.describe());
                    }
                    previous = error;
                }
            } else {
                fail("unexpected outcome " + outcome);
            }
        }
        // Sanity: some mutations (e.g. inside comments) keep the plan valid, most do not.
        assertTrue(validCount < CASES, "no mutation was ever rejected");
    }

    static byte[] mutate(byte[] original, Random random) {
        byte[] bytes = original.clone();
        int edits = 1 + random.nextInt(random.nextInt(10) == 0 ? 40 : 4);
        for (int e = 0; e < edits; e++) {
            int at = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
            switch (random.nextInt(6)) {
                case 0 -> bytes = delete(bytes, at, 1 + random.nextInt(8));
                case 1 -> bytes = insert(bytes, at, new byte[] {(byte) random.nextInt(256)});
                case 2 -> {
                    if (at < bytes.length) {
                        bytes[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 3, 4 -> bytes = insert(bytes, at, TOKENS.get(random.nextInt(TOKENS.size())).getBytes(UTF_8));
                default -> {
                    // duplicate a slice elsewhere: repeats keys, lines and whole environments
                    if (bytes.length > 0) {
                        int from = random.nextInt(bytes.length);
                        int length = Math.min(bytes.length - from, 1 + random.nextInt(120));
                        bytes = insert(bytes, at, Arrays.copyOfRange(bytes, from, from + length));
                    }
                }
            }
        }
        return bytes;
    }
}
