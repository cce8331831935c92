package dev.beanstalkmigrator.port;

/**
 * The object storage the operator needs (S3): conditional reads that refuse an object larger than the caller can
 * hold before reading its bytes, ranged reads, and compare-and-swap writes. Implementations classify failures into
 * {@link CloudError}.
 */
public interface ObjectStore {

    /**
     * Reads an object the operator writes itself (the ledger), conditionally, whatever its size.
     *
     * @param ifNoneMatch an ETag this caller already holds, or null; when it still matches the answer is
     *     {@link Read.NotModified} and no body is transferred (S3 answers 304)
     */
    default Read get(ObjectLocation location, String ifNoneMatch) {
        return get(location, ifNoneMatch, Long.MAX_VALUE);
    }

    /**
     * Reads an object, conditionally, if it is at most {@code maxBytes} long. The size is known from the answer
     * before its body ({@code Content-Length}): a larger object is answered {@link Read.TooLarge} and its bytes are
     * not read, so an object that anyone may upload (a plan, a source bundle) costs the reader no more memory than
     * {@code maxBytes}.
     *
     * @param ifNoneMatch an ETag this caller already holds, or null; when it still matches the answer is
     *     {@link Read.NotModified} and no body is transferred (S3 answers 304), whatever the object's size
     * @param maxBytes the largest body the caller takes
     */
    Read get(ObjectLocation location, String ifNoneMatch, long maxBytes);

    /**
     * Reads part of an object: {@code length} bytes from {@code offset} (S3's {@code Range: bytes=...}), of the
     * version the caller knows, so that the parts of several reads belong together.
     *
     * @param offset where to start, from 0; below the object's size
     * @param length how many bytes, at least 1
     * @param ifMatch the ETag of the version to read (from {@link Read.TooLarge} or {@link Read.Found})
     * @return the bytes, {@code length} of them unless the object ends first
     * @throws CloudError.Conflict if the object is no longer that version (S3 412): it changed since the caller
     *     learnt its size
     */
    byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch);

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

        /**
         * The object is larger than the caller takes, and its bytes were not read.
         *
         * @param size its size in bytes, as the answer's headers gave it
         * @param etag its ETag, for a later conditional read or {@link ObjectStore#getRange}
         */
        record TooLarge(long size, String etag) implements Read {}
    }
}
