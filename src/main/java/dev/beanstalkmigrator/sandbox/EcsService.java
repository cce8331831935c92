package dev.beanstalkmigrator.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Amazon ECS, JSON 1.1 ({@code AmazonEC2ContainerServiceV20141113.*}), with simulated tasks: the wire dispatcher
 * (X-Amz-Target to handler, JSON in and out, errors, ECS's request throttling) in front of {@link EcsTaskDefinitions},
 * {@link EcsCapacity} and {@link EcsTasks}. Thread-safe: one lock, this object's, guards all three.
 */
final class EcsService {
    static final String JSON_11 = "application/x-amz-json-1.1";
    static final String TAG_ENVIRONMENT = "beanstalk-migrator:environment";
    static final String TAG_VERSION = "beanstalk-migrator:version";

    private final ObjectMapper json;
    private final EcsTaskDefinitions definitions;
    private final EcsCapacity capacity;
    private final EcsTasks tasks;
    private final EcsRequestBuckets requestRate = new EcsRequestBuckets(System::nanoTime);

    EcsService(ObjectMapper json, String region, String account, LogsService logs, Supplier<Duration> retention,
            SandboxSeed.TaskBehaviours behaviours) {
        this.json = json;
        EcsJson ecs = new EcsJson(json, region, account);
        this.definitions = new EcsTaskDefinitions(ecs);
        this.capacity = new EcsCapacity(ecs);
        this.tasks = new EcsTasks(ecs, logs, retention, behaviours, definitions, capacity);
    }

    // ------------------------------------------------------------ wire protocol

    static String operation(String target) {
        return target.substring(target.indexOf('.') + 1);
    }

    /** ECS's answer to a request over its rate. */
    static ServiceError rateExceeded() {
        return new ServiceError(400, "ThrottlingException", "Rate exceeded");
    }

    SandboxResponse handle(SandboxRequest r) {
        // ECS takes the request's token before it reads the request: a malformed one counts against the rate too.
        if (!requestRate.admit(r.operation)) {
            r.throttled = "throttled";
            throw rateExceeded();
        }
        JsonNode parsed = parseJson(json, r, "SerializationException");
        if (!parsed.isObject()) {
            throw new ServiceError(400, "SerializationException", "Request body must be a JSON object");
        }
        ObjectNode in = (ObjectNode) parsed;
        ObjectNode out;
        synchronized (this) {
            out = switch (r.operation) {
                case "ListClusters" -> capacity.listClusters(in);
                case "DescribeClusters" -> capacity.describeClusters(in, tasks);
                case "CreateCluster" -> capacity.createCluster(in, tasks);
                case "RegisterTaskDefinition" -> definitions.register(in);
                case "DescribeTaskDefinition" -> definitions.describe(in);
                case "ListTaskDefinitions" -> definitions.list(in);
                case "DeregisterTaskDefinition" -> definitions.deregister(in);
                case "RunTask" -> tasks.runTask(in, r);
                case "DescribeTasks" -> tasks.describeTasks(in);
                case "ListTasks" -> tasks.listTasks(in);
                case "StopTask" -> tasks.stopTask(in);
                case "ListContainerInstances" -> capacity.listContainerInstances(in);
                case "DescribeContainerInstances" -> capacity.describeContainerInstances(in, tasks);
                default -> throw new ServiceError(400, "UnknownOperationException",
                        "Unknown operation " + r.operation + " (sandbox)");
            };
        }
        return jsonResponse(json, out);
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

    // ------------------------------------------------------------ direct access (documented where they are done)

    synchronized void createCluster(String name) {
        capacity.createCluster(name, Map.of());
    }

    synchronized void createCluster(String name, Map<String, String> tags) {
        capacity.createCluster(name, tags);
    }

    synchronized ObjectNode registerTaskDefinition(ObjectNode in) {
        return definitions.register(in);
    }

    synchronized List<String> startAppTasks(String cluster, String family, int count) {
        return tasks.startAppTasks(cluster, family, count);
    }

    synchronized String addContainerInstance(String cluster, SandboxSeed.ContainerInstance seed) {
        return capacity.addContainerInstance(cluster, seed);
    }

    synchronized void setContainerInstance(String cluster, String idOrArn, Integer remainingCpu, Integer remainingMemory,
            Boolean agentConnected) {
        capacity.setContainerInstance(cluster, idOrArn, remainingCpu, remainingMemory, agentConnected);
    }

    synchronized boolean removeContainerInstance(String cluster, String idOrArn) {
        return capacity.removeContainerInstance(cluster, idOrArn);
    }

    synchronized ArrayNode containerInstanceSummaries(String cluster) {
        return capacity.containerInstanceSummaries(cluster, tasks);
    }

    void setBehaviours(SandboxSeed.TaskBehaviours b) {
        tasks.setBehaviours(b);
    }

    void setSecretValues(Map<String, String> values) {
        tasks.setSecretValues(values);
    }

    SandboxSeed.TaskBehaviours behaviours() {
        return tasks.behaviours();
    }

    void setListTasksLag(Duration lag) {
        tasks.setListTasksLag(lag);
    }

    Duration listTasksLag() {
        return tasks.listTasksLag();
    }

    void setDescribeTasksLag(Duration lag) {
        tasks.setDescribeTasksLag(lag);
    }

    Duration describeTasksLag() {
        return tasks.describeTasksLag();
    }

    /** Puts ECS's request throttling {@code throttles} in force, every bucket full. */
    void setThrottles(EcsThrottles throttles) {
        requestRate.set(throttles);
    }

    EcsThrottles throttles() {
        return requestRate.throttles();
    }

    synchronized void setRunTaskRateLimit(double perSecond, int burst) {
        tasks.setRunTaskRateLimit(perSecond, burst);
    }

    List<RunRecord> runs() {
        return tasks.runs();
    }

    void clearRuns() {
        tasks.clearRuns();
    }

    synchronized boolean expire(String taskArnOrId) {
        return tasks.expire(taskArnOrId);
    }

    synchronized Instant stoppedAt(String taskArnOrId) {
        return tasks.stoppedAt(taskArnOrId);
    }

    synchronized Integer exitCode(String taskArnOrId) {
        return tasks.exitCode(taskArnOrId);
    }
}
