package dev.beanstalkmigrator.sandbox;

import dev.beanstalkmigrator.model.Digests;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/** Amazon S3, REST path style, in memory. Thread-safe: one lock for the whole store. */
final class S3Service {
    static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";
    static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    record S3Object(byte[] content, String etag, Instant lastModified, String contentType, Map<String, String> metadata) {}

    /** S3's smallest part but the last of a multipart upload (5 MiB). */
    static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    static final int MAX_PART_NUMBER = 10_000;

    /** One uploaded part: its bytes, its ETag and the MD5 behind it. */
    private record Part(byte[] content, String etag, byte[] md5) {}

    /** A part as a CompleteMultipartUpload body names it. */
    private record Listed(int partNumber, String etag) {}

    /** A multipart upload in progress: what CreateMultipartUpload said of the object, and the parts so far. */
    private static final class Upload {
        final String bucket;
        final String key;
        final String contentType;
        final Map<String, String> metadata;
        final NavigableMap<Integer, Part> parts = new TreeMap<>();

        Upload(String bucket, String key, String contentType, Map<String, String> metadata) {
            this.bucket = bucket;
            this.key = key;
            this.contentType = contentType;
            this.metadata = metadata;
        }
    }

    private static final class Bucket {
        final String name;
        final Instant created;
        final NavigableMap<String, S3Object> objects = new TreeMap<>();
        /** The bucket's notification configuration: the queues its object events go to. */
        List<QueueNotification> notifications = List.of();

        Bucket(String name, Instant created) {
            this.name = name;
            this.created = created;
        }
    }

    private final Map<String, Bucket> buckets = new TreeMap<>();
    /** Multipart uploads in progress, by upload id. */
    private final Map<String, Upload> uploads = new HashMap<>();
    private final SecureRandom uploadIds = new SecureRandom();
    private final String region;
    /** Told of every accepted object write, while the store's lock is held (so in acceptance order). */
    private volatile PutListener putListener;

    /**
     * One {@code QueueConfiguration} of a bucket's notification configuration.
     *
     * @param events as written ({@code s3:ObjectCreated:*}, {@code s3:ObjectRemoved:Delete}, ...)
     * @param prefix the key prefix filter, or ""
     * @param suffix the key suffix filter, or ""
     */
    record QueueNotification(String id, String queueArn, List<String> events, String prefix, String suffix) {

        /** Whether an event {@code name} (e.g. {@code ObjectCreated:Put}) of {@code key} goes to this queue. */
        boolean wants(String name, String key) {
            String kind = name.substring(0, name.indexOf(':'));
            return key.startsWith(prefix) && key.endsWith(suffix) && events.stream()
                    .anyMatch(e -> e.equals("s3:" + name) || e.equals("s3:" + kind + ":*"));
        }
    }

    /** Where a bucket's object events go: the sandbox's SQS, with the delivery S3 documents (at least once, late). */
    interface EventSink {
        /** Whether {@code queueArn} names a queue events can be sent to. */
        boolean queueExists(String queueArn);

        /** Sends an event's message to the queue. */
        void send(String queueArn, String body);
    }

    private volatile EventSink events;

    void setEventSink(EventSink sink) {
        this.events = sink;
    }

    /** Sees every object write the wire protocol accepts: a PutObject, or a CompleteMultipartUpload. */
    interface PutListener {
        void accepted(SandboxRequest request, String bucket, String key, byte[] content, String etag);
    }

    S3Service(String region) {
        this.region = region;
    }

    // ------------------------------------------------------------ direct (in-process) access

    void setPutListener(PutListener listener) {
        this.putListener = listener;
    }

    synchronized void createBucket(String name) {
        buckets.computeIfAbsent(name, n -> new Bucket(n, Instant.now()));
    }

    synchronized S3Object put(String bucket, String key, byte[] content, String contentType) {
        Bucket b = buckets.computeIfAbsent(bucket, n -> new Bucket(n, Instant.now()));
        S3Object o = new S3Object(content.clone(), etagOf(content), Instant.now(),
                contentType == null ? "binary/octet-stream" : contentType, Map.of());
        b.objects.put(key, o);
        return o;
    }

    synchronized S3Object get(String bucket, String key) {
        Bucket b = buckets.get(bucket);
        return b == null ? null : b.objects.get(key);
    }

    // ------------------------------------------------------------ wire protocol

