package dev.beanstalkmigrator.port;

/**
 * The object storage the operator needs (S3): conditional reads and compare-and-swap writes.
 * Implementations classify failures into {@link CloudError}.
 */
public interface ObjectStore {

    /**
     * Reads an object, conditionally.
     *
     * @param ifNoneMatch an ETag this caller already holds, or null; when it still matches the answer is
     *     {@link Read.NotModified} and no body is transferred (S3 answers 304)
     */
    Read get(ObjectLocation location, String ifNoneMatch);

    /**
     * Writes an object only if it is still what the caller last saw (compare-and-swap).
     *
     * @param ifMatch the ETag the caller read, or null to create the object only if it does not exist
     *     ({@code If-None-Match: *})
     * @return the new ETag
     * @throws CloudError.Conflict if someone else wrote first (S3 412)
     */
    String put(ObjectLocation location, byte[] body, String contentType, String ifMatch);

    /**
     * {@link #put(ObjectLocation, byte[], String, String)}, asking {@code allowed} before every attempt
     * (retries included), so that a writer who lost its right to write (its lease) stops at once.
     *
     * @throws CloudError.Conflict with code {@code NotLeader} when {@code allowed} says no
     */
    default String put(ObjectLocation location, byte[] body, String contentType, String ifMatch,
                       java.util.function.BooleanSupplier allowed) {
        if (!allowed.getAsBoolean()) {
            throw notAllowed(location);
        }
        return put(location, body, contentType, ifMatch);
    }

    static CloudError.Conflict notAllowed(ObjectLocation location) {
        return new CloudError.Conflict("s3:PutObject", "NotLeader",
                "this replica no longer holds the lease; " + location + " is not written", null);
    }

    /** The outcome of a conditional read. */
    sealed interface Read {
        /** The object as stored, with its ETag (quotes included, as S3 sends it). */
        record Found(byte[] body, String etag) implements Read {}

        /** The caller's ETag still matches. */
        record NotModified(String etag) implements Read {}

        /** No such object (or no such bucket). */
        record Missing(String reason) implements Read {}
    }
}
