package dev.beanstalkmigrator.plan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads the values of a located YAML tree by the declarations of {@link Field}: the mappings' keys
 * (unknown, misspelt, duplicate), and typed values with located errors. Every problem is recorded;
 * a refused value reads as null.
 */
final class ValueReader {

    private static final Pattern DECIMAL = Pattern.compile("[-+]?[0-9]{1,9}");

    private final Problems problems;

    ValueReader(Problems problems) {
        this.problems = problems;
    }

    Problems problems() {
        return problems;
    }

    // ---- mappings, by their declared fields ----------------------------------------------------------

    /** The declared fields one mapping sets, each with its entry and its value (null when refused). */
    static final class Fields {
        private final Map<Field<?>, YamlNode.Entry> entries = new LinkedHashMap<>();
        private final Map<Field<?>, Object> values = new HashMap<>();
        /** Known field names that unknown keys were taken for ({@code comand}): not also reported missing. */
        final Set<String> guessed = new HashSet<>();

        boolean has(Field<?> field) {
            return entries.containsKey(field);
        }

        /** The field is unset or its value was accepted. */
        boolean ok(Field<?> field) {
            return !has(field) || values.get(field) != null;
        }

        boolean allOk() {
            return values.values().stream().allMatch(Objects::nonNull);
        }

        /** The value, or the field's default when unset; null when refused. */
        @SuppressWarnings("unchecked")
        <T> T get(Field<T> field) {
            return has(field) ? (T) values.get(field) : field.fallback();
        }

        YamlNode.Entry entry(Field<?> field) {
            return entries.get(field);
        }

        void put(Field<?> field, YamlNode.Entry entry, Object value) {
            entries.put(field, entry);
            values.put(field, value);
        }

        /** These fields over {@code base}: a field set here replaces the base's entirely. */
        Fields over(Fields base, Collection<Field<?>> replacedTogether) {
            Fields merged = new Fields();
            boolean replaceGroup = replacedTogether.stream().anyMatch(this::has);
            base.entries.forEach((field, entry) -> {
                if (!replaceGroup || !replacedTogether.contains(field)) {
                    merged.put(field, entry, base.values.get(field));
                }
            });
            entries.forEach((field, entry) -> merged.put(field, entry, values.get(field)));
            merged.guessed.addAll(base.guessed);
            merged.guessed.addAll(guessed);
            return merged;
        }
    }

    /**
     * Reads the declared fields of a mapping: unknown keys are reported (with a close spelling, or the
     * hint given for that key), a key given twice is reported at the second, and each value is read by
     * its field's reader. Missing fields are not checked here; see {@link #requireAll}.
     */
    Fields read(YamlNode.Mapping mapping, String path, List<Field<?>> declared, Map<String, String> hints) {
        Map<String, Field<?>> byName = new LinkedHashMap<>();
        declared.forEach(field -> byName.put(field.name(), field));
        Fields fields = new Fields();
        Map<String, YamlNode.Entry> seen = new HashMap<>();
        for (YamlNode.Entry entry : mapping.entries()) {
            if (!(entry.key() instanceof YamlNode.Scalar key)) {
                problems.at(entry.key(), path, "a field name must be a plain word, not " + describe(entry.key()));
                continue;
            }
            String name = key.text();
            String fieldPath = Paths.field(path, name);
            Field<?> field = byName.get(name);
            if (name.equals("<<") && key.plain()) {
                problems.at(key, fieldPath, "merge keys (<<) are not supported; write the fields out, or put"
                        + " shared values in spec.defaults");
            } else if (field == null) {
                String guess = hints.containsKey(name) ? null : Texts.closest(name, byName.keySet());
                if (guess != null) {
                    fields.guessed.add(guess);
                }
                problems.at(key, fieldPath, unknown(name, byName.keySet(), hints.get(name), guess));
            } else if (seen.containsKey(name)) {
                problems.at(key, fieldPath, "duplicate key " + Texts.code(name) + "; it is already set on line "
                        + seen.get(name).key().line() + ", so remove one of them");
            } else {
                seen.put(name, entry);
                fields.put(field, entry, field.reader().read(this, entry.value(), fieldPath));
            }
        }
        return fields;
    }

    private static String unknown(String name, Collection<String> allowed, String hint, String guess) {
        String message = "unknown field " + Texts.code(name);
        if (hint != null) {
            return message + "; " + hint;
        }
        if (guess != null) {
            return message + "; did you mean " + Texts.code(guess) + "?";
        }
        return message + "; the fields allowed here are " + String.join(", ", allowed);
    }

