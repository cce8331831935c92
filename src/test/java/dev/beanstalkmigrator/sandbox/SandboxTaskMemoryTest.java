package dev.beanstalkmigrator.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.beanstalkmigrator.testing.SandboxClients;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;

/**
 * The sandbox drops tasks ECS has forgotten from its table once it holds more than {@link 2000}, yet
 * still says when each stopped and with what exit code: the fault suite judges every task that ran, over hours.
 */
class SandboxTaskMemoryTest {

    @Test
    void aTaskPurgedFromTheTableIsStillKnownToHaveStoppedWithItsExitCode() {
        try (SandboxCloud cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse("""
                clusters: [c]
                taskDefinitions:
                  - {family: app, networkMode: awsvpc, requiresCompatibilities: [FARGATE], cpu: "256", memory: "512",
                     containers: [{name: app, image: img}]}
                tasks: {default: {pending: 1ms, duration: 1ms, exitCode: 3}}
                stoppedTaskRetention: 1ms
                """));
             SandboxClients aws = new SandboxClients(cloud.endpoint(), false)) {
            RunTaskRequest.Builder run = RunTaskRequest.builder().cluster("c").taskDefinition("app")
                    .launchType(LaunchType.FARGATE).networkConfiguration(n -> n.awsvpcConfiguration(v -> v
                            .subnets("subnet-1")));
            String first = aws.ecs.runTask(run.count(1).build()).tasks().get(0).taskArn();
            await().atMost(Duration.ofSeconds(10)).until(() -> cloud.taskStoppedAt(first) != null);
            for (int i = 0; i <= EcsTasks.PURGE_ABOVE / 10; i++) {
                aws.ecs.runTask(run.count(10).build());
            }
            assertEquals("MISSING", aws.ecs.describeTasks(b -> b.cluster("c").tasks(first)).failures().get(0)
                    .reason(), "ECS forgot it");
            assertNotNull(cloud.taskStoppedAt(first), "the sandbox still knows it stopped");
            assertEquals(3, cloud.taskExitCode(first));
        }
    }
}
