package dev.beanstalkmigrator.sandbox;

import static dev.beanstalkmigrator.sandbox.EcsJson.clusterName;
import static dev.beanstalkmigrator.sandbox.EcsJson.includes;
import static dev.beanstalkmigrator.sandbox.EcsJson.text;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where ECS tasks run: clusters, their EC2 container instances, the capacity providers a cluster has (FARGATE and
 * FARGATE_SPOT), and the placement of an EC2 task on the first instance it fits. What the tasks hold it learns from
 * an {@link Occupancy}. Not thread-safe: {@link EcsService}'s lock guards it.
 */
final class EcsCapacity {
    /** The capacity providers of every cluster. */
    static final List<String> CAPACITY_PROVIDERS = List.of("FARGATE", "FARGATE_SPOT");

    record Cluster(String name, String arn, Instant created, Map<String, String> tags) {}

    /** An EC2 container instance; {@code remainingCpu}/{@code remainingMemory} are free before the sandbox's tasks. */
    static final class Instance {
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

    /** What the sandbox's tasks take of the capacity at an instant. */
    interface Occupancy {
        /** CPU units ({@code cpu}) or MiB held on {@code instance} by its tasks not STOPPED. */
        int held(Instance instance, Instant now, boolean cpu);

        /** {RUNNING, PROVISIONING or PENDING} tasks of the cluster. */
        int[] active(Cluster cluster, Instant now);

        /** {RUNNING, PROVISIONING or PENDING} tasks on the container instance. */
        int[] active(Instance instance, Instant now);
    }

    /** How a task is launched: EC2, FARGATE or EXTERNAL, and the capacity provider asked for (or null). */
    record Launch(String launchType, String capacityProvider) {}

    private final EcsJson ecs;
    private final Map<String, Cluster> clusters = new LinkedHashMap<>();
    /** Container instances by cluster name, in registration order (placement is first fit in that order). */
    private final Map<String, List<Instance>> instances = new LinkedHashMap<>();

    EcsCapacity(EcsJson ecs) {
        this.ecs = ecs;
    }

    // ------------------------------------------------------------ clusters

    /** Creates a cluster with tags (as Elastic Beanstalk tags the cluster of an ECS-based environment). */
    void createCluster(String name, Map<String, String> tags) {
        clusters.computeIfAbsent(name, n -> new Cluster(n, ecs.clusterArn(n), Instant.now(), Map.copyOf(tags)));
    }

    Cluster cluster(String name) {
        return clusters.get(name);
    }

    /** The request's {@code cluster} (name or ARN; default "default"), or ClusterNotFoundException. */
    Cluster cluster(JsonNode in) {
        String id = text(in, "cluster") == null ? "default" : text(in, "cluster");
        Cluster c = clusters.get(clusterName(id));
        if (c == null) {
            throw new ServiceError(400, "ClusterNotFoundException", "Cluster not found.");
        }
        return c;
    }

    ObjectNode listClusters(JsonNode in) {
        List<String> arns = clusters.values().stream().map(Cluster::arn).toList();
        return ecs.page(in, arns, "clusterArns");
    }

    ObjectNode createCluster(JsonNode in, Occupancy tasks) {
        String name = text(in, "clusterName") == null ? "default" : text(in, "clusterName");
        Map<String, String> tags = new LinkedHashMap<>();
        in.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
        createCluster(name, tags);
        ObjectNode out = ecs.object();
        out.set("cluster", clusterNode(clusters.get(name), Instant.now(), tasks));
        return out;
    }

    ObjectNode describeClusters(JsonNode in, Occupancy tasks) {
        List<String> ids = new ArrayList<>();
        in.path("clusters").forEach(n -> ids.add(n.asText()));
        if (ids.isEmpty()) {
            ids.add("default");
        }
        if (ids.size() > 100) {
            throw new ServiceError(400, "InvalidParameterException", "Clusters cannot contain more than 100 elements.");
        }
        ObjectNode out = ecs.object();
        ArrayNode list = out.putArray("clusters");
        ArrayNode failures = out.putArray("failures");
        Instant now = Instant.now();
        for (String id : ids) {
            Cluster c = clusters.get(clusterName(id));
            if (c == null) {
                failures.addObject().put("arn", id.startsWith("arn:") ? id : ecs.clusterArn(id)).put("reason", "MISSING");
            } else {
                ObjectNode node = clusterNode(c, now, tasks);
                if (includes(in, "TAGS")) {
                    ArrayNode tags = node.putArray("tags");
                    c.tags().forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
                }
                list.add(node);
            }
        }
        return out;
    }

