package dev.beanstalkmigrator.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Amazon CloudWatch Logs, JSON 1.1 ({@code Logs_20140328.*}), in memory. Thread-safe: one lock. */
final class LogsService {
    record Event(long timestamp, String message, long ingestionTime) {}

    static final class Stream {
        final String name;
        final long created;
        final List<Event> events = new ArrayList<>();
        /** Epoch millis from which the stream exists (a task's stream appears when its container starts). */
        volatile long visibleFrom;

        Stream(String name, long created, long visibleFrom) {
            this.name = name;
            this.created = created;
            this.visibleFrom = visibleFrom;
        }
    }

    private static final class Group {
        final String name;
        final long created;
        final Map<String, Stream> streams = new TreeMap<>();

        Group(String name, long created) {
            this.name = name;
            this.created = created;
        }
    }

    private final Map<String, Group> groups = new TreeMap<>();
    private final ObjectMapper json;
    private final String region;
    private final String account;

    LogsService(ObjectMapper json, String region, String account) {
        this.json = json;
        this.region = region;
        this.account = account;
    }

    synchronized void createGroup(String name) {
        groups.computeIfAbsent(name, n -> new Group(n, System.currentTimeMillis()));
    }

    /** Adds a stream whose lines all carry {@code startMillis}(+i ms) and which exists from {@code visibleFrom}. */
    synchronized Stream addStream(String group, String stream, List<String> lines, long startMillis, long visibleFrom) {
        Group g = groups.computeIfAbsent(group, n -> new Group(n, System.currentTimeMillis()));
        Stream s = new Stream(stream, startMillis, visibleFrom);
        for (int i = 0; i < lines.size(); i++) {
            s.events.add(new Event(startMillis + i, lines.get(i), Math.max(visibleFrom, startMillis + i)));
        }
        g.streams.put(stream, s);
        return s;
    }

    static String operation(String target) {
        return target.substring(target.indexOf('.') + 1);
    }

    SandboxResponse handle(SandboxRequest r) {
        JsonNode in = EcsService.parseJson(json, r, "InvalidParameterException");
        ObjectNode out = switch (r.operation) {
            case "GetLogEvents" -> getLogEvents(in);
            case "DescribeLogStreams" -> describeLogStreams(in);
            case "DescribeLogGroups" -> describeLogGroups(in);
            default -> throw new ServiceError(400, "UnknownOperationException", "Unknown operation " + r.operation + " (sandbox)");
        };
        return EcsService.jsonResponse(json, out);
    }

    private Group group(JsonNode in) {
        String name = text(in, "logGroupName");
        if (name == null && text(in, "logGroupIdentifier") != null) {
            name = text(in, "logGroupIdentifier").replaceFirst("^arn:.*:log-group:", "").replaceFirst(":\\*$", "");
        }
        if (name == null) {
            throw new ServiceError(400, "InvalidParameterException", "1 validation error detected: logGroupName must not be null");
        }
        Group g = groups.get(name);
        if (g == null) {
            throw new ServiceError(400, "ResourceNotFoundException", "The specified log group does not exist.");
        }
        return g;
    }

