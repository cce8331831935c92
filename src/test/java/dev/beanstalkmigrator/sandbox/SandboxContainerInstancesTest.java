package dev.beanstalkmigrator.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.services.ecs.model.ContainerInstance;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.InvalidParameterException;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.Resource;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;

import dev.beanstalkmigrator.testing.SandboxClients;

/** EC2 capacity: container instances, placement by free CPU and memory, RunTask's failures, the control API. */
class SandboxContainerInstancesTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SEED = """
            clusters: [ec2-prod, ec2-empty, ec2-agentless]
            containerInstances:
              ec2-prod:
                - {id: small, cpu: 1024, memory: 1024}
              ec2-agentless:
                - {id: lost, agentConnected: false}
                - {id: busy, remainingCpu: 0}
            taskDefinitions:
              - family: migrate
                containers:
                  - {name: web, image: "acme:v1", cpu: 256, memory: 512}
              - family: hungry
                cpu: "2048"
                memory: "512"
                containers:
                  - {name: web, image: "acme:v1"}
              - family: fargate
                networkMode: awsvpc
                requiresCompatibilities: [FARGATE]
                cpu: "256"
                memory: "512"
                containers:
                  - {name: web, image: "acme:v1"}
            tasks:
              # A task stopped after it started runs on until its stop timeout (30 s by default): on a busy machine
              # the test's StopTask can come after the 50 ms start, and memory must come back within its wait.
              default: {pending: 50ms, duration: never, stopTimeout: 1s}
            """;
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

    private static RunTaskRequest ec2(String cluster, String family, String token) {
        return RunTaskRequest.builder().cluster(cluster).taskDefinition(family).launchType(LaunchType.EC2)
                .clientToken(token).build();
    }

    private static Map<String, Integer> remaining(String cluster, String arn) {
        ContainerInstance i = aws.ecs.describeContainerInstances(b -> b.cluster(cluster).containerInstances(arn))
                .containerInstances().get(0);
        return i.remainingResources().stream().collect(Collectors.toMap(Resource::name, Resource::integerValue));
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(cloud.endpoint() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void ec2TasksHoldMemoryUntilStoppedAndAFullClusterAnswersFailuresWithoutBindingTheToken() {
        String instance = aws.ecs.listContainerInstances(b -> b.cluster("ec2-prod")).containerInstanceArns().get(0);
        assertEquals("arn:aws:ecs:us-east-1:000000000000:container-instance/ec2-prod/small", instance);
        assertEquals(Map.of("CPU", 1024, "MEMORY", 1024), remaining("ec2-prod", instance));

        String first = aws.ecs.runTask(ec2("ec2-prod", "migrate", "tok-1")).tasks().get(0).taskArn();
        assertEquals(instance, aws.ecs.describeTasks(b -> b.cluster("ec2-prod").tasks(first)).tasks().get(0)
                .containerInstanceArn());
        aws.ecs.runTask(ec2("ec2-prod", "migrate", "tok-2"));
        assertEquals(Map.of("CPU", 512, "MEMORY", 0), remaining("ec2-prod", instance));

        RunTaskResponse refused = aws.ecs.runTask(ec2("ec2-prod", "migrate", "tok-3"));
        assertTrue(refused.tasks().isEmpty());
        assertEquals(List.of(Failure.builder().arn(instance).reason("RESOURCE:MEMORY").build()), refused.failures());

        aws.ecs.stopTask(b -> b.cluster("ec2-prod").task(first));
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> remaining("ec2-prod", instance).get("MEMORY") == 512);
        // The same token again: the refused call started nothing, so this one places the task.
        RunTaskResponse placed = aws.ecs.runTask(ec2("ec2-prod", "migrate", "tok-3"));
        assertEquals(1, placed.tasks().size());
        assertTrue(placed.failures().isEmpty());
        assertEquals(placed.tasks().get(0).taskArn(),
                aws.ecs.runTask(ec2("ec2-prod", "migrate", "tok-3")).tasks().get(0).taskArn(), "now bound");
    }

    @Test
    void cpuShortAndDisconnectedAgentsAreNamedPerInstance() {
        RunTaskResponse cpu = aws.ecs.runTask(ec2("ec2-prod", "hungry", "tok-cpu"));
        assertTrue(cpu.tasks().isEmpty());
        assertEquals("RESOURCE:CPU", cpu.failures().get(0).reason());

        RunTaskResponse none = aws.ecs.runTask(ec2("ec2-agentless", "migrate", "tok-agent"));
        assertEquals(List.of("AGENT", "RESOURCE:CPU"), none.failures().stream().map(Failure::reason).toList());
        assertEquals("arn:aws:ecs:us-east-1:000000000000:container-instance/ec2-agentless/lost",
                none.failures().get(0).arn());
    }

    @Test
    void anEmptyClusterRefusesEc2TasksButRunsFargateOnes() {
        InvalidParameterException e = assertThrows(InvalidParameterException.class,
                () -> aws.ecs.runTask(ec2("ec2-empty", "migrate", "tok-empty")));
        assertEquals("No Container Instances were found in your cluster.", e.awsErrorDetails().errorMessage());
        // No launch type and no capacity provider strategy, on a cluster without a default strategy: EC2.
        assertThrows(InvalidParameterException.class,
                () -> aws.ecs.runTask(b -> b.cluster("ec2-empty").taskDefinition("migrate")));
        assertEquals(1, aws.ecs.runTask(b -> b.cluster("ec2-empty").taskDefinition("fargate")
                .launchType(LaunchType.FARGATE).networkConfiguration(n -> n.awsvpcConfiguration(
                        v -> v.subnets("subnet-1")))).tasks().size());
        assertEquals(0, aws.ecs.describeClusters(b -> b.clusters("ec2-empty")).clusters().get(0)
                .registeredContainerInstancesCount());
    }

    @Test
    void theControlApiAddsChangesAndRemovesCapacity() throws Exception {
        HttpResponse<String> added = call("POST", "/_sandbox/clusters/ec2-empty/container-instances",
                "{\"id\":\"fresh\",\"cpu\":512,\"memory\":512}");
        assertEquals(200, added.statusCode(), added.body());
        String arn = JSON.readTree(added.body()).get("arn").asText();
        assertEquals(1, aws.ecs.describeClusters(b -> b.clusters("ec2-empty")).clusters().get(0)
                .registeredContainerInstancesCount());

        assertEquals(200, call("PUT", "/_sandbox/clusters/ec2-empty/container-instances/fresh",
                "{\"remainingMemory\":100}").statusCode());
        assertEquals("RESOURCE:MEMORY", aws.ecs.runTask(ec2("ec2-empty", "migrate", "tok-c1")).failures().get(0)
                .reason());
        call("PUT", "/_sandbox/clusters/ec2-empty/container-instances/fresh", "{\"remainingMemory\":512}");
        assertEquals(arn, aws.ecs.runTask(ec2("ec2-empty", "migrate", "tok-c1")).tasks().get(0)
                .containerInstanceArn());
        JsonNode listed = JSON.readTree(call("GET", "/_sandbox/clusters/ec2-empty/container-instances", null).body());
        assertEquals(0, listed.get(0).get("freeMemory").asInt());
        assertEquals(256, listed.get(0).get("freeCpu").asInt());

        assertEquals(200, call("DELETE", "/_sandbox/clusters/ec2-empty/container-instances/fresh", null).statusCode());
        assertEquals(404, call("DELETE", "/_sandbox/clusters/ec2-empty/container-instances/fresh", null).statusCode());
        assertTrue(aws.ecs.listContainerInstances(b -> b.cluster("ec2-empty")).containerInstanceArns().isEmpty());
        assertEquals(400, call("POST", "/_sandbox/clusters/ghost/container-instances", "{}").statusCode());
    }

    @Test
    void theSeedRefusesInstancesOfAnUnknownCluster() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SandboxSeed.parse("clusters: [a]\ncontainerInstances: {b: 1}\n"));
        assertTrue(e.getMessage().contains("cluster b"), e.getMessage());
        assertEquals(3, SandboxSeed.parse("clusters: [a]\ncontainerInstances: {a: 3}\n").containerInstances()
                .get("a").instances().size());
    }
}
