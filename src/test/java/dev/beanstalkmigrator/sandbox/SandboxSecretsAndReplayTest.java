package dev.beanstalkmigrator.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.ConflictException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.Secret;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.elasticbeanstalk.model.ConfigurationOptionSetting;

import dev.beanstalkmigrator.testing.SandboxClients;

/**
 * Environment secrets (Elastic Beanstalk's environmentsecrets namespace, ECS task definition {@code secrets} resolved
 * when a task starts) and RunTask's client token, which ECS holds to the first request's parameters.
 */
class SandboxSecretsAndReplayTest {
    static final String STRIPE = "arn:aws:secretsmanager:us-east-1:000000000000:secret:acme/stripe-AbCd12";
    static final String PASSWORD = "arn:aws:ssm:us-east-1:000000000000:parameter/acme/db-password";
    static final String SEED = """
            applications:
              - name: acme
                versions: [{label: v41}]
                environments:
                  - name: acme-web-prod
                    version: v41
                    variables: {DJANGO_SETTINGS_MODULE: acme.settings}
                    secrets: {STRIPE_KEY: "%s", DB_PASSWORD: "%s"}
            secretValues:
              "%s": sk_live_seeded-4242
              "%s": pw-seeded-9191
            clusters: [acme-prod, acme-other]
            taskDefinitions:
              - family: acme-web
                networkMode: awsvpc
                requiresCompatibilities: [FARGATE]
                cpu: "256"
                memory: "512"
                containers:
                  - {name: web, image: "acme:v41", logGroup: /ecs/acme-web}
            tasks:
              default:
                pending: 50ms
                duration: 100ms
                logLines: ["settings ${DJANGO_SETTINGS_MODULE}", "key ${STRIPE_KEY}", "password ${DB_PASSWORD}",
                           "unset [${NOT_SET}]"]
            """.formatted(STRIPE, PASSWORD, STRIPE, PASSWORD);

    static SandboxCloud cloud;
    static SandboxClients aws;

