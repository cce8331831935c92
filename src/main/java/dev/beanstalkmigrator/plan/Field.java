package dev.beanstalkmigrator.plan;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One field of the plan format, declared once in {@link PlanFields}: what validation needs (its name,
 * whether it is required and what to do when it is missing, its default, how its value is read and
 * checked) and what the README's plan reference says of it.
 *
 * @param name the key as written in the plan
 * @param required whether a mapping of this field's kind must set it
 * @param requiredText the README's "required" column: {@code yes}, {@code no}, or when it is required
 *     if a rule of its own decides that (e.g. {@code for FARGATE})
 * @param fallback the value when the field is not set; null when it has none
 * @param reader reads and checks a value, reporting problems at the node; null when the value is refused
 * @param advice for a required field, what to write when it is missing
 * @param meaning the README's words for the field
 * @param <T> the type of the value
 */
record Field<T>(String name, boolean required, String requiredText, T fallback, Reader<T> reader, String advice,
        String meaning) {

    /** Reads one value; reports each problem through {@code values} and returns null for a refused value. */
    @FunctionalInterface
    interface Reader<T> {
        T read(ValueReader values, YamlNode node, String path);
    }

    static <T> Field<T> required(String name, String advice, Reader<T> reader, String meaning) {
        return new Field<>(name, true, "yes", null, reader, advice, meaning);
    }

    static <T> Field<T> optional(String name, T fallback, Reader<T> reader, String meaning) {
        return new Field<>(name, false, "no", fallback, reader, null, meaning);
    }

    /** The same optional field, which a rule of its own requires in the case the README names. */
    Field<T> requiredWhen(String condition) {
        return new Field<>(name, false, condition, fallback, reader, advice, meaning);
    }

    /** The README's "default" column: the fallback as it would be written in a plan. */
    String defaultText() {
        if (fallback == null) {
            return "";
        }
        String written;
        if (fallback instanceof Duration duration) {
            written = Durations.format(duration);
        } else if (fallback instanceof Enum<?> word) {
            written = word.name().toLowerCase(Locale.ROOT);
        } else if (fallback instanceof String text && text.isEmpty()) {
            written = "\"\"";
        } else if (fallback instanceof List<?> list && list.isEmpty()) {
            written = "[]";
        } else {
            written = String.valueOf(fallback);
        }
        return "`" + written + "`";
    }
}
