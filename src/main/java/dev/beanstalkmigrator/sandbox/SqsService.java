package dev.beanstalkmigrator.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beanstalkmigrator.model.Digests;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Amazon SQS (standard queues), in both protocols its clients speak: AWS JSON 1.0 ({@code X-Amz-Target:
 * AmazonSQS.<Action>}, what the AWS SDK for Java v2 sends since 2.21) and the Query protocol (form POST, Version
 * 2012-11-05, XML answers; what older CLIs such as Debian's AWS CLI 2.9 send). CreateQueue, GetQueueUrl, SendMessage,
 * ReceiveMessage (long polling up to 20 s, visibility timeout, receive count), DeleteMessage, ChangeMessageVisibility,
 * GetQueueAttributes,
 * DeleteQueue. Bodies carry MD5OfBody as SQS computes it (the SDK checks it). Thread-safe: one monitor, which a long
 * poll waits on.
 */
final class SqsService {
    static final String NS = "http://queue.amazonaws.com/doc/2012-11-05/";
    static final String TARGET_PREFIX = "AmazonSQS.";
    static final String JSON_10 = "application/x-amz-json-1.0";
    private static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    /** The query protocol's error codes of the JSON protocol's error types, as SQS answers both. */
    private static final Map<String, String> QUERY_CODES = Map.of("QueueDoesNotExist",
            "AWS.SimpleQueueService.NonExistentQueue", "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid",
            "InvalidParameterValue", "InvalidParameterValue", "MissingParameter", "MissingParameter",
            "QueueNameExists", "QueueAlreadyExists", "InvalidAttributeName", "InvalidAttributeName");

    private static final class Message {
        final String id = UUID.randomUUID().toString();
        final String body;
        final Instant sent;
        Instant visibleAt;
        int receives;
        Instant firstReceive;

        Message(String body, Instant sent, Instant visibleAt) {
            this.body = body;
            this.sent = sent;
            this.visibleAt = visibleAt;
        }
    }

    private static final class Queue {
        final String name;
        final Instant created = Instant.now();
        final Map<String, String> attributes = new TreeMap<>();
        final List<Message> messages = new ArrayList<>();
        /** Receipt handle to the message it was handed out with. */
        final Map<String, Message> receipts = new LinkedHashMap<>();

        Queue(String name) {
            this.name = name;
            attributes.put("VisibilityTimeout", "30");
            attributes.put("ReceiveMessageWaitTimeSeconds", "0");
            attributes.put("DelaySeconds", "0");
            attributes.put("MessageRetentionPeriod", "345600");
            attributes.put("MaximumMessageSize", "262144");
        }

        long seconds(String attribute) {
            return Long.parseLong(attributes.get(attribute));
        }
    }

    private final ObjectMapper json;
    private final String region;
    private final String account;
    private final Supplier<URI> endpoint;
    private final Map<String, Queue> queues = new TreeMap<>();

    SqsService(ObjectMapper json, String region, String account, Supplier<URI> endpoint) {
        this.json = json;
        this.region = region;
        this.account = account;
        this.endpoint = endpoint;
    }

    /** The action of a request in either protocol. */
    static String operation(SandboxRequest r, Map<String, List<String>> form) {
        String target = r.header("X-Amz-Target");
        if (target != null) {
            return target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length()) : "Unknown";
        }
        List<String> action = form == null ? null : form.get("Action");
        return action == null || action.isEmpty() ? "Unknown" : action.get(0);
    }

    /** Whether a request speaks the JSON protocol (else the Query protocol). */
    static boolean isJson(SandboxRequest r) {
        return r.header("X-Amz-Target") != null;
    }

    SandboxResponse handle(SandboxRequest r, Map<String, List<String>> form) {
        Params in = isJson(r) ? Params.of(read(r)) : Params.of(form);
        Map<String, Object> out = switch (r.operation) {
            case "CreateQueue" -> createQueue(in);
            case "GetQueueUrl" -> Map.of("QueueUrl", url(queue(in.required("QueueName"), true)));
            case "SendMessage" -> send(in);
            case "ReceiveMessage" -> receive(in);
            case "DeleteMessage" -> delete(in);
            case "ChangeMessageVisibility" -> changeVisibility(in);
            case "GetQueueAttributes" -> attributes(in);
            case "DeleteQueue" -> deleteQueue(in);
            default -> throw new ServiceError(400, "InvalidAction", "The action " + r.operation
                    + " is not valid for this web service (sandbox).");
        };
        return isJson(r) ? jsonAnswer(out) : queryAnswer(r, out);
    }

    // ------------------------------------------------------------ direct access (the sandbox's own deliveries)

    synchronized boolean exists(String name) {
        return queues.containsKey(name);
    }

    /** Sends {@code body} to the queue named {@code name} as a producer would; false when there is no such queue. */
    synchronized boolean deliver(String name, String body) {
        Queue q = queues.get(name);
        if (q == null) {
            return false;
        }
        Instant now = Instant.now();
        q.messages.add(new Message(body, now, now));
        notifyAll();
        return true;
    }

    // ------------------------------------------------------------ actions

    private synchronized Map<String, Object> createQueue(Params in) {
        String name = in.required("QueueName");
        if (!QUEUE_NAME.matcher(name).matches()) {
            throw new ServiceError(400, "InvalidParameterValue", "Can only include alphanumeric characters,"
                    + " hyphens, or underscores. 1 to 80 in length");
        }
        Map<String, String> attributes = in.attributes();
        Queue existing = queues.get(name);
        if (existing != null) {
            for (Map.Entry<String, String> a : attributes.entrySet()) {
                if (!a.getValue().equals(existing.attributes.get(a.getKey()))) {
                    throw new ServiceError(400, "QueueNameExists", "A queue already exists with the same name and"
                            + " a different value for attribute " + a.getKey());
                }
            }
            return Map.of("QueueUrl", url(existing));
        }
        Queue q = new Queue(name);
        attributes.forEach((k, v) -> {
            if (!q.attributes.containsKey(k) && !k.equals("Policy") && !k.equals("RedrivePolicy")) {
                throw new ServiceError(400, "InvalidAttributeName", "Unknown Attribute " + k + ".");
            }
            q.attributes.put(k, v);
        });
        queues.put(name, q);
        return Map.of("QueueUrl", url(q));
    }

    private synchronized Map<String, Object> send(Params in) {
        Queue q = byUrl(in.required("QueueUrl"));
        String body = in.required("MessageBody");
        Instant now = Instant.now();
        long delay = in.number("DelaySeconds", q.seconds("DelaySeconds"), 0, 900);
        Message m = new Message(body, now, now.plusSeconds(delay));
        q.messages.add(m);
        notifyAll();
        return Map.of("MessageId", m.id, "MD5OfMessageBody", md5(body));
    }

    private synchronized Map<String, Object> receive(Params in) {
        Queue q = byUrl(in.required("QueueUrl"));
        long max = in.number("MaxNumberOfMessages", 1, 1, 10);
        long wait = in.number("WaitTimeSeconds", q.seconds("ReceiveMessageWaitTimeSeconds"), 0, 20);
        long visibility = in.number("VisibilityTimeout", q.seconds("VisibilityTimeout"), 0, 43_200);
        Instant deadline = Instant.now().plusSeconds(wait);
        List<Map<String, Object>> received = new ArrayList<>();
        while (true) {
            Instant now = Instant.now();
            for (Message m : q.messages) {
                if (received.size() >= max) {
                    break;
                }
                if (!m.visibleAt.isAfter(now)) {
                    m.visibleAt = now.plusSeconds(visibility);
                    m.receives++;
                    m.firstReceive = m.firstReceive == null ? now : m.firstReceive;
                    String handle = UUID.randomUUID() + "#" + m.id;
                    q.receipts.put(handle, m);
                    Map<String, Object> message = new LinkedHashMap<>();
                    message.put("MessageId", m.id);
                    message.put("ReceiptHandle", handle);
                    message.put("MD5OfBody", md5(m.body));
                    message.put("Body", m.body);
                    message.put("Attributes", Map.of("SentTimestamp", String.valueOf(m.sent.toEpochMilli()),
                            "ApproximateReceiveCount", String.valueOf(m.receives),
                            "ApproximateFirstReceiveTimestamp", String.valueOf(m.firstReceive.toEpochMilli())));
                    received.add(message);
                }
            }
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (!received.isEmpty() || left <= 0 || !queues.containsValue(q)) {
                break;
            }
            // Wake for a new message, or when the next invisible one becomes visible, or at the deadline.
            // Rounded up: a wait cut to the millisecond below would wake just before, and then sleep to the deadline.
            long next = q.messages.stream().mapToLong(m -> Duration.between(Instant.now(), m.visibleAt).toNanos())
                    .filter(ns -> ns > 0).map(ns -> (ns + 999_999) / 1_000_000).min().orElse(left);
            try {
                wait(Math.max(1, Math.min(left, next)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return received.isEmpty() ? Map.of() : Map.of("Messages", received);
    }

    private synchronized Map<String, Object> delete(Params in) {
        Queue q = byUrl(in.required("QueueUrl"));
        String handle = in.required("ReceiptHandle");
        Message m = q.receipts.remove(handle);
        if (m == null && !handle.contains("#")) {
            throw new ServiceError(400, "ReceiptHandleIsInvalid", "The input receipt handle \"" + handle
                    + "\" is not a valid receipt handle.");
        }
        if (m != null) {
            q.messages.remove(m);
            q.receipts.values().removeIf(other -> other == m);
        }
        return Map.of();
    }

    /** A received message visible again after {@code VisibilityTimeout} seconds (0: at once), as SQS does it. */
    private synchronized Map<String, Object> changeVisibility(Params in) {
        Queue q = byUrl(in.required("QueueUrl"));
        String handle = in.required("ReceiptHandle");
        long timeout = in.number("VisibilityTimeout", 0, 0, 43_200);
        Message m = q.receipts.get(handle);
        if (m == null || !q.messages.contains(m)) {
            throw new ServiceError(400, "ReceiptHandleIsInvalid", "The input receipt handle \"" + handle
                    + "\" is not a valid receipt handle.");
        }
        m.visibleAt = Instant.now().plusSeconds(timeout);
        notifyAll();
        return Map.of();
    }

    private synchronized Map<String, Object> attributes(Params in) {
        Queue q = byUrl(in.required("QueueUrl"));
        Map<String, String> all = new TreeMap<>(q.attributes);
        Instant now = Instant.now();
        all.put("QueueArn", "arn:aws:sqs:" + region + ":" + account + ":" + q.name);
        all.put("ApproximateNumberOfMessages", String.valueOf(q.messages.stream()
                .filter(m -> !m.visibleAt.isAfter(now)).count()));
        all.put("ApproximateNumberOfMessagesNotVisible", String.valueOf(q.messages.stream()
                .filter(m -> m.visibleAt.isAfter(now) && m.receives > 0).count()));
        all.put("ApproximateNumberOfMessagesDelayed", String.valueOf(q.messages.stream()
                .filter(m -> m.visibleAt.isAfter(now) && m.receives == 0).count()));
        all.put("CreatedTimestamp", String.valueOf(q.created.getEpochSecond()));
        List<String> names = in.list("AttributeNames");
        if (!names.contains("All")) {
            all.keySet().retainAll(names);
        }
        return all.isEmpty() ? Map.of() : Map.of("Attributes", all);
    }

    private synchronized Map<String, Object> deleteQueue(Params in) {
        Queue q = byUrl(in.required("QueueUrl"));
        queues.remove(q.name);
        notifyAll();
        return Map.of();
    }

    // ------------------------------------------------------------ helpers

    private Queue queue(String name, boolean mustExist) {
        Queue q = queues.get(name);
        if (q == null && mustExist) {
            throw new ServiceError(400, "QueueDoesNotExist", "The specified queue does not exist.");
        }
        return q;
    }

    /** The queue a QueueUrl names: its last path segment, under this account. */
    private Queue byUrl(String url) {
        String path = URI.create(url).getPath();
        String[] parts = path.split("/");
        if (parts.length < 3 || !parts[parts.length - 2].equals(account)) {
            throw new ServiceError(400, "QueueDoesNotExist", "The specified queue does not exist.");
        }
        return queue(parts[parts.length - 1], true);
    }

    private String url(Queue q) {
        String base = endpoint.get().toString();
        return (base.endsWith("/") ? base : base + "/") + account + "/" + q.name;
    }

    static String md5(String body) {
        return Digests.md5(body.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode read(SandboxRequest r) {
        try {
            String text = r.bodyText();
            return text.isBlank() ? json.createObjectNode() : json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ServiceError(400, "InvalidParameterValue", "The request body is not JSON.");
        }
    }

    private SandboxResponse jsonAnswer(Map<String, Object> out) {
        try {
            return SandboxResponse.of(200, json.writeValueAsBytes(out), JSON_10);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static SandboxResponse queryAnswer(SandboxRequest r, Map<String, Object> out) {
        Xml x = new Xml().start(r.operation + "Response", NS);
        if (!out.isEmpty() || r.operation.equals("ReceiveMessage") || r.operation.equals("GetQueueAttributes")) {
            x.start(r.operation + "Result");
            for (Map.Entry<String, Object> e : out.entrySet()) {
                if (e.getValue() instanceof List<?> messages) {
                    for (Object o : messages) {
                        Map<String, Object> m = (Map<String, Object>) o;
                        x.start("Message");
                        for (Map.Entry<String, Object> f : m.entrySet()) {
                            if (f.getValue() instanceof Map<?, ?> attributes) {
                                attributes.forEach((k, v) -> x.start("Attribute").el("Name", k).el("Value", v).end());
                            } else {
                                x.el(f.getKey(), f.getValue());
                            }
                        }
                        x.end();
                    }
                } else if (e.getValue() instanceof Map<?, ?> attributes) {
                    attributes.forEach((k, v) -> x.start("Attribute").el("Name", k).el("Value", v).end());
                } else {
                    x.el(e.getKey(), e.getValue());
                }
            }
            x.end();
        }
        x.start("ResponseMetadata").el("RequestId", r.requestId).end();
        return SandboxResponse.of(200, x.bytes(), "text/xml");
    }

    static SandboxResponse error(ObjectMapper json, SandboxRequest r, ServiceError e) {
        String queryCode = QUERY_CODES.getOrDefault(e.code, e.code);
        String type = e.status >= 500 ? "Receiver" : "Sender";
        if (isJson(r)) {
            ObjectNode n = json.createObjectNode().put("__type", "com.amazonaws.sqs#" + e.code)
                    .put("message", e.getMessage());
            try {
                return SandboxResponse.of(e.status, json.writeValueAsBytes(n), JSON_10)
                        .header("x-amzn-query-error", queryCode + ";" + type);
            } catch (JsonProcessingException x) {
                throw new IllegalStateException(x);
            }
        }
        Xml x = new Xml().start("ErrorResponse", NS).start("Error").el("Type", type).el("Code", queryCode)
                .el("Message", e.getMessage()).end().el("RequestId", r.requestId);
        return SandboxResponse.of(e.status, x.bytes(), "text/xml");
    }

    /** A request's parameters, read alike from a JSON body and from a Query form. */
    private interface Params {
        String get(String name);

        List<String> list(String name);

        Map<String, String> attributes();

        default String required(String name) {
            String v = get(name);
            if (v == null || v.isEmpty()) {
                throw new ServiceError(400, "MissingParameter", "The request must contain the parameter " + name
                        + ".");
            }
            return v;
        }

        default long number(String name, long fallback, long min, long max) {
            String v = get(name);
            if (v == null) {
                return fallback;
            }
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new ServiceError(400, "InvalidParameterValue", "Value " + v + " for parameter " + name
                        + " is invalid.");
            }
            if (n < min || n > max) {
                throw new ServiceError(400, "InvalidParameterValue", "Value " + v + " for parameter " + name
                        + " is invalid. Reason: Must be between " + min + " and " + max + ".");
            }
            return n;
        }

        static Params of(JsonNode body) {
            return new Params() {
                @Override
                public String get(String name) {
                    JsonNode v = body.get(name);
                    return v == null || v.isNull() ? null : v.asText();
                }

                @Override
                public List<String> list(String name) {
                    List<String> out = new ArrayList<>();
                    body.path(name).forEach(v -> out.add(v.asText()));
                    if (name.equals("AttributeNames")) {
                        body.path("MessageSystemAttributeNames").forEach(v -> out.add(v.asText()));
                    }
                    return out;
                }

                @Override
                public Map<String, String> attributes() {
                    Map<String, String> out = new LinkedHashMap<>();
                    body.path("Attributes").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
                    return out;
                }
            };
        }

        static Params of(Map<String, List<String>> form) {
            return new Params() {
                @Override
                public String get(String name) {
                    List<String> v = form.get(name);
                    return v == null || v.isEmpty() ? null : v.get(0);
                }

                @Override
                public List<String> list(String name) {
                    // AttributeNames is sent as AttributeName.1, AttributeName.2, ...
                    String member = name.endsWith("s") ? name.substring(0, name.length() - 1) : name;
                    List<String> out = new ArrayList<>();
                    for (int i = 1; get(member + "." + i) != null; i++) {
                        out.add(get(member + "." + i));
                    }
                    return out;
                }

                @Override
                public Map<String, String> attributes() {
                    Map<String, String> out = new LinkedHashMap<>();
                    for (int i = 1; get("Attribute." + i + ".Name") != null; i++) {
                        out.put(get("Attribute." + i + ".Name"), get("Attribute." + i + ".Value"));
                    }
                    return out;
                }
            };
        }
    }
}
