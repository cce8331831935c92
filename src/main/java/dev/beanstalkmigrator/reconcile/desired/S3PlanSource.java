package dev.beanstalkmigrator.reconcile.desired;

import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;

/**
 * A plan in one S3 object, read with a conditional GET: an unchanged plan costs one 304, and a plan over the size
 * limit costs the answer's headers (its body is not read).
 */
public final class S3PlanSource implements PlanSource {

    private final ObjectStore store;
    private final ObjectLocation location;

    public S3PlanSource(ObjectStore store, ObjectLocation location) {
        this.store = store;
        this.location = location;
    }

    @Override
    public String name() {
        return location.toString();
    }

    @Override
    public Fetch fetch(String knownRevision, long maxBytes) {
        ObjectStore.Read read = store.get(location, knownRevision, maxBytes);
        if (read instanceof ObjectStore.Read.Found found) {
            return found.etag().equals(knownRevision)
                    ? new Fetch.Unchanged() : new Fetch.Changed(found.body(), found.etag());
        }
        if (read instanceof ObjectStore.Read.TooLarge tooLarge) {
            return tooLarge.etag().equals(knownRevision)
                    ? new Fetch.Unchanged() : new Fetch.TooLarge(tooLarge.size(), tooLarge.etag());
        }
        if (read instanceof ObjectStore.Read.Missing missing) {
            return new Fetch.Missing(missing.reason());
        }
        return new Fetch.Unchanged();
    }
}
