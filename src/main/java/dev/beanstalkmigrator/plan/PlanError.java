package dev.beanstalkmigrator.plan;

/**
 * One problem found in a plan, located at the offending YAML node.
 *
 * <p>Where an error points:
 * <ul>
 *   <li>an unknown or duplicate field: the key;</li>
 *   <li>a bad value: the start of the value;</li>
 *   <li>a missing field: the start of the mapping that should hold it;</li>
 *   <li>a problem with the file as a whole (too large, empty): line 1, column 1.</li>
 * </ul>
 *
 * @param source the name the file was given to the parser, e.g. {@code desired-state.yaml}
 * @param line 1-based line
 * @param column 1-based column, counted in Unicode code points
 * @param path the field path, e.g. {@code spec.environments[1].timeout}; {@code ""} for the document itself
 * @param message what is wrong and what to do about it
 */
public record PlanError(String source, int line, int column, String path, String message) {

    /**
     * The error as one line, compiler style:
     * {@code desired-state.yaml:12:14: spec.environments[1].timeout: "30x" is not a duration; ...}.
     * The path part is left out when the error concerns the whole document.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(source).append(':').append(line).append(':').append(column).append(": ");
        if (path != null && !path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}
