package dev.beanstalkmigrator.plan;

import static dev.beanstalkmigrator.plan.PlanFields.API_VERSION;
import static dev.beanstalkmigrator.plan.PlanFields.API_VERSION_VALUE;
import static dev.beanstalkmigrator.plan.PlanFields.CAPACITY_PROVIDER_STRATEGY;
import static dev.beanstalkmigrator.plan.PlanFields.KIND;
import static dev.beanstalkmigrator.plan.PlanFields.KIND_VALUE;
import static dev.beanstalkmigrator.plan.PlanFields.LAUNCH_TYPE;
import static dev.beanstalkmigrator.plan.PlanFields.NAME;

import dev.beanstalkmigrator.model.CapacityProvider;
import dev.beanstalkmigrator.model.CloudPlace;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.plan.PlanFields.Section;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a located YAML tree against the plan format and builds the {@link MigrationPlan}. Fields are
 * read by their declarations in {@link PlanFields}; this class holds the document's shape and the rules
 * that span fields (merging defaults, unique names, the launch choice). All problems are recorded (not
 * only the first); see {@link PlanParser} for the rules.
 */
final class PlanValidator {

    private final Problems problems;
    private final ValueReader values;

    PlanValidator(Problems problems) {
        this.problems = problems;
        this.values = new ValueReader(problems);
    }

    /** Remembers where an environment name was first used. */
    private record NameUse(String path, int line) {}

    /**
     * @param root the document, or null when there was none
     * @return the plan, or null when any problem was recorded (including problems recorded earlier)
     */
    MigrationPlan validate(YamlNode root) {
        MigrationPlan plan = document(root);
        return problems.isEmpty() ? plan : null;
    }

    private MigrationPlan document(YamlNode root) {
        String start = "; a plan starts with apiVersion: " + API_VERSION_VALUE + " and kind: " + KIND_VALUE;
        if (root == null || (root instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.NULL)) {
            problems.at(1, 1, "", "the plan is empty" + start);
            return null;
        }
        if (!(root instanceof YamlNode.Mapping top)) {
            problems.at(root, "", "a plan is a mapping with apiVersion, kind, metadata and spec, but this is "
                    + ValueReader.describe(root) + start);
            return null;
        }
        Map<String, String> hints = hints(Section.METADATA_FIELDS, "it belongs under metadata");
        hints.putAll(hints(Section.SPEC_FIELDS, "it belongs under spec"));
        ValueReader.Fields fields = values.read(top, "", Section.DOCUMENT.fields(), hints);
        boolean foreign = !keyword(fields, API_VERSION, API_VERSION_VALUE) | !keyword(fields, KIND, KIND_VALUE);
        String name = null;
        YamlNode.Mapping metadata = fields.get(PlanFields.METADATA);
        if (metadata != null) {
            name = values.object(metadata, "metadata", "a mapping", Section.METADATA_FIELDS.fields(),
                    read -> read.get(PlanFields.PLAN_NAME));
        }
        if (foreign) {
            // another kind of document: its spec would only produce noise
            values.requireAll(fields, top, "", List.of(API_VERSION, KIND, PlanFields.METADATA));
            return null;
        }
        if (!values.requireAll(fields, top, "", Section.DOCUMENT.fields()) || fields.get(PlanFields.SPEC) == null) {
            return null;
        }
        Spec spec = spec(fields.get(PlanFields.SPEC));
        return name == null || spec == null ? null : new MigrationPlan(name, spec.environments(), spec.notifications());
    }

    /** What spec holds, once valid. */
    private record Spec(List<EnvironmentSpec> environments, List<NotificationChannel> notifications) {}

    /** {@code apiVersion} and {@code kind}: exact words. Returns false when it names something else. */
    private boolean keyword(ValueReader.Fields fields, Field<String> field, String expected) {
        String value = fields.get(field);
        if (value == null || value.equals(expected)) {
            return true; // missing or a type error, reported elsewhere: not proof of another kind of document
        }
        String hint = Texts.closest(value, List.of(expected)) != null
                ? "; did you mean " + expected + "?"
                : "; this file is not a plan this operator understands";
        problems.at(fields.entry(field).value(), field.name(), field.name() + " must be " + expected + ", not "
                + Texts.quote(value) + hint);
        return false;
    }

