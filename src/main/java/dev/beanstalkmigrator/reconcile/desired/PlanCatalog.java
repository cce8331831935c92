package dev.beanstalkmigrator.reconcile.desired;

import dev.beanstalkmigrator.port.ObjectListing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plans under a prefix ({@code migrator.desired-state.uri=s3://bucket/plans/}): every {@code *.yaml} and
 * {@code *.yml} under it, at any depth, but the ledgers the operator writes beside them ({@code *.status.yaml},
 * {@code *.status.yml}). From one listing and the ETags known from the last, it tells which plans are new, which
 * changed and which are gone, so that only those are read: a listing is one LIST request per 1,000 keys, however
 * many plans there are.
 */
public final class PlanCatalog {

    private PlanCatalog() {}

    /** Whether {@code key} is a plan under {@code prefix}. */
    public static boolean isPlan(String prefix, String key) {
        if (!key.startsWith(prefix) || key.length() == prefix.length() || key.endsWith("/")) {
            return false;
        }
        String name = key.toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        boolean ledger = name.endsWith(".status.yaml") || name.endsWith(".status.yml");
        return yaml && !ledger;
    }

    /**
     * What changed among the plans under {@code prefix} since {@code known}.
     *
     * @param known the ETag of each plan as the last listing gave it, by key
     * @param listing this listing, whatever it holds besides plans
     */
    public static Changes changes(String prefix, Map<String, String> known, List<ObjectListing.Listed> listing) {
        Map<String, String> now = new LinkedHashMap<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (ObjectListing.Listed object : listing) {
            if (!isPlan(prefix, object.key())) {
                continue;
            }
            now.put(object.key(), object.etag());
            String before = known.get(object.key());
            if (before == null) {
                added.add(object.key());
            } else if (!before.equals(object.etag())) {
                changed.add(object.key());
            }
        }
        List<String> removed = known.keySet().stream().filter(key -> !now.containsKey(key)).sorted().toList();
        return new Changes(added, changed, removed, now);
    }

    /**
     * @param added plans not known before
     * @param changed plans whose ETag differs from the one known
     * @param removed plans known before and no longer listed
     * @param now the ETag of every plan listed, by key: what the next listing is compared with
     */
    public record Changes(List<String> added, List<String> changed, List<String> removed, Map<String, String> now) {
        public Changes {
            added = List.copyOf(added);
            changed = List.copyOf(changed);
            removed = List.copyOf(removed);
            now = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(now));
        }

        /** Whether nothing changed. */
        public boolean none() {
            return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
        }
    }
}
