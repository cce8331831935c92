package dev.beanstalkmigrator.sandbox;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What every ECS handler writes the same way: the ARNs of the sandbox's account and Region, timestamps as epoch
 * seconds, list answers a page at a time behind {@code nextToken}, and the request fields read alike by many actions.
 */
final class EcsJson {
    final ObjectMapper json;
    final String region;
    final String account;

    EcsJson(ObjectMapper json, String region, String account) {
        this.json = json;
        this.region = region;
        this.account = account;
    }

    /** {@code arn:aws:ecs:<region>:<account>:<resource>}. */
    String arn(String resource) {
        return "arn:aws:ecs:" + region + ":" + account + ":" + resource;
    }

    String clusterArn(String name) {
        return arn("cluster/" + name);
    }

    ObjectNode object() {
        return json.createObjectNode();
    }

    ArrayNode array() {
        return json.createArrayNode();
    }

    JsonNode epoch(Instant i) {
        return json.getNodeFactory().numberNode(BigDecimal.valueOf(i.toEpochMilli(), 3));
    }

    /** {@code items} from the request's {@code nextToken} on, at most its {@code maxResults} (1 to 100, default 100). */
    ObjectNode page(JsonNode in, List<String> items, String field) {
        int max = in.has("maxResults") ? in.get("maxResults").asInt() : 100;
        if (max < 1 || max > 100) {
            throw new ServiceError(400, "InvalidParameterException", "maxResults must be between 1 and 100.");
        }
        int from = 0;
        String token = text(in, "nextToken");
        if (token != null) {
            try {
                from = Integer.parseInt(new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                throw new ServiceError(400, "InvalidParameterException", "Invalid token " + token);
            }
        }
        int to = Math.min(items.size(), from + max);
        ObjectNode out = object();
        ArrayNode arr = out.putArray(field);
        items.subList(Math.min(from, items.size()), to).forEach(arr::add);
        if (to < items.size()) {
            out.put("nextToken", Base64.getEncoder().encodeToString(String.valueOf(to).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Whether the request's {@code include} list names {@code what} (TAGS). */
    static boolean includes(JsonNode in, String what) {
        for (JsonNode n : in.path("include")) {
            if (n.asText().equals(what)) {
                return true;
            }
        }
        return false;
    }

    static String text(JsonNode in, String field) {
        JsonNode n = in == null ? null : in.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** A cluster's name from its name or ARN. */
    static String clusterName(String id) {
        return id.startsWith("arn:") ? id.substring(id.lastIndexOf('/') + 1) : id;
    }

    static String sha256Hex(String s) {
        return dev.beanstalkmigrator.model.Digests.sha256(s);
    }
}