    /** The operation name a request stands for (used for counters and faults before it is handled). */
    static String operation(SandboxRequest r) {
        String[] bk = bucketKey(r.path);
        String bucket = bk[0];
        String key = bk[1];
        if (r.hasQ("uploads") || r.hasQ("uploadId")) {
            return multipartOperation(r, key);
        }
        if (bucket.isEmpty()) {
            return r.method.equals("GET") ? "ListBuckets" : "Unknown";
        }
        if (key.isEmpty()) {
            return switch (r.method) {
                case "PUT" -> r.query.isEmpty() ? "CreateBucket" : r.hasQ("notification")
                        ? "PutBucketNotificationConfiguration" : "PutBucketSubresource";
                case "HEAD" -> "HeadBucket";
                case "DELETE" -> r.query.isEmpty() ? "DeleteBucket" : "DeleteBucketSubresource";
                case "GET" -> r.hasQ("location") ? "GetBucketLocation"
                        : r.hasQ("notification") ? "GetBucketNotificationConfiguration"
                        : "2".equals(r.q("list-type")) ? "ListObjectsV2"
                        : r.query.keySet().stream().allMatch(S3Service::isListParam) ? "ListObjects" : "GetBucketSubresource";
                case "POST" -> r.hasQ("delete") ? "DeleteObjects" : "Unknown";
                default -> "Unknown";
            };
        }
        return switch (r.method) {
            case "GET" -> r.query.keySet().stream().anyMatch(q -> q.equals("tagging") || q.equals("acl"))
                    ? "GetObjectSubresource" : "GetObject";
            case "HEAD" -> "HeadObject";
            case "PUT" -> r.header("x-amz-copy-source") != null ? "CopyObject"
                    : r.query.isEmpty() || r.query.keySet().stream().allMatch(q -> q.startsWith("x-id")) ? "PutObject"
                    : "PutObjectSubresource";
            case "DELETE" -> "DeleteObject";
            default -> "Unknown";
        };
    }

    private static String multipartOperation(SandboxRequest r, String key) {
        if (key.isEmpty()) {
            return r.method.equals("GET") && r.hasQ("uploads") ? "ListMultipartUploads" : "Unknown";
        }
        if (r.hasQ("uploads")) {
            return r.method.equals("POST") ? "CreateMultipartUpload" : "Unknown";
        }
        return switch (r.method) {
            case "PUT" -> r.header("x-amz-copy-source") != null ? "UploadPartCopy" : "UploadPart";
            case "POST" -> "CompleteMultipartUpload";
            case "DELETE" -> "AbortMultipartUpload";
            case "GET" -> "ListParts";
            default -> "Unknown";
        };
    }

    private static boolean isListParam(String q) {
        return switch (q) {
            case "prefix", "delimiter", "marker", "max-keys", "encoding-type" -> true;
            default -> false;
        };
    }

    static String[] bucketKey(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        int slash = p.indexOf('/');
        return slash < 0 ? new String[] {p, ""} : new String[] {p.substring(0, slash), p.substring(slash + 1)};
    }

    SandboxResponse handle(SandboxRequest r) {
        String[] bk = bucketKey(r.path);
        String bucket = bk[0];
        String key = bk[1];
        return switch (r.operation) {
            case "ListBuckets" -> listBuckets();
            case "CreateBucket" -> createBucketOp(bucket);
            case "HeadBucket" -> headBucket(bucket);
            case "DeleteBucket" -> deleteBucket(bucket);
            case "GetBucketLocation" -> bucketLocation(bucket);
            case "ListObjectsV2" -> list(r, bucket, true);
            case "ListObjects" -> list(r, bucket, false);
            case "GetObject", "HeadObject" -> getObject(r, bucket, key, r.operation.equals("HeadObject"));
            case "PutObject" -> putObject(r, bucket, key);
            case "DeleteObject" -> deleteObject(r, bucket, key);
            case "PutBucketNotificationConfiguration" -> putNotifications(r, bucket);
            case "GetBucketNotificationConfiguration" -> getNotifications(bucket);
            case "CreateMultipartUpload" -> createMultipartUpload(r, bucket, key);
            case "UploadPart" -> uploadPart(r, bucket, key);
            case "CompleteMultipartUpload" -> completeMultipartUpload(r, bucket, key);
            case "AbortMultipartUpload" -> abortMultipartUpload(r, bucket, key);
            default -> throw new ServiceError(501, "NotImplemented",
                    "A header or query you provided implies functionality that is not implemented (sandbox: " + r.operation + ").");
        };
    }

    private synchronized SandboxResponse listBuckets() {
        Xml x = new Xml().start("ListAllMyBucketsResult", NS);
        x.start("Owner").el("ID", "sandbox-owner").el("DisplayName", "sandbox").end();
        x.start("Buckets");
        for (Bucket b : buckets.values()) {
            x.start("Bucket").el("Name", b.name).el("CreationDate", b.created).end();
        }
        x.end();
        return xml(200, x);
    }

