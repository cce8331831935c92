package dev.beanstalkmigrator.reconcile.execute;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Keeps environment variable values (database passwords, keys) out of what the operator records: a
 * migration's log lines may echo them.
 */
public final class Secrets {

    /**
     * Values shorter than this are not masked: masking "1", "on" or "db" would blank out unrelated text all over a
     * log, and a value of three characters or fewer protects nothing (printable ASCII allows fewer than a million of
     * them). The variables left unmasked are recorded by name ({@link #tooShort}).
     */
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

    /**
     * The names of the variables whose value {@link #redact} leaves as it is: not empty, but shorter than {@link
     * #MIN_LENGTH}. Sorted, each name once; never a value.
     *
     * @param variables sets of variables, name to value
     */
    static List<String> tooShort(Collection<Map<String, String>> variables) {
        return variables.stream().flatMap(v -> v.entrySet().stream())
                .filter(e -> e.getValue() != null && !e.getValue().isEmpty() && e.getValue().length() < MIN_LENGTH)
                .map(Map.Entry::getKey).distinct().sorted().toList();
    }

    /**
     * What stands in for the log tail of a migration whose container had secret variables: their values never pass
     * the operator, so it cannot mask them, and copies no line of the log.
     *
     * @param group the CloudWatch Logs group, or null if the container does not log with awslogs
     */
    public static String withheld(List<String> secretNames, String group, String stream) {
        return "log tail withheld: the container had secret variables (" + String.join(", ", secretNames)
                + ") whose values the operator cannot mask; read the log in "
                + (group == null || stream == null ? "the container's log driver"
                : "CloudWatch Logs group " + group + ", stream " + stream);
    }
}
