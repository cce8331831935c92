package dev.beanstalkmigrator.sandbox;

import static dev.beanstalkmigrator.sandbox.EcsJson.includes;
import static dev.beanstalkmigrator.sandbox.EcsJson.sha256Hex;
import static dev.beanstalkmigrator.sandbox.EcsJson.text;
import static dev.beanstalkmigrator.sandbox.EcsService.TAG_ENVIRONMENT;
import static dev.beanstalkmigrator.sandbox.EcsService.TAG_VERSION;

import dev.beanstalkmigrator.sandbox.EcsCapacity.Cluster;
import dev.beanstalkmigrator.sandbox.EcsCapacity.Instance;
import dev.beanstalkmigrator.sandbox.EcsTaskDefinitions.Revision;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The life of ECS tasks: RunTask (its client-token idempotency, a token sent again with other parameters answered
 * ConflictException naming the first call's tasks), the states a simulated task goes through on its own or after
 * StopTask, DescribeTasks and ListTasks with ECS's eventual consistency, and Elastic Beanstalk's own app tasks. Not
 * thread-safe: {@link EcsService}'s lock guards it.
 */
final class EcsTasks implements EcsCapacity.Occupancy {
    static final int MAX_OVERRIDES = 8192;

    private record ContainerRun(String name, String image, String id, Integer cpu, Integer memory) {
        /** A fresh run of the container definition {@code c}. */
        static ContainerRun of(JsonNode c) {
            return new ContainerRun(c.path("name").asText(), c.path("image").asText(), UUID.randomUUID().toString(),
                    c.has("cpu") ? c.get("cpu").asInt() : null, c.has("memory") ? c.get("memory").asInt() : null);
        }
    }

    private static final class Task {
        String arn;
        String id;
        Cluster cluster;
        Revision def;
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

    /** A client token's first RunTask: its tasks, when, and its parameters (everything but the token). */
    private record TokenEntry(List<String> arns, Instant at, JsonNode request) {}

    private final EcsJson ecs;
    private final LogsService logs;
    private final Supplier<Duration> retention;
    private final EcsTaskDefinitions definitions;
    private final EcsCapacity capacity;
    private final Map<String, Task> tasks = new LinkedHashMap<>();
    private final Map<String, TokenEntry> clientTokens = new LinkedHashMap<>();
    private final List<RunRecord> runs = new CopyOnWriteArrayList<>();
    private volatile SandboxSeed.TaskBehaviours behaviours;
    private volatile Duration listTasksLag = Duration.ZERO;
    private volatile Duration describeTasksLag = Duration.ZERO;
    /** What the task execution role would read from Secrets Manager and SSM Parameter Store, by ARN. */
    private volatile Map<String, String> secretValues = Map.of();
    /** Fargate's task launch rate, in tasks (RunTask's {@code count}); null: none. */
    private TokenBucket launchRate;

    EcsTasks(EcsJson ecs, LogsService logs, Supplier<Duration> retention, SandboxSeed.TaskBehaviours behaviours,
            EcsTaskDefinitions definitions, EcsCapacity capacity) {
        this.ecs = ecs;
        this.logs = logs;
        this.retention = retention;
        this.behaviours = behaviours;
        this.definitions = definitions;
        this.capacity = capacity;
    }

    /**
     * Starts {@code count} tasks of the latest active revision of {@code family} on a cluster, as Elastic Beanstalk
     * runs an environment's app (one task per instance, started by the instance): running until stopped, no exit,
     * no log lines. They are not RunTask launches, so {@link #runs()} does not list them.
     */
    List<String> startAppTasks(String clusterName, String family, int count) {
        Cluster cluster = capacity.cluster(clusterName);
        Revision def = definitions.resolve(family);
        Instant now = Instant.now();
        List<String> arns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Task t = new Task();
            t.id = UUID.randomUUID().toString().replace("-", "");
            t.arn = ecs.arn("task/" + cluster.name() + "/" + t.id);
            t.cluster = cluster;
            t.def = def;
            t.startedBy = "i-0" + t.id.substring(0, 16);
            t.launchType = "EC2";
            t.overrides = ecs.object();
            t.overrides.putArray("containerOverrides");
            t.overrides.withArray("inferenceAcceleratorOverrides");
            t.tags = ecs.array();
            t.createdAt = now;
            def.node.path("containerDefinitions").forEach(c -> t.containers.add(ContainerRun.of(c)));
            t.pending = Duration.ZERO;
            t.duration = SandboxSeed.NEVER;
            tasks.put(t.arn, t);
            arns.add(t.arn);
        }
        return arns;
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

    void setRunTaskRateLimit(double perSecond, int burst) {
        launchRate = perSecond <= 0 ? null : new TokenBucket(perSecond, Math.max(1, burst), System::nanoTime);
    }

    List<RunRecord> runs() {
        return List.copyOf(runs);
    }

    void clearRuns() {
        runs.clear();
    }

    /** Forgets a task as if ECS had dropped it (DescribeTasks then reports MISSING). */
    boolean expire(String taskArnOrId) {
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
    Instant stoppedAt(String taskArnOrId) {
        Task t = find(taskArnOrId);
        Instant now = Instant.now();
        if (t == null) {
            Ended e = ended(taskArnOrId);
            return e == null || now.isBefore(e.stoppedAt()) ? null : e.stoppedAt();
        }
        return now.isBefore(t.stopAt()) ? null : t.stopAt();
    }

    /**
     * How a task the table no longer holds ended (it was purged past the retention): so that {@link #stoppedAt} and
     * {@link #exitCode} still answer for every task that ran, however long the sandbox has been up.
     */
    private record Ended(String id, Instant stoppedAt, Integer exitCode) {}

    private final Map<String, Ended> ended = new java.util.concurrent.ConcurrentHashMap<>();

    private Ended ended(String arnOrId) {
        Ended e = ended.get(arnOrId);
        if (e != null) {
            return e;
        }
        for (Map.Entry<String, Ended> x : ended.entrySet()) {
            if (x.getValue().id().equals(arnOrId)) {
                return x.getValue();
            }
        }
        return null;
    }

    /**
     * The exit code of the task's container once it stopped: what it exited with on its own, or after StopTask (137
     * at SIGKILL); null while it runs, when it never started (an image that could not be pulled, a stop before it
     * ran), or for a task unknown. Like {@link #stoppedAt}, what ran, whatever ECS still says.
     */
    Integer exitCode(String taskArnOrId) {
        Task t = find(taskArnOrId);
        if (t == null) {
            Ended e = ended(taskArnOrId);
            return e == null ? null : e.exitCode();
        }
        if (Instant.now().isBefore(t.stopAt()) || !t.started()) {
            return null;
        }
        return t.userStopped() ? t.userExitCode : Integer.valueOf(t.exitCode);
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

    ObjectNode runTask(ObjectNode in, SandboxRequest r) {
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
                length = ecs.json.writeValueAsString(overrides).length();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            if (length > MAX_OVERRIDES) {
                throw new ServiceError(400, "InvalidParameterException", "Container Overrides length must be at most 8192");
            }
        }
        Cluster cluster = capacity.cluster(in);
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
                ObjectNode out = ecs.object();
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
        Revision def = definitions.resolve(text(in, "taskDefinition"));
        if (def.status.equals("INACTIVE") && !text(in, "taskDefinition").contains(":")) {
            throw new ServiceError(400, "ClientException", "Unable to describe task definition.");
        }
        EcsCapacity.Launch launch = capacity.launch(in);
        String launchType = launch.launchType();
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
        if (launchRate != null && !launchRate.take(count)) {
            r.throttled = "launch-throttled";
            throw EcsService.rateExceeded();
        }
        Map<String, String> tagMap = new LinkedHashMap<>();
        in.path("tags").forEach(t -> tagMap.put(t.path("key").asText(), t.path("value").asText()));
        ObjectNode out = ecs.object();
        ArrayNode list = out.putArray("tasks");
        ArrayNode failures = ecs.array();
        List<String> arns = new ArrayList<>();
        int[] need = launchType.equals("EC2") ? capacity.requirement(cluster, def, overrides) : null;
        for (int i = 0; i < count; i++) {
            Instance host = null;
            if (need != null) {
                host = capacity.place(cluster, need, now, failures, this);
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
            t.arn = ecs.arn("task/" + cluster.name() + "/" + t.id);
            t.cluster = cluster;
            t.def = def;
            t.startedBy = startedBy;
            t.launchType = launchType;
            t.capacityProvider = launch.capacityProvider();
            t.overrides = overrides == null ? ecs.object() : overrides.deepCopy();
            if (!t.overrides.has("containerOverrides")) {
                t.overrides.putArray("containerOverrides");
            }
            t.overrides.withArray("inferenceAcceleratorOverrides");
            t.tags = in.has("tags") && in.get("tags").isArray() ? (ArrayNode) in.get("tags").deepCopy() : ecs.array();
            t.createdAt = now;
            t.subnet = in.path("networkConfiguration").path("awsvpcConfiguration").path("subnets").path(0).asText(null);
            containerDefs.values().forEach(c -> t.containers.add(ContainerRun.of(c)));
            Behaviour b = behaviourFor(tagMap, t.containers, commands(containerDefs, containerOverrides));
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
                Collections.unmodifiableMap(env), image, now,
                Collections.unmodifiableMap(new LinkedHashMap<>(environments.getOrDefault(name, Map.of()))));
    }

    private record Behaviour(Duration pending, Duration duration, int exitCode, String pullError, List<String> logLines,
            Duration stopTimeout, Integer sigtermExitCode, Duration sigtermExitAfter) {}

    /** Each container's effective command, its words joined by spaces: the override's, else the definition's. */
    private static List<String> commands(Map<String, JsonNode> containerDefs, JsonNode containerOverrides) {
        List<String> commands = new ArrayList<>();
        containerDefs.forEach((name, def) -> {
            JsonNode command = def.path("command");
            if (containerOverrides != null) {
                for (JsonNode co : containerOverrides) {
                    if (name.equals(co.path("name").asText()) && co.path("command").isArray()) {
                        command = co.get("command");
                    }
                }
            }
            List<String> words = new ArrayList<>();
            command.forEach(w -> words.add(w.asText()));
            commands.add(String.join(" ", words));
        });
        return commands;
    }

    private Behaviour behaviourFor(Map<String, String> tags, List<ContainerRun> containers, List<String> commands) {
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
                    && (m.image() == null || containers.stream().anyMatch(c -> c.image().contains(m.image())))
                    && (m.command() == null || commands.stream().anyMatch(c -> c.contains(m.command())));
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
        Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}").matcher(line);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(environment.getOrDefault(m.group(1), "")));
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

    /** The task table's size past which tasks gone from ECS's view are dropped from it. */
    static final int PURGE_ABOVE = 2000;

    private void purge(Instant now) {
        if (tasks.size() > PURGE_ABOVE) {
            tasks.values().removeIf(t -> {
                if (!gone(t, now)) {
                    return false;
                }
                // Its exit code is known once it stopped; one ECS forgot while it ran keeps its stop time alone.
                ended.put(t.arn, new Ended(t.id, t.stopAt(), exitCode(t.arn)));
                return true;
            });
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
        ObjectNode n = ecs.object();
        ArrayNode attachments = n.putArray("attachments");
        boolean awsvpc = t.def.node.path("networkMode").asText().equals("awsvpc");
        if (awsvpc) {
            eniAttachment(attachments.addObject(), t, phase);
        }
        n.putArray("attributes").addObject().put("name", "ecs.cpu-architecture").put("value", "x86_64");
        n.put("availabilityZone", ecs.region + "a");
        if (t.capacityProvider != null) {
            n.put("capacityProviderName", t.capacityProvider);
        }
        n.put("clusterArn", t.cluster.arn());
        if (t.instance != null) {
            n.put("containerInstanceArn", t.instance.arn);
        }
        n.put("connectivity", "CONNECTED");
        n.set("connectivityAt", ecs.epoch(t.createdAt));
        ArrayNode containers = n.putArray("containers");
        String userReason = t.userReason == null ? "Task stopped by user" : t.userReason;
        boolean userStop = stopped && t.userStopped();
        for (ContainerRun c : t.containers) {
            ObjectNode cn = containers.addObject();
            cn.put("containerArn", ecs.arn("container/" + t.cluster.name() + "/" + t.id + "/" + c.id()));
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
        n.set("createdAt", ecs.epoch(t.createdAt));
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
            n.set("pullStartedAt", ecs.epoch(pullStart));
        }
        if (started) {
            n.set("pullStoppedAt", ecs.epoch(t.runAt()));
            n.set("startedAt", ecs.epoch(t.runAt()));
        }
        if (t.startedBy != null) {
            n.put("startedBy", t.startedBy);
        }
        if (stopped) {
            Instant at = t.stopAt();
            n.set("executionStoppedAt", ecs.epoch(at));
            n.set("stoppingAt", ecs.epoch(userStop ? t.userStopAt : at));
            n.set("stoppedAt", ecs.epoch(at));
            if (userStop) {
                n.put("stopCode", "UserInitiated").put("stoppedReason", userReason);
            } else if (t.pullError != null) {
                n.put("stopCode", "TaskFailedToStart").put("stoppedReason", t.pullError);
            } else {
                n.put("stopCode", "EssentialContainerExited").put("stoppedReason", "Essential container in task exited");
            }
        } else if (t.userStopAt != null) {
            n.set("stoppingAt", ecs.epoch(t.userStopAt));
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
                + (ecs.region.equals("us-east-1") ? ".ec2.internal" : "." + ecs.region + ".compute.internal"));
        details.addObject().put("name", "privateIPv4Address").put("value", ip);
    }

    private static String eniAttachmentId(Task t) {
        return UUID.nameUUIDFromBytes(t.id.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String privateIp(Task t) {
        return "10.0." + (Math.abs(t.id.hashCode()) % 250) + ".17";
    }

    ObjectNode describeTasks(JsonNode in) {
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
        Cluster c = capacity.cluster(in);
        boolean withTags = includes(in, "TAGS");
        Instant now = Instant.now();
        Instant knownBefore = now.minus(describeTasksLag);
        ObjectNode out = ecs.object();
        ArrayNode list = out.putArray("tasks");
        ArrayNode failures = out.putArray("failures");
        for (JsonNode idNode : ids) {
            String id = idNode.asText();
            Task t = find(id);
            if (t == null || t.cluster != c || gone(t, now) || t.createdAt.isAfter(knownBefore)) {
                failures.addObject().put("arn", id.startsWith("arn:") ? id
                        : ecs.arn("task/" + c.name() + "/" + id)).put("reason", "MISSING");
            } else {
                list.add(taskNode(t, now, withTags));
            }
        }
        return out;
    }

    ObjectNode listTasks(JsonNode in) {
        Cluster c = capacity.cluster(in);
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
        return ecs.page(in, arns, "taskArns");
    }

    ObjectNode stopTask(JsonNode in) {
        Cluster c = capacity.cluster(in);
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
        ObjectNode out = ecs.object();
        out.set("task", taskNode(t, now, false));
        return out;
    }

    // ------------------------------------------------------------ what the tasks hold

    @Override
    public int held(Instance instance, Instant now, boolean cpu) {
        int held = 0;
        for (Task t : tasks.values()) {
            if (t.instance == instance && !t.expired && !t.phase(now).equals("STOPPED")) {
                held += cpu ? t.cpu : t.memory;
            }
        }
        return held;
    }

    @Override
    public int[] active(Cluster cluster, Instant now) {
        return active(t -> t.cluster == cluster && !gone(t, now), now);
    }

    @Override
    public int[] active(Instance instance, Instant now) {
        return active(t -> t.instance == instance && !t.expired, now);
    }

    private int[] active(Predicate<Task> which, Instant now) {
        int running = 0;
        int pending = 0;
        for (Task t : tasks.values()) {
            if (which.test(t)) {
                String phase = t.phase(now);
                running += phase.equals("RUNNING") ? 1 : 0;
                pending += phase.equals("PENDING") || phase.equals("PROVISIONING") ? 1 : 0;
            }
        }
        return new int[] {running, pending};
    }
}
