package dev.beanstalkmigrator.plan;

/**
 * Bounds that keep the parser fast and small on hostile input. Every check is made before or while
 * reading, so an input over a bound is rejected early with a single error instead of being processed.
 *
 * @param maxBytes largest accepted file, in bytes; larger input is rejected before it is decoded
 * @param maxAliases most YAML aliases ({@code *name}) in one document, whatever they name (SnakeYAML's
 *     own limit, set to the same number, counts only aliases to mappings and lists)
 * @param maxDepth deepest nesting of mappings and lists that hold something (the document's top mapping
 *     is depth 1; a valid plan needs 6): SnakeYAML's nesting depth limit, which reports the first node
 *     below that depth
 * @param maxNodes most nodes (keys, values, lists, mappings), counting every alias as the full size of
 *     what it refers to; this is what stops an alias bomb that stays under {@code maxAliases}
 * @param maxErrors most errors reported for one file; the rest are summarized in the last one
 */
public record PlanLimits(int maxBytes, int maxAliases, int maxDepth, int maxNodes, int maxErrors) {

    /** 1 MiB, 50 aliases, depth 20, 100,000 nodes, 50 errors. */
    public static final PlanLimits DEFAULTS = new PlanLimits(1024 * 1024, 50, 20, 100_000, 50);

    public PlanLimits {
        if (maxBytes < 1 || maxAliases < 0 || maxDepth < 1 || maxNodes < 1 || maxErrors < 1) {
            throw new IllegalArgumentException("plan limits must be positive (maxAliases may be 0): "
                    + "maxBytes=" + maxBytes + ", maxAliases=" + maxAliases + ", maxDepth=" + maxDepth
                    + ", maxNodes=" + maxNodes + ", maxErrors=" + maxErrors);
        }
    }
}
