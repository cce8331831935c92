package dev.beanstalkmigrator.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects the errors of one parse. */
final class Problems {

    /** Thrown after a problem that makes further reading pointless (or unsafe) has been recorded. */
    static final class Fatal extends RuntimeException {
        Fatal() {
            super(null, null, false, false);
        }
    }

    /**
     * Errors kept for sorting; later ones are only counted. Errors are found roughly in file order,
     * so the first few reported are among these, and a hostile file cannot make the list huge.
     */
    static final int MAX_KEPT = 10_000;

    private final String source;
    private final List<PlanError> errors = new ArrayList<>();
    private int dropped;

    Problems(String source) {
        this.source = source;
    }

    void at(int line, int column, String path, String message) {
        if (errors.size() >= MAX_KEPT) {
            dropped++;
            return;
        }
        errors.add(new PlanError(source, Math.max(1, line), Math.max(1, column), path, message));
    }

    void at(YamlNode node, String path, String message) {
        at(node.line(), node.column(), path, message);
    }

    /** Records the problem and stops reading. */
    Fatal fatal(int line, int column, String path, String message) {
        at(line, column, path, message);
        return new Fatal();
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /**
     * The errors sorted by position (ties keep the order they were found in). When there are more
     * than {@code max}, the first {@code max - 1} are kept and the last one says how many were left out.
     */
    List<PlanError> sorted(int max) {
        List<PlanError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparingInt(PlanError::line).thenComparingInt(PlanError::column));
        if (sorted.size() + dropped <= max) {
            return sorted;
        }
        PlanError next = sorted.get(Math.min(max, sorted.size()) - 1);
        int hidden = sorted.size() + dropped - (max - 1);
        List<PlanError> cut = new ArrayList<>(sorted.subList(0, max - 1));
        cut.add(new PlanError(source, next.line(), next.column(), next.path(),
                hidden + " more errors from here on are not shown; fix the ones above and parse again"));
        return cut;
    }
}
