package dev.beanstalkmigrator.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.port.CloudError;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class RetryingTest {

    static final Duration BASE = Duration.ofMillis(200);

    final List<Duration> slept = new ArrayList<>();
    final Retrying retrying = new Retrying(
            new Backoff(BASE, Duration.ofSeconds(5), 4, new SplittableRandom(3)), slept::add);

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void transientThenSuccess() {
        Script<String> call = new Script<>(throttled(), throttled(), "ok");

        assertEquals("ok", retrying.call("ecs:RunTask", call));

        assertEquals(3, call.calls());
        assertEquals(2, slept.size());
        assertWithin(slept.get(0), BASE);
        assertWithin(slept.get(1), BASE.multipliedBy(2));
    }

    @Test
    void retriesExhaustedThrowTheLastError() {
        List<AwsServiceException> thrown = new ArrayList<>();
        Supplier<String> call = () -> {
            AwsServiceException e = throttled();
            thrown.add(e);
            throw e;
        };

        CloudError error = assertThrows(CloudError.class, () -> retrying.call("ecs:RunTask", call));

        assertInstanceOf(CloudError.Transient.class, error);
        assertEquals(4, thrown.size());
        assertSame(thrown.get(3), error.getCause());
        assertEquals(3, slept.size());
        assertWithin(slept.get(0), BASE);
        assertWithin(slept.get(1), BASE.multipliedBy(2));
        assertWithin(slept.get(2), BASE.multipliedBy(4));
    }

    static Stream<Arguments> notRetried() {
        return Stream.of(
                Arguments.of("stalled: access denied", ecs(400, "AccessDeniedException"), CloudError.Stalled.class),
                Arguments.of("stalled: bad parameter", ecs(400, "InvalidParameterException"), CloudError.Stalled.class),
                Arguments.of("conflict: precondition failed", S3Exception.builder().statusCode(412)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("PreconditionFailed").build()).build(),
                        CloudError.Conflict.class),
                Arguments.of("conflict thrown as a CloudError", new CloudError.Conflict("s3:PutObject", "PreconditionFailed",
                        "lost", null), CloudError.Conflict.class),
                Arguments.of("waiting: environment busy", ecs(400, "UpdateInProgressException"), CloudError.Waiting.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void notRetried(String name, RuntimeException failure, Class<? extends CloudError> kind) {
        Script<String> call = new Script<>(failure, "never");

        CloudError error = assertThrows(CloudError.class, () -> retrying.call("ecs:RunTask", call));

        assertInstanceOf(kind, error);
        assertEquals(1, call.calls());
        assertTrue(slept.isEmpty());
    }

    @Test
    void unexpectedFailuresAreRetriedAndSurfaceAsCloudErrors() {
        Script<String> call = new Script<>(new IllegalStateException("boom"), new IllegalStateException("boom"),
                new IllegalStateException("boom"), new IllegalStateException("boom"));

        CloudError error = assertThrows(CloudError.class, () -> retrying.call("ecs:RunTask", call));

        assertEquals("Unexpected", error.code());
        assertEquals(4, call.calls());
    }

    @Test
    void runRetriesCallsThatReturnNothing() {
        AtomicInteger calls = new AtomicInteger();
        retrying.run("s3:PutObject", () -> {
            if (calls.incrementAndGet() == 1) {
                throw throttled();
            }
        });
        assertEquals(2, calls.get());
        assertEquals(1, slept.size());
    }

    @Test
    void anInterruptedWaitStopsRetryingAndKeepsTheFlag() {
        Retrying interrupted = new Retrying(Backoff.of(BASE, Duration.ofSeconds(5), 4), delay -> {
            throw new InterruptedException();
        });
        Script<String> call = new Script<>(throttled(), "never");

        CloudError error = assertThrows(CloudError.class, () -> interrupted.call("ecs:RunTask", call));

        assertInstanceOf(CloudError.Transient.class, error);
        assertEquals(1, call.calls());
        assertTrue(Thread.currentThread().isInterrupted());
    }

    @Test
    void oneAttemptMeansNoRetry() {
        Retrying once = new Retrying(new Backoff(BASE, BASE, 1, new SplittableRandom(0)), slept::add);
        Script<String> call = new Script<>(throttled(), "never");
        assertThrows(CloudError.Transient.class, () -> once.call("ecs:RunTask", call));
        assertEquals(1, call.calls());
        assertTrue(slept.isEmpty());
    }

    @Test
    void exceptThrottlingThrowsThrottlingAtOnce() {
        Script<String> call = new Script<>(throttled(), "never");

        CloudError error = assertThrows(CloudError.class, () -> retrying.exceptThrottling().call("ecs:RunTask", call));

        assertInstanceOf(CloudError.Throttled.class, error);
        assertEquals("ThrottlingException", error.code());
        assertEquals(1, call.calls());
        assertTrue(slept.isEmpty());
    }

    @Test
    void exceptThrottlingStillRetriesOtherTransientErrors() {
        Script<String> call = new Script<>(ecs(500, "ServerException"),
                SdkClientException.create("reset", new SocketException("Connection reset")), "ok");

        assertEquals("ok", retrying.exceptThrottling().call("ecs:RunTask", call));

        assertEquals(3, call.calls());
        assertEquals(2, slept.size());
    }

    @Test
    void exceptThrottlingStopsAtAThrottleAfterOtherRetries() {
        Script<String> call = new Script<>(ecs(503, "ServiceUnavailableException"), throttled(), "never");

        assertThrows(CloudError.Throttled.class, () -> retrying.exceptThrottling().call("ecs:RunTask", call));

        assertEquals(2, call.calls());
        assertEquals(1, slept.size());
    }

    // ---- helpers ------------------------------------------------------------------------------------

    static void assertWithin(Duration delay, Duration ceiling) {
        assertTrue(!delay.isNegative() && delay.compareTo(ceiling) <= 0, () -> delay + " not in [0, " + ceiling + "]");
    }

    static AwsServiceException throttled() {
        return ecs(400, "ThrottlingException");
    }

    static AwsServiceException ecs(int status, String code) {
        return EcsException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
    }

    /** Plays its steps in order: a RuntimeException is thrown, anything else returned. */
    static final class Script<T> implements Supplier<T> {
        private final Object[] steps;
        private int calls;

        Script(Object... steps) {
            this.steps = steps;
        }

        @Override
        @SuppressWarnings("unchecked")
        public T get() {
            Object step = steps[Math.min(calls++, steps.length - 1)];
            if (step instanceof RuntimeException e) {
                throw e;
            }
            return (T) step;
        }

        int calls() {
            return calls;
        }
    }
}
