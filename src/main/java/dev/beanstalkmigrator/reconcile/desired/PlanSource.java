package dev.beanstalkmigrator.reconcile.desired;

/** Where the desired state comes from: an S3 object or a local file. */
public interface PlanSource {

    /** A short name for messages: the URI. */
    String name();

    /**
     * Reads the plan if it changed since {@code knownRevision}, and only if it is at most {@code maxBytes} long: a
     * larger one is {@link Fetch.TooLarge}, its size known before any of its bytes are read.
     *
     * @param knownRevision the revision of the plan last read (or last found too large), or null
     * @param maxBytes the largest plan the parser takes
     */
    Fetch fetch(String knownRevision, long maxBytes);

    /** The outcome of a fetch. */
    sealed interface Fetch {
        record Changed(byte[] content, String revision) implements Fetch {}

        record Unchanged() implements Fetch {}

        record Missing(String reason) implements Fetch {}

        /** A new revision of the plan, {@code size} bytes long, more than the caller takes: it was not read. */
        record TooLarge(long size, String revision) implements Fetch {}
    }
}
