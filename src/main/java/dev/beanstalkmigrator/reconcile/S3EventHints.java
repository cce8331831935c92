package dev.beanstalkmigrator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What an S3 Event Notification message says changed: per record, the bucket, the key (decoded: S3 writes it
 * URL-encoded, a space as {@code +}) and whether the object was removed. A test event (sent when a notification is
 * configured) and anything that is not a notification say nothing.
 */
final class S3EventHints {

    private static final ObjectMapper JSON = new ObjectMapper();

    private S3EventHints() {}

    /** An object that changed. */
    record Change(String bucket, String key, boolean removed) {}

    static List<Change> parse(String body) {
        List<Change> changes = new ArrayList<>();
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return changes;
        }
        if (root == null) {
            return changes;
        }
        for (JsonNode record : root.path("Records")) {
            String event = record.path("eventName").asText("");
            String bucket = record.path("s3").path("bucket").path("name").asText("");
            String key = record.path("s3").path("object").path("key").asText("");
            if (bucket.isEmpty() || key.isEmpty() || !event.startsWith("Object")) {
                continue;
            }
            changes.add(new Change(bucket, URLDecoder.decode(key, StandardCharsets.UTF_8),
                    event.startsWith("ObjectRemoved")));
        }
        return changes;
    }
}