    /**
     * Reports each required field that {@code fields} does not set, at {@code mapping}, unless an
     * unknown key was already taken for it. Returns whether all were set.
     */
    boolean requireAll(Fields fields, YamlNode.Mapping mapping, String path, List<Field<?>> declared) {
        boolean ok = true;
        for (Field<?> field : declared) {
            if (field.required() && !fields.has(field)) {
                ok = false;
                if (!fields.guessed.contains(field.name())) {
                    missing(mapping, path, field.name(), field.advice());
                }
            }
        }
        return ok;
    }

    void missing(YamlNode node, String path, String field, String advice) {
        problems.at(node, Paths.field(path, field), "missing required field " + Texts.code(field) + "; " + advice);
    }

    /** Reads a mapping of declared fields and builds its value; null when anything is wrong. */
    <T> T object(YamlNode node, String path, String expected, List<Field<?>> declared, Function<Fields, T> build) {
        YamlNode.Mapping mapping = mapping(node, path, expected);
        if (mapping == null) {
            return null;
        }
        Fields fields = read(mapping, path, declared, Map.of());
        boolean complete = requireAll(fields, mapping, path, declared);
        return complete && fields.allOk() ? build.apply(fields) : null;
    }

    // ---- typed values ---------------------------------------------------------------------------

    YamlNode.Mapping mapping(YamlNode node, String path, String expected) {
        if (node instanceof YamlNode.Mapping mapping) {
            return mapping;
        }
        typeError(node, path, expected, false);
        return null;
    }

    /**
     * @param wordList the list holds plain words (a command, IDs): text given instead is shown split
     *     into such a list as the fix
     */
    List<YamlNode> list(YamlNode node, String path, String expected, boolean wordList) {
        if (node instanceof YamlNode.Sequence sequence) {
            return sequence.items();
        }
        if (wordList && node instanceof YamlNode.Scalar scalar && scalar.kind() == YamlNode.Kind.STRING
                && !scalar.text().isBlank() && scalar.text().length() <= 80) {
            String[] words = scalar.text().trim().split("\\s+");
            problems.at(node, path, "expected a list, got " + describe(node) + "; write it as a list, e.g. ["
                    + Texts.escape(String.join(", ", words)) + "]");
            return null;
        }
        typeError(node, path, expected, false);
        return null;
    }

