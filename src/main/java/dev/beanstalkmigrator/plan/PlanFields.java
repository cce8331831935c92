package dev.beanstalkmigrator.plan;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.CapacityProvider;
import dev.beanstalkmigrator.model.CloudPlace;
import dev.beanstalkmigrator.model.NetworkSpec;
import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.model.PreviewSpec;
import dev.beanstalkmigrator.model.VersionRef;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every field of the plan format, declared once. {@link PlanValidator} reads plans by these
 * declarations (unknown fields, types, checks, defaults, required fields), and {@code PlanFieldsTest}
 * holds the README's plan reference to what {@link #reference()} renders from them. To add a field:
 * declare it here and list it in its {@link Section}, give the model record its component (for an
 * environment field, pass {@code merged.get(FIELD)} where {@link PlanValidator} builds the
 * {@code EnvironmentSpec}), and paste the new README row that {@code PlanFieldsTest} prints.
 */
final class PlanFields {

    static final String API_VERSION_VALUE = "beanstalk-migrator/v1";
    static final String KIND_VALUE = "MigrationPlan";

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]");
    private static final String ARN_PREFIX = "arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:";
    private static final String ECS_NAME = "[A-Za-z0-9_-]{1,255}";
    private static final Pattern ECS_NAME_PATTERN = Pattern.compile(ECS_NAME);
    private static final Pattern CLUSTER_PATTERN = Pattern.compile(ECS_NAME + "|" + ARN_PREFIX + "cluster/" + ECS_NAME);
    private static final Pattern TASK_DEFINITION_PATTERN = Pattern.compile(
            "(" + ARN_PREFIX + "task-definition/)?" + ECS_NAME + "(:[1-9][0-9]{0,9})?");
    private static final Pattern SUBNET = Pattern.compile("subnet-[0-9A-Za-z]{1,64}");
    private static final Pattern SECURITY_GROUP = Pattern.compile("sg-[0-9A-Za-z]{1,64}");
    /** A database as the plan names it: host:port/name or a name of one's own; no user, no password. */
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}");
    /** A preview's digest, as the operator shows it. */
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    /** What STS takes as an external ID. */
    private static final Pattern EXTERNAL_ID_PATTERN = Pattern.compile("[\\w+=,.@:/-]{2,1224}");
    private static final Set<String> FARGATE_PROVIDERS = Set.of("FARGATE", "FARGATE_SPOT");
    private static final String ON_ENVIRONMENT_OR_DEFAULTS = "set it on this environment or in spec.defaults";

    private PlanFields() {}

    // ---- the document ------------------------------------------------------------------------------

    static final Field<String> API_VERSION = Field.required("apiVersion", "add apiVersion: " + API_VERSION_VALUE,
            (v, node, path) -> v.string(node, path, API_VERSION_VALUE), "`" + API_VERSION_VALUE + "`");
    static final Field<String> KIND = Field.required("kind", "add kind: " + KIND_VALUE,
            (v, node, path) -> v.string(node, path, KIND_VALUE), "`" + KIND_VALUE + "`");
    static final Field<YamlNode.Mapping> METADATA = Field.required("metadata", "add metadata: {name: my-app}",
            (v, node, path) -> v.mapping(node, path, "a mapping with a name, e.g. {name: my-app}"),
            "`{name}`: about the plan itself");
    /** Read by {@link PlanValidator} once apiVersion and kind say the file is a plan. */
    static final Field<YamlNode> SPEC = Field.required("spec", "add spec: {environments: [...]}",
            (v, node, path) -> node, "`{defaults, environments, notifications}`: what to migrate");

    static final Field<String> PLAN_NAME = Field.required("name", "add name: my-app; it is shown in status and logs",
            (v, node, path) -> v.text(node, path, "a name for the plan", name -> name.isBlank()
                    ? "the plan name is empty; give it a name, e.g. my-app"
                    : name.codePointCount(0, name.length()) > 256
                            ? "the plan name is longer than 256 characters; shorten it" : null),
            "free text, shown in status and logs");

    /** Read by {@link PlanValidator}: each environment is merged over them. */
    static final Field<YamlNode.Mapping> DEFAULTS = Field.optional("defaults", null,
            (v, node, path) -> v.mapping(node, path, "a mapping of environment fields"),
            "any environment field except `name`; an environment's own value wins");
    static final Field<List<YamlNode>> ENVIRONMENTS = Field.required("environments",
            "add environments: a list of environments (may be [])",
            (v, node, path) -> v.list(node, path, "a list of environments", false),
            "the environments to migrate, a list (may be empty)");
    static final Field<List<NotificationChannel>> NOTIFICATIONS = Field.optional("notifications", List.of(),
            PlanFields::notifications, "where to tell of migrations: a list of channels `{name, type, urlFrom,"
                    + " events}` (see Notifications)");

    // ---- a notification channel ---------------------------------------------------------------------

    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,127}");
    /** Names a plan may not take a URL from: the operator's own settings and credentials. */
    private static final Pattern RESERVED_VARIABLE = Pattern.compile("(?i)(migrator|quarkus|aws)[._].*");

    static final Field<String> CHANNEL_NAME_FIELD = Field.required("name", "give the channel a name, e.g. team-slack",
            (v, node, path) -> v.matching(node, path, "a channel name", NotificationChannel.NAME,
                    "is not a channel name; use 1 to 63 lower-case letters, digits and hyphens"),
            "names the channel in the ledger's outbox and in logs; unique among the plan's and the operator's");
    static final Field<NotificationChannel.Type> CHANNEL_TYPE = Field.required("type",
            "add type: slack or type: webhook", (v, node, path) -> {
                String word = v.choice(node, path, "type", List.of("slack", "webhook"));
                return word == null ? null : NotificationChannel.Type.valueOf(word.toUpperCase(Locale.ROOT));
            }, "`slack` (an incoming webhook) or `webhook` (generic JSON)");
    static final Field<String> URL_FROM = Field.required("urlFrom",
            "name the operator's variable that holds the webhook URL, e.g. urlFrom: SLACK_WEBHOOK_URL",
            PlanFields::urlFrom, "the name of the operator's environment variable (or configuration property) that"
                    + " holds the URL; never the URL itself, a plan is committed to git");
    static final Field<List<NotificationEvent>> EVENTS = Field.optional("events", NotificationEvent.DEFAULTS,
            PlanFields::events, "of `Succeeded`, `Failed`, `TimedOut`, `LaunchLost`, `Stalled`, `PlanRefused`,"
                    + " `PromotionBlocked`, `ApprovalRequested`;"
                    + " default all but `Succeeded`");

    // ---- an environment (or spec.defaults) ---------------------------------------------------------

    static final Field<String> NAME = Field.required("name",
            "give every environment its Elastic Beanstalk environment name",
            (v, node, path) -> v.matching(node, path, "an Elastic Beanstalk environment name", ENV_NAME,
                    "is not a valid Elastic Beanstalk environment name; use 4 to 40 letters, digits and hyphens,"
                            + " not starting or ending with a hyphen"),
            "Elastic Beanstalk environment name (4-40 letters, digits, hyphens), unique in the plan");
    static final Field<String> APPLICATION = Field.required("application", ON_ENVIRONMENT_OR_DEFAULTS,
            (v, node, path) -> v.text(node, path, "an Elastic Beanstalk application name",
                    name -> name.isBlank() || name.length() > 100 || name.contains("/")
                            ? Texts.quote(name) + " is not a valid Elastic Beanstalk application name; use 1 to 100"
                                    + " characters without a slash"
                            : null),
            "Elastic Beanstalk application");
    static final Field<VersionRef> VERSION = Field.required("version", ON_ENVIRONMENT_OR_DEFAULTS,
            (v, node, path) -> {
                String text = v.stringOrNumber(node, path, "a version label, deployed or latest", label ->
                        label.isBlank() ? "the version is empty; write a version label, deployed or latest"
                                : label.length() > 100 ? "the version label is longer than 100 characters, which"
                                        + " Elastic Beanstalk does not allow" : null);
                return text == null ? null : VersionRef.parse(text);
            },
            "a version label (GitOps: the commit says what goes live); `deployed`: what Elastic Beanstalk runs or"
                    + " is deploying; `latest`: the newest registered version");
    static final Field<String> CLUSTER = Field.optional("cluster", null,
            (v, node, path) -> v.matching(node, path, "an ECS cluster name or ARN", CLUSTER_PATTERN,
                    "is not an ECS cluster name or ARN; a name has 1 to 255 letters, digits, hyphens and underscores"),
            "ECS cluster that runs the migrate task; omitted: found from the environment (the cluster tagged"
                    + " `elasticbeanstalk:environment-id` or `-name`)");
    static final Field<String> TASK_DEFINITION = Field.optional("taskDefinition", null,
            (v, node, path) -> v.matching(node, path, "a task definition", TASK_DEFINITION_PATTERN,
                    "is not a task definition; write a family (acme-web), family:revision (acme-web:12) or a task"
                            + " definition ARN"),
            "the app's task definition: family, `family:revision` or ARN; omitted: found from the environment (what"
                    + " its running tasks use)");
    static final Field<String> CONTAINER = Field.optional("container", null,
            (v, node, path) -> v.matching(node, path, "a container name", ECS_NAME_PATTERN,
                    "is not a container name; it has 1 to 255 letters, digits, hyphens and underscores"),
            "the container of that task definition that runs the command; omitted: found from the environment (the"
                    + " only container, else the only essential one)");
    static final Field<List<String>> COMMAND = Field.required("command", ON_ENVIRONMENT_OR_DEFAULTS,
            PlanFields::command, "the migrate command, a list (no shell)");
    static final Field<Duration> TIMEOUT = Field.optional("timeout", Duration.ofMinutes(30),
            (v, node, path) -> v.duration(node, path, Duration.ofSeconds(1), Duration.ofHours(24)),
            "`90s`, `30m`, `1h30m` (1 s to 24 h); past it the task is asked to stop (`StopTask`), and the"
                    + " migration is `TimedOut` once ECS reports the task `STOPPED` (its container may run on until"
                    + " its stop timeout, 30 s by default); until then nothing else of the environment starts");
    static final Field<String> LAUNCH_TYPE = Field.optional("launchType", "FARGATE",
            (v, node, path) -> v.choice(node, path, "launchType", List.of("FARGATE", "EC2")),
            "`FARGATE` or `EC2`; none when `capacityProviderStrategy` is set");
    static final Field<List<CapacityProvider>> CAPACITY_PROVIDER_STRATEGY = Field.optional(
            "capacityProviderStrategy", null, PlanFields::strategy,
            "instead of `launchType`: `[{capacityProvider, weight, base}]`, as ECS takes it");
    static final Field<NetworkSpec> NETWORK = Field.<NetworkSpec>optional("network", null,
            (v, node, path) -> v.object(node, path,
                    "a mapping like {subnets: [subnet-...], securityGroups: [sg-...], assignPublicIp: false}",
                    Section.NETWORK.fields(), read -> new NetworkSpec(read.get(PlanFields.SUBNETS),
                            read.get(PlanFields.SECURITY_GROUPS), read.get(PlanFields.ASSIGN_PUBLIC_IP))),
            "`{subnets, securityGroups, assignPublicIp}`, for `awsvpc` task definitions").requiredWhen("for FARGATE");
    static final Field<String> IMAGE = Field.optional("image", "",
            (v, node, path) -> v.text(node, path,
                    "an image template, e.g. 1234.dkr.ecr.us-east-1.amazonaws.com/app:{version}", ImageTemplate::problem),
            "template with `{version}`, `{application}`, `{environment}`, e.g."
                    + " `1234.dkr.ecr.eu-west-1.amazonaws.com/acme:{version}`");
    static final Field<AfterSuccess> AFTER_SUCCESS = Field.optional("afterSuccess", AfterSuccess.NONE,
            (v, node, path) -> {
                String word = v.choice(node, path, "afterSuccess", List.of("none", "deploy"));
                return word == null ? null : AfterSuccess.valueOf(word.toUpperCase(Locale.ROOT));
            },
            "`deploy`: once migrated, `UpdateEnvironment` to the version");
    static final Field<Boolean> SUSPEND = Field.optional("suspend", Boolean.FALSE, ValueReader::bool,
            "`true`: launch nothing new here (in-flight migrations are still followed)");
    static final Field<String> RERUN = Field.optional("rerun", "",
            (v, node, path) -> v.stringOrNumber(node, path, "a rerun token", token -> token.length() > 256
                    ? "the rerun token is longer than 256 characters; use a short token such as a date or a counter"
                    : null),
            "change this token to run a `Failed` or `TimedOut` migration again");
    static final Field<String> DATABASE = Field.optional("database", null,
            (v, node, path) -> v.matching(node, path, "a database name or none", DATABASE_NAME,
                    "is not a database name; write host:port/name (e.g. shop.abc123.eu-west-1.rds.amazonaws.com:5432/"
                            + "shop) or a name of your own, up to 255 letters, digits and . _ : / -, never a user or"
                            + " a password; or none"),
            "the database the migrations change: environments that share one take turns, and a version that ran"
                    + " through one is not run again through another (see Shared databases and blue/green); omitted:"
                    + " found from the environment's `RDS_HOSTNAME`/`RDS_PORT`/`RDS_DB_NAME`, else `DATABASE_URL`"
                    + " (host, port and name, never a user or a password); `none`: the environment is its own unit");
    static final Field<List<String>> AFTER = Field.optional("after", List.of(),
            (v, node, path) -> {
                List<YamlNode> items = v.list(node, path, "a list of environment names, e.g. [acme-web-staging]",
                        true);
                return items == null ? null : v.items(items, path, (r, item, itemPath) -> r.matching(item, itemPath,
                        "an environment name", ENV_NAME, "is not an Elastic Beanstalk environment name; list"
                                + " environments of this plan"));
            },
            "environments of this plan that must have migrated a version (`Succeeded`, under their rerun token) before"
                    + " it is launched here, e.g. `[acme-web-staging]`; not a default (see Promotion)");

    static final Field<PreviewSpec> PREVIEW = Field.optional("preview", null, PlanFields::preview,
            "`{command, approval, matches}`: a command run once, as its own task, before a new version's migration;"
                    + " its output is kept, and approved first when `approval` says so (see Preview and approval);"
                    + " an environment's replaces the defaults' whole");
    static final Field<List<String>> APPROVED = Field.optional("approved", List.of(),
            (v, node, path) -> {
                List<YamlNode> items = v.list(node, path, "a list of preview digests, e.g. [sha256:9f86d0...]",
                        true);
                return items == null ? null : v.items(items, path, (r, item, itemPath) -> r.matching(item, itemPath,
                        "a preview digest", DIGEST, "is not a preview digest; copy the line the status page or"
                                + " `status` shows for the preview, sha256: and 64 lower-case hex digits"));
            },
            "digests of previews approved for migration, `[sha256:...]`; the environment's and the defaults' together"
                    + " (one digest approves that same output in every environment)");

    static final Field<String> REGION = Field.optional("region", null,
            (v, node, path) -> v.matching(node, path, "an AWS Region", CloudPlace.REGION,
                    "is not an AWS Region name; write one like us-east-1 or eu-west-1"),
            "the AWS Region of the environment, e.g. `eu-west-1`; omitted: the operator's (see Accounts and regions)");
    static final Field<String> ROLE_ARN = Field.optional("roleArn", null,
            (v, node, path) -> v.matching(node, path, "an IAM role ARN", CloudPlace.ROLE_ARN,
                    "is not an IAM role ARN; write arn:aws:iam::123456789012:role/beanstalk-migrator"),
            "an IAM role in the environment's account that the operator assumes (STS `AssumeRole`) for every call"
                    + " about it; omitted: the operator's own credentials (see Accounts and regions)");
    static final Field<String> EXTERNAL_ID = Field.optional("externalId", null,
            (v, node, path) -> v.matching(node, path, "an external ID", EXTERNAL_ID_PATTERN,
                    "is not an external ID; use 2 to 1224 letters, digits and + = , . @ : / -"),
            "with `roleArn`: the external ID its trust policy requires (`sts:ExternalId`); not a secret, it is kept"
                    + " in the ledger");

    // ---- a preview -----------------------------------------------------------------------------------

    static final Field<List<String>> PREVIEW_COMMAND = Field.required("command",
            "give the preview command, e.g. command: [python, manage.py, migrate, --plan]", PlanFields::command,
            "the preview command, a list (no shell), e.g. `[python, manage.py, migrate, --plan]`");
    static final Field<PreviewSpec.Approval> APPROVAL = Field.optional("approval", PreviewSpec.Approval.NEVER,
            (v, node, path) -> {
                List<String> words = java.util.Arrays.stream(PreviewSpec.Approval.values())
                        .map(PreviewSpec.Approval::word).toList();
                String word = v.choice(node, path, "approval", words);
                return word == null ? null : PreviewSpec.Approval.values()[words.indexOf(word)];
            },
            "`never` (the output is kept; the migration goes on), `always`, or `whenMatches` (when `matches` is"
                    + " found in the output): the migration waits in `ApprovalPending` until the output's digest is"
                    + " in `approved`");
    static final Field<String> MATCHES = Field.optional("matches", null,
            (v, node, path) -> v.text(node, path, "a regular expression", PlanFields::regexProblem),
            "with `approval: whenMatches`: a regular expression (Java syntax, `^`/`$` per line) that makes an output"
                    + " need approval, e.g. `Remove field`");

    // ---- network and capacity providers -------------------------------------------------------------

    static final Field<List<String>> SUBNETS = Field.required("subnets",
            "list at least one subnet, e.g. subnets: [subnet-0abc1234]",
            (v, node, path) -> v.ids(node, path, SUBNET, "subnet", "subnet-0abc1234", 16, true),
            "1 to 16 subnet IDs");
    static final Field<List<String>> SECURITY_GROUPS = Field.optional("securityGroups", List.of(),
            (v, node, path) -> v.ids(node, path, SECURITY_GROUP, "security group", "sg-0abc1234", 5, false),
            "up to 5 security group IDs");
    static final Field<Boolean> ASSIGN_PUBLIC_IP = Field.optional("assignPublicIp", Boolean.FALSE,
            ValueReader::bool, "`true` gives the task a public IP (needed in a public subnet without NAT)");

    static final Field<String> CAPACITY_PROVIDER = Field.required("capacityProvider",
            "name the capacity provider, e.g. capacityProvider: FARGATE",
            (v, node, path) -> v.matching(node, path, "a capacity provider name", ECS_NAME_PATTERN,
                    "is not a capacity provider name; it has 1 to 255 letters, digits, hyphens and underscores"),
            "a capacity provider of the cluster, e.g. `FARGATE_SPOT`; each listed once");
    static final Field<Integer> WEIGHT = Field.optional("weight", 0,
            (v, node, path) -> v.integer(node, path, 0, 1000),
            "0 to 1000; with several providers at least one above 0");
    static final Field<Integer> BASE = Field.optional("base", 0,
            (v, node, path) -> v.integer(node, path, 0, 100_000),
            "0 to 100000; above 0 on one provider at most");

    /** Where fields are written, in README order; {@code prefix} is how the README names the place. */
    enum Section {
        DOCUMENT("", API_VERSION, KIND, METADATA, SPEC),
        METADATA_FIELDS("metadata.", PLAN_NAME),
        SPEC_FIELDS("spec.", DEFAULTS, ENVIRONMENTS, NOTIFICATIONS),
        ENVIRONMENT("", NAME, APPLICATION, VERSION, CLUSTER, TASK_DEFINITION, CONTAINER, COMMAND,
                TIMEOUT, LAUNCH_TYPE, CAPACITY_PROVIDER_STRATEGY, PlanFields.NETWORK, IMAGE, AFTER_SUCCESS, SUSPEND, RERUN,
                DATABASE, AFTER, PREVIEW, APPROVED, REGION, ROLE_ARN, EXTERNAL_ID),
        PREVIEW_FIELDS("preview.", PREVIEW_COMMAND, APPROVAL, MATCHES),
        NETWORK("network.", SUBNETS, SECURITY_GROUPS, ASSIGN_PUBLIC_IP),
        CAPACITY_PROVIDER("capacityProviderStrategy[].", PlanFields.CAPACITY_PROVIDER, WEIGHT, BASE),
        NOTIFICATION("spec.notifications[].", CHANNEL_NAME_FIELD, CHANNEL_TYPE, URL_FROM, EVENTS);

        private final String prefix;
        private final List<Field<?>> fields;

        Section(String prefix, Field<?>... fields) {
            this.prefix = prefix;
            this.fields = List.of(fields);
        }

        List<Field<?>> fields() {
            return fields;
        }

        List<String> names() {
            return fields.stream().map(Field::name).toList();
        }
    }

    /** The fields spec.defaults may set: all of an environment's but its name. */
    static List<Field<?>> defaultFields() {
        return Section.ENVIRONMENT.fields().stream().filter(field -> field != NAME && field != AFTER).toList();
    }

    /** The README's plan reference table, one row per declared field. */
    static List<String> reference() {
        List<String> rows = new java.util.ArrayList<>(List.of("| field | required | default | meaning |",
                "|---|---|---|---|"));
        for (Section section : Section.values()) {
            for (Field<?> field : section.fields()) {
                rows.add("| `" + section.prefix + field.name() + "` | " + field.requiredText() + " | "
                        + field.defaultText() + " | " + field.meaning() + " |");
            }
        }
        return rows;
    }

    /** Whether tasks of this launch choice run on Fargate, which needs a network. */
    static boolean onFargate(String launchType, List<CapacityProvider> strategy) {
        return strategy == null ? "FARGATE".equals(launchType)
                : strategy.stream().anyMatch(p -> FARGATE_PROVIDERS.contains(p.capacityProvider()));
    }

    private static PreviewSpec preview(ValueReader v, YamlNode node, String path) {
        YamlNode.Mapping mapping = v.mapping(node, path, "a mapping like {command: [python, manage.py, migrate,"
                + " --plan], approval: whenMatches, matches: Remove field}");
        if (mapping == null) {
            return null;
        }
        ValueReader.Fields read = v.read(mapping, path, Section.PREVIEW_FIELDS.fields(), Map.of());
        if (!v.requireAll(read, mapping, path, Section.PREVIEW_FIELDS.fields()) || !read.allOk()) {
            return null;
        }
        PreviewSpec.Approval approval = read.get(APPROVAL);
        String matches = read.get(MATCHES);
        if (approval == PreviewSpec.Approval.WHEN_MATCHES && matches == null) {
            v.problems().at(read.entry(APPROVAL).value(), Paths.field(path, MATCHES.name()), "approval: whenMatches"
                    + " needs matches, the regular expression that makes an output need approval; add e.g."
                    + " matches: 'Remove field|Delete model|Raw SQL', or set approval: always");
            return null;
        }
        if (approval != PreviewSpec.Approval.WHEN_MATCHES && matches != null) {
            v.problems().at(read.entry(MATCHES).key(), Paths.field(path, MATCHES.name()), "matches is read only with"
                    + " approval: whenMatches; set approval: whenMatches, or remove matches");
            return null;
        }
        return new PreviewSpec(read.get(PREVIEW_COMMAND), approval, matches);
    }

    private static String regexProblem(String text) {
        if (text.isEmpty()) {
            return "matches is empty, which every output matches; write what makes an output risky, e.g. 'Remove"
                    + " field', or set approval: always";
        }
        if (text.length() > 1000) {
            return "matches is longer than 1000 characters; shorten it";
        }
        try {
            Pattern.compile(text, Pattern.MULTILINE);
            return null;
        } catch (java.util.regex.PatternSyntaxException e) {
            return Texts.quote(text) + " is not a regular expression: " + e.getDescription()
                    + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1) : "")
                    + "; fix it (a literal . ( [ or | needs a backslash)";
        }
    }

    private static List<String> command(ValueReader v, YamlNode node, String path) {
        List<YamlNode> items = v.list(node, path, "the command as a list, e.g. [python, manage.py, migrate]", true);
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            v.problems().at(node, path, "the command is empty; give the program and its arguments, e.g."
                    + " [python, manage.py, migrate]");
            return null;
        }
        return v.items(items, path, (r, item, itemPath) -> r.text(item, itemPath, "a command argument",
                text -> text.isEmpty() ? "a command argument must not be empty; remove it" : null));
    }

    private static List<NotificationChannel> notifications(ValueReader v, YamlNode node, String path) {
        List<YamlNode> items = v.list(node, path,
                "a list of channels, e.g. [{name: team-slack, type: slack, urlFrom: SLACK_WEBHOOK_URL}]", false);
        if (items == null) {
            return null;
        }
        if (items.size() > 20) {
            v.problems().at(node, path, "notifications lists " + items.size() + " channels; at most 20 are allowed");
            return null;
        }
        Map<String, String> hints = Map.of("url", "a plan never holds a webhook URL (it is committed to git); put"
                + " the URL in a variable of the operator's environment and name it with urlFrom");
        List<NotificationChannel> channels = v.items(items, path, (r, item, itemPath) -> {
            YamlNode.Mapping mapping = r.mapping(item, itemPath,
                    "a mapping like {name: team-slack, type: slack, urlFrom: SLACK_WEBHOOK_URL}");
            if (mapping == null) {
                return null;
            }
            ValueReader.Fields read = r.read(mapping, itemPath, Section.NOTIFICATION.fields(), hints);
            return r.requireAll(read, mapping, itemPath, Section.NOTIFICATION.fields()) && read.allOk()
                    ? new NotificationChannel(read.get(CHANNEL_NAME_FIELD), read.get(CHANNEL_TYPE),
                    read.get(URL_FROM), read.get(EVENTS))
                    : null;
        });
        if (channels == null) {
            return null;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < channels.size(); i++) {
            if (!seen.add(channels.get(i).name())) {
                v.problems().at(items.get(i), Paths.index(path, i), "channel name "
                        + Texts.code(channels.get(i).name()) + " is used twice; give every channel its own name");
                return null;
            }
        }
        return channels;
    }

    /** Never quotes the value: a URL written here by mistake is a secret, and errors reach the ledger and logs. */
    private static String urlFrom(ValueReader v, YamlNode node, String path) {
        return v.text(node, path, "the name of a variable", name -> name.contains("://")
                ? "urlFrom names the variable that holds the webhook URL, not the URL itself (a plan is committed"
                        + " to git); move the URL into a variable of the operator's environment and write its name"
                : !VARIABLE_NAME.matcher(name).matches()
                        ? "urlFrom is not a variable name; use letters, digits and underscores, e.g."
                                + " SLACK_WEBHOOK_URL"
                        : RESERVED_VARIABLE.matcher(name).matches()
                                ? "urlFrom may not name the operator's own settings (MIGRATOR_, QUARKUS_, AWS_);"
                                        + " use a variable of its own, e.g. SLACK_WEBHOOK_URL"
                                : null);
    }

    private static List<NotificationEvent> events(ValueReader v, YamlNode node, String path) {
        List<YamlNode> items = v.list(node, path, "a list of events, e.g. [Failed, TimedOut]", true);
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            v.problems().at(node, path, "events is empty; list at least one, or remove the channel");
            return null;
        }
        List<String> words = java.util.Arrays.stream(NotificationEvent.values()).map(Enum::name).toList();
        List<String> names = v.items(items, path, (r, item, itemPath) -> r.choice(item, itemPath, "an event", words));
        return names == null ? null : names.stream().distinct().map(NotificationEvent::valueOf).toList();
    }

    private static List<CapacityProvider> strategy(ValueReader v, YamlNode node, String path) {
        List<YamlNode> items = v.list(node, path,
                "a list of providers, e.g. [{capacityProvider: FARGATE_SPOT, weight: 1}]", false);
        if (items == null) {
            return null;
        }
        if (items.isEmpty() || items.size() > 20) {
            v.problems().at(node, path, items.isEmpty()
                    ? "capacityProviderStrategy is empty; list at least one provider, or remove it to use launchType"
                    : "capacityProviderStrategy lists " + items.size() + " providers; ECS allows at most 20");
            return null;
        }
        List<CapacityProvider> providers = v.items(items, path, (r, item, itemPath) -> r.object(item, itemPath,
                "a mapping like {capacityProvider: FARGATE_SPOT, weight: 1}", Section.CAPACITY_PROVIDER.fields(),
                read -> new CapacityProvider(read.get(PlanFields.CAPACITY_PROVIDER), read.get(WEIGHT), read.get(BASE))));
        if (providers == null) {
            return null;
        }
        boolean ok = true;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < providers.size(); i++) {
            if (!seen.add(providers.get(i).capacityProvider())) {
                v.problems().at(items.get(i), Paths.index(path, i), "capacity provider "
                        + Texts.code(providers.get(i).capacityProvider()) + " is listed twice; list each once");
                ok = false;
            }
        }
        if (providers.stream().filter(p -> p.base() > 0).count() > 1) {
            v.problems().at(node, path, "only one capacity provider may have a base above 0; set base on one");
            ok = false;
        }
        if (providers.size() > 1 && providers.stream().allMatch(p -> p.weight() == 0)) {
            v.problems().at(node, path, "with several capacity providers at least one needs a weight above 0,"
                    + " or ECS places no task");
            ok = false;
        }
        return ok ? providers : null;
    }
}
