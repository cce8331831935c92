package dev.beanstalkmigrator.sandbox;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Amazon ECS, JSON 1.1 ({@code AmazonEC2ContainerServiceV20141113.*}), with simulated tasks. Thread-safe: one lock. */
final class EcsService {
    static final String JSON_11 = "application/x-amz-json-1.1";
    static final String TAG_ENVIRONMENT = "beanstalk-migrator:environment";
    static final String TAG_VERSION = "beanstalk-migrator:version";
    static final int MAX_OVERRIDES = 8192;

    private record Cluster(String name, String arn, Instant created, Map<String, String> tags) {}

    private static final class TaskDef {
        final String family;
        final int revision;
        final String arn;
        final ObjectNode node;
        final ArrayNode tags;
        String status = "ACTIVE";

        TaskDef(String family, int revision, String arn, ObjectNode node, ArrayNode tags) {
            this.family = family;
            this.revision = revision;
            this.arn = arn;
            this.node = node;
            this.tags = tags;
        }
    }

    /** An EC2 container instance; {@code remainingCpu}/{@code remainingMemory} are free before the sandbox's tasks. */
    private static final class Instance {
        final String id;
        final String arn;
        final Cluster cluster;
        final int cpu;
        final int memory;
        final Instant registeredAt;
        int remainingCpu;
        int remainingMemory;
        boolean agentConnected;

        Instance(String id, String arn, Cluster cluster, int cpu, int memory, Instant registeredAt) {
            this.id = id;
            this.arn = arn;
            this.cluster = cluster;
            this.cpu = cpu;
            this.memory = memory;
            this.registeredAt = registeredAt;
        }
    }

    private record ContainerRun(String name, String image, String id, Integer cpu, Integer memory) {}

    private static final class Task {
        String arn;
        String id;
        Cluster cluster;
        TaskDef def;
        String startedBy;
        String launchType;
        String capacityProvider;
        /** The EC2 container instance the task holds {@code cpu} units and {@code memory} MiB of, until STOPPED. */
        Instance instance;
        int cpu;
        int memory;
        ObjectNode overrides;
        ArrayNode tags;
        Instant createdAt;
        Duration pending;
        Duration duration;
        int exitCode;
        String pullError;
        /** The first subnet of an awsvpc task's network configuration. */
        String subnet;
        /** How long the containers get between SIGTERM and SIGKILL. */
        Duration stopTimeout;
        /** The exit code when the container handles SIGTERM, or null when it ignores it (then SIGKILL, 137). */
        Integer sigtermExitCode;
        Duration sigtermExitAfter;
        /** When StopTask was asked (desiredStatus STOPPED from then on), or null. */
        Instant userStopAt;
        /** When the task is STOPPED because of StopTask, and the container's exit code then (null: never started). */
        Instant userStoppedAt;
        Integer userExitCode;
        String userReason;
        boolean expired;
        List<ContainerRun> containers = new ArrayList<>();
        List<LogsService.Stream> streams = new ArrayList<>();

        Instant runAt() {
            return createdAt.plus(pending);
        }

        Instant naturalStop() {
            return pullError != null ? runAt() : runAt().plus(duration);
        }

        /** Whether StopTask reached the task before it stopped on its own. */
        boolean userStopped() {
            return userStopAt != null && userStopAt.isBefore(naturalStop());
        }

        Instant stopAt() {
            return userStopped() ? userStoppedAt : naturalStop();
        }

        boolean started() {
            return pullError == null && stopAt().isAfter(runAt());
        }

        String phase(Instant now) {
            if (!now.isBefore(stopAt())) {
                return "STOPPED";
            }
            if (!now.isBefore(runAt())) {
                return "RUNNING";
            }
            return now.isBefore(createdAt.plus(pending.dividedBy(2))) ? "PROVISIONING" : "PENDING";
        }

        /**
         * StopTask at {@code now}: desiredStatus STOPPED at once; what runs gets SIGTERM and stops when it exits
         * (on its own, or having handled SIGTERM) or at SIGKILL after its stop timeout; what has not started yet
         * is torn down without starting, within {@link #UNSTARTED_STOP}.
         */
        void requestStop(Instant now, String reason) {
            userStopAt = now;
            userReason = reason;
            if (now.isBefore(runAt())) {
                Instant end = now.plus(UNSTARTED_STOP);
                userStoppedAt = end.isBefore(runAt()) ? end : runAt();
                userExitCode = null;
                return;
            }
            Instant end = now.plus(stopTimeout);
            Integer exit = 137;
            if (sigtermExitCode != null && now.plus(sigtermExitAfter).isBefore(end)) {
                end = now.plus(sigtermExitAfter);
                exit = sigtermExitCode;
            }
            if (!naturalStop().isAfter(end)) {
                end = naturalStop();
                exit = exitCode;
            }
            userStoppedAt = end;
            userExitCode = exit;
        }
    }