    @BeforeAll
    static void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse(SEED));
        aws = new SandboxClients(cloud.endpoint(), false);
    }

    @AfterAll
    static void stop() {
        aws.close();
        cloud.close();
    }

    @Test
    void environmentSecretsAreOptionSettingsWithTheirArn() {
        List<ConfigurationOptionSetting> options = aws.eb.describeConfigurationSettings(b -> b.applicationName("acme")
                .environmentName("acme-web-prod")).configurationSettings().get(0).optionSettings();
        Map<String, String> secrets = options.stream()
                .filter(o -> o.namespace().equals("aws:elasticbeanstalk:application:environmentsecrets"))
                .collect(Collectors.toMap(ConfigurationOptionSetting::optionName, ConfigurationOptionSetting::value));
        assertEquals(Map.of("STRIPE_KEY", STRIPE, "DB_PASSWORD", PASSWORD), secrets, "the ARN, never the value");
        assertTrue(options.stream().noneMatch(o -> o.value() != null && o.value().contains("seeded")));

        aws.eb.updateEnvironment(b -> b.environmentName("acme-web-prod").optionSettings(o -> o
                .namespace("aws:elasticbeanstalk:application:environmentsecrets").optionName("NEW_ONE")
                .value(PASSWORD)));
        assertTrue(aws.eb.describeConfigurationSettings(b -> b.applicationName("acme").environmentName("acme-web-prod"))
                .configurationSettings().get(0).optionSettings().stream()
                .anyMatch(o -> o.optionName().equals("NEW_ONE") && o.value().equals(PASSWORD)));
    }

    @Test
    void aTaskSeesItsSecretsResolvedAndItsOverridesOnTop() {
        String family = register("with-secrets", List.of(secret("STRIPE_KEY", STRIPE), secret("DB_PASSWORD", PASSWORD)));
        ContainerDefinition described = aws.ecs.describeTaskDefinition(b -> b.taskDefinition(family)).taskDefinition()
                .containerDefinitions().get(0);
        assertEquals(List.of(secret("STRIPE_KEY", STRIPE), secret("DB_PASSWORD", PASSWORD)), described.secrets());

        Task task = run(family, "t-secrets", b -> b.overrides(o -> o.containerOverrides(c -> c.name("web")
                .environment(KeyValuePair.builder().name("DB_PASSWORD").value("from-override").build()))));
        await().atMost(Duration.ofSeconds(10)).until(() -> "STOPPED".equals(aws.taskStatus(task.taskArn())));
        assertEquals(List.of("settings acme.settings", "key sk_live_seeded-4242", "password from-override", "unset []"),
                aws.logMessages("/ecs/acme-web", "ecs/web/" + id(task)));
        assertEquals(0, aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(task.taskArn())).tasks().get(0)
                .containers().get(0).exitCode());
    }

    @Test
    void aSecretThatCannotBeReadKeepsTheTaskFromStarting() {
        String missing = "arn:aws:secretsmanager:us-east-1:000000000000:secret:acme/gone-ZyXw98";
        String family = register("missing-secret", List.of(secret("GONE", missing)));
        Task task = run(family, "t-missing", b -> { });
        await().atMost(Duration.ofSeconds(10)).until(() -> "STOPPED".equals(aws.taskStatus(task.taskArn())));
        Task stopped = aws.ecs.describeTasks(b -> b.cluster("acme-prod").tasks(task.taskArn())).tasks().get(0);
        assertEquals("TaskFailedToStart", stopped.stopCodeAsString());
        assertTrue(stopped.stoppedReason().startsWith("ResourceInitializationError: unable to pull secrets or"
                + " registry auth: "), stopped.stoppedReason());
        assertTrue(stopped.stoppedReason().contains(missing), stopped.stoppedReason());
        assertEquals(null, stopped.containers().get(0).exitCode());
    }

    @Test
    void aReplayedClientTokenWithOtherParametersIsAConflictNamingTheFirstTask() {
        Task first = run("acme-web", "t-replay", b -> b.overrides(o -> o.containerOverrides(c -> c.name("web")
                .command("migrate"))));
        assertEquals(first.taskArn(), run("acme-web", "t-replay", b -> b.overrides(o -> o.containerOverrides(c -> c
                .name("web").command("migrate")))).taskArn(), "the same request: the first call's task");

        ConflictException conflict = assertThrows(ConflictException.class, () -> run("acme-web", "t-replay",
                b -> b.overrides(o -> o.containerOverrides(c -> c.name("web").command("migrate").environment(
                        KeyValuePair.builder().name("A").value("edited").build())))));
        assertEquals(400, conflict.statusCode());
        assertEquals(List.of(first.taskArn()), conflict.resourceIds());
        assertTrue(conflict.awsErrorDetails().errorMessage().contains("t-replay"), conflict.getMessage());
        assertThrows(ConflictException.class, () -> run("acme-web", "t-replay", b -> b.startedBy("bm-other")));
        assertEquals(1, cloud.runs().stream().filter(r -> "t-replay".equals(r.clientToken())).count());

        // The token is scoped to its cluster: on another, the same token is another request.
        Task elsewhere = aws.ecs.runTask(request("acme-web", "t-replay").toBuilder().cluster("acme-other")
                .overrides(o -> o.containerOverrides(c -> c.name("web").command("migrate"))).build()).tasks().get(0);
        assertNotEquals(first.taskArn(), elsewhere.taskArn());
    }

    @Test
    void theControlApiSetsAnEnvironmentsVariablesAndSecrets() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String[] change : List.of(
                new String[] {"variables/EDITED", "{\"value\":\"by-control\"}"},
                new String[] {"secrets/ADDED", "{\"arn\":\"" + PASSWORD + "\"}"},
                new String[] {"variables/DJANGO_SETTINGS_MODULE", "{\"value\":null}"})) {
            java.net.http.HttpResponse<String> answer = http.send(java.net.http.HttpRequest.newBuilder(
                    cloud.endpoint().resolve("/_sandbox/environments/acme-web-prod/" + change[0]))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(change[1])).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
        }
        Map<String, String> options = aws.eb.describeConfigurationSettings(b -> b.applicationName("acme")
                .environmentName("acme-web-prod")).configurationSettings().get(0).optionSettings().stream()
                .filter(o -> o.namespace().startsWith("aws:elasticbeanstalk:application:"))
                .collect(Collectors.toMap(o -> o.namespace().substring(o.namespace().lastIndexOf(':') + 1) + "/"
                        + o.optionName(), ConfigurationOptionSetting::value));
        assertEquals("by-control", options.get("environment/EDITED"));
        assertEquals(PASSWORD, options.get("environmentsecrets/ADDED"));
        assertTrue(!options.containsKey("environment/DJANGO_SETTINGS_MODULE"), options.toString());
        cloud.setEnvironmentVariable("acme-web-prod", "DJANGO_SETTINGS_MODULE", "acme.settings");
        cloud.setEnvironmentVariable("acme-web-prod", "EDITED", null);
        cloud.setEnvironmentSecret("acme-web-prod", "ADDED", null);
    }

    static Secret secret(String name, String valueFrom) {
        return Secret.builder().name(name).valueFrom(valueFrom).build();
    }

    static String register(String family, List<Secret> secrets) {
        aws.ecs.registerTaskDefinition(b -> b.family(family).networkMode("awsvpc").requiresCompatibilitiesWithStrings(
                "FARGATE").cpu("256").memory("512").containerDefinitions(c -> c.name("web").image("acme:v41")
                .environment(KeyValuePair.builder().name("DJANGO_SETTINGS_MODULE").value("acme.settings").build())
                .secrets(secrets).logConfiguration(l -> l.logDriver("awslogs").options(Map.of("awslogs-group",
                        "/ecs/acme-web", "awslogs-region", "us-east-1", "awslogs-stream-prefix", "ecs")))));
        return family;
    }

    static RunTaskRequest request(String family, String token) {
        return RunTaskRequest.builder().cluster("acme-prod").taskDefinition(family).launchType(LaunchType.FARGATE)
                .clientToken(token).startedBy("bm-" + token).networkConfiguration(n -> n.awsvpcConfiguration(v -> v
                        .subnets("subnet-1").assignPublicIp(AssignPublicIp.DISABLED))).build();
    }

    static Task run(String family, String token, Consumer<RunTaskRequest.Builder> change) {
        RunTaskRequest.Builder builder = request(family, token).toBuilder();
        change.accept(builder);
        return aws.ecs.runTask(builder.build()).tasks().get(0);
    }

    static String id(Task task) {
        return task.taskArn().substring(task.taskArn().lastIndexOf('/') + 1);
    }
}
