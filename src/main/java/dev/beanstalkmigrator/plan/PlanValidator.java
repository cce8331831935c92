package dev.beanstalkmigrator.plan;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.CapacityProvider;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.NetworkSpec;
import dev.beanstalkmigrator.model.VersionRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a located YAML tree against the plan format and builds the {@link MigrationPlan}. All
 * problems are recorded (not only the first); see {@link PlanParser} for the rules.
 */
final class PlanValidator {

    static final String API_VERSION = "beanstalk-migrator/v1";
    static final String KIND = "MigrationPlan";

    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_TIMEOUT = Duration.ofHours(24);

    private static final List<String> TOP_FIELDS = List.of("apiVersion", "kind", "metadata", "spec");
    private static final List<String> METADATA_FIELDS = List.of("name");
    private static final List<String> SPEC_FIELDS = List.of("defaults", "environments");
    static final List<String> ENV_FIELDS = List.of("name", "application", "version", "suspend", "rerun",
            "cluster", "taskDefinition", "container", "command", "timeout", "launchType",
            "capacityProviderStrategy", "network", "image", "afterSuccess");
    static final List<String> DEFAULT_FIELDS = ENV_FIELDS.subList(1, ENV_FIELDS.size());
    private static final List<String> REQUIRED_ENV_FIELDS = List.of("name", "application", "version", "cluster",
            "taskDefinition", "container", "command");
    private static final List<String> NETWORK_FIELDS = List.of("subnets", "securityGroups", "assignPublicIp");
    private static final List<String> PROVIDER_FIELDS = List.of("capacityProvider", "weight", "base");
    private static final List<String> LAUNCH_TYPES = List.of("FARGATE", "EC2");
    private static final List<String> AFTER_SUCCESS = List.of("none", "deploy");
    private static final Set<String> FARGATE_PROVIDERS = Set.of("FARGATE", "FARGATE_SPOT");

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]");
    private static final String ARN_PREFIX = "arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:";
    private static final String ECS_NAME = "[A-Za-z0-9_-]{1,255}";
    private static final Pattern CLUSTER = Pattern.compile(ECS_NAME + "|" + ARN_PREFIX + "cluster/" + ECS_NAME);
    private static final Pattern TASK_DEFINITION = Pattern.compile(
            "(" + ARN_PREFIX + "task-definition/)?" + ECS_NAME + "(:[1-9][0-9]{0,9})?");
    private static final Pattern SUBNET = Pattern.compile("subnet-[0-9A-Za-z]{1,64}");
    private static final Pattern SECURITY_GROUP = Pattern.compile("sg-[0-9A-Za-z]{1,64}");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?[0-9]{1,9}");

    private static final int MAX_APPLICATION = 100;
    private static final int MAX_VERSION_LABEL = 100;
    private static final int MAX_RERUN = 256;
    private static final int MAX_METADATA_NAME = 256;
    private static final int MAX_SUBNETS = 16;
    private static final int MAX_SECURITY_GROUPS = 5;
    private static final int MAX_PROVIDERS = 20;
    private static final int MAX_WEIGHT = 1000;
    private static final int MAX_BASE = 100_000;

    private final Problems problems;

    PlanValidator(Problems problems) {
        this.problems = problems;
    }

    /** A field as read from one mapping; {@code value} is null when the field was reported invalid. */
    private record Slot(YamlNode.Entry entry, Object value) {
        boolean ok() {
            return value != null;
        }
    }

    /**
     * The environment fields read from one mapping, and the fields that unknown keys in it were
     * taken for ({@code comand} for {@code command}): those are not reported missing as well.
     */
    private record Layer(Map<String, Slot> slots, Set<String> guessed) {
        static final Layer EMPTY = new Layer(Map.of(), Set.of());
    }

    /** Remembers where an environment name was first used. */
    private record NameUse(String path, int line) {}

    /**
     * @param root the document, or null when there was none
     * @return the plan, or null when any problem was recorded (including problems recorded earlier)
     */
    MigrationPlan validate(YamlNode root) {
        MigrationPlan plan = validateDocument(root);
        return problems.isEmpty() ? plan : null;
    }

    private MigrationPlan validateDocument(YamlNode root) {
        String start = "; a plan starts with apiVersion: " + API_VERSION + " and kind: " + KIND;
        if (root == null) {
            problems.at(1, 1, "", "the plan is empty" + start);
            return null;
        }
        if (root instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.NULL) {
            problems.at(1, 1, "", "the plan is empty" + start);
            return null;
        }
        if (!(root instanceof YamlNode.Mapping top)) {
            problems.at(root, "", "a plan is a mapping with apiVersion, kind, metadata and spec, but this is "
                    + describe(root) + start);
            return null;
        }
        Map<String, YamlNode.Entry> fields = fields(top, "", TOP_FIELDS, Map.of(
                "name", "it belongs under metadata",
                "environments", "it belongs under spec",
                "defaults", "it belongs under spec"));

        boolean foreign = false;
        YamlNode.Entry apiVersion = fields.get("apiVersion");
        if (apiVersion == null) {
            missing(top, "", "apiVersion", "add apiVersion: " + API_VERSION);
        } else {
            foreign |= !keyword(apiVersion.value(), "apiVersion", API_VERSION);
        }
        YamlNode.Entry kind = fields.get("kind");
        if (kind == null) {
            missing(top, "", "kind", "add kind: " + KIND);
        } else {
            foreign |= !keyword(kind.value(), "kind", KIND);
        }

        String name = null;
        YamlNode.Entry metadata = fields.get("metadata");
        if (metadata == null) {
            missing(top, "", "metadata", "add metadata: {name: my-app}");
        } else {
            name = metadataName(metadata.value());
        }
        if (foreign) {
            return null; // another kind of document: its spec would only produce noise
        }

        YamlNode.Entry spec = fields.get("spec");
        if (spec == null) {
            missing(top, "", "spec", "add spec: {environments: [...]}");
            return null;
        }
        List<EnvironmentSpec> environments = spec(spec.value());
        return name == null || environments == null ? null : new MigrationPlan(name, environments);
    }

    /** {@code apiVersion} and {@code kind}: exact words. Returns false when it names something else. */
    private boolean keyword(YamlNode node, String field, String expected) {
        String value = string(node, field, expected);
        if (value == null) {
            return true; // a type error, already reported; not proof of another kind of document
        }
        if (value.equals(expected)) {
            return true;
        }
        String hint = Texts.closest(value, List.of(expected)) != null
                ? "; did you mean " + expected + "?"
                : "; this file is not a plan this operator understands";
        problems.at(node, field, field + " must be " + expected + ", not " + Texts.quote(value) + hint);
        return false;
    }

    private String metadataName(YamlNode node) {
        YamlNode.Mapping metadata = mapping(node, "metadata", "a mapping with a name, e.g. {name: my-app}");
        if (metadata == null) {
            return null;
        }
        Map<String, YamlNode.Entry> fields = fields(metadata, "metadata", METADATA_FIELDS, Map.of());
        YamlNode.Entry name = fields.get("name");
        if (name == null) {
            missing(metadata, "metadata", "name", "add name: my-app; it is shown in status and logs");
            return null;
        }
        String value = string(name.value(), "metadata.name", "a name for the plan");
        if (value == null) {
            return null;
        }
        if (value.isBlank()) {
            problems.at(name.value(), "metadata.name", "the plan name is empty; give it a name, e.g. my-app");
            return null;
        }
        if (value.codePointCount(0, value.length()) > MAX_METADATA_NAME) {
            problems.at(name.value(), "metadata.name", "the plan name is longer than " + MAX_METADATA_NAME
                    + " characters; shorten it");
            return null;
        }
        return value;
    }

    private List<EnvironmentSpec> spec(YamlNode node) {
        YamlNode.Mapping spec = mapping(node, "spec", "a mapping with environments (and optionally defaults)");
        if (spec == null) {
            return null;
        }
        Map<String, String> hints = new HashMap<>();
        for (String field : ENV_FIELDS) {
            hints.put(field, "it belongs in spec.defaults or in each environment of spec.environments");
        }
        hints.put("name", "environment names belong in spec.environments; the plan's own name is metadata.name");
        hints.put("environment", "did you mean `environments`? It is a list of environments");
        Map<String, YamlNode.Entry> fields = fields(spec, "spec", SPEC_FIELDS, hints);

        Layer defaults = Layer.EMPTY;
        YamlNode.Entry defaultsEntry = fields.get("defaults");
        if (defaultsEntry != null) {
            YamlNode.Mapping mapping = mapping(defaultsEntry.value(), "spec.defaults",
                    "a mapping of environment fields");
            if (mapping != null) {
                defaults = layer(mapping, "spec.defaults", true);
            }
        }

        YamlNode.Entry environmentsEntry = fields.get("environments");
        if (environmentsEntry == null) {
            missing(spec, "spec", "environments", "add environments: a list of environments (may be [])");
            return null;
        }
        List<YamlNode> items = list(environmentsEntry.value(), "spec.environments", "a list of environments");
        if (items == null) {
            return null;
        }
        List<EnvironmentSpec> result = new ArrayList<>();
        Map<String, NameUse> names = new HashMap<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String path = Paths.index("spec.environments", i);
            YamlNode.Mapping env = mapping(items.get(i), path,
                    "a mapping with name, application, version and the task settings");
            EnvironmentSpec built = env == null ? null : environment(env, path, defaults, names);
            if (built == null) {
                ok = false;
            } else {
                result.add(built);
            }
        }
        return ok ? result : null;
    }

    /** Merges the environment over the defaults and builds it; null when anything is wrong. */
    private EnvironmentSpec environment(YamlNode.Mapping env, String path, Layer defaults,
            Map<String, NameUse> names) {
        Layer ownLayer = layer(env, path, false);
        Map<String, Slot> own = ownLayer.slots();
        Map<String, Slot> merged = new HashMap<>(defaults.slots());
        if (own.containsKey("launchType") || own.containsKey("capacityProviderStrategy")) {
            // The launch mode is one choice: an environment that picks one replaces the default's.
            merged.remove("launchType");
            merged.remove("capacityProviderStrategy");
        }
        merged.putAll(own);

        boolean ok = merged.values().stream().allMatch(Slot::ok);
        for (String field : REQUIRED_ENV_FIELDS) {
            if (!merged.containsKey(field)) {
                ok = false;
                if (ownLayer.guessed().contains(field) || defaults.guessed().contains(field)) {
                    continue; // already reported as a misspelling of this field
                }
                missing(env, path, field, field.equals("name")
                        ? "give every environment its Elastic Beanstalk environment name"
                        : "set it on this environment or in spec.defaults");
            }
        }

        Slot nameSlot = own.get("name");
        if (nameSlot != null && nameSlot.ok()) {
            String name = (String) nameSlot.value();
            YamlNode at = nameSlot.entry().value();
            NameUse first = names.putIfAbsent(name.toLowerCase(Locale.ROOT), new NameUse(path, at.line()));
            if (first != null) {
                ok = false;
                problems.at(at, Paths.field(path, "name"), "environment name " + Texts.code(name)
                        + " is already used by " + first.path() + " (line " + first.line()
                        + "); every environment needs its own name (names are compared ignoring case)");
            }
        }

        Slot launchTypeSlot = merged.get("launchType");
        Slot strategySlot = merged.get("capacityProviderStrategy");
        String launchType = null;
        boolean needsNetwork = false;
        boolean launchKnown = (launchTypeSlot == null || launchTypeSlot.ok())
                && (strategySlot == null || strategySlot.ok());
        if (strategySlot != null) {
            if (strategySlot.ok()) {
                @SuppressWarnings("unchecked")
                List<CapacityProvider> strategy = (List<CapacityProvider>) strategySlot.value();
                needsNetwork = strategy.stream().anyMatch(p -> FARGATE_PROVIDERS.contains(p.capacityProvider()));
            }
        } else {
            launchType = launchTypeSlot == null ? "FARGATE" : (String) launchTypeSlot.value();
            needsNetwork = "FARGATE".equals(launchType);
        }
        if (launchKnown && needsNetwork && !merged.containsKey("network")) {
            ok = false;
            problems.at(env, Paths.field(path, "network"), "FARGATE tasks need network.subnets; add network:"
                    + " {subnets: [subnet-...], securityGroups: [sg-...]} to this environment or to spec.defaults");
        }
        if (!ok) {
            return null;
        }
        @SuppressWarnings("unchecked")
        List<String> command = (List<String>) merged.get("command").value();
        @SuppressWarnings("unchecked")
        List<CapacityProvider> strategy = strategySlot == null ? null : (List<CapacityProvider>) strategySlot.value();
        return new EnvironmentSpec(
                (String) merged.get("name").value(),
                (String) merged.get("application").value(),
                (VersionRef) merged.get("version").value(),
                value(merged, "suspend", Boolean.FALSE),
                value(merged, "rerun", ""),
                (String) merged.get("cluster").value(),
                (String) merged.get("taskDefinition").value(),
                (String) merged.get("container").value(),
                command,
                value(merged, "timeout", DEFAULT_TIMEOUT),
                launchType,
                strategy,
                value(merged, "network", null),
                value(merged, "image", ""),
                value(merged, "afterSuccess", AfterSuccess.NONE));
    }

    @SuppressWarnings("unchecked")
    private static <T> T value(Map<String, Slot> merged, String field, T fallback) {
        Slot slot = merged.get(field);
        return slot == null ? fallback : (T) slot.value();
    }

    /** Reads the environment fields of one mapping (an environment or spec.defaults). */
    private Layer layer(YamlNode.Mapping mapping, String path, boolean defaults) {
        Map<String, String> hints = new HashMap<>();
        for (String field : NETWORK_FIELDS) {
            hints.put(field, "it belongs under network");
        }
        hints.put("weight", "it belongs in an entry of capacityProviderStrategy");
        hints.put("base", "it belongs in an entry of capacityProviderStrategy");
        hints.put("capacityProvider", "it belongs in an entry of capacityProviderStrategy");
        if (defaults) {
            hints.put("name", "every environment sets its own name; it cannot be a default");
        }
        Set<String> guessed = new HashSet<>();
        Map<String, YamlNode.Entry> fields = fields(mapping, path, defaults ? DEFAULT_FIELDS : ENV_FIELDS, hints,
                guessed);
        Map<String, Slot> slots = new LinkedHashMap<>();
        for (Map.Entry<String, YamlNode.Entry> field : fields.entrySet()) {
            String fieldPath = Paths.field(path, field.getKey());
            Object value = envField(field.getKey(), field.getValue().value(), fieldPath);
            slots.put(field.getKey(), new Slot(field.getValue(), value));
        }
        YamlNode.Entry launchType = fields.get("launchType");
        YamlNode.Entry strategy = fields.get("capacityProviderStrategy");
        if (launchType != null && strategy != null) {
            boolean strategyLater = before(launchType.key(), strategy.key());
            YamlNode.Entry later = strategyLater ? strategy : launchType;
            String laterName = strategyLater ? "capacityProviderStrategy" : "launchType";
            problems.at(later.key(), Paths.field(path, laterName), "set either launchType or"
                    + " capacityProviderStrategy, not both; remove one of them");
            slots.put("capacityProviderStrategy", new Slot(strategy, null));
        }
        return new Layer(slots, guessed);
    }

    private static boolean before(YamlNode a, YamlNode b) {
        return a.line() < b.line() || (a.line() == b.line() && a.column() < b.column());
    }

    private Object envField(String field, YamlNode node, String path) {
        return switch (field) {
            case "name" -> environmentName(node, path);
            case "application" -> application(node, path);
            case "version" -> version(node, path);
            case "suspend" -> bool(node, path);
            case "rerun" -> rerun(node, path);
            case "cluster" -> matching(node, path, "an ECS cluster name or ARN", CLUSTER,
                    "is not an ECS cluster name or ARN; a name has 1 to 255 letters, digits, hyphens and underscores");
            case "taskDefinition" -> matching(node, path, "a task definition", TASK_DEFINITION,
                    "is not a task definition; write a family (acme-web), family:revision (acme-web:12) or a"
                            + " task definition ARN");
            case "container" -> matching(node, path, "a container name", Pattern.compile(ECS_NAME),
                    "is not a container name; it has 1 to 255 letters, digits, hyphens and underscores");
            case "command" -> command(node, path);
            case "timeout" -> timeout(node, path);
            case "launchType" -> choice(node, path, "launchType", LAUNCH_TYPES);
            case "capacityProviderStrategy" -> strategy(node, path);
            case "network" -> network(node, path);
            case "image" -> image(node, path);
            case "afterSuccess" -> {
                String word = choice(node, path, "afterSuccess", AFTER_SUCCESS);
                yield word == null ? null : AfterSuccess.valueOf(word.toUpperCase(Locale.ROOT));
            }
            default -> throw new IllegalStateException("no reader for field " + field);
        };
    }

    private String environmentName(YamlNode node, String path) {
        String name = string(node, path, "an Elastic Beanstalk environment name");
        if (name == null) {
            return null;
        }
        if (!ENV_NAME.matcher(name).matches()) {
            problems.at(node, path, Texts.quote(name) + " is not a valid Elastic Beanstalk environment name; use 4"
                    + " to 40 letters, digits and hyphens, not starting or ending with a hyphen");
            return null;
        }
        return name;
    }

    private String application(YamlNode node, String path) {
        String name = string(node, path, "an Elastic Beanstalk application name");
        if (name == null) {
            return null;
        }
        if (name.isBlank() || name.length() > MAX_APPLICATION || name.contains("/")) {
            problems.at(node, path, Texts.quote(name) + " is not a valid Elastic Beanstalk application name; use 1"
                    + " to " + MAX_APPLICATION + " characters without a slash");
            return null;
        }
        return name;
    }

    private VersionRef version(YamlNode node, String path) {
        String text = stringOrNumber(node, path, "a version label, deployed or latest");
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            problems.at(node, path, "the version is empty; write a version label, deployed or latest");
            return null;
        }
        if (text.length() > MAX_VERSION_LABEL) {
            problems.at(node, path, "the version label is longer than " + MAX_VERSION_LABEL
                    + " characters, which Elastic Beanstalk does not allow");
            return null;
        }
        return VersionRef.parse(text);
    }

    private String rerun(YamlNode node, String path) {
        String text = stringOrNumber(node, path, "a rerun token");
        if (text != null && text.length() > MAX_RERUN) {
            problems.at(node, path, "the rerun token is longer than " + MAX_RERUN
                    + " characters; use a short token such as a date or a counter");
            return null;
        }
        return text;
    }

    private String matching(YamlNode node, String path, String expected, Pattern pattern, String complaint) {
        String text = string(node, path, expected);
        if (text == null) {
            return null;
        }
        if (!pattern.matcher(text).matches()) {
            problems.at(node, path, Texts.quote(text) + " " + complaint);
            return null;
        }
        return text;
    }

    private List<String> command(YamlNode node, String path) {
        List<YamlNode> items = list(node, path, "the command as a list, e.g. [python, manage.py, migrate]", true);
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            problems.at(node, path, "the command is empty; give the program and its arguments, e.g."
                    + " [python, manage.py, migrate]");
            return null;
        }
        List<String> command = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            YamlNode item = items.get(i);
            String itemPath = Paths.index(path, i);
            String text = string(item, itemPath, "a command argument");
            if (text == null) {
                ok = false;
            } else if (text.isEmpty()) {
                problems.at(item, itemPath, "a command argument must not be empty; remove it");
                ok = false;
            } else {
                command.add(text);
            }
        }
        return ok ? command : null;
    }

    private Duration timeout(YamlNode node, String path) {
        // A bare number reaches Durations.parse, whose message asks for a unit.
        String text = stringOrNumber(node, path, "a duration such as 30m");
        if (text == null) {
            return null;
        }
        Duration duration;
        try {
            duration = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            problems.at(node, path, e.getMessage());
            return null;
        }
        if (duration.compareTo(MIN_TIMEOUT) < 0 || duration.compareTo(MAX_TIMEOUT) > 0) {
            problems.at(node, path, Texts.quote(text) + " is " + (duration.compareTo(MIN_TIMEOUT) < 0
                    ? "shorter than 1s" : "longer than 24h") + "; a timeout must be between 1s and 24h");
            return null;
        }
        return duration;
    }

    private String choice(YamlNode node, String path, String field, List<String> words) {
        String expected = String.join(" or ", words);
        String text = string(node, path, expected);
        if (text == null) {
            return null;
        }
        if (words.contains(text)) {
            return text;
        }
        String guess = Texts.closest(text, words);
        problems.at(node, path, field + " must be " + expected + ", not " + Texts.quote(text)
                + (guess == null ? "" : "; did you mean " + guess + "?"));
        return null;
    }

    private List<CapacityProvider> strategy(YamlNode node, String path) {
        List<YamlNode> items = list(node, path,
                "a list of providers, e.g. [{capacityProvider: FARGATE_SPOT, weight: 1}]");
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            problems.at(node, path, "capacityProviderStrategy is empty; list at least one provider, or remove it"
                    + " to use launchType");
            return null;
        }
        if (items.size() > MAX_PROVIDERS) {
            problems.at(node, path, "capacityProviderStrategy lists " + items.size()
                    + " providers; ECS allows at most " + MAX_PROVIDERS);
            return null;
        }
        List<CapacityProvider> providers = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            CapacityProvider provider = provider(items.get(i), Paths.index(path, i));
            if (provider == null) {
                ok = false;
            } else {
                providers.add(provider);
            }
        }
        if (!ok) {
            return null;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < providers.size(); i++) {
            if (!seen.add(providers.get(i).capacityProvider())) {
                problems.at(items.get(i), Paths.index(path, i), "capacity provider "
                        + Texts.code(providers.get(i).capacityProvider()) + " is listed twice; list each once");
                ok = false;
            }
        }
        if (providers.stream().filter(p -> p.base() > 0).count() > 1) {
            problems.at(node, path, "only one capacity provider may have a base above 0; set base on one");
            ok = false;
        }
        if (providers.size() > 1 && providers.stream().allMatch(p -> p.weight() == 0)) {
            problems.at(node, path, "with several capacity providers at least one needs a weight above 0,"
                    + " or ECS places no task");
            ok = false;
        }
        return ok ? providers : null;
    }

    private CapacityProvider provider(YamlNode node, String path) {
        YamlNode.Mapping mapping = mapping(node, path, "a mapping like {capacityProvider: FARGATE_SPOT, weight: 1}");
        if (mapping == null) {
            return null;
        }
        Map<String, YamlNode.Entry> fields = fields(mapping, path, PROVIDER_FIELDS, Map.of());
        YamlNode.Entry nameEntry = fields.get("capacityProvider");
        String name = null;
        boolean ok = true;
        if (nameEntry == null) {
            missing(mapping, path, "capacityProvider", "name the capacity provider, e.g. capacityProvider: FARGATE");
            ok = false;
        } else {
            name = matching(nameEntry.value(), Paths.field(path, "capacityProvider"), "a capacity provider name",
                    Pattern.compile(ECS_NAME), "is not a capacity provider name; it has 1 to 255 letters, digits,"
                            + " hyphens and underscores");
        }
        YamlNode.Entry weightEntry = fields.get("weight");
        Integer weight = weightEntry == null ? Integer.valueOf(0)
                : integer(weightEntry.value(), Paths.field(path, "weight"), 0, MAX_WEIGHT);
        YamlNode.Entry baseEntry = fields.get("base");
        Integer base = baseEntry == null ? Integer.valueOf(0)
                : integer(baseEntry.value(), Paths.field(path, "base"), 0, MAX_BASE);
        if (!ok || name == null || weight == null || base == null) {
            return null;
        }
        return new CapacityProvider(name, weight, base);
    }

    private NetworkSpec network(YamlNode node, String path) {
        YamlNode.Mapping mapping = mapping(node, path,
                "a mapping like {subnets: [subnet-...], securityGroups: [sg-...], assignPublicIp: false}");
        if (mapping == null) {
            return null;
        }
        Map<String, YamlNode.Entry> fields = fields(mapping, path, NETWORK_FIELDS, Map.of());
        boolean ok = true;
        List<String> subnets = null;
        YamlNode.Entry subnetsEntry = fields.get("subnets");
        if (subnetsEntry == null) {
            missing(mapping, path, "subnets", "list at least one subnet, e.g. subnets: [subnet-0abc1234]");
            ok = false;
        } else {
            subnets = ids(subnetsEntry.value(), Paths.field(path, "subnets"), SUBNET, "subnet",
                    "subnet-0abc1234", MAX_SUBNETS, true);
        }
        List<String> securityGroups = List.of();
        YamlNode.Entry groupsEntry = fields.get("securityGroups");
        if (groupsEntry != null) {
            securityGroups = ids(groupsEntry.value(), Paths.field(path, "securityGroups"), SECURITY_GROUP,
                    "security group", "sg-0abc1234", MAX_SECURITY_GROUPS, false);
        }
        Boolean assignPublicIp = Boolean.FALSE;
        YamlNode.Entry publicIpEntry = fields.get("assignPublicIp");
        if (publicIpEntry != null) {
            assignPublicIp = bool(publicIpEntry.value(), Paths.field(path, "assignPublicIp"));
        }
        if (!ok || subnets == null || securityGroups == null || assignPublicIp == null) {
            return null;
        }
        return new NetworkSpec(subnets, securityGroups, assignPublicIp);
    }

    private List<String> ids(YamlNode node, String path, Pattern pattern, String what, String example, int max,
            boolean required) {
        List<YamlNode> items = list(node, path, "a list of " + what + " IDs, e.g. [" + example + "]", true);
        if (items == null) {
            return null;
        }
        if (required && items.isEmpty()) {
            problems.at(node, path, "no " + what + " listed; list at least one, e.g. [" + example + "]");
            return null;
        }
        if (items.size() > max) {
            problems.at(node, path, items.size() + " " + what + "s listed; ECS allows at most " + max);
            return null;
        }
        List<String> ids = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String itemPath = Paths.index(path, i);
            String id = string(items.get(i), itemPath, "a " + what + " ID");
            if (id == null) {
                ok = false;
            } else if (!pattern.matcher(id).matches()) {
                problems.at(items.get(i), itemPath, Texts.quote(id) + " is not a " + what + " ID; " + what
                        + " IDs look like " + example);
                ok = false;
            } else {
                ids.add(id);
            }
        }
        return ok ? ids : null;
    }

    private String image(YamlNode node, String path) {
        String text = string(node, path, "an image template, e.g. 1234.dkr.ecr.us-east-1.amazonaws.com/app:{version}");
        String problem = text == null ? null : ImageTemplate.problem(text);
        if (problem != null) {
            problems.at(node, path, problem);
            return null;
        }
        return text;
    }

    // ---- typed primitives ------------------------------------------------------------------------

    /**
     * The keys of a mapping that are allowed here, first occurrence each. Reports keys that are not
     * plain words, unknown keys (with a close spelling or a hint where the field belongs) and keys
     * given twice.
     */
    private Map<String, YamlNode.Entry> fields(YamlNode.Mapping mapping, String path, Collection<String> allowed,
            Map<String, String> hints) {
        return fields(mapping, path, allowed, hints, new HashSet<>());
    }

    /** As above; adds to {@code guessed} the known fields that unknown keys were likely meant to be. */
    private Map<String, YamlNode.Entry> fields(YamlNode.Mapping mapping, String path, Collection<String> allowed,
            Map<String, String> hints, Set<String> guessed) {
        Map<String, YamlNode.Entry> fields = new LinkedHashMap<>();
        for (YamlNode.Entry entry : mapping.entries()) {
            if (!(entry.key() instanceof YamlNode.Scalar key)) {
                problems.at(entry.key(), path, "a field name must be a plain word, not " + describe(entry.key()));
                continue;
            }
            String name = key.text();
            String fieldPath = Paths.field(path, name);
            if (name.equals("<<") && key.plain()) {
                problems.at(key, fieldPath, "merge keys (<<) are not supported; write the fields out, or put"
                        + " shared values in spec.defaults");
            } else if (!allowed.contains(name)) {
                String guess = hints.containsKey(name) ? null : Texts.closest(name, allowed);
                if (guess != null) {
                    guessed.add(guess);
                }
                problems.at(key, fieldPath, unknown(name, allowed, hints));
            } else if (fields.containsKey(name)) {
                problems.at(key, fieldPath, "duplicate key " + Texts.code(name) + "; it is already set on line "
                        + fields.get(name).key().line() + ", so remove one of them");
            } else {
                fields.put(name, entry);
            }
        }
        return fields;
    }

    private static String unknown(String name, Collection<String> allowed, Map<String, String> hints) {
        String message = "unknown field " + Texts.code(name);
        String hint = hints.get(name);
        if (hint != null) {
            return message + "; " + hint;
        }
        String guess = Texts.closest(name, allowed);
        if (guess != null) {
            return message + "; did you mean " + Texts.code(guess) + "?";
        }
        return message + "; the fields allowed here are " + String.join(", ", allowed);
    }

    private void missing(YamlNode.Mapping mapping, String path, String field, String advice) {
        problems.at(mapping, Paths.field(path, field), "missing required field " + Texts.code(field) + "; " + advice);
    }

    private YamlNode.Mapping mapping(YamlNode node, String path, String expected) {
        if (node instanceof YamlNode.Mapping mapping) {
            return mapping;
        }
        typeError(node, path, expected);
        return null;
    }

    private List<YamlNode> list(YamlNode node, String path, String expected) {
        return list(node, path, expected, false);
    }

    /**
     * @param wordList the list holds plain words (a command, IDs): text given instead is shown split
     *     into such a list as the fix
     */
    private List<YamlNode> list(YamlNode node, String path, String expected, boolean wordList) {
        if (node instanceof YamlNode.Sequence sequence) {
            return sequence.items();
        }
        if (wordList && node instanceof YamlNode.Scalar scalar && scalar.kind() == YamlNode.Kind.STRING
                && !scalar.text().isBlank() && scalar.text().length() <= 80) {
            String[] words = scalar.text().trim().split("\\s+");
            problems.at(node, path, "expected a list, got " + describe(node) + "; write it as a list, e.g. ["
                    + Texts.escape(String.join(", ", words)) + "]");
            return null;
        }
        typeError(node, path, expected);
        return null;
    }

    private String string(YamlNode node, String path, String expected) {
        if (node instanceof YamlNode.Scalar scalar && scalar.kind() == YamlNode.Kind.STRING) {
            return scalar.text();
        }
        typeError(node, path, expected, true);
        return null;
    }

    /** A string, or a number taken as its exact source text ({@code 1.10} stays {@code "1.10"}). */
    private String stringOrNumber(YamlNode node, String path, String expected) {
        if (node instanceof YamlNode.Scalar scalar) {
            YamlNode.Kind kind = scalar.kind();
            if (kind == YamlNode.Kind.STRING || kind == YamlNode.Kind.INT || kind == YamlNode.Kind.FLOAT) {
                return scalar.text();
            }
        }
        typeError(node, path, expected);
        return null;
    }

    private Boolean bool(YamlNode node, String path) {
        if (node instanceof YamlNode.Scalar scalar && scalar.kind() == YamlNode.Kind.BOOL) {
            return Boolean.valueOf(scalar.text().toLowerCase(Locale.ROOT));
        }
        if (node instanceof YamlNode.Scalar scalar && !scalar.plain()
                && (scalar.text().equals("true") || scalar.text().equals("false"))) {
            problems.at(node, path, "expected true or false, got " + describe(node) + "; remove the quotes");
            return null;
        }
        if (node instanceof YamlNode.Scalar scalar && scalar.kind() != YamlNode.Kind.NULL) {
            problems.at(node, path, "expected true or false, got " + describe(node) + "; write true or false");
            return null;
        }
        typeError(node, path, "true or false");
        return null;
    }

    private Integer integer(YamlNode node, String path, int min, int max) {
        if (node instanceof YamlNode.Scalar scalar && scalar.plain() && DECIMAL.matcher(scalar.text()).matches()) {
            int value = Integer.parseInt(scalar.text());
            if (value < min || value > max) {
                problems.at(node, path, scalar.text() + " is out of range; write a whole number from " + min
                        + " to " + max);
                return null;
            }
            return value;
        }
        if (node instanceof YamlNode.Scalar scalar && !scalar.plain() && DECIMAL.matcher(scalar.text()).matches()) {
            problems.at(node, path, "expected a whole number, got " + describe(node) + "; remove the quotes");
            return null;
        }
        typeError(node, path, "a whole number from " + min + " to " + max);
        return null;
    }

    private void typeError(YamlNode node, String path, String expected) {
        typeError(node, path, expected, false);
    }

    /** @param wantsText text is expected here, so a number or boolean may just need quotes */
    private void typeError(YamlNode node, String path, String expected, boolean wantsText) {
        String got = describe(node);
        String message;
        if (node instanceof YamlNode.Scalar scalar) {
            message = switch (scalar.kind()) {
                case NULL -> "no value given; write " + expected + " here";
                case BOOL, INT, FLOAT -> "expected " + expected + ", got " + got + (wantsText
                        ? "; if you mean the text, quote it: " + Texts.quote(scalar.text()) : "");
                case STRING -> "expected " + expected + ", got " + got;
            };
        } else {
            message = "expected " + expected + ", got " + got;
        }
        problems.at(node, path, message);
    }

    static String describe(YamlNode node) {
        if (node instanceof YamlNode.Mapping) {
            return "a mapping";
        }
        if (node instanceof YamlNode.Sequence) {
            return "a list";
        }
        YamlNode.Scalar scalar = (YamlNode.Scalar) node;
        return switch (scalar.kind()) {
            case NULL -> "nothing (null)";
            case BOOL -> "the boolean " + scalar.text();
            case INT, FLOAT -> "the number " + Texts.escape(scalar.text());
            case STRING -> "the string " + Texts.quote(scalar.text());
        };
    }
}
