package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.reconcile.desired.PlanSource;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A plan under a prefix, read only when the listing shows a revision (ETag) other than the one in force, or an event
 * said it changed: an unchanged plan costs nothing of its own, the listing having covered every plan at once. A plan the listing does not show is
 * read once (it may never have been), then left as it is.
 */
final class ListedPlanSource implements PlanSource {

    private final String plan;
    private final PlanSource object;
    private final Function<String, String> listed;
    private final Predicate<String> hinted;

    /**
     * @param object the plan's object, read with a conditional GET
     * @param listed the ETag the last listing gave each plan, or null
     * @param hinted takes the hint an event gave that a plan changed: true once per hint
     */
    ListedPlanSource(String plan, PlanSource object, Function<String, String> listed, Predicate<String> hinted) {
        this.plan = plan;
        this.object = object;
        this.listed = listed;
        this.hinted = hinted;
    }

    @Override
    public String name() {
        return object.name();
    }

    @Override
    public Fetch fetch(String knownRevision, long maxBytes) {
        String etag = listed.apply(plan);
        if (hinted.test(plan)) {
            // An event said it changed: a conditional GET tells (a 304 when a duplicate or late event misled it).
            return object.fetch(knownRevision, maxBytes);
        }
        if (etag != null ? etag.equals(knownRevision) : knownRevision != null) {
            return new Fetch.Unchanged();
        }
        return object.fetch(knownRevision, maxBytes);
    }
}
