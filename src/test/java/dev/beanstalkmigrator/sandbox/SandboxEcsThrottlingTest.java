package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;

import dev.beanstalkmigrator.aws.AwsErrorClassifier;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.testing.SandboxClients;
import dev.beanstalkmigrator.testing.ThrottledCalls;

/** ECS's request throttling through the real AWS SDK v2 over HTTP. */
class SandboxEcsThrottlingTest {
    static SandboxCloud cloud;
    static SandboxClients aws;
    static int families;

    @BeforeAll
    static void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.read(SandboxTestSupport.testSeed()));
        aws = new SandboxClients(cloud.endpoint(), false);
    }

    @AfterAll
    static void stop() {
        aws.close();
        cloud.close();
    }

    @AfterEach
    void off() {
        cloud.setEcsThrottling(EcsThrottles.OFF);
    }

    /** Registers a revision of a family of its own; answers the failure, or null. */
    static EcsException register(String family) {
        try {
            aws.ecs.registerTaskDefinition(b -> b.family(family).containerDefinitions(c -> c.name("app").image("busybox")));
            return null;
        } catch (EcsException e) {
            return e;
        }
    }

    @Test
    void offByDefault() {
        assertEquals(EcsThrottles.OFF, cloud.ecsThrottling());
    }

    @Test
    void withTheDocumentedTableThe21stRegistrationInABurstIsThrottledAsEcsAnswersIt() {
        String family = "burst-" + families++;
        cloud.setEcsThrottling(EcsThrottles.DOCUMENTED);
        cloud.resetCalls();
        long began = System.nanoTime();
        int registered = 0;
        EcsException throttled = null;
        while (throttled == null && registered < 40) {
            throttled = register(family);
            registered += throttled == null ? 1 : 0;
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        // 20 at once, and one more for each second the burst took (none when it took less than one: the 21st).
        assertTrue(registered >= 20 && registered <= 20 + seconds, registered + " registered in " + seconds + " s");

        assertEquals(400, throttled.statusCode());
        assertEquals("ThrottlingException", throttled.awsErrorDetails().errorCode());
        assertEquals("Rate exceeded", throttled.awsErrorDetails().errorMessage());
        assertTrue(throttled.isThrottlingException(), "the SDK's retry policies back off on it");
        assertInstanceOf(CloudError.Throttled.class, AwsErrorClassifier.classify("ecs:RegisterTaskDefinition", throttled));
        assertEquals(1, cloud.calls("ecs:RegisterTaskDefinition:throttled"));
        assertEquals(1, cloud.calls("ecs:RegisterTaskDefinition:400"));
        assertEquals(Map.of("RegisterTaskDefinition", 1L), ThrottledCalls.perAction(cloud.calls()));
        assertEquals(registered, aws.ecs.listTaskDefinitions(b -> b.familyPrefix(family)
                .status(TaskDefinitionStatus.ACTIVE)).taskDefinitionArns().size(), "a throttled call registers nothing");
        assertEquals(family, aws.ecs.describeTaskDefinition(b -> b.taskDefinition(family)).taskDefinition().family(),
                "reads have a bucket of their own");
        assertEquals(0, cloud.calls("ecs:DescribeTaskDefinition:throttled"));
    }

    @Test
    void withTheTableOffABurstIsNeverThrottled() {
        String family = "burst-" + families++;
        cloud.resetCalls();
        List<EcsException> failures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            failures.add(register(family));
        }
        assertTrue(failures.stream().allMatch(f -> f == null), failures::toString);
        assertEquals(0, cloud.calls("ecs:RegisterTaskDefinition:throttled"));
    }

    @Test
    void theSdksOwnRetriesBackOffOnItAndTryAgain() {
        String family = "burst-" + families++;
        // One registration, then one token every 100 s: every attempt after the first is refused.
        cloud.setEcsThrottling(EcsThrottles.DOCUMENTED.scaled(0.01));
        cloud.resetCalls();
        assertEquals(null, register(family));
        try (SandboxClients retrying = new SandboxClients(cloud.endpoint(), true)) {
            EcsException e = assertThrows(EcsException.class, () -> retrying.ecs.registerTaskDefinition(
                    b -> b.family(family).containerDefinitions(c -> c.name("app").image("busybox"))));
            assertTrue(e.isThrottlingException(), e::toString);
        }
        assertTrue(cloud.calls("ecs:RegisterTaskDefinition:throttled") >= 2,
                () -> "tried again after the throttling: " + cloud.calls());
    }

    @Test
    void switchedAndReadThroughTheControlApi() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create(cloud.endpoint() + "/_sandbox/ecs-throttling");
        HttpResponse<String> set = http.send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString(
                "{\"table\":\"documented\",\"scale\":0.5}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, set.statusCode(), set.body());
        assertEquals("documented x0.5", cloud.ecsThrottling().toString());
        JsonNode read = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("documented", read.get("table").asText());
        assertEquals(0.5, read.get("scale").asDouble());
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString(
                "{\"table\":\"on\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        http.send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString("{\"table\":\"off\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(EcsThrottles.OFF, cloud.ecsThrottling());
    }
}