    /** How long a task that has not started yet takes to stop after StopTask. */
    static final Duration UNSTARTED_STOP = Duration.ofMillis(500);
    /** The stop timeout when neither the container definition nor the behaviour sets one (ECS's default). */
    static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);
    /** Fargate's largest container stopTimeout. */
    static final Duration FARGATE_MAX_STOP_TIMEOUT = Duration.ofSeconds(120);

    /** Token bucket for the optional RunTask launch rate limit. */
    private static final class TokenBucket {
        final double rate;
        final double burst;
        double tokens;
        long last = System.nanoTime();

        TokenBucket(double rate, int burst) {
            this.rate = rate;
            this.burst = burst;
            this.tokens = burst;
        }

        boolean take(int n) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
            last = now;
            if (tokens + 1e-9 >= n) {
                tokens -= n;
                return true;
            }
            return false;
        }
    }

    /** A client token's first RunTask: its tasks, when, and its parameters (everything but the token). */
    private record TokenEntry(List<String> arns, Instant at, JsonNode request) {}

    private final ObjectMapper json;
    private final String region;
    private final String account;
    private final LogsService logs;
    private final Supplier<Duration> retention;
    private final Map<String, Cluster> clusters = new LinkedHashMap<>();
    private final Map<String, TreeMap<Integer, TaskDef>> taskDefs = new TreeMap<>();
    private final Map<String, Task> tasks = new LinkedHashMap<>();
    private final Map<String, TokenEntry> clientTokens = new LinkedHashMap<>();
    /** Container instances by cluster name, in registration order (placement is first fit in that order). */
    private final Map<String, List<Instance>> instances = new LinkedHashMap<>();
    private final List<RunRecord> runs = new CopyOnWriteArrayList<>();
    private volatile SandboxSeed.TaskBehaviours behaviours;
    private volatile Duration listTasksLag = Duration.ZERO;
    private volatile Duration describeTasksLag = Duration.ZERO;
    /** What the task execution role would read from Secrets Manager and SSM Parameter Store, by ARN. */
    private volatile Map<String, String> secretValues = Map.of();
    private TokenBucket rateLimit;

    EcsService(ObjectMapper json, String region, String account, LogsService logs, Supplier<Duration> retention,
            SandboxSeed.TaskBehaviours behaviours) {
        this.json = json;
        this.region = region;
        this.account = account;
        this.logs = logs;
        this.retention = retention;
        this.behaviours = behaviours;
    }

    // ------------------------------------------------------------ direct access

    synchronized void createCluster(String name) {
        createCluster(name, Map.of());
    }

    /** Creates a cluster with tags (as Elastic Beanstalk tags the cluster of an ECS-based environment). */
    synchronized void createCluster(String name, Map<String, String> tags) {
        clusters.computeIfAbsent(name, n -> new Cluster(n, clusterArn(n), Instant.now(), Map.copyOf(tags)));
    }

    /**
     * Starts {@code count} tasks of the latest active revision of {@code family} on a cluster, as Elastic Beanstalk
     * runs an environment's app (one task per instance, started by the instance): running until stopped, no exit,
     * no log lines. They are not RunTask launches, so {@link #runs()} does not list them.
     */
    synchronized List<String> startAppTasks(String clusterName, String family, int count) {
        Cluster cluster = clusters.get(clusterName);
        TaskDef def = resolveTaskDefinition(family);
        Instant now = Instant.now();
        List<String> arns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Task t = new Task();
            t.id = UUID.randomUUID().toString().replace("-", "");
            t.arn = "arn:aws:ecs:" + region + ":" + account + ":task/" + cluster.name() + "/" + t.id;
            t.cluster = cluster;
            t.def = def;
            t.startedBy = "i-0" + t.id.substring(0, 16);
            t.launchType = "EC2";
            t.overrides = json.createObjectNode();
            t.overrides.putArray("containerOverrides");
            t.overrides.withArray("inferenceAcceleratorOverrides");
            t.tags = json.createArrayNode();
            t.createdAt = now;
            def.node.path("containerDefinitions").forEach(c -> t.containers.add(new ContainerRun(
                    c.path("name").asText(), c.path("image").asText(), UUID.randomUUID().toString(),
                    c.has("cpu") ? c.get("cpu").asInt() : null, c.has("memory") ? c.get("memory").asInt() : null)));
            t.pending = Duration.ZERO;
            t.duration = SandboxSeed.NEVER;
            tasks.put(t.arn, t);
            arns.add(t.arn);
        }
        return arns;
    }

    /** Registers a container instance in {@code cluster} and answers its ARN. */
    synchronized String addContainerInstance(String cluster, SandboxSeed.ContainerInstance seed) {
        Cluster c = clusters.get(cluster);
        if (c == null) {
            throw new IllegalArgumentException("no cluster " + cluster);
        }
        List<Instance> list = instances.computeIfAbsent(cluster, n -> new ArrayList<>());
        String id = seed.id() != null ? seed.id()
                : sha256Hex(cluster + "/" + list.size() + "/" + System.nanoTime()).substring(0, 32);
        if (list.stream().anyMatch(i -> i.id.equals(id))) {
            throw new IllegalArgumentException("cluster " + cluster + " already has container instance " + id);
        }
        int cpu = seed.cpu() != null ? seed.cpu() : SandboxSeed.ContainerInstance.DEFAULT_CPU;
        int memory = seed.memory() != null ? seed.memory() : SandboxSeed.ContainerInstance.DEFAULT_MEMORY;
        Instance i = new Instance(id, "arn:aws:ecs:" + region + ":" + account + ":container-instance/" + cluster + "/" + id,
                c, cpu, memory, Instant.now());
        i.remainingCpu = seed.remainingCpu() != null ? seed.remainingCpu() : cpu;
        i.remainingMemory = seed.remainingMemory() != null ? seed.remainingMemory() : memory;
        i.agentConnected = seed.agentConnected() == null || seed.agentConnected();
        list.add(i);
        return i.arn;
    }

    /** Changes what is free on a container instance (before the sandbox's own tasks), or its agent's connection. */
    synchronized void setContainerInstance(String cluster, String idOrArn, Integer remainingCpu, Integer remainingMemory,
            Boolean agentConnected) {
        Instance i = instance(cluster, idOrArn);
        if (i == null) {
            throw new IllegalArgumentException("no container instance " + idOrArn + " in cluster " + cluster);
        }
        i.remainingCpu = remainingCpu != null ? remainingCpu : i.remainingCpu;
        i.remainingMemory = remainingMemory != null ? remainingMemory : i.remainingMemory;
        i.agentConnected = agentConnected != null ? agentConnected : i.agentConnected;
    }

    /** Deregisters a container instance; tasks already on it run on. */
    synchronized boolean removeContainerInstance(String cluster, String idOrArn) {
        Instance i = instance(cluster, idOrArn);
        return i != null && instances.get(clusterName(cluster)).remove(i);
    }

    /** The container instances of {@code cluster}: id, arn, registered and free CPU and memory, agent. */
    synchronized ArrayNode containerInstanceSummaries(String cluster) {
        ArrayNode out = json.createArrayNode();
        Instant now = Instant.now();
        for (Instance i : instances.getOrDefault(cluster, List.of())) {
            out.addObject().put("id", i.id).put("arn", i.arn).put("cpu", i.cpu).put("memory", i.memory)
                    .put("freeCpu", free(i, now, true)).put("freeMemory", free(i, now, false))
                    .put("agentConnected", i.agentConnected);
        }
        return out;
    }

    private Instance instance(String cluster, String idOrArn) {
        for (Instance i : instances.getOrDefault(clusterName(cluster), List.of())) {
            if (i.id.equals(idOrArn) || i.arn.equals(idOrArn)) {
                return i;
            }
        }
        return null;
    }

    /** What is free on {@code i}: its remaining capacity less what the sandbox's tasks not yet STOPPED hold. */
    private int free(Instance i, Instant now, boolean cpu) {
        int held = 0;
        for (Task t : tasks.values()) {
            if (t.instance == i && !t.expired && !t.phase(now).equals("STOPPED")) {
                held += cpu ? t.cpu : t.memory;
            }
        }
        return (cpu ? i.remainingCpu : i.remainingMemory) - held;
    }

    void setBehaviours(SandboxSeed.TaskBehaviours b) {
        this.behaviours = b;
    }

    void setSecretValues(Map<String, String> values) {
        this.secretValues = Map.copyOf(values);
    }

    SandboxSeed.TaskBehaviours behaviours() {
        return behaviours;
    }

    /** Tasks started less than {@code lag} ago are left out of ListTasks (eventual consistency); zero: none. */
    void setListTasksLag(Duration lag) {
        listTasksLag = lag == null || lag.isNegative() ? Duration.ZERO : lag;
    }

    Duration listTasksLag() {
        return listTasksLag;
    }

    /** Tasks started less than {@code lag} ago are MISSING to DescribeTasks (eventual consistency); zero: none. */
    void setDescribeTasksLag(Duration lag) {
        describeTasksLag = lag == null || lag.isNegative() ? Duration.ZERO : lag;
    }

    Duration describeTasksLag() {
        return describeTasksLag;
    }

    synchronized void setRunTaskRateLimit(double perSecond, int burst) {
        rateLimit = perSecond <= 0 ? null : new TokenBucket(perSecond, Math.max(1, burst));
    }

    List<RunRecord> runs() {
        return List.copyOf(runs);
    }

    void clearRuns() {
        runs.clear();
    }

    /** Forgets a task as if ECS had dropped it (DescribeTasks then reports MISSING). */
    synchronized boolean expire(String taskArnOrId) {
        Task t = find(taskArnOrId);
        if (t == null) {
            return false;
        }
        t.expired = true;
        return true;
    }

    /**
     * When the simulated task stopped (its containers exited), or null while it has not (or is unknown). Unlike
     * DescribeTasks this sees tasks ECS has forgotten: what ran, not what ECS says.
     */
    synchronized Instant stoppedAt(String taskArnOrId) {
        Task t = find(taskArnOrId);
        Instant now = Instant.now();
        return t == null || now.isBefore(t.stopAt()) ? null : t.stopAt();
    }

    private Task find(String arnOrId) {
        Task t = tasks.get(arnOrId);
        if (t != null) {
            return t;
        }
        for (Task x : tasks.values()) {
            if (x.id.equals(arnOrId)) {
                return x;
            }
        }
        return null;
    }

    synchronized ObjectNode registerTaskDefinition(ObjectNode in) {
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
        TreeMap<Integer, TaskDef> revisions = taskDefs.computeIfAbsent(family, f -> new TreeMap<>());
        int revision = revisions.isEmpty() ? 1 : revisions.lastKey() + 1;
        String arn = "arn:aws:ecs:" + region + ":" + account + ":task-definition/" + family + ":" + revision;
        ObjectNode node = json.createObjectNode();
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
        node.set("registeredAt", epoch(Instant.now()));
        node.put("registeredBy", "arn:aws:iam::" + account + ":root");
        ArrayNode tags = in.has("tags") && in.get("tags").isArray() ? (ArrayNode) in.get("tags").deepCopy() : json.createArrayNode();
        revisions.put(revision, new TaskDef(family, revision, arn, node, tags));
        ObjectNode out = json.createObjectNode();
        out.set("taskDefinition", node.deepCopy());
        out.set("tags", tags.deepCopy());
        return out;
    }

    // ------------------------------------------------------------ wire protocol

    static String operation(String target) {
        return target.substring(target.indexOf('.') + 1);
    }

    SandboxResponse handle(SandboxRequest r) {
        JsonNode parsed = parseJson(json, r, "SerializationException");
        if (!parsed.isObject()) {
            throw new ServiceError(400, "SerializationException", "Request body must be a JSON object");
        }
        ObjectNode in = (ObjectNode) parsed;
        ObjectNode out = switch (r.operation) {
            case "ListClusters" -> listClusters(in);
            case "DescribeClusters" -> describeClusters(in);
            case "CreateCluster" -> createClusterOp(in);
            case "RegisterTaskDefinition" -> registerTaskDefinition(in);
            case "DescribeTaskDefinition" -> describeTaskDefinition(in);
            case "ListTaskDefinitions" -> listTaskDefinitions(in);
            case "DeregisterTaskDefinition" -> deregisterTaskDefinition(in);
            case "RunTask" -> runTask(in, r);
            case "DescribeTasks" -> describeTasks(in);
            case "ListTasks" -> listTasks(in);
            case "StopTask" -> stopTask(in);
            case "ListContainerInstances" -> listContainerInstances(in);
            case "DescribeContainerInstances" -> describeContainerInstances(in);
            default -> throw new ServiceError(400, "UnknownOperationException",
                    "Unknown operation " + r.operation + " (sandbox)");
        };
        return jsonResponse(json, out);
    }

    private synchronized ObjectNode listClusters(JsonNode in) {
        List<String> arns = clusters.values().stream().map(Cluster::arn).toList();
        return page(in, arns, "clusterArns");
    }

    private synchronized ObjectNode createClusterOp(JsonNode in) {
        String name = text(in, "clusterName") == null ? "default" : text(in, "clusterName");
        Map<String, String> tags = new LinkedHashMap<>();
        in.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
        createCluster(name, tags);
        ObjectNode out = json.createObjectNode();
        out.set("cluster", clusterNode(clusters.get(name), Instant.now()));
        return out;
    }

    private synchronized ObjectNode describeClusters(JsonNode in) {
        List<String> ids = new ArrayList<>();
        in.path("clusters").forEach(n -> ids.add(n.asText()));
        if (ids.isEmpty()) {
            ids.add("default");
        }
        if (ids.size() > 100) {
            throw new ServiceError(400, "InvalidParameterException", "Clusters cannot contain more than 100 elements.");
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("clusters");
        ArrayNode failures = out.putArray("failures");
        Instant now = Instant.now();
        for (String id : ids) {
            Cluster c = clusters.get(clusterName(id));
            if (c == null) {
                failures.addObject().put("arn", id.startsWith("arn:") ? id : clusterArn(id)).put("reason", "MISSING");
            } else {
                ObjectNode node = clusterNode(c, now);
                if (includes(in, "TAGS")) {
                    ArrayNode tags = node.putArray("tags");
                    c.tags().forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
                }
                list.add(node);
            }
        }
        return out;
    }

    private ObjectNode clusterNode(Cluster c, Instant now) {
        int running = 0;
        int pending = 0;
        for (Task t : tasks.values()) {
            if (t.cluster == c && !gone(t, now)) {
                String phase = t.phase(now);
                if (phase.equals("RUNNING")) {
                    running++;
                } else if (!phase.equals("STOPPED")) {
                    pending++;
                }
            }
        }
        ObjectNode n = json.createObjectNode();
        n.put("clusterArn", c.arn()).put("clusterName", c.name()).put("status", "ACTIVE")
                .put("registeredContainerInstancesCount", instances.getOrDefault(c.name(), List.of()).size()).put("runningTasksCount", running)
                .put("pendingTasksCount", pending).put("activeServicesCount", 0);
        n.putArray("statistics");
        n.putArray("settings").addObject().put("name", "containerInsights").put("value", "disabled");
        n.putArray("capacityProviders").add("FARGATE").add("FARGATE_SPOT");
        n.putArray("defaultCapacityProviderStrategy");
        return n;
    }

    private TaskDef resolveTaskDefinition(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        String s = ref.startsWith("arn:") ? ref.substring(ref.indexOf(":task-definition/") + 17) : ref;
        if (ref.startsWith("arn:") && !ref.contains(":task-definition/")) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        int colon = s.lastIndexOf(':');
        String family = colon < 0 ? s : s.substring(0, colon);
        TreeMap<Integer, TaskDef> revisions = taskDefs.get(family);
        if (revisions == null) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        if (colon < 0) {
            return revisions.descendingMap().values().stream().filter(t -> t.status.equals("ACTIVE")).findFirst()
                    .orElseThrow(() -> new ServiceError(400, "ClientException", "Unable to describe task definition."));
        }
        try {
            TaskDef t = revisions.get(Integer.parseInt(s.substring(colon + 1)));
            if (t != null) {
                return t;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
    }

    private synchronized ObjectNode describeTaskDefinition(JsonNode in) {
        TaskDef t = resolveTaskDefinition(text(in, "taskDefinition"));
        ObjectNode out = json.createObjectNode();
        out.set("taskDefinition", t.node.deepCopy());
        if (includes(in, "TAGS")) {
            out.set("tags", t.tags.deepCopy());
        }
        return out;
    }

    private synchronized ObjectNode listTaskDefinitions(JsonNode in) {
        String family = text(in, "familyPrefix");
        String status = text(in, "status") == null ? "ACTIVE" : text(in, "status");
        boolean desc = "DESC".equals(text(in, "sort"));
        List<String> arns = new ArrayList<>();
        for (TreeMap<Integer, TaskDef> revs : taskDefs.values()) {
            for (TaskDef t : revs.values()) {
                if ((family == null || t.family.equals(family)) && t.status.equals(status)) {
                    arns.add(t.arn);
                }
            }
        }
        if (desc) {
            java.util.Collections.reverse(arns);
        }
        return page(in, arns, "taskDefinitionArns");
    }

    private synchronized ObjectNode deregisterTaskDefinition(JsonNode in) {
        String ref = text(in, "taskDefinition");
        String tail = ref == null ? "" : ref.startsWith("arn:") ? ref.substring(ref.lastIndexOf('/') + 1) : ref;
        if (!tail.contains(":")) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        TaskDef t = resolveTaskDefinition(ref);
        if (t.status.equals("ACTIVE")) {
            t.status = "INACTIVE";
            t.node.put("status", "INACTIVE");
            t.node.set("deregisteredAt", epoch(Instant.now()));
        }
        ObjectNode out = json.createObjectNode();
        out.set("taskDefinition", t.node.deepCopy());
        return out;
    }

    private Cluster cluster(JsonNode in) {
        String id = text(in, "cluster") == null ? "default" : text(in, "cluster");
        Cluster c = clusters.get(clusterName(id));
        if (c == null) {
            throw new ServiceError(400, "ClusterNotFoundException", "Cluster not found.");
        }
        return c;
    }

    private synchronized ObjectNode runTask(ObjectNode in, SandboxRequest r) {
        Instant now = Instant.now();
        int count = in.has("count") ? in.get("count").asInt() : 1;
        if (count < 1 || count > 10) {
            throw new ServiceError(400, "InvalidParameterException", "Count must be between 1 and 10.");
        }
        String startedBy = text(in, "startedBy");
        if (startedBy != null && startedBy.length() > 36) {
            throw new ServiceError(400, "InvalidParameterException", "startedBy must be less than or equal to 36 characters.");
        }
        String clientToken = text(in, "clientToken");
        if (clientToken != null && (clientToken.isEmpty() || clientToken.length() > 64)) {
            throw new ServiceError(400, "InvalidParameterException", "clientToken must be between 1 and 64 characters.");
        }
        ObjectNode overrides = in.get("overrides") instanceof ObjectNode o ? o : null;
        if (overrides != null) {
            int length;
            try {
                length = json.writeValueAsString(overrides).length();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            if (length > MAX_OVERRIDES) {
                throw new ServiceError(400, "InvalidParameterException", "Container Overrides length must be at most 8192");
            }
        }
        Cluster cluster = cluster(in);
        purge(now);
        ObjectNode request = in.deepCopy();
        request.remove("clientToken");
        request.put("count", count);
        // Tokens are scoped to the cluster: the same token on another cluster is another request.
        String tokenKey = cluster.arn() + "\n" + clientToken;
        if (clientToken != null) {
            TokenEntry seen = clientTokens.get(tokenKey);
            if (seen != null && seen.at().isAfter(now.minus(Duration.ofHours(24)))) {
                if (!seen.request().equals(request)) {
                    throw new ServiceError(400, "ConflictException", "The clientToken '" + clientToken
                            + "' is already in use with a different RunTask request. The resourceIds are the existing"
                            + " task ARNs which are already associated with the clientToken.", Map.of(),
                            Map.of("resourceIds", seen.arns()));
                }
                ObjectNode out = json.createObjectNode();
                ArrayNode list = out.putArray("tasks");
                for (String arn : seen.arns()) {
                    Task t = tasks.get(arn);
                    if (t != null) {
                        list.add(taskNode(t, now, false));
                    }
                }
                out.putArray("failures");
                return out;
            }
        }
        TaskDef def = resolveTaskDefinition(text(in, "taskDefinition"));
        if (def.status.equals("INACTIVE") && !text(in, "taskDefinition").contains(":")) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        String launchType = text(in, "launchType");
        String capacityProvider = null;
        JsonNode strategy = in.get("capacityProviderStrategy");
        if (strategy != null && strategy.isArray() && !strategy.isEmpty()) {
            if (launchType != null) {
                throw new ServiceError(400, "InvalidParameterException",
                        "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.");
            }
            capacityProvider = text(strategy.get(0), "capacityProvider");
            if (capacityProvider == null || !(capacityProvider.equals("FARGATE") || capacityProvider.equals("FARGATE_SPOT"))) {
                throw new ServiceError(400, "InvalidParameterException",
                        "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.");
            }
            launchType = "FARGATE";
        }
        if (launchType == null) {
            launchType = "EC2";
        }
        if (!List.of("EC2", "FARGATE", "EXTERNAL").contains(launchType)) {
            throw new ServiceError(400, "InvalidParameterException", "launchType must be one of EC2, FARGATE, EXTERNAL.");
        }
        String networkMode = def.node.path("networkMode").asText("bridge");
        if (launchType.equals("FARGATE")) {
            boolean compatible = false;
            for (JsonNode c : def.node.path("compatibilities")) {
                compatible |= c.asText().equals("FARGATE");
            }
            if (!compatible || !networkMode.equals("awsvpc")) {
                throw new ServiceError(400, "InvalidParameterException", "Task definition does not support launch_type FARGATE.");
            }
        }
        if (networkMode.equals("awsvpc")) {
            JsonNode vpc = in.path("networkConfiguration").path("awsvpcConfiguration");
            if (vpc.isMissingNode() || vpc.isNull()) {
                throw new ServiceError(400, "InvalidParameterException",
                        "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
            }
            if (!vpc.path("subnets").isArray() || vpc.path("subnets").isEmpty()) {
                throw new ServiceError(400, "InvalidParameterException", "subnets can not be empty.");
            }
        }
        Map<String, JsonNode> containerDefs = new LinkedHashMap<>();
        def.node.path("containerDefinitions").forEach(c -> containerDefs.put(c.path("name").asText(), c));
        JsonNode containerOverrides = overrides == null ? null : overrides.get("containerOverrides");
        if (containerOverrides != null) {
            for (JsonNode co : containerOverrides) {
                String name = text(co, "name");
                if (name == null || !containerDefs.containsKey(name)) {
                    throw new ServiceError(400, "InvalidParameterException",
                            "Override for container named " + name + " is not a container in the TaskDefinition.");
                }
            }
        }
        if (rateLimit != null && !rateLimit.take(count)) {
            throw new ServiceError(400, "ThrottlingException", "Rate exceeded");
        }
        Map<String, String> tagMap = new LinkedHashMap<>();
        in.path("tags").forEach(t -> tagMap.put(t.path("key").asText(), t.path("value").asText()));
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("tasks");
        ArrayNode failures = json.createArrayNode();
        List<String> arns = new ArrayList<>();
        int[] need = launchType.equals("EC2") ? requirement(def, overrides) : null;
        if (need != null && instances.getOrDefault(cluster.name(), List.of()).isEmpty()) {
            throw new ServiceError(400, "InvalidParameterException", "No Container Instances were found in your cluster.");
        }
        for (int i = 0; i < count; i++) {
            Instance host = null;
            if (need != null) {
                host = place(cluster, need, now, failures);
                if (host == null) {
                    break;
                }
            }
            Task t = new Task();
            t.instance = host;
            if (need != null) {
                t.cpu = need[0];
                t.memory = need[1];
            }
            t.id = UUID.randomUUID().toString().replace("-", "");
            t.arn = "arn:aws:ecs:" + region + ":" + account + ":task/" + cluster.name() + "/" + t.id;
            t.cluster = cluster;
            t.def = def;
            t.startedBy = startedBy;
            t.launchType = launchType;
            t.capacityProvider = capacityProvider;
            t.overrides = overrides == null ? json.createObjectNode() : overrides.deepCopy();
            if (!t.overrides.has("containerOverrides")) {
                t.overrides.putArray("containerOverrides");
            }
            t.overrides.withArray("inferenceAcceleratorOverrides");
            t.tags = in.has("tags") && in.get("tags").isArray() ? (ArrayNode) in.get("tags").deepCopy() : json.createArrayNode();
            t.createdAt = now;
            t.subnet = in.path("networkConfiguration").path("awsvpcConfiguration").path("subnets").path(0).asText(null);
            for (JsonNode c : containerDefs.values()) {
                t.containers.add(new ContainerRun(c.path("name").asText(), c.path("image").asText(),
                        UUID.randomUUID().toString(), c.has("cpu") ? c.get("cpu").asInt() : null,
                        c.has("memory") ? c.get("memory").asInt() : null));
            }
            Behaviour b = behaviourFor(tagMap, t.containers);
            t.pending = b.pending;
            t.duration = b.duration;
            t.exitCode = b.exitCode;
            Map<String, Map<String, String>> environments = new LinkedHashMap<>();
            String secretsError = containerEnvironments(containerDefs, containerOverrides, environments);
            t.pullError = secretsError != null ? secretsError : b.pullError;
            writeLogs(t, containerDefs, b.logLines, environments);
            t.stopTimeout = stopTimeout(containerDefs.values(), b.stopTimeout, launchType);
            t.sigtermExitCode = b.sigtermExitCode;
            t.sigtermExitAfter = b.sigtermExitAfter;
            tasks.put(t.arn, t);
            arns.add(t.arn);
            list.add(taskNode(t, now, false));
            RunRecord run = record(t, clientToken, tagMap, containerOverrides, now, secretsError != null ? Map.of()
                    : environments);
            runs.add(run);
            r.tasksStarted.add(run);
        }
        // A call that placed nothing started nothing: its token is not bound, so the same request may be sent again
        // once there is capacity.
        if (clientToken != null && !arns.isEmpty()) {
            clientTokens.put(tokenKey, new TokenEntry(List.copyOf(arns), now, request));
        }
        out.set("failures", failures);
        return out;
    }

    /**
     * What an EC2 task reserves, {CPU units, MiB}: the task-level cpu and memory when given, else the sum over its
     * containers of cpu and of memory (or memoryReservation), overrides included.
     */
    private static int[] requirement(TaskDef def, ObjectNode overrides) {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        if (overrides != null) {
            overrides.path("containerOverrides").forEach(o -> byName.put(o.path("name").asText(), o));
        }
        int cpu = 0;
        int memory = 0;
        for (JsonNode c : def.node.path("containerDefinitions")) {
            JsonNode o = byName.getOrDefault(c.path("name").asText(), com.fasterxml.jackson.databind.node.MissingNode.getInstance());
            cpu += o.has("cpu") ? o.get("cpu").asInt() : c.path("cpu").asInt(0);
            memory += o.has("memory") ? o.get("memory").asInt() : o.has("memoryReservation")
                    ? o.get("memoryReservation").asInt() : c.has("memory") ? c.get("memory").asInt()
                    : c.path("memoryReservation").asInt(0);
        }
        String taskCpu = overrides != null && overrides.hasNonNull("cpu") ? overrides.get("cpu").asText()
                : def.node.path("cpu").asText(null);
        String taskMemory = overrides != null && overrides.hasNonNull("memory") ? overrides.get("memory").asText()
                : def.node.path("memory").asText(null);
        return new int[] {taskCpu == null ? cpu : units(taskCpu, 1024), taskMemory == null ? memory : units(taskMemory, 1024)};
    }

    /** "512" -> 512; "1 vCPU" / "2 GB" -> 1024 / 2048. */
    private static int units(String value, int perUnit) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (v.endsWith("vcpu") || v.endsWith("gb")) {
                return (int) Math.round(Double.parseDouble(v.replaceAll("[a-z ]", "")) * perUnit);
            }
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ServiceError(400, "ClientException", "Invalid cpu or memory value: " + value);
        }
    }

    /**
     * First fit among the cluster's container instances; when none fits, one failure per instance (as RunTask
     * reports them): AGENT for a disconnected agent, else the first resource short, CPU before memory.
     */
    private Instance place(Cluster cluster, int[] need, Instant now, ArrayNode failures) {
        List<ObjectNode> refused = new ArrayList<>();
        for (Instance i : instances.getOrDefault(cluster.name(), List.of())) {
            String reason = !i.agentConnected ? "AGENT"
                    : free(i, now, true) < need[0] ? "RESOURCE:CPU"
                    : free(i, now, false) < need[1] ? "RESOURCE:MEMORY" : null;
            if (reason == null) {
                return i;
            }
            refused.add(json.createObjectNode().put("arn", i.arn).put("reason", reason));
        }
        refused.forEach(failures::add);
        return null;
    }

    private synchronized ObjectNode listContainerInstances(JsonNode in) {
        Cluster c = cluster(in);
        String status = text(in, "status");
        List<String> arns = status != null && !status.equals("ACTIVE") ? List.of()
                : instances.getOrDefault(c.name(), List.of()).stream().map(i -> i.arn).toList();
        return page(in, arns, "containerInstanceArns");
    }

    private synchronized ObjectNode describeContainerInstances(JsonNode in) {
        Cluster c = cluster(in);
        JsonNode ids = in.get("containerInstances");
        if (ids == null || !ids.isArray() || ids.isEmpty()) {
            throw new ServiceError(400, "InvalidParameterException", "Container instance cannot be empty.");
        }
        if (ids.size() > 100) {
            throw new ServiceError(400, "InvalidParameterException", "Container instances length must be at most 100");
        }
        Instant now = Instant.now();
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("containerInstances");
        ArrayNode failures = out.putArray("failures");
        for (JsonNode id : ids) {
            Instance i = instance(c.name(), id.asText().startsWith("arn:") ? id.asText()
                    : id.asText().substring(id.asText().lastIndexOf('/') + 1));
            if (i == null) {
                failures.addObject().put("arn", id.asText()).put("reason", "MISSING");
                continue;
            }
            int running = 0;
            int pending = 0;
            for (Task t : tasks.values()) {
                if (t.instance == i && !t.expired) {
                    String phase = t.phase(now);
                    running += phase.equals("RUNNING") ? 1 : 0;
                    pending += phase.equals("PENDING") || phase.equals("PROVISIONING") ? 1 : 0;
                }
            }
            ObjectNode n = list.addObject();
            n.put("containerInstanceArn", i.arn)
                    .put("ec2InstanceId", "i-" + i.id.substring(0, Math.min(17, i.id.length())))
                    .put("version", 1).put("status", "ACTIVE").put("agentConnected", i.agentConnected)
                    .put("runningTasksCount", running).put("pendingTasksCount", pending);
            n.set("registeredAt", epoch(i.registeredAt));
            n.putObject("versionInfo").put("agentVersion", "1.90.0").put("agentHash", "sandbox")
                    .put("dockerVersion", "DockerVersion: 25.0.8");
            resources(n.putArray("registeredResources"), i.cpu, i.memory);
            resources(n.putArray("remainingResources"), free(i, now, true), free(i, now, false));
            n.putArray("attributes").addObject().put("name", "ecs.capability.execution-role-awslogs");
            n.putArray("attachments");
            n.putArray("tags");
        }
        return out;
    }

    private static void resources(ArrayNode out, int cpu, int memory) {
        out.addObject().put("name", "CPU").put("type", "INTEGER").put("doubleValue", 0.0).put("longValue", 0)
                .put("integerValue", cpu);
        out.addObject().put("name", "MEMORY").put("type", "INTEGER").put("doubleValue", 0.0).put("longValue", 0)
                .put("integerValue", memory);
    }

    private RunRecord record(Task t, String clientToken, Map<String, String> tags, JsonNode containerOverrides, Instant now,
            Map<String, Map<String, String>> environments) {
        JsonNode first = containerOverrides != null && containerOverrides.size() > 0 ? containerOverrides.get(0) : null;
        String name = first != null ? first.path("name").asText() : t.containers.get(0).name();
        String image = t.containers.stream().filter(c -> c.name().equals(name)).map(ContainerRun::image).findFirst()
                .orElse(t.containers.get(0).image());
        List<String> command = null;
        Map<String, String> env = new LinkedHashMap<>();
        if (first != null) {
            if (first.has("command") && first.get("command").isArray()) {
                command = new ArrayList<>();
                for (JsonNode c : first.get("command")) {
                    command.add(c.asText());
                }
                command = List.copyOf(command);
            }
            first.path("environment").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        }
        return new RunRecord(t.arn, t.cluster.name(), t.def.arn, t.startedBy, clientToken, Map.copyOf(tags), name, command,
                java.util.Collections.unmodifiableMap(env), image, now,
                java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environments.getOrDefault(name, Map.of()))));
    }

    private record Behaviour(Duration pending, Duration duration, int exitCode, String pullError, List<String> logLines,
            Duration stopTimeout, Integer sigtermExitCode, Duration sigtermExitAfter) {}

    private Behaviour behaviourFor(Map<String, String> tags, List<ContainerRun> containers) {
        SandboxSeed.TaskBehaviours bs = behaviours;
        SandboxSeed.Behaviour d = bs.defaults();
        Duration pending = d.pending() != null ? d.pending() : Duration.ofMillis(300);
        Duration duration = d.duration() != null ? d.duration() : Duration.ofSeconds(2);
        int exit = d.exitCode() != null ? d.exitCode() : 0;
        String pull = d.pullError();
        List<String> lines = d.logLines() != null ? d.logLines() : List.of();
        Duration stopTimeout = d.stopTimeout() != null ? d.stopTimeout() : DEFAULT_STOP_TIMEOUT;
        Integer sigtermExit = d.sigtermExitCode();
        Duration sigtermAfter = d.sigtermExitAfter() != null ? d.sigtermExitAfter() : Duration.ZERO;
        for (SandboxSeed.Rule r : bs.rules()) {
            SandboxSeed.Match m = r.match();
            boolean fits = (m.environment() == null || m.environment().equals(tags.get(TAG_ENVIRONMENT)))
                    && (m.version() == null || m.version().equals(tags.get(TAG_VERSION)))
                    && (m.image() == null || containers.stream().anyMatch(c -> c.image().contains(m.image())));
            if (fits) {
                pending = r.pending() != null ? r.pending() : pending;
                duration = r.duration() != null ? r.duration() : duration;
                exit = r.exitCode() != null ? r.exitCode() : exit;
                pull = r.pullError() != null ? r.pullError() : pull;
                lines = r.logLines() != null ? r.logLines() : lines;
                stopTimeout = r.stopTimeout() != null ? r.stopTimeout() : stopTimeout;
                sigtermExit = r.sigtermExitCode() != null ? r.sigtermExitCode() : sigtermExit;
                sigtermAfter = r.sigtermExitAfter() != null ? r.sigtermExitAfter() : sigtermAfter;
                break;
            }
        }
        return new Behaviour(pending, duration, exit, pull, lines, stopTimeout, sigtermExit, sigtermAfter);
    }

    /**
     * The time between SIGTERM and SIGKILL: the longest of the containers' (the task stops when its last container
     * does), each its {@code stopTimeout} (seconds) or else {@code fallback} (the agent's ECS_CONTAINER_STOP_TIMEOUT);
     * at most 120 s on Fargate.
     */
    private static Duration stopTimeout(Iterable<JsonNode> containerDefs, Duration fallback, String launchType) {
        Duration longest = Duration.ZERO;
        for (JsonNode c : containerDefs) {
            Duration own = c.path("stopTimeout").canConvertToInt()
                    ? Duration.ofSeconds(Math.max(0, c.get("stopTimeout").asInt())) : fallback;
            longest = own.compareTo(longest) > 0 ? own : longest;
        }
        return launchType.equals("FARGATE") && longest.compareTo(FARGATE_MAX_STOP_TIMEOUT) > 0
                ? FARGATE_MAX_STOP_TIMEOUT : longest;
    }

    /**
     * Each container's environment as its process sees it: the definition's {@code environment}, then its
     * {@code secrets} resolved from the seeded values, then the RunTask override's {@code environment}.
     *
     * @return ECS's reason when a secret cannot be read (the task then fails to start), else null
     */
    private String containerEnvironments(Map<String, JsonNode> containerDefs, JsonNode containerOverrides,
            Map<String, Map<String, String>> environments) {
        Map<String, String> values = secretValues;
        String error = null;
        for (JsonNode c : containerDefs.values()) {
            Map<String, String> env = new LinkedHashMap<>();
            c.path("environment").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
            for (JsonNode secret : c.path("secrets")) {
                String from = secret.path("valueFrom").asText();
                String value = values.get(from);
                if (value == null && error == null) {
                    error = secretsError(from);
                }
                if (value != null) {
                    env.put(secret.path("name").asText(), value);
                }
            }
            if (containerOverrides != null) {
                for (JsonNode co : containerOverrides) {
                    if (c.path("name").asText().equals(co.path("name").asText())) {
                        co.path("environment").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
                    }
                }
            }
            environments.put(c.path("name").asText(), env);
        }
        return error;
    }

    /** How ECS words a secret the task execution role cannot read (here: one the seed does not hold). */
    private static String secretsError(String valueFrom) {
        String prefix = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource"
                + " retrieval failed: ";
        if (valueFrom.contains(":ssm:") || !valueFrom.startsWith("arn:")) {
            String name = valueFrom.contains(":parameter") ? valueFrom.substring(valueFrom.indexOf(":parameter")
                    + ":parameter".length()) : valueFrom;
            return prefix + "unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid"
                    + " ssm parameters: " + name;
        }
        return prefix + "unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch"
                + " secret " + valueFrom + " from secrets manager: ResourceNotFoundException: Secrets Manager can't"
                + " find the specified secret.";
    }

    /** {@code ${NAME}} in a log line is the value of NAME in the container's environment, as a shell would print it. */
    static String expand(String line, Map<String, String> environment) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}").matcher(line);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(environment.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return out.toString();
    }

    private void writeLogs(Task t, Map<String, JsonNode> containerDefs, List<String> lines,
            Map<String, Map<String, String>> environments) {
        for (JsonNode c : containerDefs.values()) {
            JsonNode lc = c.path("logConfiguration");
            if (!"awslogs".equals(lc.path("logDriver").asText())) {
                continue;
            }
            String group = lc.path("options").path("awslogs-group").asText(null);
            String prefix = lc.path("options").path("awslogs-stream-prefix").asText(null);
            if (group == null || prefix == null) {
                continue;
            }
            String stream = prefix + "/" + c.path("name").asText() + "/" + t.id;
            long visible = t.pullError == null ? t.runAt().toEpochMilli() : Long.MAX_VALUE;
            Map<String, String> env = environments.getOrDefault(c.path("name").asText(), Map.of());
            t.streams.add(logs.addStream(group, stream, lines.stream().map(l -> expand(l, env)).toList(),
                    t.runAt().toEpochMilli(), visible));
        }
    }

    private boolean gone(Task t, Instant now) {
        return t.expired || (t.phase(now).equals("STOPPED") && !now.isBefore(t.stopAt().plus(retention.get())));
    }

    private void purge(Instant now) {
        if (tasks.size() > 2000) {
            tasks.values().removeIf(t -> gone(t, now));
        }
        if (clientTokens.size() > 10000) {
            Iterator<TokenEntry> it = clientTokens.values().iterator();
            while (it.hasNext()) {
                if (it.next().at().isBefore(now.minus(Duration.ofHours(24)))) {
                    it.remove();
                }
            }
        }
    }

    private ObjectNode taskNode(Task t, Instant now, boolean withTags) {
        String phase = t.phase(now);
        boolean stopped = phase.equals("STOPPED");
        Instant pullStart = t.createdAt.plus(t.pending.dividedBy(2));
        boolean started = t.started() && !now.isBefore(t.runAt());
        ObjectNode n = json.createObjectNode();
        ArrayNode attachments = n.putArray("attachments");
        boolean awsvpc = t.def.node.path("networkMode").asText().equals("awsvpc");
        if (awsvpc) {
            eniAttachment(attachments.addObject(), t, phase);
        }
        n.putArray("attributes").addObject().put("name", "ecs.cpu-architecture").put("value", "x86_64");
        n.put("availabilityZone", region + "a");
        if (t.capacityProvider != null) {
            n.put("capacityProviderName", t.capacityProvider);
        }
        n.put("clusterArn", t.cluster.arn());
        if (t.instance != null) {
            n.put("containerInstanceArn", t.instance.arn);
        }
        n.put("connectivity", "CONNECTED");
        n.set("connectivityAt", epoch(t.createdAt));
        ArrayNode containers = n.putArray("containers");
        String userReason = t.userReason == null ? "Task stopped by user" : t.userReason;
        boolean userStop = stopped && t.userStopped();
        for (ContainerRun c : t.containers) {
            ObjectNode cn = containers.addObject();
            cn.put("containerArn", "arn:aws:ecs:" + region + ":" + account + ":container/" + t.cluster.name() + "/" + t.id + "/" + c.id());
            cn.put("taskArn", t.arn).put("name", c.name()).put("image", c.image());
            if (started) {
                cn.put("imageDigest", "sha256:" + sha256Hex(c.image()));
                cn.put("runtimeId", t.id + "-" + Math.abs(c.name().hashCode()));
            }
            cn.put("lastStatus", phase.equals("PROVISIONING") ? "PENDING" : phase);
            if (stopped) {
                if (t.pullError != null && !userStop) {
                    cn.put("reason", t.pullError);
                } else if (started) {
                    cn.put("exitCode", userStop ? t.userExitCode : t.exitCode);
                }
            }
            cn.putArray("networkBindings");
            ArrayNode nis = cn.putArray("networkInterfaces");
            if (awsvpc) {
                nis.addObject().put("attachmentId", eniAttachmentId(t)).put("privateIpv4Address", privateIp(t));
            }
            cn.put("healthStatus", "UNKNOWN");
            cn.put("cpu", String.valueOf(c.cpu() == null ? 0 : c.cpu()));
            if (c.memory() != null) {
                cn.put("memory", String.valueOf(c.memory()));
            }
        }
        if (t.def.node.has("cpu")) {
            n.put("cpu", t.def.node.get("cpu").asText());
        }
        n.set("createdAt", epoch(t.createdAt));
        n.put("desiredStatus", stopped || t.userStopAt != null ? "STOPPED" : "RUNNING");
        n.put("enableExecuteCommand", false);
        n.put("group", t.startedBy != null && t.startedBy.startsWith("ecs-svc/") ? "service:" + t.startedBy : "family:" + t.def.family);
        n.put("healthStatus", "UNKNOWN");
        n.put("lastStatus", phase);
        n.put("launchType", t.launchType);
        if (t.def.node.has("memory")) {
            n.put("memory", t.def.node.get("memory").asText());
        }
        n.set("overrides", t.overrides.deepCopy());
        if (t.launchType.equals("FARGATE")) {
            n.put("platformVersion", "1.4.0").put("platformFamily", "Linux");
        }
        if (!now.isBefore(pullStart)) {
            n.set("pullStartedAt", epoch(pullStart));
        }
        if (started) {
            n.set("pullStoppedAt", epoch(t.runAt()));
            n.set("startedAt", epoch(t.runAt()));
        }
        if (t.startedBy != null) {
            n.put("startedBy", t.startedBy);
        }
        if (stopped) {
            Instant at = t.stopAt();
            n.set("executionStoppedAt", epoch(at));
            n.set("stoppingAt", epoch(userStop ? t.userStopAt : at));
            n.set("stoppedAt", epoch(at));
            if (userStop) {
                n.put("stopCode", "UserInitiated").put("stoppedReason", userReason);
            } else if (t.pullError != null) {
                n.put("stopCode", "TaskFailedToStart").put("stoppedReason", t.pullError);
            } else {
                n.put("stopCode", "EssentialContainerExited").put("stoppedReason", "Essential container in task exited");
            }
        } else if (t.userStopAt != null) {
            n.set("stoppingAt", epoch(t.userStopAt));
        }
        n.put("taskArn", t.arn).put("taskDefinitionArn", t.def.arn);
        n.put("version", switch (phase) {
            case "PROVISIONING" -> 1;
            case "PENDING" -> 2;
            case "RUNNING" -> 3;
            default -> 4;
        });
        n.putArray("tags");
        if (withTags) {
            n.set("tags", t.tags.deepCopy());
        }
        return n;
    }

    /**
     * The task's elastic network interface as ECS shows an {@code awsvpc} task's attachment: PRECREATED while the
     * task is provisioned, ATTACHED from PENDING until the task is STOPPED (a stopping task's container still
     * uses it), then DELETED.
     */
    private void eniAttachment(ObjectNode a, Task t, String phase) {
        a.put("id", eniAttachmentId(t)).put("type", "ElasticNetworkInterface").put("status", switch (phase) {
            case "PROVISIONING" -> "PRECREATED";
            case "STOPPED" -> "DELETED";
            default -> "ATTACHED";
        });
        String ip = privateIp(t);
        String hex = sha256Hex(t.id);
        ArrayNode details = a.putArray("details");
        details.addObject().put("name", "subnetId").put("value", t.subnet);
        details.addObject().put("name", "networkInterfaceId").put("value", "eni-" + hex.substring(0, 17));
        details.addObject().put("name", "macAddress").put("value", "0e:" + hex.substring(17, 19) + ":" + hex.substring(19, 21)
                + ":" + hex.substring(21, 23) + ":" + hex.substring(23, 25) + ":" + hex.substring(25, 27));
        details.addObject().put("name", "privateDnsName").put("value", "ip-" + ip.replace('.', '-')
                + (region.equals("us-east-1") ? ".ec2.internal" : "." + region + ".compute.internal"));
        details.addObject().put("name", "privateIPv4Address").put("value", ip);
    }

    private static String eniAttachmentId(Task t) {
        return UUID.nameUUIDFromBytes(t.id.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String privateIp(Task t) {
        return "10.0." + (Math.abs(t.id.hashCode()) % 250) + ".17";
    }

    private synchronized ObjectNode describeTasks(JsonNode in) {
        JsonNode ids = in.get("tasks");
        if (ids == null || !ids.isArray() || ids.isEmpty()) {
            throw new ServiceError(400, "InvalidParameterException", "Tasks cannot be empty.");
        }
        if (ids.size() > 100) {
            throw new ServiceError(400, "InvalidParameterException", "taskIds can have at most 100 items.");
        }
        for (JsonNode idNode : ids) {
            if (!idNode.asText().startsWith("arn:") && idNode.asText().length() > 36) {
                throw new ServiceError(400, "InvalidParameterException", "taskId longer than 36.");
            }
        }
        Cluster c = cluster(in);
        boolean withTags = includes(in, "TAGS");
        Instant now = Instant.now();
        Instant knownBefore = now.minus(describeTasksLag);
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("tasks");
        ArrayNode failures = out.putArray("failures");
        for (JsonNode idNode : ids) {
            String id = idNode.asText();
            Task t = find(id);
            if (t == null || t.cluster != c || gone(t, now) || t.createdAt.isAfter(knownBefore)) {
                failures.addObject().put("arn", id.startsWith("arn:") ? id
                        : "arn:aws:ecs:" + region + ":" + account + ":task/" + c.name() + "/" + id).put("reason", "MISSING");
            } else {
                list.add(taskNode(t, now, withTags));
            }
        }
        return out;
    }

    private synchronized ObjectNode listTasks(JsonNode in) {
        Cluster c = cluster(in);
        String startedBy = text(in, "startedBy");
        String family = text(in, "family");
        String desired = text(in, "desiredStatus") == null ? "RUNNING" : text(in, "desiredStatus");
        if (!desired.equals("RUNNING") && !desired.equals("STOPPED") && !desired.equals("PENDING")) {
            throw new ServiceError(400, "InvalidParameterException", "desiredStatus must be RUNNING, PENDING or STOPPED.");
        }
        String launchType = text(in, "launchType");
        Instant now = Instant.now();
        Instant listedBefore = now.minus(listTasksLag);
        List<String> arns = new ArrayList<>();
        for (Task t : tasks.values()) {
            if (t.cluster != c || gone(t, now) || t.createdAt.isAfter(listedBefore)) {
                continue;
            }
            String d = t.phase(now).equals("STOPPED") || t.userStopAt != null ? "STOPPED" : "RUNNING";
            if (desired.equals("PENDING") ? !t.phase(now).equals("PENDING") && !t.phase(now).equals("PROVISIONING")
                    : !d.equals(desired)) {
                continue;
            }
            if ((startedBy != null && !startedBy.equals(t.startedBy)) || (family != null && !family.equals(t.def.family))
                    || (launchType != null && !launchType.equals(t.launchType))) {
                continue;
            }
            arns.add(t.arn);
        }
        return page(in, arns, "taskArns");
    }

    private synchronized ObjectNode stopTask(JsonNode in) {
        Cluster c = cluster(in);
        String id = text(in, "task");
        String reason = text(in, "reason");
        if (reason != null && reason.length() > 255) {
            throw new ServiceError(400, "InvalidParameterException", "Reason must be at most 255 characters.");
        }
        Instant now = Instant.now();
        Task t = id == null ? null : find(id);
        if (t == null || t.cluster != c || gone(t, now)) {
            throw new ServiceError(400, "InvalidParameterException", "The referenced task was not found.");
        }
        if (!t.phase(now).equals("STOPPED") && t.userStopAt == null) {
            t.requestStop(now, reason);
            if (!t.started()) {
                for (LogsService.Stream s : t.streams) {
                    s.visibleFrom = Long.MAX_VALUE;
                }
            }
        }
        ObjectNode out = json.createObjectNode();
        out.set("task", taskNode(t, now, false));
        return out;
    }

    // ------------------------------------------------------------ helpers

    private ObjectNode page(JsonNode in, List<String> items, String field) {
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
        ObjectNode out = json.createObjectNode();
        ArrayNode arr = out.putArray(field);
        items.subList(Math.min(from, items.size()), to).forEach(arr::add);
        if (to < items.size()) {
            out.put("nextToken", Base64.getEncoder().encodeToString(String.valueOf(to).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static boolean includes(JsonNode in, String what) {
        for (JsonNode n : in.path("include")) {
            if (n.asText().equals(what)) {
                return true;
            }
        }
        return false;
    }

    private String clusterArn(String name) {
        return "arn:aws:ecs:" + region + ":" + account + ":cluster/" + name;
    }

    private static String clusterName(String id) {
        return id.startsWith("arn:") ? id.substring(id.lastIndexOf('/') + 1) : id;
    }

    private JsonNode epoch(Instant i) {
        return json.getNodeFactory().numberNode(BigDecimal.valueOf(i.toEpochMilli(), 3));
    }

    private static String sha256Hex(String s) {
        return dev.beanstalkmigrator.model.Digests.sha256(s);
    }

    static String text(JsonNode in, String field) {
        JsonNode n = in == null ? null : in.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    static JsonNode parseJson(ObjectMapper json, SandboxRequest r, String errorType) {
        if (r.body.length == 0) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(r.body);
        } catch (java.io.IOException e) {
            throw new ServiceError(400, "SerializationException", "Malformed JSON request body");
        }
    }

    static SandboxResponse jsonResponse(ObjectMapper json, ObjectNode out) {
        try {
            return SandboxResponse.of(200, json.writeValueAsBytes(out), JSON_11);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static SandboxResponse error(ObjectMapper json, ServiceError e) {
        ObjectNode n = json.createObjectNode().put("__type", e.code).put("message", e.getMessage());
        e.lists.forEach((name, values) -> values.forEach(n.putArray(name)::add));
        try {
            return SandboxResponse.of(e.status, json.writeValueAsBytes(n), JSON_11).header("x-amzn-ErrorType", e.code);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }
}
