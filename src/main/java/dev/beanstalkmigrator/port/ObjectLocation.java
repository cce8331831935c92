package dev.beanstalkmigrator.port;

import java.net.URI;

/** An S3 object: bucket and key; with an empty bucket, the local file at {@code key} (a {@code file:} plan's ledger). */
public record ObjectLocation(String bucket, String key) {

    /** Parses {@code s3://bucket/key}. */
    public static ObjectLocation parse(String uri) {
        URI parsed = URI.create(uri);
        if (!"s3".equals(parsed.getScheme()) || parsed.getHost() == null) {
            throw new IllegalArgumentException("not an s3://bucket/key URI: " + uri);
        }
        String key = parsed.getPath() == null ? "" : parsed.getPath().replaceFirst("^/", "");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("no object key in " + uri + "; write s3://bucket/key");
        }
        return new ObjectLocation(parsed.getHost(), key);
    }

    @Override
    public String toString() {
        return bucket.isEmpty() ? "file:" + key : "s3://" + bucket + "/" + key;
    }
}
