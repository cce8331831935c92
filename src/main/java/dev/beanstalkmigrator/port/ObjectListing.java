package dev.beanstalkmigrator.port;

import java.util.List;

/**
 * Lists the objects under a prefix, with their ETags (S3 {@code ListObjectsV2}, every page): how the plans under a
 * prefix are found, and how a changed one is told from the others without reading any. Failures are
 * {@link CloudError}s.
 */
public interface ObjectListing {

    /** Every object whose key starts with {@code prefix}, in key order. */
    List<Listed> list(String bucket, String prefix);

    /** An object as the listing names it: its key, its ETag (quotes included, as S3 sends it) and its size. */
    record Listed(String key, String etag, long size) {}
}
