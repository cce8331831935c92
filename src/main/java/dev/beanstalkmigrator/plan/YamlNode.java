package dev.beanstalkmigrator.plan;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A YAML node that remembers where it was written (1-based line and column). Aliases are resolved
 * to the node they name, relocated to where the alias was written; children are shared, not copied.
 * {@link YamlReader} makes them, from plans and from the other YAML files the operator reads.
 */
public sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Sequence, YamlNode.Mapping {

    int line();

    int column();

    /** The same content, reported at another position (where an alias to it was written). */
    YamlNode at(int line, int column);

    /** How a plain scalar reads under YAML 1.2's core schema; quoted and block scalars are strings. */
    enum Kind { NULL, BOOL, INT, FLOAT, STRING }

    /**
     * @param text the scalar exactly as its source text reads (after YAML's quoting and folding)
     * @param plain written without quotes or block indicators, so it may be null, a boolean or a number
     */
    record Scalar(String text, boolean plain, int line, int column) implements YamlNode {

        private static final Pattern INT = Pattern.compile("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+");
        private static final Pattern FLOAT = Pattern.compile(
                "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");

        public Kind kind() {
            if (!plain) {
                return Kind.STRING;
            }
            switch (text) {
                case "", "~", "null", "Null", "NULL":
                    return Kind.NULL;
                case "true", "True", "TRUE", "false", "False", "FALSE":
                    return Kind.BOOL;
                default:
                    break;
            }
            if (text.length() > 400) {
                return Kind.STRING;
            }
            if (INT.matcher(text).matches()) {
                return Kind.INT;
            }
            if (FLOAT.matcher(text).matches()) {
                return Kind.FLOAT;
            }
            return Kind.STRING;
        }

        @Override
        public Scalar at(int line, int column) {
            return new Scalar(text, plain, line, column);
        }
    }

    record Sequence(List<YamlNode> items, int line, int column) implements YamlNode {
        @Override
        public Sequence at(int line, int column) {
            return new Sequence(items, line, column);
        }
    }

    /** Entries in file order; duplicate keys are kept, so validation can report them. */
    record Mapping(List<Entry> entries, int line, int column) implements YamlNode {
        @Override
        public Mapping at(int line, int column) {
            return new Mapping(entries, line, column);
        }
    }

    record Entry(YamlNode key, YamlNode value) {}
}