    private ObjectNode clusterNode(Cluster c, Instant now, Occupancy tasks) {
        int[] active = tasks.active(c, now);
        ObjectNode n = ecs.object();
        n.put("clusterArn", c.arn()).put("clusterName", c.name()).put("status", "ACTIVE")
                .put("registeredContainerInstancesCount", instances.getOrDefault(c.name(), List.of()).size())
                .put("runningTasksCount", active[0]).put("pendingTasksCount", active[1]).put("activeServicesCount", 0);
        n.putArray("statistics");
        n.putArray("settings").addObject().put("name", "containerInsights").put("value", "disabled");
        ArrayNode providers = n.putArray("capacityProviders");
        CAPACITY_PROVIDERS.forEach(providers::add);
        n.putArray("defaultCapacityProviderStrategy");
        return n;
    }

    // ------------------------------------------------------------ launch type and placement

    /**
     * The launch of a RunTask request: its {@code launchType}, or FARGATE for a capacity provider strategy (whose
     * first provider must be one of the cluster's), else EC2.
     */
    Launch launch(JsonNode in) {
        String launchType = text(in, "launchType");
        String capacityProvider = null;
        JsonNode strategy = in.get("capacityProviderStrategy");
        if (strategy != null && strategy.isArray() && !strategy.isEmpty()) {
            if (launchType != null) {
                throw new ServiceError(400, "InvalidParameterException",
                        "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.");
            }
            capacityProvider = text(strategy.get(0), "capacityProvider");
            if (capacityProvider == null || !CAPACITY_PROVIDERS.contains(capacityProvider)) {
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
        return new Launch(launchType, capacityProvider);
    }

    /**
     * What an EC2 task reserves on {@code cluster}, {CPU units, MiB}: the task-level cpu and memory when given, else
     * the sum over its containers of cpu and of memory (or memoryReservation), overrides included. A cluster with no
     * container instance answers InvalidParameterException.
     */
    int[] requirement(Cluster cluster, EcsTaskDefinitions.Revision def, ObjectNode overrides) {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        if (overrides != null) {
            overrides.path("containerOverrides").forEach(o -> byName.put(o.path("name").asText(), o));
        }
        int cpu = 0;
        int memory = 0;
        for (JsonNode c : def.node.path("containerDefinitions")) {
            JsonNode o = byName.getOrDefault(c.path("name").asText(), MissingNode.getInstance());
            cpu += o.has("cpu") ? o.get("cpu").asInt() : c.path("cpu").asInt(0);
            memory += o.has("memory") ? o.get("memory").asInt() : o.has("memoryReservation")
                    ? o.get("memoryReservation").asInt() : c.has("memory") ? c.get("memory").asInt()
                    : c.path("memoryReservation").asInt(0);
        }
        String taskCpu = overrides != null && overrides.hasNonNull("cpu") ? overrides.get("cpu").asText()
                : def.node.path("cpu").asText(null);
        String taskMemory = overrides != null && overrides.hasNonNull("memory") ? overrides.get("memory").asText()
                : def.node.path("memory").asText(null);
        int[] need = {taskCpu == null ? cpu : units(taskCpu, 1024), taskMemory == null ? memory : units(taskMemory, 1024)};
        if (instances.getOrDefault(cluster.name(), List.of()).isEmpty()) {
            throw new ServiceError(400, "InvalidParameterException", "No Container Instances were found in your cluster.");
        }
        return need;
    }

    /** "512" -> 512; "1 vCPU" / "2 GB" -> 1024 / 2048. */
    private static int units(String value, int perUnit) {
        String v = value.trim().toLowerCase(Locale.ROOT);
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
    Instance place(Cluster cluster, int[] need, Instant now, ArrayNode failures, Occupancy tasks) {
        List<ObjectNode> refused = new ArrayList<>();
        for (Instance i : instances.getOrDefault(cluster.name(), List.of())) {
            String reason = !i.agentConnected ? "AGENT"
                    : free(i, now, true, tasks) < need[0] ? "RESOURCE:CPU"
                    : free(i, now, false, tasks) < need[1] ? "RESOURCE:MEMORY" : null;
            if (reason == null) {
                return i;
            }
            refused.add(ecs.object().put("arn", i.arn).put("reason", reason));
        }
        refused.forEach(failures::add);
        return null;
    }

    /** What is free on {@code i}: its remaining capacity less what the sandbox's tasks not yet STOPPED hold. */
    private static int free(Instance i, Instant now, boolean cpu, Occupancy tasks) {
        return (cpu ? i.remainingCpu : i.remainingMemory) - tasks.held(i, now, cpu);
    }

    // ------------------------------------------------------------ container instances

    /** Registers a container instance in {@code cluster} and answers its ARN. */
    String addContainerInstance(String cluster, SandboxSeed.ContainerInstance seed) {
        Cluster c = clusters.get(cluster);
        if (c == null) {
            throw new IllegalArgumentException("no cluster " + cluster);
        }
        List<Instance> list = instances.computeIfAbsent(cluster, n -> new ArrayList<>());
        String id = seed.id() != null ? seed.id()
                : EcsJson.sha256Hex(cluster + "/" + list.size() + "/" + System.nanoTime()).substring(0, 32);
        if (list.stream().anyMatch(i -> i.id.equals(id))) {
            throw new IllegalArgumentException("cluster " + cluster + " already has container instance " + id);
        }
        int cpu = seed.cpu() != null ? seed.cpu() : SandboxSeed.ContainerInstance.DEFAULT_CPU;
        int memory = seed.memory() != null ? seed.memory() : SandboxSeed.ContainerInstance.DEFAULT_MEMORY;
        Instance i = new Instance(id, ecs.arn("container-instance/" + cluster + "/" + id), c, cpu, memory, Instant.now());
        i.remainingCpu = seed.remainingCpu() != null ? seed.remainingCpu() : cpu;
        i.remainingMemory = seed.remainingMemory() != null ? seed.remainingMemory() : memory;
        i.agentConnected = seed.agentConnected() == null || seed.agentConnected();
        list.add(i);
        return i.arn;
    }

    /** Changes what is free on a container instance (before the sandbox's own tasks), or its agent's connection. */
    void setContainerInstance(String cluster, String idOrArn, Integer remainingCpu, Integer remainingMemory,
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
    boolean removeContainerInstance(String cluster, String idOrArn) {
        Instance i = instance(cluster, idOrArn);
        return i != null && instances.get(clusterName(cluster)).remove(i);
    }

    /** The container instances of {@code cluster}: id, arn, registered and free CPU and memory, agent. */
    ArrayNode containerInstanceSummaries(String cluster, Occupancy tasks) {
        ArrayNode out = ecs.array();
        Instant now = Instant.now();
        for (Instance i : instances.getOrDefault(cluster, List.of())) {
            out.addObject().put("id", i.id).put("arn", i.arn).put("cpu", i.cpu).put("memory", i.memory)
                    .put("freeCpu", free(i, now, true, tasks)).put("freeMemory", free(i, now, false, tasks))
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

    ObjectNode listContainerInstances(JsonNode in) {
        Cluster c = cluster(in);
        String status = text(in, "status");
        List<String> arns = status != null && !status.equals("ACTIVE") ? List.of()
                : instances.getOrDefault(c.name(), List.of()).stream().map(i -> i.arn).toList();
        return ecs.page(in, arns, "containerInstanceArns");
    }

    ObjectNode describeContainerInstances(JsonNode in, Occupancy tasks) {
        Cluster c = cluster(in);
        JsonNode ids = in.get("containerInstances");
        if (ids == null || !ids.isArray() || ids.isEmpty()) {
            throw new ServiceError(400, "InvalidParameterException", "Container instance cannot be empty.");
        }
        if (ids.size() > 100) {
            throw new ServiceError(400, "InvalidParameterException", "Container instances length must be at most 100");
        }
        Instant now = Instant.now();
        ObjectNode out = ecs.object();
        ArrayNode list = out.putArray("containerInstances");
        ArrayNode failures = out.putArray("failures");
        for (JsonNode id : ids) {
            Instance i = instance(c.name(), id.asText().startsWith("arn:") ? id.asText()
                    : id.asText().substring(id.asText().lastIndexOf('/') + 1));
            if (i == null) {
                failures.addObject().put("arn", id.asText()).put("reason", "MISSING");
                continue;
            }
            int[] active = tasks.active(i, now);
            ObjectNode n = list.addObject();
            n.put("containerInstanceArn", i.arn)
                    .put("ec2InstanceId", "i-" + i.id.substring(0, Math.min(17, i.id.length())))
                    .put("version", 1).put("status", "ACTIVE").put("agentConnected", i.agentConnected)
                    .put("runningTasksCount", active[0]).put("pendingTasksCount", active[1]);
            n.set("registeredAt", ecs.epoch(i.registeredAt));
            n.putObject("versionInfo").put("agentVersion", "1.90.0").put("agentHash", "sandbox")
                    .put("dockerVersion", "DockerVersion: 25.0.8");
            resources(n.putArray("registeredResources"), i.cpu, i.memory);
            resources(n.putArray("remainingResources"), free(i, now, true, tasks), free(i, now, false, tasks));
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
}
