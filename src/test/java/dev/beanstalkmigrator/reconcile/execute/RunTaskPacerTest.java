package dev.beanstalkmigrator.reconcile.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.aws.AwsContainerService;
import dev.beanstalkmigrator.aws.Retrying;
import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService.TaskLaunch;
import dev.beanstalkmigrator.port.ContainerService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;

/** RunTask pacing: throttling is retried, other errors are not, a storm is given up on. */
class RunTaskPacerTest {

    static CloudError throttled() {
        return new CloudError.Throttled("ecs:RunTask", "ThrottlingException", "Rate exceeded", null);
    }

    @Test
    void aThrottledCallIsTriedAgainUntilAccepted() {
        RunTaskPacer pacer = new RunTaskPacer();
        AtomicInteger calls = new AtomicInteger();
        String arn = pacer.run(() -> {
            if (calls.incrementAndGet() <= 3) {
                throw throttled();
            }
            return "arn:task/1";
        }, () -> true);
        assertEquals("arn:task/1", arn);
        assertEquals(4, calls.get());
    }

    @Test
    void otherErrorsAreNotRetriedHere() {
        RunTaskPacer pacer = new RunTaskPacer();
        AtomicInteger calls = new AtomicInteger();
        assertThrows(CloudError.Stalled.class, () -> pacer.run(() -> {
            calls.incrementAndGet();
            throw new CloudError.Stalled("ecs:RunTask", "AccessDeniedException", "no", "grant it", null);
        }, () -> true));
        assertThrows(CloudError.Transient.class, () -> pacer.run(() -> {
            calls.incrementAndGet();
            throw new CloudError.Transient("ecs:RunTask", "NetworkError", "reset", null);
        }, () -> true));
        assertEquals(2, calls.get());
    }

    @Test
    void aThrottlingStormIsGivenUpOnAfterABoundedNumberOfTries() {
        RunTaskPacer pacer = new RunTaskPacer();
        AtomicInteger calls = new AtomicInteger();
        assertThrows(CloudError.Transient.class, () -> pacer.run(() -> {
            calls.incrementAndGet();
            throw throttled();
        }, () -> true));
        assertEquals(RunTaskPacer.MAX_THROTTLED_ATTEMPTS, calls.get());
    }

    @Test
    void aReplicaThatLostTheLeaseStopsTrying() {
        RunTaskPacer pacer = new RunTaskPacer();
        AtomicInteger calls = new AtomicInteger();
        assertThrows(CloudError.Transient.class, () -> pacer.run(() -> {
            calls.incrementAndGet();
            throw throttled();
        }, () -> false));
        assertEquals(1, calls.get());
    }

    // ---- the pacer over the ECS adapter: each retry happens at one depth only -----------------------------

    @Test
    void aThrottlingStormThroughTheAdapterCostsAtMostTheGivenUpOnTries() {
        FakeEcs ecs = new FakeEcs(call -> ecsError(400, "ThrottlingException"));
        List<Duration> slept = new ArrayList<>();
        ContainerService adapter = new AwsContainerService(ecs, retrying(slept));

        RunTaskPacer pacer = new RunTaskPacer();
        assertThrows(CloudError.Throttled.class, () -> pacer.run(() -> adapter.runTask(launch(), () -> true), () -> true));

        assertEquals(RunTaskPacer.MAX_THROTTLED_ATTEMPTS, ecs.calls.get(), "RunTask calls in all");
        assertTrue(slept.isEmpty(), () -> "the adapter backed off throttling: " + slept);
    }

    @Test
    void serverErrorsAreRetriedByTheAdapterAndThrottlingByThePacer() {
        // Each launch meets two 5xx, then a throttle, then is accepted.
        FakeEcs ecs = new FakeEcs(call -> call <= 2 ? ecsError(500, "ServerException")
                : call == 3 ? ecsError(400, "ThrottlingException") : null);
        List<Duration> slept = new ArrayList<>();
        ContainerService adapter = new AwsContainerService(ecs, retrying(slept));

        RunTaskPacer pacer = new RunTaskPacer();
        ContainerService.LaunchResult result = pacer.run(() -> adapter.runTask(launch(), () -> true), () -> true);

        assertEquals("arn:aws:ecs:us-east-1:000000000000:task/c/1", result.taskArn());
        assertEquals(4, ecs.calls.get());
        assertEquals(2, slept.size(), "the adapter backed off the two 5xx only");
    }

    @Test
    void aReplicaThatLosesTheLeaseBetweenTwoAttemptsSendsNoFurtherRunTask() {
        // The first attempt meets a 5xx; by the time the adapter would retry, the renew deadline has passed.
        FakeEcs ecs = new FakeEcs(call -> call == 1 ? ecsError(500, "ServerException") : null);
        ContainerService adapter = new AwsContainerService(ecs, retrying(new ArrayList<>()));
        AtomicInteger asked = new AtomicInteger();

        CloudError.Conflict refused = assertThrows(CloudError.Conflict.class,
                () -> adapter.runTask(launch(), () -> asked.incrementAndGet() == 1));

        assertEquals(ContainerService.NOT_LEADER, refused.code());
        assertEquals(1, ecs.calls.get(), "no retry after the lease was lost");
        assertEquals(2, asked.get(), "asked before each attempt");
    }

    static Retrying retrying(List<Duration> slept) {
        return new Retrying(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 4, new SplittableRandom(1)),
                slept::add);
    }

    static TaskLaunch launch() {
        return new TaskLaunch("c", "arn:aws:ecs:us-east-1:000000000000:task-definition/app:1", "app", null, null,
                "FARGATE", null, null, "bm-launch-1", "launch-1", Map.of());
    }

    static EcsException ecsError(int status, String code) {
        return (EcsException) EcsException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
    }

    /** RunTask only: call n (from 1) throws what {@code failure} gives for it, or starts a task when null. */
    static final class FakeEcs implements EcsClient {
        final AtomicInteger calls = new AtomicInteger();
        private final IntFunction<EcsException> failure;

        FakeEcs(IntFunction<EcsException> failure) {
            this.failure = failure;
        }

        @Override
        public RunTaskResponse runTask(RunTaskRequest request) {
            EcsException e = failure.apply(calls.incrementAndGet());
            if (e != null) {
                throw e;
            }
            return RunTaskResponse.builder()
                    .tasks(Task.builder().taskArn("arn:aws:ecs:us-east-1:000000000000:task/c/1").build()).build();
        }

        @Override
        public String serviceName() {
            return "ecs";
        }

        @Override
        public void close() {
        }
    }
}
