package dev.beanstalkmigrator.sandbox;

import static dev.beanstalkmigrator.sandbox.EcsJson.includes;
import static dev.beanstalkmigrator.sandbox.EcsJson.text;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * ECS task definitions: families of revisions, registered, described, listed and deregistered as ECS does. Not
 * thread-safe: {@link EcsService}'s lock guards it.
 */
final class EcsTaskDefinitions {

    /** One revision of a family; revisions never change but for ACTIVE to INACTIVE. */
    static final class Revision {
        final String family;
        final int revision;
        final String arn;
        final ObjectNode node;
        final ArrayNode tags;
        String status = "ACTIVE";

        Revision(String family, int revision, String arn, ObjectNode node, ArrayNode tags) {
            this.family = family;
            this.revision = revision;
            this.arn = arn;
            this.node = node;
            this.tags = tags;
        }
    }

    private final EcsJson ecs;
    private final Map<String, TreeMap<Integer, Revision>> families = new TreeMap<>();

    EcsTaskDefinitions(EcsJson ecs) {
        this.ecs = ecs;
    }

    ObjectNode register(ObjectNode in) {
        String family = text(in, "family");
        if (family == null || !family.matches("[a-zA-Z0-9_-]{1,255}")) {
            throw new ServiceError(400, "ClientException",
                    "Family contains invalid characters or is blank; up to 255 letters, numbers, hyphens and underscores are allowed.");
        }
        JsonNode defs = in.get("containerDefinitions");
        if (defs == null || !defs.isArray() || defs.isEmpty()) {
            throw new ServiceError(400, "ClientException", "Container list cannot be empty.");
        }
        for (JsonNode c : defs) {
            if (text(c, "name") == null) {
                throw new ServiceError(400, "ClientException", "Container.name should not be null or empty.");
            }
            if (text(c, "image") == null) {
                throw new ServiceError(400, "ClientException", "Container.image should not be null or empty.");
            }
        }
        String networkMode = text(in, "networkMode") == null ? "bridge" : text(in, "networkMode");
        List<String> requires = new ArrayList<>();
        in.path("requiresCompatibilities").forEach(n -> requires.add(n.asText()));
        if (requires.contains("FARGATE")) {
            if (!networkMode.equals("awsvpc")) {
                throw new ServiceError(400, "ClientException", "Fargate only supports network mode 'awsvpc'.");
            }
            if (text(in, "cpu") == null) {
                throw new ServiceError(400, "ClientException", "Fargate requires that 'cpu' be defined at the task level.");
            }
            if (text(in, "memory") == null) {
                throw new ServiceError(400, "ClientException", "Fargate requires that 'memory' be defined at the task level.");
            }
        }
        TreeMap<Integer, Revision> revisions = families.computeIfAbsent(family, f -> new TreeMap<>());
        int revision = revisions.isEmpty() ? 1 : revisions.lastKey() + 1;
        String arn = ecs.arn("task-definition/" + family + ":" + revision);
        ObjectNode node = ecs.object();
        node.put("taskDefinitionArn", arn);
        ArrayNode containers = node.putArray("containerDefinitions");
        for (JsonNode c : defs) {
            ObjectNode copy = ((ObjectNode) c).deepCopy();
            for (String list : List.of("portMappings", "environment", "mountPoints", "volumesFrom")) {
                if (!copy.has(list)) {
                    copy.putArray(list);
                }
            }
            if (!copy.has("essential")) {
                copy.put("essential", true);
            }
            if (!copy.has("cpu")) {
                copy.put("cpu", 0);
            }
            containers.add(copy);
        }
        node.put("family", family);
        in.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("tags") && !e.getKey().equals("containerDefinitions") && !e.getKey().equals("family")) {
                node.set(e.getKey(), e.getValue().deepCopy());
            }
        });
        node.put("networkMode", networkMode);
        node.put("revision", revision);
        if (!node.has("volumes")) {
            node.putArray("volumes");
        }
        node.put("status", "ACTIVE");
        node.putArray("requiresAttributes");
        if (!node.has("placementConstraints")) {
            node.putArray("placementConstraints");
        }
        ArrayNode compat = node.putArray("compatibilities").add("EC2");
        if (networkMode.equals("awsvpc") && node.has("cpu") && node.has("memory")) {
            compat.add("FARGATE");
        }
        if (!node.has("requiresCompatibilities")) {
            node.putArray("requiresCompatibilities");
        }
        node.set("registeredAt", ecs.epoch(Instant.now()));
        node.put("registeredBy", "arn:aws:iam::" + ecs.account + ":root");
        ArrayNode tags = in.has("tags") && in.get("tags").isArray() ? (ArrayNode) in.get("tags").deepCopy() : ecs.array();
        revisions.put(revision, new Revision(family, revision, arn, node, tags));
        ObjectNode out = ecs.object();
        out.set("taskDefinition", node.deepCopy());
        out.set("tags", tags.deepCopy());
        return out;
    }

    /** A revision by ARN or {@code family:revision}, or a family's latest ACTIVE revision by {@code family}. */
    Revision resolve(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        String s = ref.startsWith("arn:") ? ref.substring(ref.indexOf(":task-definition/") + 17) : ref;
        if (ref.startsWith("arn:") && !ref.contains(":task-definition/")) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        int colon = s.lastIndexOf(':');
        String family = colon < 0 ? s : s.substring(0, colon);
        TreeMap<Integer, Revision> revisions = families.get(family);
        if (revisions == null) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        if (colon < 0) {
            return revisions.descendingMap().values().stream().filter(t -> t.status.equals("ACTIVE")).findFirst()
                    .orElseThrow(() -> new ServiceError(400, "ClientException", "Unable to describe task definition."));
        }
        try {
            Revision t = revisions.get(Integer.parseInt(s.substring(colon + 1)));
            if (t != null) {
                return t;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
    }

    ObjectNode describe(JsonNode in) {
        Revision t = resolve(text(in, "taskDefinition"));
        ObjectNode out = ecs.object();
        out.set("taskDefinition", t.node.deepCopy());
        if (includes(in, "TAGS")) {
            out.set("tags", t.tags.deepCopy());
        }
        return out;
    }

    ObjectNode list(JsonNode in) {
        String family = text(in, "familyPrefix");
        String status = text(in, "status") == null ? "ACTIVE" : text(in, "status");
        boolean desc = "DESC".equals(text(in, "sort"));
        List<String> arns = new ArrayList<>();
        for (TreeMap<Integer, Revision> revs : families.values()) {
            for (Revision t : revs.values()) {
                if ((family == null || t.family.equals(family)) && t.status.equals(status)) {
                    arns.add(t.arn);
                }
            }
        }
        if (desc) {
            Collections.reverse(arns);
        }
        return ecs.page(in, arns, "taskDefinitionArns");
    }

    ObjectNode deregister(JsonNode in) {
        String ref = text(in, "taskDefinition");
        String tail = ref == null ? "" : ref.startsWith("arn:") ? ref.substring(ref.lastIndexOf('/') + 1) : ref;
        if (!tail.contains(":")) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        Revision t = resolve(ref);
        if (t.status.equals("ACTIVE")) {
            t.status = "INACTIVE";
            t.node.put("status", "INACTIVE");
            t.node.set("deregisteredAt", ecs.epoch(Instant.now()));
        }
        ObjectNode out = ecs.object();
        out.set("taskDefinition", t.node.deepCopy());
        return out;
    }
}
