package dev.beanstalkmigrator.testing;

import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerLogs;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.LogTarget;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An in-memory AWS at the port level, for unit tests of the core: S3 objects with ETags and CAS, Elastic
 * Beanstalk applications, ECS tasks whose fate the test sets, and log streams.
 */
public final class FakeCloud implements ObjectStore, Beanstalk, ContainerService, ContainerLogs {

    public final Map<ObjectLocation, byte[]> objects = new HashMap<>();
    /** Bytes answered to ranged reads, in all. */
    public long rangeBytes;
    public final Map<ObjectLocation, Integer> versions = new HashMap<>();
    public final Map<String, Environment> environments = new LinkedHashMap<>();
    final Map<String, List<ApplicationVersion>> applicationVersions = new HashMap<>();
    public final Map<String, Map<String, String>> variables = new HashMap<>();
    /** Secret variables by environment: name to ARN (namespace ...:environmentsecrets). */
    public final Map<String, Map<String, String>> secrets = new HashMap<>();
    final Map<String, TaskDefinition> taskDefinitions = new LinkedHashMap<>();
    public final Map<String, TaskState> tasks = new LinkedHashMap<>();
    public final List<Cluster> clusters = new ArrayList<>();
    /** Tasks of the environments' own (not migrate) by cluster name, as ListTasks RUNNING shows them. */
    public final Map<String, List<RunningTask>> appTasks = new HashMap<>();
    public final Map<String, TaskLaunch> launches = new LinkedHashMap<>();
    final Map<String, String> tokens = new HashMap<>();
    public final List<String> deployments = new ArrayList<>();
    public final Map<String, List<String>> logStreams = new HashMap<>();
    public final Map<String, AtomicInteger> calls = new HashMap<>();
    public final Map<String, Supplier<CloudError>> failures = new HashMap<>();
    public int registered;
    public Instant now = Instant.parse("2026-11-25T10:00:00Z");

    private void call(String operation) {
        calls.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
        Supplier<CloudError> failure = failures.get(operation);
        if (failure != null) {
            throw failure.get();
        }
    }

    public int calls(String operation) {
        AtomicInteger count = calls.get(operation);
        return count == null ? 0 : count.get();
    }

    // --- S3 ---

    public void putObject(ObjectLocation location, String content) {
        objects.put(location, content.getBytes(StandardCharsets.UTF_8));
        versions.merge(location, 1, Integer::sum);
    }

    public String text(ObjectLocation location) {
        byte[] body = objects.get(location);
        return body == null ? null : new String(body, StandardCharsets.UTF_8);
    }

    public String etag(ObjectLocation location) {
        return "\"v" + versions.get(location) + "\"";
    }

