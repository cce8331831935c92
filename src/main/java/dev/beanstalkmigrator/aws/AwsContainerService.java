package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.model.CapacityProvider;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.LogTarget;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.AwsVpcConfiguration;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.ClusterField;
import software.amazon.awssdk.services.ecs.model.ConflictException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.ListClustersResponse;
import software.amazon.awssdk.services.ecs.model.ListTaskDefinitionsResponse;
import software.amazon.awssdk.services.ecs.model.ListTasksResponse;
import software.amazon.awssdk.services.ecs.model.NetworkConfiguration;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Secret;
import software.amazon.awssdk.services.ecs.model.SortOrder;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;
import software.amazon.awssdk.services.ecs.model.TaskOverride;

/** {@link ContainerService} on the ECS API. */
public final class AwsContainerService implements ContainerService {

    static final int DESCRIBE_BATCH = 100;
    /** Migrate revisions compared against before registering a new one. */
    static final int REUSE_CANDIDATES = 10;

    private final EcsClient client;
    private final Retrying retrying;
    /** For RunTask: its throttling is retried by the caller's pacer, which also slows down. */
    private final Retrying runTaskRetrying;
    /** Task definition revisions never change, so a revision once described is kept (by ARN). */
    private final Map<String, software.amazon.awssdk.services.ecs.model.TaskDefinition> revisions = new ConcurrentHashMap<>();
    /**
     * Migrate revisions already found or registered, by everything that goes into them. Revisions never change,
     * so a burst of environments on one base, version and set of variables needs the lookup once, not once each.
     * Held in memory only; the variable values in the keys never leave the process.
     */
    /**
     * The migrate revision of each wanted definition, once found or registered; while one caller looks it up, the
     * others of a burst wait for its answer instead of registering copies (ECS lets an account register 20 at once,
     * then 1 a second). A failed lookup is forgotten, so the next caller tries again.
     */
    private final Map<RevisionKey, CompletableFuture<String>> migrateRevisions = new ConcurrentHashMap<>();

    private record RevisionKey(String base, String container, String image, Map<String, String> environment,
                               Map<String, String> secrets, List<String> command) {}

    public AwsContainerService(EcsClient client, Retrying retrying) {
        this.client = client;
        this.retrying = retrying;
        this.runTaskRetrying = retrying.exceptThrottling();
    }

    @Override
    public ContainerService.TaskDefinition describeTaskDefinition(String reference) {
        return toPort(describe(reference));
    }

    private software.amazon.awssdk.services.ecs.model.TaskDefinition describe(String reference) {
        software.amazon.awssdk.services.ecs.model.TaskDefinition cached = revisions.get(reference);
        if (cached != null) {
            return cached;
        }
        software.amazon.awssdk.services.ecs.model.TaskDefinition described = retrying.call("ecs:DescribeTaskDefinition",
                () -> client.describeTaskDefinition(r -> r.taskDefinition(reference)).taskDefinition());
        revisions.put(described.taskDefinitionArn(), described);
        return described;
    }

    private static ContainerService.TaskDefinition toPort(software.amazon.awssdk.services.ecs.model.TaskDefinition definition) {
        List<Container> containers = definition.containerDefinitions().stream().map(c -> {
            LogTarget logs = null;
            if (c.logConfiguration() != null && "awslogs".equals(c.logConfiguration().logDriverAsString())) {
                Map<String, String> options = c.logConfiguration().options();
                logs = new LogTarget(options.get("awslogs-group"), options.get("awslogs-stream-prefix"),
                        options.get("awslogs-region"));
            }
            return new Container(c.name(), c.image(), logs, c.essential() == null || c.essential(),
                    variables(c.environment()));
        }).toList();
        return new ContainerService.TaskDefinition(definition.taskDefinitionArn(), definition.family(),
                definition.revision(), definition.networkModeAsString(), containers);
    }

