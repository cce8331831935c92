package dev.beanstalkmigrator.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --name value} (or {@code --name=value}) options of one command, each given at most once.
 */
record Options(String command, Map<String, String> values) {

    /** A command line a command cannot run with; the message names the option and what to write. */
    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }

    /**
     * Reads {@code args} as options of {@code command}.
     *
     * @throws UsageError for an unknown option, one without a value, one given twice, or a bare argument
     */
    static Options parse(String command, List<String> args, List<String> known) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new UsageError(command + ": unexpected argument '" + arg + "'; options are "
                        + String.join(", ", known));
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            if (!known.contains(name)) {
                throw new UsageError(command + ": unknown option " + name + "; options are " + String.join(", ", known));
            }
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            } else {
                throw new UsageError(command + ": " + name + " needs a value");
            }
            if (value.isBlank()) {
                throw new UsageError(command + ": " + name + " needs a value");
            }
            if (values.putIfAbsent(name, value) != null) {
                throw new UsageError(command + ": " + name + " is given twice");
            }
        }
        return new Options(command, Map.copyOf(values));
    }

    String get(String name) {
        return values.get(name);
    }

    String required(String name, String example) {
        String value = values.get(name);
        if (value == null) {
            throw new UsageError(command + ": " + name + " is required, e.g. " + name + " " + example);
        }
        return value;
    }
}
