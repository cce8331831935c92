package dev.beanstalkmigrator.reconcile;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps environment variable values (database passwords, keys) out of what the operator records: a
 * migration's log lines may echo them.
 */
public final class Secrets {

    /** Values shorter than this are not redacted: "1" or "on" would blank out unrelated text. */
    static final int MIN_LENGTH = 4;
    static final String MASK = "***";

    private Secrets() {}

    public static String redact(String text, Collection<String> values) {
        if (text == null) {
            return null;
        }
        String result = text;
        // Longest first, so that a value containing another is masked whole.
        for (String value : values.stream().filter(v -> v != null && v.length() >= MIN_LENGTH)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            result = result.replace(value, MASK);
        }
        return result;
    }

    public static List<String> redact(List<String> lines, Collection<String> values) {
        return lines.stream().map(line -> redact(line, values)).toList();
    }
}