    @Override
    public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
        call("s3:GetObject");
        byte[] body = objects.get(location);
        if (body == null) {
            return new Read.Missing("no object " + location);
        }
        if (etag(location).equals(ifNoneMatch)) {
            return new Read.NotModified(ifNoneMatch);
        }
        return body.length > maxBytes ? new Read.TooLarge(body.length, etag(location))
                : new Read.Found(body.clone(), etag(location));
    }

    @Override
    public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
        call("s3:GetObject");
        byte[] body = objects.get(location);
        if (body == null) {
            throw new CloudError.Stalled("s3:GetObject", "NoSuchKey", "no object " + location, "upload it", null);
        }
        if (!etag(location).equals(ifMatch)) {
            throw new CloudError.Conflict("s3:GetObject", "PreconditionFailed", "precondition failed", null);
        }
        if (offset >= body.length || length < 1) {
            throw new CloudError.Stalled("s3:GetObject", "InvalidRange", "not satisfiable", "ask within the object",
                    null);
        }
        byte[] range = Arrays.copyOfRange(body, (int) offset, (int) Math.min(body.length, offset + length));
        rangeBytes += range.length;
        return range;
    }

    @Override
    public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
        call("s3:PutObject");
        boolean exists = objects.containsKey(location);
        if (ifMatch == null ? exists : !exists || !etag(location).equals(ifMatch)) {
            throw new CloudError.Conflict("s3:PutObject", "PreconditionFailed", "precondition failed", null);
        }
        objects.put(location, body.clone());
        versions.merge(location, 1, Integer::sum);
        return etag(location);
    }

    // --- Elastic Beanstalk ---

    public void environment(String application, String name, String deployed, String status) {
        environments.put(name, new Environment(name, application, deployed, status, now));
    }

    public void version(String application, String label, String bucket, String key) {
        applicationVersions.computeIfAbsent(application, k -> new ArrayList<>())
                .add(0, new ApplicationVersion(application, label, now, bucket, key));
        now = now.plusSeconds(1);
    }

    @Override
    public List<Environment> environments(String application) {
        call("elasticbeanstalk:DescribeEnvironments");
        return environments.values().stream().filter(e -> e.application().equals(application)).toList();
    }

    @Override
    public List<ApplicationVersion> versions(String application, List<String> labels) {
        call("elasticbeanstalk:DescribeApplicationVersions");
        return applicationVersions.getOrDefault(application, List.of()).stream()
                .filter(v -> labels.isEmpty() || labels.contains(v.label())).toList();
    }

    @Override
    public Configuration configuration(String application, String environment) {
        call("elasticbeanstalk:DescribeConfigurationSettings");
        return new Configuration(variables.getOrDefault(environment, Map.of()),
                secrets.getOrDefault(environment, Map.of()));
    }

    @Override
    public void deploy(String environment, String versionLabel) {
        call("elasticbeanstalk:UpdateEnvironment");
        deployments.add(environment + "=" + versionLabel);
        Environment e = environments.get(environment);
        environments.put(environment, new Environment(e.name(), e.application(), versionLabel, "Ready", now));
    }

    // --- ECS ---

    public void taskDefinition(String family, String container, String image, LogTarget logs) {
        String arn = "arn:aws:ecs:us-east-1:000000000000:task-definition/" + family + ":1";
        taskDefinitions.put(arn, new TaskDefinition(arn, family, 1, "awsvpc", List.of(new Container(container, image,
                logs))));
    }

    @Override
    public TaskDefinition describeTaskDefinition(String reference) {
        call("ecs:DescribeTaskDefinition");
        for (TaskDefinition definition : taskDefinitions.values()) {
            if (definition.arn().equals(reference) || definition.family().equals(reference)
                    || (definition.family() + ":" + definition.revision()).equals(reference)) {
                return definition;
            }
        }
        throw new CloudError.Stalled("ecs:DescribeTaskDefinition", "ClientException",
                "Unable to describe task definition.", "fix taskDefinition", null);
    }

    @Override
    public String migrateRevision(TaskDefinition base, String container, String image,
                                  Map<String, String> environment, Map<String, String> secrets,
                                  List<String> command) {
        call("ecs:RegisterTaskDefinition");
        registered++;
        String arn = "arn:aws:ecs:us-east-1:000000000000:task-definition/" + base.family() + "-migrate:" + registered;
        taskDefinitions.put(arn, new TaskDefinition(arn, base.family() + "-migrate", registered, base.networkMode(),
                base.containers().stream().map(c -> c.name().equals(container)
                        ? new Container(c.name(), image, c.logs(), c.essential(), merged(c.environment(), environment,
                        secrets)) : c).toList()));
        return arn;
    }

    /** A container's variables with the environment's registered over them; a secret is no plain variable. */
    private static Map<String, String> merged(Map<String, String> base, Map<String, String> environment,
                                              Map<String, String> secrets) {
        Map<String, String> merged = new LinkedHashMap<>(base);
        if (environment != null) {
            merged.putAll(environment);
        }
        if (secrets != null) {
            merged.keySet().removeAll(secrets.keySet());
        }
        return merged;
    }

    @Override
    public LaunchResult runTask(TaskLaunch launch, java.util.function.BooleanSupplier allowed) {
        if (!allowed.getAsBoolean()) {
            throw ContainerService.notAllowed(launch);
        }
        call("ecs:RunTask");
        String existing = tokens.get(launch.clientToken());
        if (existing != null) {
            return new LaunchResult(existing, null);
        }
        String arn = "arn:aws:ecs:us-east-1:000000000000:task/" + launch.cluster() + "/task" + (launches.size() + 1);
        launches.put(arn, launch);
        tokens.put(launch.clientToken(), arn);
        tasks.put(arn, new TaskState(arn, false, "RUNNING", null, null, now, now, null, List.of()));
        return new LaunchResult(arn, null);
    }

    public void stop(String arn, Integer exitCode, String reason) {
        TaskLaunch launch = launches.get(arn);
        tasks.put(arn, new TaskState(arn, false, "STOPPED", reason, exitCode == null ? "TaskFailedToStart"
                : "EssentialContainerExited", now, now, now,
                List.of(new ContainerState(launch.container(), exitCode, null, launch.environment()))));
    }

    @Override
    public List<TaskState> describeTasks(String cluster, Collection<String> taskArns) {
        call("ecs:DescribeTasks");
        return taskArns.stream().map(arn -> tasks.getOrDefault(arn, TaskState.missing(arn))).toList();
    }

    @Override
    public List<String> findTasks(String cluster, String startedBy) {
        call("ecs:ListTasks");
        return launches.entrySet().stream().filter(e -> e.getValue().startedBy().equals(startedBy))
                .filter(e -> tasks.containsKey(e.getKey())).map(Map.Entry::getKey).toList();
    }

    @Override
    public void stopTask(String cluster, String taskArn, String reason) {
        call("ecs:StopTask");
        // As on ECS, the task is only asked to stop: it stays RUNNING until the test stops it (stop()).
    }

    @Override
    public List<Cluster> clusters() {
        call("ecs:ListClusters");
        return List.copyOf(clusters);
    }

    @Override
    public List<RunningTask> runningTasks(String cluster) {
        call("ecs:ListTasks");
        String name = cluster.substring(cluster.lastIndexOf('/') + 1);
        List<RunningTask> running = new ArrayList<>(appTasks.getOrDefault(name, List.of()));
        launches.forEach((arn, launch) -> {
            if (launch.cluster().equals(cluster) && !tasks.get(arn).stopped()) {
                running.add(new RunningTask(arn, launch.taskDefinitionArn(), launch.startedBy(), now));
            }
        });
        return running;
    }

    // --- Logs ---

    @Override
    public List<String> tail(LogTarget target, String stream, int lines) {
        call("logs:GetLogEvents");
        List<String> all = logStreams.getOrDefault(target.group() + "|" + stream, List.of());
        return all.subList(Math.max(0, all.size() - lines), all.size());
    }
}
