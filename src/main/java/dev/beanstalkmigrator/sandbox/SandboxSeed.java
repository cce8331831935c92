package dev.beanstalkmigrator.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The initial world of the sandbox, usually read from {@code config/sandbox.yaml}. The file documents every field.
 * Unknown fields are rejected. Durations are written {@code 300ms}, {@code 2s}, {@code 5m}, {@code 1h} or {@code never}.
 */
public record SandboxSeed(
        String region,
        String account,
        List<String> buckets,
        List<Application> applications,
        List<String> clusters,
        List<TaskDefinition> taskDefinitions,
        TaskBehaviours tasks,
        Duration environmentUpdateDuration,
        Duration stoppedTaskRetention,
        PlanLocation plan,
        Map<String, String> secretValues, Map<String, InstanceSet> containerInstances, List<Role> roles,
        List<SandboxSeed> worlds) {

    /** The seed of an older shape: no roles to assume, no other accounts or regions. */
    public SandboxSeed(String region, String account, List<String> buckets, List<Application> applications,
                       List<String> clusters, List<TaskDefinition> taskDefinitions, TaskBehaviours tasks,
                       Duration environmentUpdateDuration, Duration stoppedTaskRetention, PlanLocation plan,
                       Map<String, String> secretValues, Map<String, InstanceSet> containerInstances) {
        this(region, account, buckets, applications, clusters, taskDefinitions, tasks, environmentUpdateDuration,
                stoppedTaskRetention, plan, secretValues, containerInstances, List.of(), List.of());
    }

    /** What Elastic Beanstalk accepts as the value of an environment secret: an ARN of either store. */
    static final java.util.regex.Pattern SECRET_ARN = java.util.regex.Pattern.compile(
            "arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+|ssm:[a-z0-9-]+:\\d{12}:parameter/.+)");

    /** An IAM role's ARN, with or without a path. */
    static final java.util.regex.Pattern ROLE_ARN = java.util.regex.Pattern.compile(
            "arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");

    /** What {@code duration: never} stands for: a task that runs until it is stopped. */
    public static final Duration NEVER = Duration.ofDays(3650);

    public SandboxSeed {
        region = region == null ? "us-east-1" : region;
        account = account == null ? "000000000000" : account;
        buckets = buckets == null ? List.of() : List.copyOf(buckets);
        applications = applications == null ? List.of() : List.copyOf(applications);
        clusters = clusters == null ? List.of() : List.copyOf(clusters);
        taskDefinitions = taskDefinitions == null ? List.of() : List.copyOf(taskDefinitions);
        tasks = tasks == null ? new TaskBehaviours(null, null) : tasks;
        environmentUpdateDuration = environmentUpdateDuration == null ? Duration.ofSeconds(2) : environmentUpdateDuration;
        stoppedTaskRetention = stoppedTaskRetention == null ? Duration.ofHours(1) : stoppedTaskRetention;
        plan = plan == null ? new PlanLocation(null, null) : plan;
        secretValues = secretValues == null ? Map.of() : new LinkedHashMap<>(secretValues);
        containerInstances = containerInstances == null ? Map.of() : new LinkedHashMap<>(containerInstances);
        roles = roles == null ? List.of() : List.copyOf(roles);
        worlds = worlds == null ? List.of() : List.copyOf(worlds);
    }

    /**
     * An IAM role that STS lets the sandbox's caller assume, as its trust policy says.
     *
     * @param arn {@code arn:aws:iam::<account>:role/<name>}
     * @param externalId the {@code sts:ExternalId} its trust policy requires, or null
     * @param trusted false: its trust policy names another principal, so AssumeRole is refused (AccessDenied)
     * @param maxSessionDuration the role's MaxSessionDuration (default 1h)
     */
    public record Role(String arn, String externalId, Boolean trusted, Duration maxSessionDuration) {}

    /** This seed's world in {@code account} and {@code region}. */
    SandboxSeed in(String account, String region) {
        return new SandboxSeed(region, account, buckets, applications, clusters, taskDefinitions, tasks,
                environmentUpdateDuration, stoppedTaskRetention, plan, secretValues, containerInstances, roles, worlds);
    }

    /** An empty world in us-east-1, account 000000000000. */
    public static SandboxSeed empty() {
        return new SandboxSeed(null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** An Elastic Beanstalk application with its versions (oldest first) and environments. */
    public record Application(String name, List<Version> versions, List<Environment> environments) {
        public Application {
            versions = versions == null ? List.of() : List.copyOf(versions);
            environments = environments == null ? List.of() : List.copyOf(environments);
        }
    }

    /** An application version; its source bundle is uploaded to S3 at start. */
    public record Version(String label, String description, Bundle bundle) {}

    /** A source bundle: {@code format: zip} zips {@code files}; {@code plain} uploads the single file's bytes. */
    public record Bundle(String bucket, String key, String format, Map<String, String> files) {
        public Bundle {
            format = format == null ? "zip" : format;
            files = files == null ? Map.of() : new LinkedHashMap<>(files);
        }
    }

    /**
     * An environment running {@code version}, with its environment properties and its secrets (variable name to the
     * ARN of a Secrets Manager secret or SSM parameter: namespace
     * {@code aws:elasticbeanstalk:application:environmentsecrets}). {@code deployDenied} names a downstream action
     * (e.g. {@code cloudformation:UpdateStack}) the operator may not perform: UpdateEnvironment then answers 403
     * InsufficientPrivilegesException, unless the environment has an {@code operationsRole} (ARN), whose rights
     * Elastic Beanstalk then uses instead of the caller's. On the ECS-based Docker platform, {@code ecs} is the ECS
     * cluster Elastic Beanstalk created for it (null when not seeded).
     */
    public record Environment(String name, String version, Map<String, String> variables, String platformArn,
            String solutionStack, Map<String, String> secrets, String deployDenied, String operationsRole,
            EcsPlatform ecs) {
        public Environment {
            variables = variables == null ? Map.of() : new LinkedHashMap<>(variables);
            secrets = secrets == null ? Map.of() : new LinkedHashMap<>(secrets);
        }
    }

    /**
     * The ECS side of an ECS-based Docker environment: its {@code cluster}, created tagged
     * {@code elasticbeanstalk:environment-name} and {@code elasticbeanstalk:environment-id} (unless
     * {@code tagged: false}), running {@code tasks} app tasks (default 1) of the latest revision of
     * {@code taskDefinition}, a seeded family.
     */
    public record EcsPlatform(String cluster, String taskDefinition, Integer tasks, Boolean tagged) {
        public EcsPlatform {
            tasks = tasks == null ? 1 : tasks;
            tagged = tagged == null || tagged;
        }
    }

    /** A task definition family, registered as revision 1. */
    public record TaskDefinition(String family, String networkMode, List<String> requiresCompatibilities, String cpu,
            String memory, String executionRoleArn, String taskRoleArn, List<Container> containers,
            Map<String, String> tags) {
        public TaskDefinition {
            requiresCompatibilities = requiresCompatibilities == null ? List.of() : List.copyOf(requiresCompatibilities);
            containers = containers == null ? List.of() : List.copyOf(containers);
            tags = tags == null ? Map.of() : new LinkedHashMap<>(tags);
        }
    }

    /** A container definition; {@code logGroup} turns on the awslogs driver with stream prefix {@code logStreamPrefix} (default "ecs"). */
    public record Container(String name, String image, List<String> command, Map<String, String> environment,
            Boolean essential, String logGroup, String logStreamPrefix, Integer cpu, Integer memory) {
        public Container {
            command = command == null ? null : List.copyOf(command);
            environment = environment == null ? Map.of() : new LinkedHashMap<>(environment);
        }
    }

    /** How simulated tasks behave: {@code default}, then the first matching rule overrides its fields. */
    public record TaskBehaviours(@JsonProperty("default") Behaviour defaults, List<Rule> rules) {
        public TaskBehaviours {
            defaults = defaults == null ? new Behaviour(null, null, null, null, null) : defaults;
            rules = rules == null ? List.of() : List.copyOf(rules);
        }
    }

    /**
     * Task behaviour; null fields inherit (rule from default, default from built-ins 300ms / 2s / exit 0 / no lines /
     * stop timeout 30s / SIGTERM ignored).
     *
     * @param stopTimeout how long a container runs on after StopTask's SIGTERM before SIGKILL (exit code 137) when
     *     its container definition sets no {@code stopTimeout}: the ECS agent's ECS_CONTAINER_STOP_TIMEOUT
     * @param sigtermExitCode set when the container handles SIGTERM: it then exits with this code
     *     {@code sigtermExitAfter} (default 0s) after StopTask, if that is within its stop timeout
     */
    public record Behaviour(Duration pending, Duration duration, Integer exitCode, String pullError, List<String> logLines,
            Duration stopTimeout, Integer sigtermExitCode, Duration sigtermExitAfter) {
        public Behaviour(Duration pending, Duration duration, Integer exitCode, String pullError, List<String> logLines) {
            this(pending, duration, exitCode, pullError, logLines, null, null, null);
        }
    }

    /** A rule: when {@code match} fits a task, its non-null fields override the default behaviour. */
    public record Rule(Match match, Duration pending, Duration duration, Integer exitCode, String pullError,
            List<String> logLines, Duration stopTimeout, Integer sigtermExitCode, Duration sigtermExitAfter) {
        public Rule {
            match = match == null ? new Match(null, null, null, null) : match;
        }
    }

    /**
     * All given fields must fit: {@code environment}/{@code version} compare with the task's tags
     * {@code beanstalk-migrator:environment}/{@code beanstalk-migrator:version}; {@code image} is a substring of the
     * effective image of any of the task's containers; {@code command} a substring of the effective command of any of
     * them (its words joined by spaces, the override's where RunTask gave one), e.g. {@code --plan} for a preview.
     */
    public record Match(String environment, String version, String image, String command) {

        public Match(String environment, String version, String image) {
            this(environment, version, image, null);
        }
    }

    /**
     * The EC2 container instances registered in a cluster: written as a count ({@code 2}: that many instances of
     * {@link ContainerInstance#DEFAULT_CPU} CPU units and {@link ContainerInstance#DEFAULT_MEMORY} MiB, all free) or
     * as a list of {@link ContainerInstance}s.
     */
    @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = InstanceSetReader.class)
    public record InstanceSet(List<ContainerInstance> instances) {
        public InstanceSet {
            instances = instances == null ? List.of() : List.copyOf(instances);
        }

        /** {@code count} instances of the default size. */
        public static InstanceSet ofCount(int count) {
            return new InstanceSet(java.util.stream.IntStream.range(0, count)
                    .mapToObj(i -> new ContainerInstance(null, null, null, null, null, null)).toList());
        }
    }

    /**
     * One container instance: registered {@code cpu} units and {@code memory} MiB, what is {@code remainingCpu} /
     * {@code remainingMemory} before any task of the sandbox is placed on it (default: all of it), and whether its
     * agent is connected (default true). {@code id} defaults to one derived from the cluster and the position.
     */
    public record ContainerInstance(String id, Integer cpu, Integer memory, Integer remainingCpu,
            Integer remainingMemory, Boolean agentConnected) {
        public static final int DEFAULT_CPU = 2048;
        public static final int DEFAULT_MEMORY = 3904;
    }

    static final class InstanceSetReader extends JsonDeserializer<InstanceSet> {
        @Override
        public InstanceSet deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT) {
                int count = p.getIntValue();
                if (count < 0 || count > 1000) {
                    throw JsonMappingException.from(p, "a container instance count is between 0 and 1000, not " + count);
                }
                return InstanceSet.ofCount(count);
            }
            ContainerInstance[] list = ctxt.readValue(p, ContainerInstance[].class);
            return new InstanceSet(List.of(list));
        }
    }

    /** Where the plan file is uploaded (defaults: bucket acme-migrator, key desired-state.yaml). */
    public record PlanLocation(String bucket, String key) {}

    // ---------------------------------------------------------------- parsing

    private static final ObjectMapper YAML = yamlMapper();

    /** Reads durations as {@code 300ms}/{@code 2s}/{@code never}, writes them as {@code <n>ms}. */
    static SimpleModule durationModule() {
        SimpleModule durations = new SimpleModule("sandbox-durations");
        durations.addSerializer(Duration.class, new com.fasterxml.jackson.databind.JsonSerializer<>() {
            @Override
            public void serialize(Duration value, com.fasterxml.jackson.core.JsonGenerator gen,
                    com.fasterxml.jackson.databind.SerializerProvider serializers) throws IOException {
                gen.writeString(value.equals(NEVER) ? "never" : value.toMillis() + "ms");
            }
        });
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                String text = p.getValueAsString();
                if (text != null && text.trim().equalsIgnoreCase("never")) {
                    return NEVER;
                }
                try {
                    return Durations.parse(text);
                } catch (RuntimeException e) {
                    throw JsonMappingException.from(p, e.getMessage());
                }
            }
        });
        return durations;
    }

    static ObjectMapper yamlMapper() {
        return new ObjectMapper(new YAMLFactory())
                .registerModule(durationModule())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }

    /** Parses a seed written in YAML (or JSON); fails with a message naming the bad field. */
    public static SandboxSeed parse(String yaml) {
        return parse(yaml, "<inline seed>");
    }

    public static SandboxSeed read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read sandbox seed " + file + ": " + e.getMessage(), e);
        }
    }

    static SandboxSeed parse(String yaml, String source) {
        SandboxSeed seed;
        try {
            seed = YAML.readValue(yaml, SandboxSeed.class);
        } catch (UnrecognizedPropertyException e) {
            String where = pathOf(e);
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            throw new IllegalArgumentException("sandbox seed " + source + ": unknown field '" + e.getPropertyName()
                    + "'" + (where.isEmpty() ? "" : " in " + where) + " (line " + e.getLocation().getLineNr()
                    + "); known fields: " + known, e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("sandbox seed " + source + ": " + e.getOriginalMessage()
                    + (e instanceof JsonMappingException m && !pathOf(m).isEmpty() ? " at " + pathOf(m) : "")
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
        }
        if (seed == null) {
            seed = empty();
        }
        seed.validate(source);
        return seed;
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        List<JsonMappingException.Reference> refs = e.getPath();
        for (int i = 0; i < refs.size(); i++) {
            JsonMappingException.Reference r = refs.get(i);
            if (r.getFieldName() != null) {
                if (i == refs.size() - 1 && e instanceof UnrecognizedPropertyException) {
                    break;
                }
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    /** Checks the references between the parts of the seed. */
    void validate(String source) {
        String p = "sandbox seed " + source + ": ";
        Set<String> apps = new HashSet<>();
        Set<String> envs = new HashSet<>();
        for (Application a : applications) {
            require(a.name() != null && !a.name().isBlank(), p + "an application has no name");
            require(apps.add(a.name()), p + "duplicate application " + a.name());
            Set<String> labels = new HashSet<>();
            for (Version v : a.versions()) {
                require(v.label() != null && !v.label().isBlank(), p + "a version of " + a.name() + " has no label");
                require(labels.add(v.label()), p + "duplicate version " + v.label() + " in " + a.name());
                if (v.bundle() != null) {
                    Bundle b = v.bundle();
                    require(b.bucket() != null && b.key() != null, p + "bundle of " + v.label() + " needs bucket and key");
                    require(b.format().equals("zip") || b.format().equals("plain"),
                            p + "bundle format of " + v.label() + " must be zip or plain, not " + b.format());
                    require(!b.format().equals("plain") || b.files().size() <= 1,
                            p + "a plain bundle (" + v.label() + ") holds at most one file");
                }
            }
            for (Environment e : a.environments()) {
                require(e.name() != null && !e.name().isBlank(), p + "an environment of " + a.name() + " has no name");
                require(envs.add(e.name()), p + "duplicate environment " + e.name());
                require(e.version() == null || labels.contains(e.version()),
                        p + "environment " + e.name() + " runs unknown version " + e.version());
                e.secrets().forEach((name, arn) -> require(arn != null && SECRET_ARN.matcher(arn).matches(),
                        p + "secret " + name + " of environment " + e.name() + " must be the ARN of a Secrets Manager"
                                + " secret or an SSM parameter, not " + arn));
                if (e.ecs() != null) {
                    require(e.ecs().cluster() != null && !e.ecs().cluster().isBlank(),
                            p + "ecs of environment " + e.name() + " needs a cluster");
                    require(e.ecs().tasks() >= 0, p + "ecs.tasks of environment " + e.name() + " is negative");
                    require(e.ecs().tasks() == 0 || e.ecs().taskDefinition() != null,
                            p + "ecs of environment " + e.name() + " runs tasks: name their taskDefinition");
                }
            }
        }
        Set<String> families = new HashSet<>();
        for (TaskDefinition td : taskDefinitions) {
            require(td.family() != null && !td.family().isBlank(), p + "a task definition has no family");
            require(families.add(td.family()), p + "duplicate task definition family " + td.family());
            require(!td.containers().isEmpty(), p + "task definition " + td.family() + " has no containers");
            for (Container c : td.containers()) {
                require(c.name() != null && c.image() != null,
                        p + "a container of " + td.family() + " needs name and image");
            }
        }
        Set<String> places = new HashSet<>();
        places.add(account + "/" + region);
        for (SandboxSeed world : worlds) {
            require(world.account().matches("\\d{12}"), p + "a world's account " + world.account()
                    + " is not 12 digits");
            require(places.add(world.account() + "/" + world.region()), p + "world " + world.account() + " in "
                    + world.region() + " is given twice (or is the seed's own account and region)");
            require(world.buckets().isEmpty() && world.worlds().isEmpty() && world.roles().isEmpty()
                    && world.plan().bucket() == null, p + "world " + world.account() + " in " + world.region()
                    + ": buckets, roles, plan and worlds belong to the seed itself (S3 and STS are global)");
        }
        Set<String> roleArns = new HashSet<>();
        for (Role role : roles) {
            require(role.arn() != null && ROLE_ARN.matcher(role.arn()).matches(), p + "role " + role.arn()
                    + " is not a role ARN; write arn:aws:iam::<12-digit account>:role/<name>");
            require(roleArns.add(role.arn()), p + "duplicate role " + role.arn());
        }
        for (Map.Entry<String, InstanceSet> e : containerInstances.entrySet()) {
            require(clusters.contains(e.getKey()), p + "containerInstances names cluster " + e.getKey()
                    + ", which is not in clusters");
            Set<String> ids = new HashSet<>();
            for (ContainerInstance i : e.getValue().instances()) {
                require(i.id() == null || ids.add(i.id()), p + "duplicate container instance " + i.id() + " in "
                        + e.getKey());
                require((i.cpu() == null || i.cpu() >= 0) && (i.memory() == null || i.memory() >= 0)
                        && (i.remainingCpu() == null || i.remainingCpu() >= 0)
                        && (i.remainingMemory() == null || i.remainingMemory() >= 0),
                        p + "container instance sizes in " + e.getKey() + " cannot be negative");
            }
        }
        for (Application a : applications) {
            for (Environment e : a.environments()) {
                require(e.ecs() == null || e.ecs().taskDefinition() == null
                                || families.contains(e.ecs().taskDefinition()),
                        p + "ecs of environment " + e.name() + " runs unknown task definition "
                                + (e.ecs() == null ? null : e.ecs().taskDefinition()));
            }
        }
        for (Rule r : tasks.rules()) {
            Match m = r.match();
            require(m.environment() != null || m.version() != null || m.image() != null || m.command() != null,
                    p + "a task rule has an empty match (use tasks.default instead)");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