    @Override
    public String migrateRevision(ContainerService.TaskDefinition base, String container, String image,
                                  Map<String, String> environment, Map<String, String> secrets,
                                  List<String> command) {
        RevisionKey key = new RevisionKey(base.arn(), container, image,
                environment == null || environment.isEmpty() ? null : Map.copyOf(environment),
                secrets == null || secrets.isEmpty() ? null : Map.copyOf(secrets),
                command == null ? null : List.copyOf(command));
        CompletableFuture<String> mine = new CompletableFuture<>();
        CompletableFuture<String> known = migrateRevisions.putIfAbsent(key, mine);
        if (known != null) {
            try {
                return known.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException cause ? cause : e;
            }
        }
        try {
            String found = findOrRegister(base, key);
            mine.complete(found);
            return found;
        } catch (RuntimeException | Error e) {
            migrateRevisions.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    private String findOrRegister(ContainerService.TaskDefinition base, RevisionKey key) {
        RegisterTaskDefinitionRequest wanted = migrateDefinition(describe(base.arn()), key.container(), key.image(),
                key.environment(), key.secrets(), key.command());
        ListTaskDefinitionsResponse candidates = retrying.call("ecs:ListTaskDefinitions",
                () -> client.listTaskDefinitions(r -> r.familyPrefix(wanted.family())
                        .status(TaskDefinitionStatus.ACTIVE).sort(SortOrder.DESC).maxResults(REUSE_CANDIDATES)));
        for (String arn : candidates.taskDefinitionArns()) {
            software.amazon.awssdk.services.ecs.model.TaskDefinition candidate = describe(arn);
            if (candidate.family().equals(wanted.family())
                    && migrateDefinition(candidate, null, null, null, null, null).equals(wanted)) {
                return arn;
            }
        }
        software.amazon.awssdk.services.ecs.model.TaskDefinition registered = retrying.call("ecs:RegisterTaskDefinition",
                () -> client.registerTaskDefinition(wanted).taskDefinition());
        revisions.put(registered.taskDefinitionArn(), registered);
        return registered.taskDefinitionArn();
    }

    /**
     * The registration request of a definition's migrate copy. With a null container, the definition is
     * taken as it is (to compare an existing migrate revision with the wanted one: the comparison covers every
     * container's {@code environment} and {@code secrets}). A variable that is also a secret comes as the secret.
     */
    static RegisterTaskDefinitionRequest migrateDefinition(software.amazon.awssdk.services.ecs.model.TaskDefinition from, String container, String image,
                                                           Map<String, String> environment, Map<String, String> secrets,
                                                           List<String> command) {
        String family = from.family().endsWith(MIGRATE_FAMILY_SUFFIX) ? from.family()
                : from.family() + MIGRATE_FAMILY_SUFFIX;
        List<ContainerDefinition> containers = from.containerDefinitions().stream().map(c -> {
            if (container == null || !c.name().equals(container)) {
                return c;
            }
            ContainerDefinition.Builder changed = c.toBuilder().image(image);
            if (command != null) {
                changed.command(command);
            }
            Map<String, String> mergedSecrets = new LinkedHashMap<>();
            c.secrets().forEach(s -> mergedSecrets.put(s.name(), s.valueFrom()));
            if (secrets != null) {
                mergedSecrets.putAll(secrets);
                changed.secrets(mergedSecrets.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(e -> Secret.builder().name(e.getKey()).valueFrom(e.getValue()).build()).toList());
            }
            if (environment != null || secrets != null) {
                Map<String, String> merged = new LinkedHashMap<>();
                c.environment().forEach(kv -> merged.put(kv.name(), kv.value()));
                if (environment != null) {
                    merged.putAll(environment);
                }
                merged.keySet().removeAll(mergedSecrets.keySet());
                changed.environment(merged.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(e -> KeyValuePair.builder().name(e.getKey()).value(e.getValue()).build()).toList());
            }
            return changed.build();
        }).toList();
        return RegisterTaskDefinitionRequest.builder()
                .family(family)
                .taskRoleArn(from.taskRoleArn())
                .executionRoleArn(from.executionRoleArn())
                .networkMode(from.networkMode())
                .containerDefinitions(containers)
                .volumes(from.volumes())
                .placementConstraints(from.placementConstraints())
                .requiresCompatibilities(from.requiresCompatibilities())
                .cpu(from.cpu())
                .memory(from.memory())
                .pidMode(from.pidMode())
                .ipcMode(from.ipcMode())
                .proxyConfiguration(from.proxyConfiguration())
                .inferenceAccelerators(from.inferenceAccelerators())
                .ephemeralStorage(from.ephemeralStorage())
                .runtimePlatform(from.runtimePlatform())
                .build();
    }

    @Override
    public LaunchResult runTask(TaskLaunch launch, BooleanSupplier allowed) {
        RunTaskRequest.Builder request = RunTaskRequest.builder()
                .cluster(launch.cluster())
                .taskDefinition(launch.taskDefinitionArn())
                .count(1)
                .startedBy(launch.startedBy())
                .clientToken(launch.clientToken())
                .tags(launch.tags().entrySet().stream()
                        .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList());
        if (launch.capacityProviderStrategy() != null) {
            request.capacityProviderStrategy(launch.capacityProviderStrategy().stream().map(AwsContainerService::item)
                    .toList());
        } else if (launch.launchType() != null) {
            request.launchType(launch.launchType());
        }
        if (launch.network() != null) {
            request.networkConfiguration(NetworkConfiguration.builder().awsvpcConfiguration(
                    AwsVpcConfiguration.builder()
                            .subnets(launch.network().subnets())
                            .securityGroups(launch.network().securityGroups())
                            .assignPublicIp(launch.network().assignPublicIp() ? AssignPublicIp.ENABLED
                                    : AssignPublicIp.DISABLED)
                            .build()).build());
        }
        if (launch.command() != null || launch.environment() != null) {
            ContainerOverride.Builder override = ContainerOverride.builder().name(launch.container());
            if (launch.command() != null) {
                override.command(launch.command());
            }
            if (launch.environment() != null) {
                override.environment(launch.environment().entrySet().stream()
                        .map(e -> KeyValuePair.builder().name(e.getKey()).value(e.getValue()).build()).toList());
            }
            request.overrides(TaskOverride.builder().containerOverrides(override.build()).build());
        }
        RunTaskRequest built = request.build();
        ConflictException[] conflict = new ConflictException[1];
        RunTaskResponse response = runTaskRetrying.call("ecs:RunTask", () -> {
            if (!allowed.getAsBoolean()) {
                // Launching stops at the renew deadline, retries included: another leader may act already.
                throw ContainerService.notAllowed(launch);
            }
            try {
                return client.runTask(built);
            } catch (ConflictException e) {
                // The client token is ECS's memory of the first request: the tasks it names are that launch's,
                // whatever differs in this one. Without names there is nothing to adopt: an error like any other.
                if (!e.hasResourceIds() || e.resourceIds().isEmpty()) {
                    throw e;
                }
                conflict[0] = e;
                return null;
            }
        });
        if (conflict[0] != null) {
            String arn = conflict[0].resourceIds().get(0);
            return new LaunchResult(arn, null, conflict[0].awsErrorDetails() == null ? conflict[0].getMessage()
                    : conflict[0].awsErrorDetails().errorMessage());
        }
        if (!response.tasks().isEmpty()) {
            return new LaunchResult(response.tasks().get(0).taskArn(), null);
        }
        return new LaunchResult(null, failures(response.failures()));
    }

    /**
     * RunTask's failures summed up per reason, e.g. "RESOURCE:MEMORY on 2 container instances, AGENT on 1 container
     * instance", with the first detail ECS gave.
     */
    static String failures(List<Failure> failures) {
        if (failures.isEmpty()) {
            return "no task and no failure reported";
        }
        Map<String, Long> byReason = failures.stream().collect(Collectors.groupingBy(
                f -> f.reason() == null ? "unknown reason" : f.reason(), LinkedHashMap::new,
                Collectors.counting()));
        String detail = failures.stream().map(Failure::detail)
                .filter(d -> d != null && !d.isBlank()).findFirst().orElse(null);
        return byReason.entrySet().stream().map(e -> e.getKey() + " on " + e.getValue() + " container instance"
                        + (e.getValue() == 1 ? "" : "s"))
                .collect(Collectors.joining(", ")) + (detail == null ? "" : ": " + detail);
    }

    private static CapacityProviderStrategyItem item(CapacityProvider provider) {
        return CapacityProviderStrategyItem.builder().capacityProvider(provider.capacityProvider())
                .weight(provider.weight()).base(provider.base()).build();
    }

    @Override
    public List<TaskState> describeTasks(String cluster, Collection<String> taskArns) {
        return inBatches(List.copyOf(taskArns), batch -> {
            var response = retrying.call("ecs:DescribeTasks",
                    () -> client.describeTasks(r -> r.cluster(cluster).tasks(batch)));
            List<TaskState> states = new ArrayList<>();
            response.tasks().forEach(task -> states.add(toPort(task)));
            response.failures().forEach(failure -> states.add(TaskState.missing(failure.arn())));
            return states;
        });
    }

    /** One page of a listing: its ARNs, and the token of the next page (null or empty after the last). */
    private record Page(List<String> arns, String next) {}

    /** Every ARN of a paginated listing; each page is one call, retried on its own. */
    private List<String> listAll(String operation, Function<String, Page> page) {
        List<String> arns = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            Page answer = retrying.call(operation, () -> page.apply(next));
            arns.addAll(answer.arns());
            token = answer.next();
        } while (token != null && !token.isEmpty());
        return arns;
    }

    /**
     * {@code call} on the ARNs in batches of {@link #DESCRIBE_BATCH}, the most a Describe call takes; the answers
     * joined.
     */
    private static <T> List<T> inBatches(List<String> arns, Function<List<String>, List<T>> call) {
        List<T> all = new ArrayList<>();
        for (int from = 0; from < arns.size(); from += DESCRIBE_BATCH) {
            all.addAll(call.apply(arns.subList(from, Math.min(arns.size(), from + DESCRIBE_BATCH))));
        }
        return all;
    }

    private static TaskState toPort(Task task) {
        Map<String, Map<String, String>> overridden = new LinkedHashMap<>();
        if (task.overrides() != null) {
            task.overrides().containerOverrides().forEach(o -> overridden.put(o.name(), variables(o.environment())));
        }
        return new TaskState(task.taskArn(), false, task.lastStatus(), task.stoppedReason(), task.stopCodeAsString(),
                task.createdAt(), task.startedAt(), task.stoppedAt(),
                task.containers().stream().map(c -> new ContainerState(c.name(), c.exitCode(), c.reason(),
                        overridden.get(c.name()))).toList());
    }

    /** ECS's name-value pairs as a map; a pair without name or value sets nothing. */
    private static Map<String, String> variables(List<KeyValuePair> pairs) {
        Map<String, String> variables = new LinkedHashMap<>();
        pairs.stream().filter(kv -> kv.name() != null && kv.value() != null)
                .forEach(kv -> variables.put(kv.name(), kv.value()));
        return variables;
    }

    @Override
    public List<String> findTasks(String cluster, String startedBy) {
        List<String> arns = new ArrayList<>();
        for (DesiredStatus status : List.of(DesiredStatus.RUNNING, DesiredStatus.STOPPED)) {
            arns.addAll(listAll("ecs:ListTasks", next -> page(client.listTasks(r -> r.cluster(cluster)
                    .startedBy(startedBy).desiredStatus(status).nextToken(next)))));
        }
        arns.sort(Comparator.naturalOrder());
        return arns;
    }

    @Override
    public void stopTask(String cluster, String taskArn, String reason) {
        retrying.call("ecs:StopTask", () -> client.stopTask(r -> r.cluster(cluster).task(taskArn).reason(reason)));
    }

    @Override
    public List<ContainerService.Cluster> clusters() {
        List<String> arns = listAll("ecs:ListClusters", next -> {
            ListClustersResponse page = client.listClusters(r -> r.nextToken(next));
            return new Page(page.clusterArns(), page.nextToken());
        });
        return inBatches(arns, batch -> retrying.call("ecs:DescribeClusters",
                () -> client.describeClusters(r -> r.clusters(batch).include(ClusterField.TAGS))).clusters().stream()
                .map(c -> {
                    Map<String, String> tags = new LinkedHashMap<>();
                    c.tags().forEach(t -> tags.put(t.key(), t.value()));
                    return new ContainerService.Cluster(c.clusterArn(), c.clusterName(), tags);
                }).toList());
    }

    @Override
    public List<RunningTask> runningTasks(String cluster) {
        List<String> arns = listAll("ecs:ListTasks", next -> page(client.listTasks(r -> r.cluster(cluster)
                .desiredStatus(DesiredStatus.RUNNING).nextToken(next))));
        return inBatches(arns, batch -> retrying.call("ecs:DescribeTasks",
                () -> client.describeTasks(r -> r.cluster(cluster).tasks(batch))).tasks().stream()
                .map(t -> new RunningTask(t.taskArn(), t.taskDefinitionArn(), t.startedBy(), t.createdAt())).toList());
    }

    private static Page page(ListTasksResponse response) {
        return new Page(response.taskArns(), response.nextToken());
    }
}