    private synchronized ObjectNode getLogEvents(JsonNode in) {
        Group g = group(in);
        String streamName = text(in, "logStreamName");
        long now = System.currentTimeMillis();
        Stream s = streamName == null ? null : g.streams.get(streamName);
        if (s == null || s.visibleFrom > now) {
            throw new ServiceError(400, "ResourceNotFoundException", "The specified log stream does not exist.");
        }
        long startTime = in.path("startTime").asLong(Long.MIN_VALUE);
        long endTime = in.path("endTime").asLong(Long.MAX_VALUE);
        List<Event> events = new ArrayList<>();
        for (Event e : s.events) {
            if (e.timestamp() >= startTime && e.timestamp() < endTime) {
                events.add(e);
            }
        }
        int limit = in.path("limit").asInt(10000);
        if (limit < 1 || limit > 10000) {
            throw new ServiceError(400, "InvalidParameterException", "limit must be between 1 and 10000");
        }
        int size = events.size();
        int from;
        int to;
        String token = text(in, "nextToken");
        if (token != null) {
            int idx = parseToken(token, size);
            if (token.startsWith("f/")) {
                from = idx;
                to = Math.min(size, idx + limit);
            } else {
                to = idx;
                from = Math.max(0, idx - limit);
            }
        } else if (in.path("startFromHead").asBoolean(false)) {
            from = 0;
            to = Math.min(size, limit);
        } else {
            to = size;
            from = Math.max(0, size - limit);
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode arr = out.putArray("events");
        for (Event e : events.subList(from, to)) {
            arr.addObject().put("timestamp", e.timestamp()).put("message", e.message()).put("ingestionTime", e.ingestionTime());
        }
        out.put("nextForwardToken", "f/" + pad(to));
        out.put("nextBackwardToken", "b/" + pad(from));
        return out;
    }

    private static String pad(int n) {
        return String.format("%056d", n);
    }

    private static int parseToken(String token, int size) {
        try {
            if (token.startsWith("f/") || token.startsWith("b/")) {
                int idx = Integer.parseInt(token.substring(2).replaceFirst("/.*$", ""));
                if (idx >= 0 && idx <= size) {
                    return idx;
                }
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ServiceError(400, "InvalidParameterException", "The specified nextToken is invalid.");
    }

    private synchronized ObjectNode describeLogStreams(JsonNode in) {
        Group g = group(in);
        long now = System.currentTimeMillis();
        String prefix = text(in, "logStreamNamePrefix");
        String orderBy = in.path("orderBy").asText("LogStreamName");
        if (prefix != null && orderBy.equals("LastEventTime")) {
            throw new ServiceError(400, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.");
        }
        List<Stream> list = new ArrayList<>();
        for (Stream s : g.streams.values()) {
            if (s.visibleFrom <= now && (prefix == null || s.name.startsWith(prefix))) {
                list.add(s);
            }
        }
        if (orderBy.equals("LastEventTime")) {
            list.sort((a, b) -> Long.compare(lastEvent(a), lastEvent(b)));
        }
        if (in.path("descending").asBoolean(false)) {
            java.util.Collections.reverse(list);
        }
        int limit = in.path("limit").asInt(50);
        if (limit < 1 || limit > 50) {
            throw new ServiceError(400, "InvalidParameterException", "limit must be between 1 and 50");
        }
        int from = offset(text(in, "nextToken"));
        int to = Math.min(list.size(), from + limit);
        ObjectNode out = json.createObjectNode();
        ArrayNode arr = out.putArray("logStreams");
        for (Stream s : list.subList(Math.min(from, list.size()), to)) {
            ObjectNode o = arr.addObject().put("logStreamName", s.name).put("creationTime", s.created);
            if (!s.events.isEmpty()) {
                o.put("firstEventTimestamp", s.events.get(0).timestamp())
                        .put("lastEventTimestamp", lastEvent(s))
                        .put("lastIngestionTime", s.events.get(s.events.size() - 1).ingestionTime());
            }
            o.put("arn", "arn:aws:logs:" + region + ":" + account + ":log-group:" + g.name + ":log-stream:" + s.name)
                    .put("storedBytes", 0);
        }
        if (to < list.size()) {
            out.put("nextToken", "o/" + to);
        }
        return out;
    }

    private static long lastEvent(Stream s) {
        return s.events.isEmpty() ? s.created : s.events.get(s.events.size() - 1).timestamp();
    }

    private synchronized ObjectNode describeLogGroups(JsonNode in) {
        String prefix = text(in, "logGroupNamePrefix");
        int limit = in.path("limit").asInt(50);
        if (limit < 1 || limit > 50) {
            throw new ServiceError(400, "InvalidParameterException", "limit must be between 1 and 50");
        }
        List<Group> list = groups.values().stream().filter(g -> prefix == null || g.name.startsWith(prefix)).toList();
        int from = offset(text(in, "nextToken"));
        int to = Math.min(list.size(), from + limit);
        ObjectNode out = json.createObjectNode();
        ArrayNode arr = out.putArray("logGroups");
        for (Group g : list.subList(Math.min(from, list.size()), to)) {
            String arn = "arn:aws:logs:" + region + ":" + account + ":log-group:" + g.name;
            arr.addObject().put("logGroupName", g.name).put("creationTime", g.created).put("metricFilterCount", 0)
                    .put("arn", arn + ":*").put("logGroupArn", arn).put("storedBytes", 0).put("logGroupClass", "STANDARD");
        }
        if (to < list.size()) {
            out.put("nextToken", "o/" + to);
        }
        return out;
    }

    private static int offset(String token) {
        if (token == null) {
            return 0;
        }
        try {
            return Integer.parseInt(token.substring(2));
        } catch (RuntimeException e) {
            throw new ServiceError(400, "InvalidParameterException", "The specified nextToken is invalid.");
        }
    }

    private static String text(JsonNode in, String field) {
        JsonNode n = in.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
