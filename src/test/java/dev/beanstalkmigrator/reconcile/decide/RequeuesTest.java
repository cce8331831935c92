package dev.beanstalkmigrator.reconcile.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.port.CloudError;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The retry state: which first delay each kind of error gets, how it grows, full jitter below its ceiling. */
class RequeuesTest {

    static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
    static final Requeues.Delays SETTINGS = new Requeues.Delays(Duration.ofSeconds(1), Duration.ofSeconds(30),
            Duration.ofSeconds(30), Duration.ofMinutes(10));

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("transient: from the requeue base",
                        new CloudError.Transient("ecs:RunTask", "ServerException", "boom", null), 1, "PT1S"),
                Arguments.of("transient, third failure: doubled twice",
                        new CloudError.Transient("ecs:RunTask", "ServerException", "boom", null), 3, "PT4S"),
                Arguments.of("waiting: from the Elastic Beanstalk interval",
                        new CloudError.Waiting("elasticbeanstalk:DescribeApplicationVersions", "VersionNotRegistered",
                                "not yet", null), 1, "PT30S"),
                Arguments.of("stalled: from the stalled base", new CloudError.Stalled("ecs:DescribeTaskDefinition",
                        "AccessDenied", "no", "allow it", null), 1, "PT30S"),
                Arguments.of("stalled, many failures: capped", new CloudError.Stalled("ecs:DescribeTaskDefinition",
                        "AccessDenied", "no", "allow it", null), 12, "PT10M"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void aFailureWaitsAFullyJitteredDelayBelowItsCeiling(String situation, CloudError error, int failures,
                                                           String ceiling) {
        Duration max = Duration.parse(ceiling);
        Duration shortest = max;
        Duration longest = Duration.ZERO;
        for (int run = 0; run < 200; run++) {
            Requeues requeues = new Requeues(SETTINGS);
            for (int i = 0; i < failures; i++) {
                requeues.failed("acme-web-prod", error, "\"1\"", T);
            }
            Requeues.Retry retry = requeues.view().get("acme-web-prod");
            assertEquals(failures, retry.attempts(), situation);
            Duration delay = Duration.between(T, retry.notBefore());
            assertTrue(!delay.isNegative() && delay.compareTo(max) <= 0, situation + ": " + delay);
            shortest = delay.compareTo(shortest) < 0 ? delay : shortest;
            longest = delay.compareTo(longest) > 0 ? delay : longest;
        }
        // Full jitter: anywhere from nothing to the ceiling, not only its upper half.
        assertTrue(shortest.compareTo(max.dividedBy(4)) < 0, situation + ": shortest " + shortest);
        assertTrue(longest.compareTo(max.dividedBy(4).multipliedBy(3)) > 0, situation + ": longest " + longest);
    }

    @org.junit.jupiter.api.Test
    void aRetryHoldsOnlyUntilItsTimeAndUnderItsPlanRevision() {
        Requeues.Retry retry = new Requeues.Retry(T.plusSeconds(10), 1, Hold.waiting("AwsUnavailable", "x"), "\"1\"");
        assertTrue(retry.holds("\"1\"", T));
        assertFalse(retry.holds("\"1\"", T.plusSeconds(10)));
        assertFalse(retry.holds("\"2\"", T), "a new plan revision lifts the wait");
    }

    @org.junit.jupiter.api.Test
    void aWaitForCapacityOutlivesTheLaunchStepsBeforeRunTaskGrowsAndSaysWhenItsWordsChange() {
        Requeues requeues = new Requeues(SETTINGS);
        Hold memory = Holds.noCapacity("acme-prod", "RESOURCE:MEMORY on 2 container instances");
        assertTrue(requeues.waitForCapacity("acme-web-prod", memory, "\"1\"", T), "the first wait is news");
        requeues.stepSucceeded("acme-web-prod");
        assertFalse(requeues.waitForCapacity("acme-web-prod", memory, "\"1\"", T), "the same words again");
        assertEquals(2, requeues.view().get("acme-web-prod").attempts(), "the backoff grows");
        assertTrue(requeues.waitForCapacity("acme-web-prod", Holds.noCapacity("acme-prod",
                "RESOURCE:CPU on 2 container instances"), "\"1\"", T), "other words");
        requeues.succeeded("acme-web-prod");
        assertTrue(requeues.isEmpty(), "a task started");
        requeues.failed("acme-web-prod", new CloudError.Transient("ecs:DescribeTaskDefinition", "ServerException",
                "boom", null), "\"1\"", T);
        requeues.stepSucceeded("acme-web-prod");
        assertTrue(requeues.isEmpty(), "other failures end with the step that got past them");
    }

    @org.junit.jupiter.api.Test
    void successForgetsTheFailures() {
        Requeues requeues = new Requeues(SETTINGS);
        requeues.failed("acme-web-prod", new CloudError.Transient("ecs:RunTask", "ServerException", "boom", null),
                "\"1\"", T);
        requeues.succeeded("acme-web-prod");
        assertTrue(requeues.isEmpty());
    }
}