    private synchronized SandboxResponse createBucketOp(String bucket) {
        if (buckets.containsKey(bucket)) {
            throw new ServiceError(409, "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you already own it.",
                    Map.of("BucketName", bucket));
        }
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new ServiceError(400, "InvalidBucketName", "The specified bucket is not valid.", Map.of("BucketName", bucket));
        }
        buckets.put(bucket, new Bucket(bucket, Instant.now()));
        return SandboxResponse.empty(200).header("Location", "/" + bucket);
    }

    private synchronized SandboxResponse headBucket(String bucket) {
        bucket(bucket);
        return SandboxResponse.empty(200).header("x-amz-bucket-region", region);
    }

    private synchronized SandboxResponse deleteBucket(String bucket) {
        Bucket b = bucket(bucket);
        if (!b.objects.isEmpty()) {
            throw new ServiceError(409, "BucketNotEmpty", "The bucket you tried to delete is not empty",
                    Map.of("BucketName", bucket));
        }
        buckets.remove(bucket);
        return SandboxResponse.empty(204);
    }

    private synchronized SandboxResponse bucketLocation(String bucket) {
        bucket(bucket);
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" + NS + "\">"
                + (region.equals("us-east-1") ? "" : Xml.escape(region)) + "</LocationConstraint>";
        return SandboxResponse.text(200, body, "application/xml");
    }

    private Bucket bucket(String name) {
        Bucket b = buckets.get(name);
        if (b == null) {
            throw new ServiceError(404, "NoSuchBucket", "The specified bucket does not exist", Map.of("BucketName", name));
        }
        return b;
    }

    private synchronized SandboxResponse list(SandboxRequest r, String bucketName, boolean v2) {
        Bucket b = bucket(bucketName);
        String prefix = r.q("prefix") == null ? "" : r.q("prefix");
        String delimiter = r.q("delimiter") == null || r.q("delimiter").isEmpty() ? null : r.q("delimiter");
        int maxKeys = r.q("max-keys") == null ? 1000 : Math.max(0, Math.min(1000, parseInt(r.q("max-keys"), "max-keys")));
        boolean url = "url".equals(r.q("encoding-type"));
        String after = null;
        boolean afterIsPrefix = false;
        String token = r.q("continuation-token");
        if (v2 && token != null) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ServiceError(400, "InvalidArgument", "The continuation token provided is incorrect");
            }
            afterIsPrefix = decoded.startsWith("p:");
            after = decoded.substring(2);
        } else if (v2 && r.q("start-after") != null) {
            after = r.q("start-after");
        } else if (!v2 && r.q("marker") != null) {
            after = r.q("marker");
        }
        NavigableMap<String, S3Object> view = after == null ? b.objects : b.objects.tailMap(after, false);
        List<Map.Entry<String, S3Object>> contents = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        boolean truncated = false;
        String lastItem = null;
        boolean lastIsPrefix = false;
        for (Map.Entry<String, S3Object> e : view.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(prefix)) {
                if (k.compareTo(prefix) > 0) {
                    break;
                }
                continue;
            }
            if (afterIsPrefix && k.startsWith(after)) {
                continue;
            }
            String cp = null;
            if (delimiter != null) {
                int idx = k.indexOf(delimiter, prefix.length());
                if (idx >= 0) {
                    cp = k.substring(0, idx + delimiter.length());
                }
            }
            if (cp != null && cp.equals(lastItem) && lastIsPrefix) {
                continue;
            }
            if (contents.size() + prefixes.size() >= maxKeys) {
                truncated = true;
                break;
            }
            if (cp != null) {
                prefixes.add(cp);
                lastItem = cp;
                lastIsPrefix = true;
            } else {
                contents.add(e);
                lastItem = k;
                lastIsPrefix = false;
            }
        }
        Xml x = new Xml().start("ListBucketResult", NS);
        x.el("Name", bucketName).el("Prefix", enc(prefix, url));
        if (v2) {
            x.el("KeyCount", contents.size() + prefixes.size());
            if (token != null) {
                x.el("ContinuationToken", token);
            }
            if (r.q("start-after") != null) {
                x.el("StartAfter", enc(r.q("start-after"), url));
            }
        } else {
            x.el("Marker", enc(r.q("marker") == null ? "" : r.q("marker"), url));
        }
        x.el("MaxKeys", maxKeys);
        if (delimiter != null) {
            x.el("Delimiter", enc(delimiter, url));
        }
        if (url) {
            x.el("EncodingType", "url");
        }
        x.el("IsTruncated", truncated);
        if (truncated && lastItem != null) {
            if (v2) {
                x.el("NextContinuationToken", Base64.getEncoder().encodeToString(
                        ((lastIsPrefix ? "p:" : "k:") + lastItem).getBytes(StandardCharsets.UTF_8)));
            } else if (delimiter != null) {
                x.el("NextMarker", enc(lastItem, url));
            }
        }
        for (Map.Entry<String, S3Object> e : contents) {
            S3Object o = e.getValue();
            x.start("Contents").el("Key", enc(e.getKey(), url)).el("LastModified", o.lastModified())
                    .el("ETag", o.etag()).el("Size", o.content().length).el("StorageClass", "STANDARD");
            if (!v2 || "true".equals(r.q("fetch-owner"))) {
                x.start("Owner").el("ID", "sandbox-owner").el("DisplayName", "sandbox").end();
            }
            x.end();
        }
        for (String p : prefixes) {
            x.start("CommonPrefixes").el("Prefix", enc(p, url)).end();
        }
        return xml(200, x);
    }

    private static String enc(String s, boolean url) {
        if (!url) {
            return s;
        }
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/")
                .replace("*", "%2A").replace("%7E", "~");
    }

    private SandboxResponse getObject(SandboxRequest r, String bucketName, String key, boolean head) {
        S3Object o;
        synchronized (this) {
            Bucket b = bucket(bucketName);
            o = b.objects.get(key);
        }
        if (o == null) {
            throw new ServiceError(404, "NoSuchKey", "The specified key does not exist.", Map.of("Key", key));
        }
        String ifMatch = r.header("If-Match");
        String ifNoneMatch = r.header("If-None-Match");
        Instant ifModifiedSince = httpDate(r.header("If-Modified-Since"));
        Instant ifUnmodifiedSince = httpDate(r.header("If-Unmodified-Since"));
        Instant lastModSecond = o.lastModified().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (ifMatch != null ? !etagMatches(ifMatch, o.etag())
                : ifUnmodifiedSince != null && lastModSecond.isAfter(ifUnmodifiedSince)) {
            throw new ServiceError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                    Map.of("Condition", ifMatch != null ? "If-Match" : "If-Unmodified-Since"));
        }
        if (ifNoneMatch != null ? etagMatches(ifNoneMatch, o.etag())
                : ifModifiedSince != null && !lastModSecond.isAfter(ifModifiedSince)) {
            return SandboxResponse.empty(304).header("ETag", o.etag())
                    .header("Last-Modified", HTTP_DATE.format(o.lastModified()));
        }
        byte[] content = o.content();
        int status = 200;
        String contentRange = null;
        String range = r.header("Range");
        if (range != null && range.startsWith("bytes=") && !range.contains(",")) {
            long[] se = parseRange(range.substring(6).trim(), content.length);
            if (se == null) {
                throw new ServiceError(416, "InvalidRange", "The requested range is not satisfiable",
                        Map.of("RangeRequested", range, "ActualObjectSize", String.valueOf(content.length)));
            }
            contentRange = "bytes " + se[0] + "-" + se[1] + "/" + content.length;
            content = java.util.Arrays.copyOfRange(content, (int) se[0], (int) se[1] + 1);
            status = 206;
        }
        SandboxResponse resp = SandboxResponse.of(status, head ? null : content, o.contentType())
                .header("ETag", o.etag())
                .header("Last-Modified", HTTP_DATE.format(o.lastModified()))
                .header("Accept-Ranges", "bytes")
                .header("Content-Range", contentRange);
        if (head) {
            resp.header("Content-Length", String.valueOf(content.length));
        }
        o.metadata().forEach((k, v) -> resp.header("x-amz-meta-" + k, v));
        return resp;
    }

    private static long[] parseRange(String spec, long size) {
        try {
            int dash = spec.indexOf('-');
            if (dash < 0 || size == 0) {
                return null;
            }
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            long start;
            long end;
            if (a.isEmpty()) {
                long n = Long.parseLong(b);
                start = Math.max(0, size - n);
                end = size - 1;
            } else {
                start = Long.parseLong(a);
                end = b.isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(b));
            }
            return start > end || start >= size ? null : new long[] {start, end};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private SandboxResponse putObject(SandboxRequest r, String bucketName, String key) {
        byte[] content = decodeBody(r);
        S3Object o;
        synchronized (this) {
            Bucket b = bucket(bucketName);
            S3Object existing = b.objects.get(key);
            checkWriteConditions(r, key, existing);
            o = store(r, b, key, existing,
                    new S3Object(content, etagOf(content), Instant.now(), contentType(r), metadata(r)));
        }
        return SandboxResponse.empty(200).header("ETag", o.etag());
    }

    /** The conditional headers of a write: If-None-Match (only "*") and If-Match, as S3 evaluates them. */
    private static void checkWriteConditions(SandboxRequest r, String key, S3Object existing) {
        String ifNoneMatch = r.header("If-None-Match");
        String ifMatch = r.header("If-Match");
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.trim().equals("*")) {
                throw new ServiceError(501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented", Map.of("Header", "If-None-Match"));
            }
            if (existing != null) {
                throw new ServiceError(412, "PreconditionFailed",
                        "At least one of the pre-conditions you specified did not hold", Map.of("Condition", "If-None-Match"));
            }
        }
        if (ifMatch != null) {
            if (existing == null) {
                throw new ServiceError(404, "NoSuchKey", "The specified key does not exist.", Map.of("Key", key));
            }
            if (!etagMatches(ifMatch, existing.etag())) {
                throw new ServiceError(412, "PreconditionFailed",
                        "At least one of the pre-conditions you specified did not hold", Map.of("Condition", "If-Match"));
            }
        }
    }

    /**
     * Stores an accepted object write, notes it on the request (for {@link SandboxCall}) and tells the put listener.
     * Every object write of the wire protocol goes through here, with the store's lock held.
     */
    private S3Object store(SandboxRequest r, Bucket b, String key, S3Object existing, S3Object o) {
        b.objects.put(key, o);
        r.putBucket = b.name;
        r.putKey = key;
        r.previousContent = existing == null ? null : existing.content();
        r.putContent = o.content();
        PutListener listener = putListener;
        if (listener != null) {
            listener.accepted(r, b.name, key, o.content(), o.etag());
        }
        emit(r, b, "CompleteMultipartUpload".equals(r.operation) ? "ObjectCreated:CompleteMultipartUpload"
                : "CopyObject".equals(r.operation) ? "ObjectCreated:Copy" : "ObjectCreated:Put", key, o);
        return o;
    }

    private static String contentType(SandboxRequest r) {
        String contentType = r.header("Content-Type");
        return contentType == null || contentType.isBlank() ? "binary/octet-stream" : contentType;
    }

    private static Map<String, String> metadata(SandboxRequest r) {
        Map<String, String> meta = new LinkedHashMap<>();
        r.headers.forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.startsWith("x-amz-meta-") && !values.isEmpty()) {
                meta.put(n.substring("x-amz-meta-".length()), values.get(0));
            }
        });
        return meta;
    }

    private synchronized SandboxResponse deleteObject(SandboxRequest r, String bucketName, String key) {
        removeNotified(r.requestId, bucket(bucketName), key);
        return SandboxResponse.empty(204);
    }

    // ------------------------------------------------------------ event notifications

    private synchronized SandboxResponse putNotifications(SandboxRequest r, String bucketName) {
        Bucket b = bucket(bucketName);
        Element root = parseXml(r.body, "NotificationConfiguration");
        List<QueueNotification> configured = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        for (Element q : children(root, "QueueConfiguration")) {
            String arn = child(q, "Queue");
            List<String> kinds = children(q, "Event").stream().map(e -> e.getTextContent().trim()).toList();
            if (arn == null || kinds.isEmpty()) {
                throw malformedXml();
            }
            for (String event : kinds) {
                if (!event.matches("s3:Object(Created|Removed):(\\*|Put|Post|Copy|CompleteMultipartUpload|Delete"
                        + "|DeleteMarkerCreated)")) {
                    throw new ServiceError(400, "InvalidArgument", "The event is not supported for notifications",
                            ordered("ArgumentName", "Event", "ArgumentValue", event));
                }
            }
            String prefix = "";
            String suffix = "";
            for (Element filter : children(q, "Filter")) {
                for (Element key : children(filter, "S3Key")) {
                    for (Element rule : children(key, "FilterRule")) {
                        String name = child(rule, "Name");
                        String value = child(rule, "Value");
                        if ("prefix".equalsIgnoreCase(name)) {
                            prefix = value == null ? "" : value;
                        } else if ("suffix".equalsIgnoreCase(name)) {
                            suffix = value == null ? "" : value;
                        } else {
                            throw new ServiceError(400, "InvalidArgument", "filter rule name must be either prefix"
                                    + " or suffix", ordered("ArgumentName", "FilterRule.Name", "ArgumentValue",
                                    String.valueOf(name)));
                        }
                    }
                }
            }
            EventSink sink = events;
            if (sink == null || !sink.queueExists(arn.trim())) {
                invalid.add(arn.trim());
            }
            String id = child(q, "Id");
            configured.add(new QueueNotification(id == null ? UUID.randomUUID().toString() : id.trim(), arn.trim(),
                    kinds, prefix, suffix));
        }
        if (!invalid.isEmpty()) {
            throw new ServiceError(400, "InvalidArgument", "Unable to validate the following destination"
                    + " configurations", ordered("ArgumentName1", invalid.get(0), "ArgumentValue1",
                    "Permissions on the destination queue do not allow S3 to publish notifications from this bucket"));
        }
        b.notifications = List.copyOf(configured);
        EventSink sink = events;
        for (QueueNotification q : configured) {
            // S3 sends a test message to each destination when the configuration is set.
            sink.send(q.queueArn(), "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\""
                    + Xml.iso(Instant.now()) + "\",\"Bucket\":\"" + b.name + "\",\"RequestId\":\"" + r.requestId
                    + "\",\"HostId\":\"sandbox\"}");
        }
        return SandboxResponse.empty(200);
    }

    private synchronized SandboxResponse getNotifications(String bucketName) {
        Xml x = new Xml().start("NotificationConfiguration", NS);
        for (QueueNotification q : bucket(bucketName).notifications) {
            x.start("QueueConfiguration").el("Id", q.id()).el("Queue", q.queueArn());
            q.events().forEach(e -> x.el("Event", e));
            if (!q.prefix().isEmpty() || !q.suffix().isEmpty()) {
                x.start("Filter").start("S3Key");
                if (!q.prefix().isEmpty()) {
                    x.start("FilterRule").el("Name", "Prefix").el("Value", q.prefix()).end();
                }
                if (!q.suffix().isEmpty()) {
                    x.start("FilterRule").el("Name", "Suffix").el("Value", q.suffix()).end();
                }
                x.end().end();
            }
            x.end();
        }
        return xml(200, x);
    }

    /**
     * The event {@code name} of {@code key} to every queue of the bucket's configuration that wants it, as S3 writes
     * the message: the key form-URL-encoded but for its slashes ({@code plans/team+a.yaml}), the ETag without quotes,
     * a sequencer that grows per write.
     */
    private void emit(SandboxRequest r, Bucket b, String name, String key, S3Object o) {
        emit(r.requestId, b, name, key, o);
    }

    /** A request id for a write from outside the wire protocol, as S3 gives one. */
    private static String outsideRequestId() {
        return java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase(Locale.ROOT);
    }

    /** An object deleted from outside the wire protocol: notified as a DeleteObject, whatever faults are armed. */
    synchronized void deleteNotified(String bucket, String key) {
        Bucket b = buckets.get(bucket);
        if (b != null) {
            removeNotified(outsideRequestId(), b, key);
        }
    }

    /** Removes {@code key}, and tells the bucket's queues when there was one (a delete of nothing is no event). */
    private void removeNotified(String requestId, Bucket b, String key) {
        if (b.objects.remove(key) != null) {
            emit(requestId, b, "ObjectRemoved:Delete", key, null);
        }
    }

    /** An object put from outside the wire protocol (the sandbox's own uploads): notified as a PutObject. */
    synchronized S3Object putNotified(String bucket, String key, byte[] content) {
        S3Object o = put(bucket, key, content, null);
        emit(outsideRequestId(), buckets.get(bucket), "ObjectCreated:Put", key, o);
        return o;
    }

    private void emit(String requestId, Bucket b, String name, String key, S3Object o) {
        EventSink sink = events;
        if (sink == null || b.notifications.isEmpty()) {
            return;
        }
        long sequence = ++sequencer;
        for (QueueNotification q : b.notifications) {
            if (!q.wants(name, key)) {
                continue;
            }
            StringBuilder object = new StringBuilder("{\"key\":\"")
                    .append(Xml.escapeJson(java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8)
                            .replace("%2F", "/")))
                    .append('"');
            if (o != null) {
                object.append(",\"size\":").append(o.content().length).append(",\"eTag\":\"")
                        .append(o.etag().replace("\"", "")).append('"');
            }
            object.append(",\"sequencer\":\"").append(String.format("%016X", sequence)).append("\"}");
            sink.send(q.queueArn(), "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\","
                    + "\"awsRegion\":\"" + region + "\",\"eventTime\":\"" + Xml.iso(Instant.now()) + "\","
                    + "\"eventName\":\"" + name + "\",\"userIdentity\":{\"principalId\":\"SANDBOX\"},"
                    + "\"requestParameters\":{\"sourceIPAddress\":\"127.0.0.1\"},"
                    + "\"responseElements\":{\"x-amz-request-id\":\"" + requestId + "\"},"
                    + "\"s3\":{\"s3SchemaVersion\":\"1.0\",\"configurationId\":\"" + Xml.escapeJson(q.id())
                    + "\",\"bucket\":{\"name\":\"" + b.name + "\",\"ownerIdentity\":{\"principalId\":"
                    + "\"SANDBOX\"},\"arn\":\"arn:aws:s3:::" + b.name + "\"},\"object\":" + object + "}}]}");
        }
    }

    private long sequencer;

    // ------------------------------------------------------------ multipart uploads

    private synchronized SandboxResponse createMultipartUpload(SandboxRequest r, String bucketName, String key) {
        bucket(bucketName);
        byte[] random = new byte[48];
        uploadIds.nextBytes(random);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        uploads.put(id, new Upload(bucketName, key, contentType(r), metadata(r)));
        Xml x = new Xml().start("InitiateMultipartUploadResult", NS).el("Bucket", bucketName).el("Key", key)
                .el("UploadId", id);
        return xml(200, x);
    }

    private SandboxResponse uploadPart(SandboxRequest r, String bucketName, String key) {
        String number = r.q("partNumber");
        int partNumber;
        try {
            partNumber = number == null ? 0 : Integer.parseInt(number.trim());
        } catch (NumberFormatException e) {
            partNumber = 0;
        }
        if (partNumber < 1 || partNumber > MAX_PART_NUMBER) {
            throw new ServiceError(400, "InvalidArgument", "Part number must be an integer between 1 and "
                    + MAX_PART_NUMBER + ", inclusive", ordered("ArgumentName", "partNumber", "ArgumentValue",
                    String.valueOf(number)));
        }
        byte[] content = decodeBody(r);
        byte[] md5 = md5(content);
        String etag = "\"" + Digests.md5(content) + "\"";
        synchronized (this) {
            bucket(bucketName);
            upload(r, bucketName, key).parts.put(partNumber, new Part(content, etag, md5));
        }
        return SandboxResponse.empty(200).header("ETag", etag);
    }

    /**
     * Assembles the named parts in order into the object, with S3's checks: parts in ascending order, each uploaded
     * with the ETag given, each but the last at least {@link #MIN_PART_SIZE}; then the write's conditions. A refused
     * completion leaves the upload as it was, to be completed again; an accepted one ends it.
     */
    private synchronized SandboxResponse completeMultipartUpload(SandboxRequest r, String bucketName, String key) {
        Bucket b = bucket(bucketName);
        Upload upload = upload(r, bucketName, key);
        String id = r.q("uploadId");
        List<Listed> listed = parseCompletion(decodeBody(r));
        for (int i = 1; i < listed.size(); i++) {
            if (listed.get(i).partNumber() <= listed.get(i - 1).partNumber()) {
                throw new ServiceError(400, "InvalidPartOrder", "The list of parts was not in ascending order. The"
                        + " parts list must be specified in order by part number.", Map.of("UploadId", id));
            }
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        ByteArrayOutputStream md5s = new ByteArrayOutputStream();
        for (int i = 0; i < listed.size(); i++) {
            Listed named = listed.get(i);
            Part part = upload.parts.get(named.partNumber());
            if (part == null || !etagMatches(named.etag(), part.etag())) {
                throw new ServiceError(400, "InvalidPart", "One or more of the specified parts could not be found."
                        + "  The part may not have been uploaded, or the specified entity tag may not match the part's"
                        + " entity tag.", ordered("UploadId", id, "PartNumber", String.valueOf(named.partNumber()),
                        "ETag", named.etag()));
            }
            if (i < listed.size() - 1 && part.content().length < MIN_PART_SIZE) {
                throw new ServiceError(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed"
                        + " size", ordered("ProposedSize", String.valueOf(part.content().length), "MinSizeAllowed",
                        String.valueOf(MIN_PART_SIZE), "PartNumber", String.valueOf(named.partNumber()), "ETag",
                        part.etag()));
            }
            content.writeBytes(part.content());
            md5s.writeBytes(part.md5());
        }
        S3Object existing = b.objects.get(key);
        checkWriteConditions(r, key, existing);
        String etag = "\"" + Digests.md5(md5s.toByteArray()) + "-" + listed.size() + "\"";
        S3Object o = store(r, b, key, existing, new S3Object(content.toByteArray(), etag, Instant.now(),
                upload.contentType, upload.metadata));
        uploads.remove(id);
        String host = r.header("Host");
        Xml x = new Xml().start("CompleteMultipartUploadResult", NS)
                .el("Location", "http://" + (host == null ? "localhost" : host) + "/" + bucketName + "/" + enc(key, true))
                .el("Bucket", bucketName).el("Key", key).el("ETag", o.etag());
        return xml(200, x);
    }

    private synchronized SandboxResponse abortMultipartUpload(SandboxRequest r, String bucketName, String key) {
        bucket(bucketName);
        upload(r, bucketName, key);
        uploads.remove(r.q("uploadId"));
        return SandboxResponse.empty(204);
    }

    /** The upload the request names, which must be one of its bucket and key. */
    private Upload upload(SandboxRequest r, String bucketName, String key) {
        String id = r.q("uploadId");
        Upload upload = id == null ? null : uploads.get(id);
        if (upload == null || !upload.bucket.equals(bucketName) || !upload.key.equals(key)) {
            throw new ServiceError(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be"
                    + " invalid, or the upload may have been aborted or completed.",
                    Map.of("UploadId", String.valueOf(id)));
        }
        return upload;
    }

    /**
     * The parts a CompleteMultipartUpload body lists, in its order ({@code <CompleteMultipartUpload><Part><PartNumber>
     * <ETag>}; checksum elements are ignored). No DTDs, no external entities.
     */
    private static List<Listed> parseCompletion(byte[] body) {
        ServiceError malformed = malformedXml();
        Element root = parseXml(body, "CompleteMultipartUpload");
        List<Listed> listed = new ArrayList<>();
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element part && "Part".equals(part.getLocalName())) {
                String number = child(part, "PartNumber");
                String etag = child(part, "ETag");
                if (number == null || etag == null) {
                    throw malformed;
                }
                try {
                    listed.add(new Listed(Integer.parseInt(number.trim()), etag.trim()));
                } catch (NumberFormatException e) {
                    throw malformed;
                }
            }
        }
        if (listed.isEmpty()) {
            throw malformed;
        }
        return listed;
    }

    private static ServiceError malformedXml() {
        return new ServiceError(400, "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our published schema");
    }

    /** The root element of a request's XML body, which must be {@code rootName}. No DTDs, no external entities. */
    private static Element parseXml(byte[] body, String rootName) {
        Element root;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(new DefaultHandler()); // the default one prints every parse error to stderr
            root = builder.parse(new ByteArrayInputStream(body)).getDocumentElement();
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw malformedXml();
        }
        if (!rootName.equals(root.getLocalName())) {
            throw malformedXml();
        }
        return root;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName())) {
                out.add(e);
            }
        }
        return out;
    }

    private static String child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName())) {
                return e.getTextContent();
            }
        }
        return null;
    }

    /** An error's extra elements in the order S3 writes them. */
    private static Map<String, String> ordered(String... nameValue) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put(nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    // ------------------------------------------------------------ helpers

    /** The object bytes of a request body: aws-chunked is decoded (chunk signatures and trailers dropped). */
    static byte[] decodeBody(SandboxRequest r) {
        String ce = r.header("Content-Encoding");
        String sha = r.header("x-amz-content-sha256");
        boolean awsChunked = (ce != null && ce.toLowerCase(Locale.ROOT).contains("aws-chunked"))
                || (sha != null && sha.startsWith("STREAMING-"));
        if (!awsChunked) {
            return r.body;
        }
        byte[] in = r.body;
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        int pos = 0;
        while (pos < in.length) {
            int eol = indexOfCrlf(in, pos);
            if (eol < 0) {
                throw new ServiceError(400, "IncompleteBody", "The request body terminated unexpectedly");
            }
            String line = new String(in, pos, eol - pos, StandardCharsets.US_ASCII);
            int semi = line.indexOf(';');
            String hex = (semi < 0 ? line : line.substring(0, semi)).trim();
            int size;
            try {
                size = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new ServiceError(400, "InvalidChunkSizeError", "Invalid chunk size: " + hex);
            }
            pos = eol + 2;
            if (size == 0) {
                break; // trailing headers (checksums, trailer signature) follow: not verified
            }
            if (pos + size > in.length) {
                throw new ServiceError(400, "IncompleteBody", "The request body terminated unexpectedly");
            }
            out.write(in, pos, size);
            pos += size + 2;
        }
        String decodedLength = r.header("x-amz-decoded-content-length");
        if (decodedLength != null && Long.parseLong(decodedLength.trim()) != out.size()) {
            throw new ServiceError(400, "IncompleteBody",
                    "You did not provide the number of bytes specified by the x-amz-decoded-content-length header");
        }
        return out.toByteArray();
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    static boolean etagMatches(String header, String etag) {
        String bare = etag.replace("\"", "");
        for (String part : header.split(",")) {
            String p = part.trim();
            if (p.equals("*")) {
                return true;
            }
            if (p.startsWith("W/")) {
                p = p.substring(2);
            }
            if (p.replace("\"", "").equals(bare)) {
                return true;
            }
        }
        return false;
    }

    private static Instant httpDate(String value) {
        if (value == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static String etagOf(byte[] content) {
        return "\"" + Digests.md5(content) + "\"";
    }

    private static byte[] md5(byte[] content) {
        return Digests.digest("MD5", content);
    }

    private static int parseInt(String s, String name) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new ServiceError(400, "InvalidArgument", "Provided " + name + " not an integer or within integer range");
        }
    }

    private static SandboxResponse xml(int status, Xml x) {
        return SandboxResponse.of(status, x.bytes(), "application/xml");
    }

    /** S3's error document; HEAD answers carry no body. */
    static SandboxResponse error(SandboxRequest r, ServiceError e) {
        Xml x = new Xml().start("Error").el("Code", e.code).el("Message", e.getMessage());
        e.extra.forEach(x::el);
        if (e.code.equals("NoSuchKey") && !e.extra.containsKey("Key")) {
            x.el("Key", bucketKey(r.path)[1]);
        }
        x.el("RequestId", r.requestId).el("HostId", Base64.getEncoder().encodeToString(r.requestId.getBytes(StandardCharsets.UTF_8)));
        SandboxResponse resp = r.method.equals("HEAD") ? SandboxResponse.empty(e.status)
                : SandboxResponse.of(e.status, x.bytes(), "application/xml");
        if (e.code.equals("SlowDown") || e.code.equals("ServiceUnavailable")) {
            resp.header("Retry-After", "1");
        }
        return resp;
    }
}
