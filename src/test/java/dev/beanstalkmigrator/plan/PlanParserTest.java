package dev.beanstalkmigrator.plan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.CapacityProvider;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.NetworkSpec;
import dev.beanstalkmigrator.model.VersionRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlanParserTest {

    static final String SOURCE = "desired-state.yaml";
    static final PlanParser PARSER = new PlanParser();

    /**
     * Budget for inputs near the 1 MiB / 100,000-node caps. Warm, they take about 0.3 s; the margin
     * covers a cold JIT on a busy two-core CI machine. Small inputs are held to 2 s by the fuzz test.
     */
    static final Duration BIG_INPUT_BUDGET = Duration.ofSeconds(5);

    /**
     * A small valid plan. Line numbers matter to the table below: the environment mapping starts at
     * 13:7, and {@link #env} appends its lines from line 16 on, indented to column 7.
     */
    static final String BASE = """
            apiVersion: beanstalk-migrator/v1
            kind: MigrationPlan
            metadata:
              name: acme
            spec:
              defaults:
                cluster: acme-prod
                taskDefinition: acme-web
                container: web
                command: [python, manage.py, migrate]
                network: {subnets: [subnet-1]}
              environments:
                - name: acme-web-prod
                  application: acme
                  version: v42
            """;

    static String env(String... lines) {
        return BASE + Arrays.stream(lines).map(l -> "      " + l + "\n").collect(Collectors.joining());
    }

    static String replace(String from, String to) {
        assertTrue(BASE.contains(from), from);
        return BASE.replace(from, to);
    }

    static byte[] resource(String name) {
        try (InputStream in = PlanParserTest.class.getResourceAsStream("/plans/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MigrationPlan valid(byte[] content) {
        ParseOutcome outcome = PARSER.parse(SOURCE, content);
        if (outcome instanceof ParseOutcome.Invalid invalid) {
            fail("expected a valid plan, got:\n" + invalid.describe());
        }
        return ((ParseOutcome.Valid) outcome).plan();
    }

    static MigrationPlan valid(String yaml) {
        return valid(yaml.getBytes(UTF_8));
    }

    static List<PlanError> errors(byte[] content) {
        ParseOutcome outcome = PARSER.parse(SOURCE, content);
        return assertInstanceOf(ParseOutcome.Invalid.class, outcome, "expected errors").errors();
    }

    // ---- valid plans ---------------------------------------------------------------------------

    @Test
    void baseIsValid() {
        MigrationPlan plan = valid(BASE);
        assertEquals("acme", plan.name());
        EnvironmentSpec env = plan.environments().get(0);
        assertEquals("acme-web-prod", env.name());
        assertEquals("FARGATE", env.launchType());
        assertEquals(Duration.ofMinutes(30), env.timeout());
        assertEquals(new NetworkSpec(List.of("subnet-1"), List.of(), false), env.network());
        assertEquals(false, env.suspend());
        assertEquals("", env.rerun());
        assertEquals("", env.image());
        assertEquals(AfterSuccess.NONE, env.afterSuccess());
        assertNull(env.capacityProviderStrategy());
    }

    @Test
    void fullPlanMergesDefaultsAndOwnValuesWin() {
        MigrationPlan plan = valid(resource("valid-full.yaml"));
        assertEquals("acme", plan.name());
        assertEquals(4, plan.environments().size());
        NetworkSpec defaultNetwork = new NetworkSpec(List.of("subnet-1", "subnet-2"), List.of("sg-1"), false);
        String image = "1234.dkr.ecr.us-east-1.amazonaws.com/acme:{version}";
        List<String> migrate = List.of("python", "manage.py", "migrate", "--noinput");

        assertEquals(new EnvironmentSpec("acme-web-prod", "acme", new VersionRef(VersionRef.Mode.LABEL, "v42"),
                false, "", "acme-prod", "acme-web", "web", migrate, Duration.ofMinutes(30), "FARGATE", null,
                defaultNetwork, image, AfterSuccess.NONE), plan.environments().get(0));

        assertEquals(new EnvironmentSpec("acme-web-staging", "acme", new VersionRef(VersionRef.Mode.DEPLOYED, null),
                false, "2024-05-01", "acme-prod", "acme-web", "web", migrate, Duration.ofMinutes(90), "FARGATE",
                null, defaultNetwork, image, AfterSuccess.DEPLOY), plan.environments().get(1));

        assertEquals(new EnvironmentSpec("acme-worker-dev", "acme-worker",
                new VersionRef(VersionRef.Mode.LATEST, null), true, "", "acme-prod",
                "arn:aws:ecs:us-east-1:123456789012:task-definition/acme-worker:7", "worker",
                List.of("./bin/migrate"), Duration.ofMinutes(30), "EC2", null, defaultNetwork, "",
                AfterSuccess.NONE), plan.environments().get(2));

        // numbers as exact text; a strategy replaces the default launch type; network replaced whole
        assertEquals(new EnvironmentSpec("acme-spot", "acme", new VersionRef(VersionRef.Mode.LABEL, "1.10"),
                false, "3", "acme-prod", "acme-web", "web", migrate, Duration.ofMinutes(30), null,
                List.of(new CapacityProvider("FARGATE_SPOT", 3, 0), new CapacityProvider("FARGATE", 1, 1)),
                new NetworkSpec(List.of("subnet-9"), List.of(), true), image, AfterSuccess.NONE),
                plan.environments().get(3));
    }

    @Test
    void clusterTaskDefinitionAndContainerMayBeLeftToDiscovery() {
        EnvironmentSpec env = valid("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: zero-config}
                spec:
                  environments:
                    - name: acme-web-prod
                      application: acme
                      version: v42
                      command: [python, manage.py, migrate]
                      network: {subnets: [subnet-1]}
                """).environments().get(0);
        assertEquals(null, env.cluster());
        assertEquals(null, env.taskDefinition());
        assertEquals(null, env.container());
        assertEquals(List.of("python", "manage.py", "migrate"), env.command());
    }

    @Test
    void theDatabaseIsFoundUnlessThePlanNamesItOrSaysNone() {
        assertEquals(null, valid(BASE).environments().get(0).database(), "found from the environment");
        assertEquals("shop.abc123.eu-west-1.rds.amazonaws.com:5432/shop",
                valid(env("database: shop.abc123.eu-west-1.rds.amazonaws.com:5432/shop")).environments().get(0)
                        .database());
        assertEquals(EnvironmentSpec.NO_DATABASE, valid(env("database: none")).environments().get(0).database());
        assertEquals("shared-main", valid(replace("    cluster: acme-prod", "    database: shared-main\n"
                + "    cluster: acme-prod")).environments().get(0).database(), "a default");
    }

    @Test
    void aRegionAndARoleArePlacesOfTheEnvironmentOrOfTheDefaults() {
        assertEquals(dev.beanstalkmigrator.model.CloudPlace.HOME, valid(BASE).environments().get(0).place());
        String role = "arn:aws:iam::222222222222:role/beanstalk-migrator";
        EnvironmentSpec own = valid(env("region: eu-west-1", "roleArn: " + role, "externalId: acme-42"))
                .environments().get(0);
        assertEquals(new dev.beanstalkmigrator.model.CloudPlace("eu-west-1", role, "acme-42"), own.place());
        assertEquals("222222222222", own.place().account());
        EnvironmentSpec defaults = valid(replace("    cluster: acme-prod", "    roleArn: " + role
                + "\n    cluster: acme-prod") + "      region: us-west-2\n").environments().get(0);
        assertEquals(new dev.beanstalkmigrator.model.CloudPlace("us-west-2", role, null), defaults.place(),
                "the defaults' role, the environment's Region");
    }

    @Test
    void aPreviewIsReadWholeAndApprovalsAreTheEnvironmentsAndTheDefaultsTogether() {
        String one = "sha256:" + "1".repeat(64);
        String two = "sha256:" + "2".repeat(64);
        MigrationPlan plan = valid(replace("    cluster: acme-prod", "    approved: [" + one + "]\n"
                + "    preview: {command: [python, manage.py, migrate, --plan]}\n    cluster: acme-prod")
                + "      preview:\n        command: [python, manage.py, migrate, --plan]\n"
                + "        approval: whenMatches\n        matches: 'Remove field|Delete model'\n"
                + "      approved: [" + two + ", " + one + "]\n");
        EnvironmentSpec spec = plan.environments().get(0);
        assertEquals(new dev.beanstalkmigrator.model.PreviewSpec(List.of("python", "manage.py", "migrate", "--plan"),
                dev.beanstalkmigrator.model.PreviewSpec.Approval.WHEN_MATCHES, "Remove field|Delete model"),
                spec.preview());
        assertEquals(List.of(one, two), spec.approved());
        EnvironmentSpec fromDefaults = valid(replace("    cluster: acme-prod", "    preview: {command: [p]}\n"
                + "    cluster: acme-prod")).environments().get(0);
        assertEquals(dev.beanstalkmigrator.model.PreviewSpec.Approval.NEVER, fromDefaults.preview().approval());
        assertEquals(null, valid(BASE).environments().get(0).preview());
        assertEquals(List.of(), valid(BASE).environments().get(0).approved());
    }

    @Test
    void afterOrdersEnvironmentsAndACycleIsRefusedWhereItCloses() {
        String chain = """
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  defaults: {application: acme, version: v42, command: [migrate], network: {subnets: [subnet-1]}}
                  environments:
                    - {name: acme-staging}
                    - {name: acme-qa, after: [acme-staging]}
                    - {name: acme-prod, after: [acme-staging, acme-qa]}
                """;
        MigrationPlan plan = valid(chain);
        assertEquals(List.of(), plan.environments().get(0).after());
        assertEquals(List.of("acme-staging", "acme-qa"), plan.environments().get(2).after());

        List<PlanError> errors = errors(chain.replace("- {name: acme-staging}", "- {name: acme-staging, after: [acme-prod]}")
                .getBytes(UTF_8));
        PlanError cycle = single(errors);
        assertEquals("spec.environments[2].after[0]", cycle.path());
        assertEquals(9, cycle.line());
        assertEquals(33, cycle.column());
        assertTrue(cycle.message().startsWith("after makes a cycle: acme-staging -> acme-prod -> acme-staging;"),
                cycle.message());
    }

    @Test
    void emptyEnvironmentListIsValid() {
        MigrationPlan plan = valid("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: nothing yet}
                spec:
                  environments: []
                """);
        assertEquals("nothing yet", plan.name());
        assertEquals(List.of(), plan.environments());
    }

    @Test
    void ec2WithoutNetworkIsValidAndAnchorsWork() {
        MigrationPlan plan = valid("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: acme}
                spec:
                  environments:
                    - name: acme-one
                      application: acme
                      version: 42
                      cluster: acme
                      taskDefinition: acme-web:3
                      container: web
                      command: &migrate [migrate, "10"]
                      launchType: EC2
                    - name: acme-two
                      application: acme
                      version: latest
                      cluster: acme
                      taskDefinition: acme-web
                      container: web
                      command: *migrate
                      launchType: EC2
                """);
        assertEquals(new VersionRef(VersionRef.Mode.LABEL, "42"), plan.environments().get(0).version());
        assertEquals(List.of("migrate", "10"), plan.environments().get(1).command());
        assertNull(plan.environments().get(1).network());
    }

    @Test
    void byteOrderMarkAndCrlfAreAccepted() {
        String crlf = "\uFEFF" + BASE.replace("\n", "\r\n");
        assertEquals("acme", valid(crlf).name());
    }

    @Test
    void describeFormatsLikeACompiler() {
        List<PlanError> errors = errors(env("timeout: 30x").getBytes(UTF_8));
        assertEquals(List.of("desired-state.yaml:16:16: spec.environments[0].timeout: \"30x\" is not a duration;"
                + " write a number and a unit, e.g. 90s, 30m or 1h30m"),
                errors.stream().map(PlanError::describe).toList());
    }

    // ---- invalid plans: exact position, path and message ------------------------------------------

    static Stream<Arguments> invalidPlans() {
        return Stream.of(
                // unknown and misspelt fields
                bad("unknown field with suggestion", env("timout: 30m"),
                        16, 7, "spec.environments[0].timout", "unknown field `timout`; did you mean `timeout`?"),
                bad("transposed letters", replace("    command:", "    comamnd:"),
                        10, 5, "spec.defaults.comamnd", "did you mean `command`?"),
                bad("wrong case", env("TaskDefinition: acme-web"),
                        16, 7, "spec.environments[0].TaskDefinition", "did you mean `taskDefinition`?"),
                bad("unknown field without a close match", env("colour: blue"),
                        16, 7, "spec.environments[0].colour", "the fields allowed here are name, application"),
                bad("field in the wrong place", env("subnets: [subnet-2]"),
                        16, 7, "spec.environments[0].subnets", "it belongs under network"),
                bad("name as a default", replace("    cluster: acme-prod", "    name: shared\n    cluster: acme-prod"),
                        7, 5, "spec.defaults.name", "cannot be a default"),
                bad("unknown top-level field", "extra: 1\n" + BASE,
                        1, 1, "extra", "the fields allowed here are apiVersion, kind, metadata, spec"),
                bad("merge key", env("<<: {suspend: true}"),
                        16, 7, "spec.environments[0].<<", "merge keys (<<) are not supported"),
                // wrong types
                bad("string where a list is expected", env("command: python manage.py migrate"),
                        16, 16, "spec.environments[0].command",
                        "expected a list, got the string \"python manage.py migrate\"; write it as a list, e.g. [python, manage.py, migrate]"),
                bad("string where a list of IDs is expected", replace("{subnets: [subnet-1]}", "{subnets: subnet-1}"),
                        11, 24, "spec.defaults.network.subnets", "write it as a list, e.g. [subnet-1]"),
                bad("quoted string where a boolean is expected", env("suspend: \"yes\""),
                        16, 16, "spec.environments[0].suspend", "expected true or false, got the string \"yes\""),
                bad("after names an environment not in the plan", env("after: [acme-web-stagin]"),
                        16, 15, "spec.environments[0].after[0]", "`acme-web-stagin` is not an environment of this plan"),
                bad("after names itself", env("after: [acme-web-prod]"),
                        16, 15, "spec.environments[0].after[0]", "an environment cannot come after itself"),
                bad("after as a default", replace("    cluster: acme-prod", "    after: [acme-web-prod]\n"
                        + "    cluster: acme-prod"), 7, 5, "spec.defaults.after", "after cannot be a default"),
                bad("after as a string", env("after: acme-web-staging"),
                        16, 14, "spec.environments[0].after", "write it as a list, e.g. [acme-web-staging]"),
                bad("preview without a command", env("preview: {approval: always}"),
                        16, 16, "spec.environments[0].preview.command", "missing required field `command`"),
                bad("whenMatches without matches", env("preview: {command: [m], approval: whenMatches}"),
                        16, 41, "spec.environments[0].preview.matches", "approval: whenMatches needs matches"),
                bad("matches without whenMatches", env("preview: {command: [m], approval: always, matches: x}"),
                        16, 49, "spec.environments[0].preview.matches", "matches is read only with approval:"
                                + " whenMatches"),
                bad("matches is not a regular expression",
                        env("preview: {command: [m], approval: whenMatches, matches: 'Remove ('}"),
                        16, 63, "spec.environments[0].preview.matches", "is not a regular expression: Unclosed group"),
                bad("approval is not a word it knows", env("preview: {command: [m], approval: sometimes}"),
                        16, 41, "spec.environments[0].preview.approval", "never or always or whenMatches"),
                bad("approval beside preview, not in it", env("approval: always"),
                        16, 7, "spec.environments[0].approval", "it belongs under preview"),
                bad("approved is not a digest", env("approved: [9f86d081]"),
                        16, 18, "spec.environments[0].approved[0]", "is not a preview digest"),
                bad("approved in upper case", env("approved: [sha256:" + "AB".repeat(32) + "]"),
                        16, 18, "spec.environments[0].approved[0]", "64 lower-case hex digits"),
                bad("region is not a Region", env("region: Europe"),
                        16, 15, "spec.environments[0].region", "is not an AWS Region name"),
                bad("roleArn is a user, not a role", env("roleArn: arn:aws:iam::222222222222:user/ci"),
                        16, 16, "spec.environments[0].roleArn", "is not an IAM role ARN"),
                bad("externalId without roleArn", env("externalId: acme-42"),
                        16, 19, "spec.environments[0].externalId", "add roleArn or remove externalId"),
                bad("externalId in the defaults, roleArn nowhere", replace("    cluster: acme-prod",
                        "    externalId: acme-42\n    cluster: acme-prod"),
                        7, 17, "spec.environments[0].externalId", "externalId is given without roleArn"),
                bad("externalId too short", env("roleArn: arn:aws:iam::222222222222:role/m", "externalId: a"),
                        17, 19, "spec.environments[0].externalId", "is not an external ID"),
                bad("a cluster ARN of another Region", env("region: eu-west-1",
                        "cluster: arn:aws:ecs:us-east-1:222222222222:cluster/shop"),
                        17, 16, "spec.environments[0].cluster", "the cluster ARN is in us-east-1 but region is"
                                + " eu-west-1"),
                bad("a database URL with a password", env("database: postgres://shop:pw@db.internal/shop"),
                        16, 17, "spec.environments[0].database", "never a user or a password; or none"),
                bad("a database as a list", env("database: [db.internal]"),
                        16, 17, "spec.environments[0].database", "expected a database name or none"),
                bad("yaml 1.1 boolean", env("suspend: yes"),
                        16, 16, "spec.environments[0].suspend", "write true or false"),
                bad("quoted true", env("suspend: \"true\""),
                        16, 16, "spec.environments[0].suspend", "remove the quotes"),
                bad("boolean where a string is expected", replace("application: acme", "application: true"),
                        14, 20, "spec.environments[0].application",
                        "expected an Elastic Beanstalk application name, got the boolean true; if you mean the text, quote it: \"true\""),
                bad("number where a string is expected", replace("cluster: acme-prod", "cluster: 42"),
                        7, 14, "spec.defaults.cluster", "got the number 42; if you mean the text, quote it: \"42\""),
                bad("number where a mapping is expected", env("network: 5"),
                        16, 16, "spec.environments[0].network", "expected a mapping like {subnets: [subnet-...]"),
                bad("list where a string is expected", replace("version: v42", "version: [v42]"),
                        15, 16, "spec.environments[0].version", "expected a version label, deployed or latest, got a list"),
                bad("number in a command", replace("[python, manage.py, migrate]", "[sleep, 10]"),
                        10, 22, "spec.defaults.command[1]", "quote it: \"10\""),
                bad("empty command", replace("[python, manage.py, migrate]", "[]"),
                        10, 14, "spec.defaults.command", "the command is empty"),
                bad("null where a value is required", replace("application: acme", "application:"),
                        14, 19, "spec.environments[0].application", "no value given"),
                bad("null spec", "apiVersion: beanstalk-migrator/v1\nkind: MigrationPlan\nmetadata: {name: a}\nspec:\n",
                        4, 6, "spec", "no value given"),
                bad("environments not a list", replace("  environments:\n", "  environments: acme-web-prod\n  other:\n"),
                        12, 17, "spec.environments", "expected a list of environments, got the string"),
                // durations
                bad("bad duration", env("timeout: 30x"),
                        16, 16, "spec.environments[0].timeout", "\"30x\" is not a duration; write a number and a unit"),
                bad("duration without unit", env("timeout: 30"),
                        16, 16, "spec.environments[0].timeout", "\"30\" is not a duration; write a number and a unit"),
                bad("duration units out of order", env("timeout: 30m1h"),
                        16, 16, "spec.environments[0].timeout", "largest first"),
                bad("duration too long", env("timeout: 25h"),
                        16, 16, "spec.environments[0].timeout", "\"25h\" is longer than 24h; a timeout must be between 1s and 24h"),
                bad("duration too short", env("timeout: 500ms"),
                        16, 16, "spec.environments[0].timeout", "shorter than 1s"),
                // names
                bad("duplicate environment names", BASE + """
                            - name: acme-web-prod
                              application: acme
                              version: v43
                        """,
                        16, 13, "spec.environments[1].name",
                        "`acme-web-prod` is already used by spec.environments[0] (line 13)"),
                bad("duplicate environment names ignoring case", BASE + """
                            - {name: ACME-web-prod, application: acme, version: v43}
                        """,
                        16, 14, "spec.environments[1].name", "already used by spec.environments[0] (line 13)"),
                bad("environment name too short", replace("name: acme-web-prod", "name: abc"),
                        13, 13, "spec.environments[0].name", "\"abc\" is not a valid Elastic Beanstalk environment name"),
                bad("environment name ends with a hyphen", replace("name: acme-web-prod", "name: acme-web-"),
                        13, 13, "spec.environments[0].name", "not starting or ending with a hyphen"),
                bad("environment name with underscore", replace("name: acme-web-prod", "name: acme_web"),
                        13, 13, "spec.environments[0].name", "4 to 40 letters, digits and hyphens"),
                // duplicate keys
                bad("duplicate key", env("version: v43"),
                        16, 7, "spec.environments[0].version", "duplicate key `version`; it is already set on line 15"),
                bad("duplicate key in flow mapping", replace("{subnets: [subnet-1]}", "{subnets: [subnet-1], subnets: [subnet-2]}"),
                        11, 36, "spec.defaults.network.subnets", "duplicate key `subnets`"),
                // missing fields
                bad("missing kind", replace("kind: MigrationPlan\n", ""),
                        1, 1, "kind", "missing required field `kind`; add kind: MigrationPlan"),
                bad("missing metadata name", replace("  name: acme\n", "  labels: {}\n"),
                        4, 3, "metadata.labels", "unknown field `labels`"),
                bad("missing metadata name (the mapping)", replace("  name: acme\n", "  labels: {}\n"),
                        4, 3, "metadata.name", "missing required field `name`"),
                bad("missing spec", "apiVersion: beanstalk-migrator/v1\nkind: MigrationPlan\nmetadata: {name: a}\n",
                        1, 1, "spec", "missing required field `spec`"),
                bad("missing environments", "apiVersion: beanstalk-migrator/v1\nkind: MigrationPlan\n"
                                + "metadata: {name: a}\nspec:\n  defaults: {cluster: c}\n",
                        5, 3, "spec.environments", "missing required field `environments`"),
                bad("missing field after merge", replace("    command: [python, manage.py, migrate]\n", ""),
                        12, 7, "spec.environments[0].command",
                        "missing required field `command`; set it on this environment or in spec.defaults"),
                bad("missing environment name", replace("- name: acme-web-prod\n      application", "- application"),
                        13, 7, "spec.environments[0].name", "missing required field `name`"),
                // apiVersion and kind
                bad("wrong apiVersion", replace("beanstalk-migrator/v1", "beanstalk-migrator/v2"),
                        1, 13, "apiVersion", "apiVersion must be beanstalk-migrator/v1, not \"beanstalk-migrator/v2\""),
                bad("wrong kind", replace("kind: MigrationPlan", "kind: Deployment"),
                        2, 7, "kind", "kind must be MigrationPlan, not \"Deployment\""),
                bad("near-miss kind", replace("kind: MigrationPlan", "kind: migrationPlan"),
                        2, 7, "kind", "did you mean MigrationPlan?"),
                // not a plan at all
                bad("empty file", "", 1, 1, "", "the plan is empty"),
                bad("only comments", "# nothing here\n   # at all\n", 1, 1, "", "the plan is empty"),
                bad("only a document marker", "---\n", 1, 1, "", "the plan is empty"),
                bad("a list instead of a mapping", "- a\n- b\n", 1, 1, "", "a plan is a mapping with apiVersion"),
                bad("multiple documents", BASE + "---\napiVersion: beanstalk-migrator/v1\n",
                        16, 1, "", "a plan is one YAML document, but a second one starts here"),
                // tags
                bad("standard tag", replace("version: v42", "version: !!str v42"),
                        15, 16, "spec.environments[0].version", "type tags like `!!str` are not allowed"),
                bad("local tag", replace("version: v42", "version: !foo v42"),
                        15, 16, "spec.environments[0].version", "`!foo`"),
                bad("python object tag", "apiVersion: !!python/object:os.system [ls]\n",
                        1, 13, "apiVersion", "`!!python/object:os.system`"),
                // launch settings
                bad("bad launchType", env("launchType: fargate"),
                        16, 19, "spec.environments[0].launchType",
                        "launchType must be FARGATE or EC2, not \"fargate\"; did you mean FARGATE?"),
                bad("bad afterSuccess", env("afterSuccess: Deploy"),
                        16, 21, "spec.environments[0].afterSuccess",
                        "afterSuccess must be none or deploy, not \"Deploy\"; did you mean deploy?"),
                bad("launchType and capacityProviderStrategy", env("launchType: EC2",
                                "capacityProviderStrategy: [{capacityProvider: spot, weight: 1}]"),
                        17, 7, "spec.environments[0].capacityProviderStrategy",
                        "set either launchType or capacityProviderStrategy, not both"),
                bad("FARGATE without network", replace("    network: {subnets: [subnet-1]}\n", ""),
                        12, 7, "spec.environments[0].network", "FARGATE tasks need network.subnets"),
                bad("FARGATE_SPOT provider without network", replace("    network: {subnets: [subnet-1]}\n", "")
                                + "      capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT}]\n",
                        12, 7, "spec.environments[0].network", "FARGATE tasks need network.subnets"),
                bad("network without subnets", replace("{subnets: [subnet-1]}", "{securityGroups: [sg-1]}"),
                        11, 14, "spec.defaults.network.subnets", "missing required field `subnets`"),
                bad("empty subnets", replace("{subnets: [subnet-1]}", "{subnets: []}"),
                        11, 24, "spec.defaults.network.subnets", "no subnet listed"),
                bad("security group in subnets", replace("[subnet-1]", "[sg-1]"),
                        11, 25, "spec.defaults.network.subnets[0]", "\"sg-1\" is not a subnet ID"),
                bad("capacity provider weight out of range",
                        env("capacityProviderStrategy: [{capacityProvider: spot, weight: 5000}]"),
                        16, 67, "spec.environments[0].capacityProviderStrategy[0].weight", "from 0 to 1000"),
                bad("two providers with a base", env("capacityProviderStrategy:",
                                "  - {capacityProvider: a, weight: 1, base: 1}",
                                "  - {capacityProvider: b, weight: 1, base: 2}"),
                        17, 9, "spec.environments[0].capacityProviderStrategy", "only one capacity provider may have a base"),
                bad("bad task definition", replace("taskDefinition: acme-web", "taskDefinition: acme web"),
                        8, 21, "spec.defaults.taskDefinition", "write a family (acme-web), family:revision"),
                // image template
                bad("bad image placeholder", env("image: repo/acme:{tag}"),
                        16, 14, "spec.environments[0].image", "unknown placeholder {tag}; only {version}"),
                bad("near-miss image placeholder", env("image: \"repo/acme:{versoin}\""),
                        16, 14, "spec.environments[0].image", "did you mean {version}?"),
                bad("unclosed image placeholder", env("image: \"repo/acme:{version\""),
                        16, 14, "spec.environments[0].image", "never closed"),
                // syntax errors
                bad("unclosed bracket", replace("[python, manage.py, migrate]", "[python, manage.py, migrate"),
                        11, 12, "spec.defaults.command", "YAML syntax error: expected ',' or ']'"),
                bad("bad indentation", replace("  application: acme", " application: acme"),
                        14, 6, "spec.environments", "YAML syntax error"),
                bad("tab indentation", "apiVersion: beanstalk-migrator/v1\nmetadata:\n\tname: a\n",
                        3, 1, "", "Do not use \\t(TAB) for indentation"),
                bad("unclosed quote", "apiVersion: \"beanstalk-migrator/v1\nkind: MigrationPlan\n",
                        3, 1, "", "while scanning a quoted scalar that starts at line 1, column 13"),
                bad("undefined alias", env("container: *nothing"),
                        16, 18, "spec.environments[0].container", "alias *nothing refers to no complete anchor"),
                // hostile input
                bad("deep nesting", "apiVersion: " + "[".repeat(500) + "]".repeat(500) + "\n",
                        1, 33, "apiVersion" + "[0]".repeat(20),
                        "nesting is deeper than 20 levels"),
                bad("too many aliases", "a: &x x\nb: [" + "*x, ".repeat(60) + "]\n",
                        2, 205, "b[50]", "more than 50 aliases"),
                bad("NUL bytes", BASE.replace("kind:", "ki\0d:"), 2, 3, "", "control character U+0000"),
                bad("escape character", "apiVersion: a\u001b[31m\n", 1, 14, "", "control character U+001B"));
    }

    static Arguments bad(String name, String yaml, int line, int column, String path, String fragment) {
        return Arguments.of(name, yaml.getBytes(UTF_8), line, column, path, fragment);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPlans")
    void reportsTheErrorAtItsNode(String name, byte[] content, int line, int column, String path, String fragment) {
        List<PlanError> errors = errors(content);
        boolean found = errors.stream().anyMatch(e -> e.line() == line && e.column() == column
                && e.path().equals(path) && e.message().contains(fragment) && e.source().equals(SOURCE));
        if (!found) {
            fail("no error at " + line + ":" + column + " " + path + " containing [" + fragment + "]; got:\n"
                    + errors.stream().map(PlanError::describe).collect(Collectors.joining("\n")));
        }
    }

    // ---- byte-level and hostile input --------------------------------------------------------------

    @Test
    void invalidUtf8IsReportedAtTheFirstBadByte() {
        byte[] head = "apiVersion: beanstalk-migrator/v1\nkind: Mig".getBytes(UTF_8);
        byte[] content = Arrays.copyOf(head, head.length + 3);
        content[head.length] = (byte) 0xC3; // lead byte followed by a non-continuation byte
        content[head.length + 1] = '(';
        content[head.length + 2] = '\n';
        PlanError error = single(errors(content));
        assertEquals(2, error.line());
        assertEquals(10, error.column());
        assertTrue(error.message().startsWith("byte 0xC3 at offset 43 is not valid UTF-8"), error.message());
    }

    @Test
    void columnsCountCodePointsNotBytes() {
        byte[] head = "name: \"caf\u00e9 \uD83D\uDE00".getBytes(UTF_8);
        byte[] content = Arrays.copyOf(head, head.length + 1);
        content[head.length] = (byte) 0xFF;
        PlanError error = single(errors(content));
        assertEquals(1, error.line());
        assertEquals(14, error.column());
        assertTrue(error.message().startsWith("byte 0xFF at offset 17 "), error.message());
    }

    @Test
    void binaryJunkIsRejected() {
        byte[] junk = new byte[4096];
        new java.util.Random(7).nextBytes(junk);
        PlanError error = single(errors(junk));
        assertTrue(error.message().contains("UTF-8") || error.message().contains("control character"),
                error.message());
    }

    @Test
    void oversizeInputIsRejectedBeforeReading() {
        byte[] huge = new byte[10 * 1024 * 1024];
        Arrays.fill(huge, (byte) '[');
        long start = System.nanoTime();
        PlanError error = single(errors(huge));
        assertTrue(System.nanoTime() - start < 500_000_000L, "took too long");
        assertEquals(new PlanError(SOURCE, 1, 1, "", "the plan is 10485760 bytes, more than the limit of"
                + " 1048576 bytes (1 MiB); a plan is a short YAML file, so check that this is the right file; the"
                + " operator's limit is migrator.desired-state.max-bytes"), error);
    }

    @Test
    void aliasBombIsRejectedQuickly() {
        // 81 aliases: stopped by the alias cap while composing, before anything is expanded
        PlanError bomb = single(assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> errors(resource("alias-bomb.yaml"))));
        assertTrue(bomb.message().contains("more than 50 aliases"), bomb.describe());
        // 48 aliases, under the cap: stopped by the node cap, which counts what every alias repeats
        PlanError expansion = single(assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> errors(resource("alias-expansion.yaml"))));
        assertTrue(expansion.message().contains("expands to more than 100000 nodes"), expansion.describe());
    }

    @Test
    void largeButLegalListHitsTheNodeCap() {
        String yaml = "apiVersion:\n" + "- a\n".repeat(150_000);
        PlanError error = single(assertTimeoutPreemptively(BIG_INPUT_BUDGET, () -> errors(yaml.getBytes(UTF_8))));
        assertTrue(error.message().contains("more than 100000 nodes"), error.describe());
    }

    @Test
    void deeplyNestedBlockMappingsHitTheDepthCap() {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            yaml.append("  ".repeat(i)).append("k").append(i).append(":\n");
        }
        PlanError error = single(errors(yaml.toString().getBytes(UTF_8)));
        assertEquals(21, error.line());
        assertTrue(error.message().contains("nesting is deeper than 20 levels"), error.describe());
    }

    @Test
    void customLimitsApply() {
        PlanParser strict = new PlanParser(new PlanLimits(100, 0, 20, 100_000, 50));
        ParseOutcome outcome = strict.parse("small.yaml", BASE.getBytes(UTF_8));
        PlanError error = single(assertInstanceOf(ParseOutcome.Invalid.class, outcome).errors());
        assertTrue(error.message().contains("more than the limit of 100 bytes"), error.describe());
        assertEquals("small.yaml", error.source());

        PlanParser noAliases = new PlanParser(new PlanLimits(1 << 20, 0, 20, 100_000, 50));
        outcome = noAliases.parse("a.yaml", "a: &x 1\nb: *x\n".getBytes(UTF_8));
        error = single(assertInstanceOf(ParseOutcome.Invalid.class, outcome).errors());
        assertTrue(error.message().contains("more than 0 aliases"), error.describe());
    }

    @Test
    void errorsAreCollectedSortedAndCapped() {
        List<PlanError> errors = errors(resource("many-errors.yaml"));
        assertEquals(10, errors.size(), () -> errors.stream().map(PlanError::describe).collect(Collectors.joining("\n")));
        for (int i = 0; i < 10; i++) {
            assertEquals(13 + i, errors.get(i).line());
            assertEquals(Paths.field(Paths.index("spec.environments", i), "timeout"), errors.get(i).path());
        }

        PlanParser capped = new PlanParser(new PlanLimits(1 << 20, 50, 20, 100_000, 4));
        List<PlanError> cut = ((ParseOutcome.Invalid) capped.parse(SOURCE, resource("many-errors.yaml"))).errors();
        assertEquals(4, cut.size());
        assertEquals(16, cut.get(3).line());
        assertTrue(cut.get(3).message().startsWith("7 more errors from here on are not shown"), cut.get(3).message());
    }

    @Test
    void errorsAcrossEnvironmentsAreAllReported() {
        List<PlanError> errors = errors(env("timout: 1h", "suspend: maybe", "launchType: ECS").getBytes(UTF_8));
        assertEquals(List.of(16, 17, 18), errors.stream().map(PlanError::line).toList());
    }

    @Test
    void aMisspeltRequiredFieldIsNotAlsoReportedMissing() {
        List<PlanError> errors = errors(replace("    command:", "    comamnd:").getBytes(UTF_8));
        assertEquals(List.of("desired-state.yaml:10:5: spec.defaults.comamnd: unknown field `comamnd`; did you mean"
                + " `command`?"), errors.stream().map(PlanError::describe).toList());
    }

    @Test
    void quotesAreSuggestedOnlyWhereTextIsExpected() {
        PlanError error = single(errors(env("network: 5").getBytes(UTF_8)));
        assertTrue(error.message().endsWith("got the number 5"), error.message());
    }

    @Test
    void aLargeValidPlanParsesQuickly() {
        StringBuilder yaml = new StringBuilder(BASE);
        for (int i = 1; i < 3_000; i++) {
            yaml.append(String.format("    - {name: env-%05d, application: acme, version: v%d, timeout: 5m}%n", i, i));
        }
        MigrationPlan plan = assertTimeoutPreemptively(BIG_INPUT_BUDGET, () -> valid(yaml.toString()));
        assertEquals(3_000, plan.environments().size());
        assertEquals(Duration.ofMinutes(5), plan.environments().get(2_999).timeout());
    }

    static Stream<Arguments> pathologicalInputs() {
        int mib = 1024 * 1024 - 64;
        return Stream.of(
                Arguments.of("one long plain scalar", "apiVersion: " + "a ".repeat(mib / 2)),
                Arguments.of("one long quoted scalar", "apiVersion: \"" + "a\\n".repeat(mib / 3) + "\""),
                Arguments.of("unclosed quote", "apiVersion: '" + "x".repeat(mib)),
                Arguments.of("open brackets", "[".repeat(mib)),
                Arguments.of("open brackets on many lines", "[\n".repeat(mib / 2)),
                Arguments.of("open braces", "{a: ".repeat(mib / 4)),
                Arguments.of("nested block sequences", "- ".repeat(mib / 2)),
                Arguments.of("complex keys", "? ".repeat(mib / 2)),
                Arguments.of("many keys", "a: 1\n".repeat(mib / 5)),
                Arguments.of("many aliases", "a: &a x\nb:\n" + "  - *a\n".repeat(mib / 7 - 10)),
                Arguments.of("many anchors", "a:\n" + "  - &a x\n".repeat(mib / 9 - 10)),
                Arguments.of("many tags", "a:\n" + "  - !x y\n".repeat(mib / 9 - 10)),
                Arguments.of("many flow entries", "a: [\n" + "  x,\n".repeat(mib / 5 - 10) + "]"),
                Arguments.of("only comments", "#".repeat(mib)),
                Arguments.of("many documents", "---\n".repeat(mib / 4)),
                Arguments.of("long key", "k".repeat(mib - 10) + ": v"),
                Arguments.of("long lines", ("k" + "x".repeat(60_000) + ": v\n").repeat(17)),
                Arguments.of("unknown keys", "x: 1\n".repeat(mib / 5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pathologicalInputs")
    void pathologicalInputUnderTheSizeCapStaysFast(String name, String yaml) {
        byte[] content = yaml.getBytes(UTF_8);
        assertTrue(content.length <= PlanLimits.DEFAULTS.maxBytes(), "test input too large: " + content.length);
        List<PlanError> errors = assertTimeoutPreemptively(BIG_INPUT_BUDGET, () -> errors(content));
        assertTrue(errors.size() <= PlanLimits.DEFAULTS.maxErrors());
        for (PlanError error : errors) {
            assertTrue(error.line() >= 1 && error.column() >= 1, error::describe);
            assertTrue(error.describe().length() < 1_000, "message too long: " + error.describe().length());
        }
    }

    @Test
    void overlongLinesAreRejectedBeforeParsing() {
        String yaml = "apiVersion: beanstalk-migrator/v1\nkind: '" + "x".repeat(70_000) + "'\n";
        PlanError error = single(errors(yaml.getBytes(UTF_8)));
        assertEquals(2, error.line());
        assertEquals(65_537, error.column());
        assertTrue(error.message().startsWith("line 2 is longer than 65536 characters"), error.describe());
        // a long value spread over many lines is fine as far as reading goes
        String folded = replace("    command: [python, manage.py, migrate]\n",
                "    command:\n      - sh\n      - >-\n" + "        echo migrating;\n".repeat(20_000));
        List<String> command = valid(folded).environments().get(0).command();
        assertEquals(20_000 * "echo migrating;".length() + 19_999, command.get(1).length());
    }

    @Test
    void aFloodOfErrorsIsCountedNotKept() {
        // 60,000 tag errors, plus the unknown field `a` and four missing top-level fields
        String yaml = "a:\n" + "  - !x y\n".repeat(60_000);
        List<PlanError> errors = errors(yaml.getBytes(UTF_8));
        assertEquals(50, errors.size());
        assertTrue(errors.get(49).message().startsWith("59956 more errors from here on are not shown"),
                errors.get(49).describe());
    }

    @Test
    void aGlobalTagIsReportedOnceAtItsNode() {
        PlanError error = single(errors(replace("version: v42", "version: !<tag:example.com,2024:cmd> v42")
                .getBytes(UTF_8)));
        assertEquals(15, error.line());
        assertEquals(16, error.column());
        assertEquals("spec.environments[0].version", error.path());
        assertTrue(error.message().startsWith("type tags like `tag:example.com,2024:cmd` are not allowed"),
                error.message());
    }

    @Test
    void anAliasedValueIsReportedWhereTheAliasIsWritten() {
        // SnakeYAML hands the alias the anchored list itself; the error must still point at the alias
        PlanError error = single(errors(env("network: *migrate").replace("command: [python",
                "command: &migrate [python").getBytes(UTF_8)));
        assertEquals(16, error.line());
        assertEquals(16, error.column());
        assertEquals("spec.environments[0].network", error.path());
        assertTrue(error.message().startsWith("expected a mapping like {subnets"), error.message());
    }

    @Test
    void nullContentIsAnError() {
        PlanError error = single(errors(null));
        assertEquals(1, error.line());
    }

    static PlanError single(List<PlanError> errors) {
        assertEquals(1, errors.size(), () -> errors.stream().map(PlanError::describe).collect(Collectors.joining("\n")));
        return errors.get(0);
    }
}