    private Spec spec(YamlNode node) {
        YamlNode.Mapping spec = values.mapping(node, "spec", "a mapping with environments (and optionally defaults)");
        if (spec == null) {
            return null;
        }
        Map<String, String> hints = hints(Section.ENVIRONMENT,
                "it belongs in spec.defaults or in each environment of spec.environments");
        hints.put(NAME.name(), "environment names belong in spec.environments; the plan's own name is metadata.name");
        hints.put("environment", "did you mean `environments`? It is a list of environments");
        hints.put("notification", "did you mean `notifications`? It is a list of channels");
        ValueReader.Fields fields = values.read(spec, "spec", Section.SPEC_FIELDS.fields(), hints);
        YamlNode.Mapping defaultsMapping = fields.get(PlanFields.DEFAULTS);
        ValueReader.Fields defaults = defaultsMapping == null ? new ValueReader.Fields()
                : layer(defaultsMapping, "spec.defaults", true);
        List<YamlNode> items = fields.get(PlanFields.ENVIRONMENTS);
        if (!values.requireAll(fields, spec, "spec", Section.SPEC_FIELDS.fields()) || items == null) {
            return null;
        }
        List<EnvironmentSpec> result = new ArrayList<>();
        Map<String, NameUse> names = new HashMap<>();
        Map<String, List<Upstream>> upstreams = new LinkedHashMap<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String path = Paths.index("spec.environments", i);
            YamlNode.Mapping env = values.mapping(items.get(i), path,
                    "a mapping with name, application, version and the task settings");
            EnvironmentSpec built = env == null ? null : environment(env, path, defaults, names, upstreams);
            ok &= built != null;
            result.add(built);
        }
        ok = ok && promotionOrder(upstreams);
        List<NotificationChannel> notifications = fields.get(PlanFields.NOTIFICATIONS);
        return ok && fields.ok(PlanFields.NOTIFICATIONS)
                ? new Spec(result, notifications == null ? List.of() : notifications) : null;
    }

    /** One name in an environment's {@code after}, where it was written. */
    private record Upstream(String name, YamlNode at, String path) {}

    /**
     * The rules of {@code after} that span environments: each name is another environment of the plan, and no
     * environment comes, through any chain, after itself. A cycle is reported once, at the name that closes it.
     *
     * @param upstreams per environment (in plan order), the names its {@code after} lists
     */
    private boolean promotionOrder(Map<String, List<Upstream>> upstreams) {
        boolean ok = true;
        for (Map.Entry<String, List<Upstream>> e : upstreams.entrySet()) {
            for (Upstream up : e.getValue()) {
                if (up.name().equals(e.getKey())) {
                    ok = false;
                    problems.at(up.at(), up.path(), "an environment cannot come after itself; remove "
                            + Texts.code(up.name()) + " from its after");
                } else if (!upstreams.containsKey(up.name())) {
                    ok = false;
                    String near = Texts.closest(up.name(), upstreams.keySet());
                    problems.at(up.at(), up.path(), Texts.code(up.name()) + " is not an environment of this plan"
                            + (near != null ? "; did you mean " + Texts.code(near) + "?"
                            : "; add it to spec.environments or remove it from after"));
                }
            }
        }
        if (!ok) {
            return false;
        }
        Set<String> done = new HashSet<>();
        for (String start : upstreams.keySet()) {
            List<String> cycle = cycleFrom(start, upstreams, new ArrayList<>(), done);
            if (cycle != null) {
                String last = cycle.get(cycle.size() - 2);
                Upstream closing = upstreams.get(last).stream().filter(u -> u.name().equals(cycle.get(cycle.size() - 1)))
                        .findFirst().orElseThrow();
                problems.at(closing.at(), closing.path(), "after makes a cycle: " + String.join(" -> ", cycle)
                        + "; an environment can only come after environments that do not, through their after, come"
                        + " after it");
                return false;
            }
        }
        return true;
    }

    /** A path that comes back to an environment already on it (depth first), or null. */
    private static List<String> cycleFrom(String environment, Map<String, List<Upstream>> upstreams,
                                          List<String> path, Set<String> done) {
        int seen = path.indexOf(environment);
        if (seen >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(seen, path.size()));
            cycle.add(environment);
            return cycle;
        }
        if (done.contains(environment)) {
            return null;
        }
        path.add(environment);
        for (Upstream up : upstreams.getOrDefault(environment, List.of())) {
            List<String> cycle = cycleFrom(up.name(), upstreams, path, done);
            if (cycle != null) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        done.add(environment);
        return null;
    }

    /** Merges the environment over the defaults and builds it; null when anything is wrong. */
    private EnvironmentSpec environment(YamlNode.Mapping env, String path, ValueReader.Fields defaults,
            Map<String, NameUse> names, Map<String, List<Upstream>> upstreams) {
        ValueReader.Fields own = layer(env, path, false);
        // The launch mode is one choice: an environment that picks one replaces the default's.
        ValueReader.Fields merged = own.over(defaults, List.of(LAUNCH_TYPE, CAPACITY_PROVIDER_STRATEGY));
        boolean ok = merged.allOk() & values.requireAll(merged, env, path, Section.ENVIRONMENT.fields());

        String name = own.get(NAME);
        if (name != null) {
            YamlNode at = own.entry(NAME).value();
            NameUse first = names.putIfAbsent(name.toLowerCase(Locale.ROOT), new NameUse(path, at.line()));
            if (first != null) {
                ok = false;
                problems.at(at, Paths.field(path, NAME.name()), "environment name " + Texts.code(name)
                        + " is already used by " + first.path() + " (line " + first.line()
                        + "); every environment needs its own name (names are compared ignoring case)");
            }
        }

        List<CapacityProvider> strategy = merged.get(CAPACITY_PROVIDER_STRATEGY);
        String launchType = merged.has(CAPACITY_PROVIDER_STRATEGY) ? null : merged.get(LAUNCH_TYPE);
        if (merged.ok(LAUNCH_TYPE) && merged.ok(CAPACITY_PROVIDER_STRATEGY)
                && PlanFields.onFargate(launchType, strategy) && !merged.has(PlanFields.NETWORK)) {
            ok = false;
            problems.at(env, Paths.field(path, PlanFields.NETWORK.name()), "FARGATE tasks need network.subnets;"
                    + " add network: {subnets: [subnet-...], securityGroups: [sg-...]} to this environment or to"
                    + " spec.defaults");
        }
        if (merged.has(PlanFields.EXTERNAL_ID) && !merged.has(PlanFields.ROLE_ARN)) {
            ok = false;
            problems.at(merged.entry(PlanFields.EXTERNAL_ID).value(), Paths.field(path, PlanFields.EXTERNAL_ID.name()),
                    "externalId is given without roleArn; an external ID goes with the role whose trust policy asks"
                            + " for it: add roleArn or remove externalId");
        }
        String clusterRegion = clusterRegion(merged.get(PlanFields.CLUSTER));
        if (merged.has(PlanFields.REGION) && clusterRegion != null
                && !clusterRegion.equals(merged.get(PlanFields.REGION))) {
            ok = false;
            problems.at(merged.entry(PlanFields.CLUSTER).value(), Paths.field(path, PlanFields.CLUSTER.name()),
                    "the cluster ARN is in " + clusterRegion + " but region is " + merged.get(PlanFields.REGION)
                            + "; a migrate task runs in the environment's Region: fix the ARN or the region");
        }
        if (!ok) {
            return null;
        }
        List<Upstream> ups = new ArrayList<>();
        if (own.has(PlanFields.AFTER) && own.entry(PlanFields.AFTER).value() instanceof YamlNode.Sequence list) {
            List<String> after = own.get(PlanFields.AFTER);
            for (int i = 0; i < after.size(); i++) {
                ups.add(new Upstream(after.get(i), list.items().get(i),
                        Paths.index(Paths.field(path, PlanFields.AFTER.name()), i)));
            }
        }
        upstreams.put(name, ups);
        return new EnvironmentSpec(merged.get(NAME), merged.get(PlanFields.APPLICATION),
                merged.get(PlanFields.VERSION), merged.get(PlanFields.SUSPEND), merged.get(PlanFields.RERUN),
                merged.get(PlanFields.CLUSTER), merged.get(PlanFields.TASK_DEFINITION),
                merged.get(PlanFields.CONTAINER), merged.get(PlanFields.COMMAND), merged.get(PlanFields.TIMEOUT),
                launchType, strategy, merged.get(PlanFields.NETWORK), merged.get(PlanFields.IMAGE),
                merged.get(PlanFields.AFTER_SUCCESS), merged.get(PlanFields.DATABASE), merged.get(PlanFields.AFTER),
                merged.get(PlanFields.PREVIEW), approved(defaults.get(PlanFields.APPROVED),
                own.get(PlanFields.APPROVED)), CloudPlace.of(merged.get(PlanFields.REGION),
                merged.get(PlanFields.ROLE_ARN), merged.get(PlanFields.EXTERNAL_ID)));
    }

    /** The Region of a cluster ARN, or null for a cluster name. */
    private static String clusterRegion(String cluster) {
        if (cluster == null || !cluster.startsWith("arn:")) {
            return null;
        }
        String[] parts = cluster.split(":", 6);
        return parts.length > 3 ? parts[3] : null;
    }

    /** An environment's approvals: the defaults' and its own together, each once. */
    private static List<String> approved(List<String> defaults, List<String> own) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(defaults);
        all.addAll(own);
        return List.copyOf(all);
    }

    /** Reads the environment fields of one mapping (an environment or spec.defaults). */
    private ValueReader.Fields layer(YamlNode.Mapping mapping, String path, boolean defaults) {
        Map<String, String> hints = hints(Section.NETWORK, "it belongs under network");
        hints.putAll(hints(Section.CAPACITY_PROVIDER, "it belongs in an entry of capacityProviderStrategy"));
        hints.put(PlanFields.APPROVAL.name(), "it belongs under preview");
        hints.put(PlanFields.MATCHES.name(), "it belongs under preview");
        if (defaults) {
            hints.put(NAME.name(), "every environment sets its own name; it cannot be a default");
            hints.put(PlanFields.AFTER.name(), "every environment lists the environments it comes after; after"
                    + " cannot be a default");
        }
        ValueReader.Fields layer = values.read(mapping, path,
                defaults ? PlanFields.defaultFields() : Section.ENVIRONMENT.fields(), hints);
        if (layer.has(LAUNCH_TYPE) && layer.has(CAPACITY_PROVIDER_STRATEGY)) {
            YamlNode.Entry launchType = layer.entry(LAUNCH_TYPE);
            YamlNode.Entry strategy = layer.entry(CAPACITY_PROVIDER_STRATEGY);
            boolean strategyLater = before(launchType.key(), strategy.key());
            Field<?> later = strategyLater ? CAPACITY_PROVIDER_STRATEGY : LAUNCH_TYPE;
            problems.at(layer.entry(later).key(), Paths.field(path, later.name()), "set either launchType or"
                    + " capacityProviderStrategy, not both; remove one of them");
            layer.put(CAPACITY_PROVIDER_STRATEGY, strategy, null);
        }
        return layer;
    }

    private static boolean before(YamlNode a, YamlNode b) {
        return a.line() < b.line() || (a.line() == b.line() && a.column() < b.column());
    }

    /** The same hint for every field of a section that was written in the wrong place. */
    private static Map<String, String> hints(Section section, String hint) {
        Map<String, String> hints = new HashMap<>();
        section.names().forEach(name -> hints.put(name, hint));
        return hints;
    }
}
