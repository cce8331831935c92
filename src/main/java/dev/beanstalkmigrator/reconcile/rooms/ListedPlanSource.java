package dev.beanstalkmigrator.reconcile.rooms;

import dev.beanstalkmigrator.reconcile.desired.PlanSource;
import java.util.function.Function;

/**
 * A plan under a prefix, read only when the listing shows a revision (ETag) other than the one in force: an unchanged
 * plan costs nothing of its own, the listing having covered every plan at once. A plan the listing does not show is
 * read once (it may never have been), then left as it is.
 */
final class ListedPlanSource implements PlanSource {

    private final String plan;
    private final PlanSource object;
    private final Function<String, String> listed;

    /**
     * @param object the plan's object, read with a conditional GET
     * @param listed the ETag the last listing (or event) gave each plan, or null
     */
    ListedPlanSource(String plan, PlanSource object, Function<String, String> listed) {
        this.plan = plan;
        this.object = object;
        this.listed = listed;
    }

    @Override
    public String name() {
        return object.name();
    }

    @Override
    public Fetch fetch(String knownRevision, long maxBytes) {
        String etag = listed.apply(plan);
        if (etag != null ? etag.equals(knownRevision) : knownRevision != null) {
            return new Fetch.Unchanged();
        }
        return object.fetch(knownRevision, maxBytes);
    }
}
