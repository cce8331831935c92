package dev.beanstalkmigrator.reconcile;

/** Where the desired state comes from: an S3 object or a local file. */
public interface PlanSource {

    /** A short name for messages: the URI. */
    String name();

    /**
     * Reads the plan if it changed since {@code knownRevision}.
     *
     * @param knownRevision the revision of the plan last read, or null
     */
    Fetch fetch(String knownRevision);

    /** The outcome of a fetch. */
    sealed interface Fetch {
        record Changed(byte[] content, String revision) implements Fetch {}

        record Unchanged() implements Fetch {}

        record Missing(String reason) implements Fetch {}
    }
}