    /** Each item read by {@code item}; null when the list or any item was refused. */
    <T> List<T> items(List<YamlNode> items, String path, Field.Reader<T> item) {
        List<T> values = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            T value = item.read(this, items.get(i), Paths.index(path, i));
            ok &= value != null;
            values.add(value);
        }
        return ok ? values : null;
    }

    String string(YamlNode node, String path, String expected) {
        if (node instanceof YamlNode.Scalar scalar && scalar.kind() == YamlNode.Kind.STRING) {
            return scalar.text();
        }
        typeError(node, path, expected, true);
        return null;
    }

    /**
     * Text that {@code problem} accepts: it returns null for good text, else what is wrong and what to
     * do, reported at the node.
     */
    String text(YamlNode node, String path, String expected, Function<String, String> problem) {
        return checked(node, path, string(node, path, expected), problem);
    }

    /** Text matching {@code pattern}; otherwise the text, quoted, followed by {@code complaint}. */
    String matching(YamlNode node, String path, String expected, Pattern pattern, String complaint) {
        return text(node, path, expected, t -> pattern.matcher(t).matches() ? null : Texts.quote(t) + " " + complaint);
    }

    /** A string, or a number taken as its exact source text ({@code 1.10} stays {@code "1.10"}), then checked. */
    String stringOrNumber(YamlNode node, String path, String expected, Function<String, String> problem) {
        if (node instanceof YamlNode.Scalar scalar) {
            YamlNode.Kind kind = scalar.kind();
            if (kind == YamlNode.Kind.STRING || kind == YamlNode.Kind.INT || kind == YamlNode.Kind.FLOAT) {
                return checked(node, path, scalar.text(), problem);
            }
        }
        typeError(node, path, expected, false);
        return null;
    }

    private String checked(YamlNode node, String path, String text, Function<String, String> problem) {
        String complaint = text == null ? null : problem.apply(text);
        if (complaint != null) {
            problems.at(node, path, complaint);
            return null;
        }
        return text;
    }

    /** One of {@code words}, exactly; a near miss gets a suggestion. */
    String choice(YamlNode node, String path, String field, List<String> words) {
        String expected = String.join(" or ", words);
        return text(node, path, expected, text -> {
            if (words.contains(text)) {
                return null;
            }
            String guess = Texts.closest(text, words);
            return field + " must be " + expected + ", not " + Texts.quote(text)
                    + (guess == null ? "" : "; did you mean " + guess + "?");
        });
    }

    Duration duration(YamlNode node, String path, Duration min, Duration max) {
        // A bare number reaches Durations.parse, whose message asks for a unit.
        String text = stringOrNumber(node, path, "a duration such as 30m", t -> null);
        if (text == null) {
            return null;
        }
        Duration duration;
        try {
            duration = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            problems.at(node, path, e.getMessage());
            return null;
        }
        if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
            problems.at(node, path, Texts.quote(text) + " is " + (duration.compareTo(min) < 0
                    ? "shorter than " + Durations.format(min) : "longer than " + Durations.format(max))
                    + "; a timeout must be between " + Durations.format(min) + " and " + Durations.format(max));
            return null;
        }
        return duration;
    }

    Boolean bool(YamlNode node, String path) {
        if (node instanceof YamlNode.Scalar scalar && scalar.kind() == YamlNode.Kind.BOOL) {
            return Boolean.valueOf(scalar.text().toLowerCase(Locale.ROOT));
        }
        if (node instanceof YamlNode.Scalar scalar && !scalar.plain()
                && (scalar.text().equals("true") || scalar.text().equals("false"))) {
            problems.at(node, path, "expected true or false, got " + describe(node) + "; remove the quotes");
            return null;
        }
        if (node instanceof YamlNode.Scalar scalar && scalar.kind() != YamlNode.Kind.NULL) {
            problems.at(node, path, "expected true or false, got " + describe(node) + "; write true or false");
            return null;
        }
        typeError(node, path, "true or false", false);
        return null;
    }

    Integer integer(YamlNode node, String path, int min, int max) {
        if (node instanceof YamlNode.Scalar scalar && scalar.plain() && DECIMAL.matcher(scalar.text()).matches()) {
            int value = Integer.parseInt(scalar.text());
            if (value < min || value > max) {
                problems.at(node, path, scalar.text() + " is out of range; write a whole number from " + min
                        + " to " + max);
                return null;
            }
            return value;
        }
        if (node instanceof YamlNode.Scalar scalar && !scalar.plain() && DECIMAL.matcher(scalar.text()).matches()) {
            problems.at(node, path, "expected a whole number, got " + describe(node) + "; remove the quotes");
            return null;
        }
        typeError(node, path, "a whole number from " + min + " to " + max, false);
        return null;
    }

    /** A list of AWS IDs such as subnets: at most {@code max}, each matching {@code pattern}. */
    List<String> ids(YamlNode node, String path, Pattern pattern, String what, String example, int max,
            boolean required) {
        List<YamlNode> items = list(node, path, "a list of " + what + " IDs, e.g. [" + example + "]", true);
        if (items == null) {
            return null;
        }
        if (required && items.isEmpty()) {
            problems.at(node, path, "no " + what + " listed; list at least one, e.g. [" + example + "]");
            return null;
        }
        if (items.size() > max) {
            problems.at(node, path, items.size() + " " + what + "s listed; ECS allows at most " + max);
            return null;
        }
        return items(items, path, (v, item, itemPath) -> v.matching(item, itemPath, "a " + what + " ID", pattern,
                "is not a " + what + " ID; " + what + " IDs look like " + example));
    }

    /** @param wantsText text is expected here, so a number or boolean may just need quotes */
    void typeError(YamlNode node, String path, String expected, boolean wantsText) {
        String got = describe(node);
        String message;
        if (node instanceof YamlNode.Scalar scalar) {
            message = switch (scalar.kind()) {
                case NULL -> "no value given; write " + expected + " here";
                case BOOL, INT, FLOAT -> "expected " + expected + ", got " + got + (wantsText
                        ? "; if you mean the text, quote it: " + Texts.quote(scalar.text()) : "");
                case STRING -> "expected " + expected + ", got " + got;
            };
        } else {
            message = "expected " + expected + ", got " + got;
        }
        problems.at(node, path, message);
    }

    static String describe(YamlNode node) {
        if (node instanceof YamlNode.Mapping) {
            return "a mapping";
        }
        if (node instanceof YamlNode.Sequence) {
            return "a list";
        }
        YamlNode.Scalar scalar = (YamlNode.Scalar) node;
        return switch (scalar.kind()) {
            case NULL -> "nothing (null)";
            case BOOL -> "the boolean " + scalar.text();
            case INT, FLOAT -> "the number " + Texts.escape(scalar.text());
            case STRING -> "the string " + Texts.quote(scalar.text());
        };
    }
}
