package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** ECS's request throttling as a table and as buckets, on a clock the test moves. */
class EcsRequestBucketsTest {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final EcsRequestBuckets buckets = new EcsRequestBuckets(nanos::get);

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** How many calls of {@code action} in a row are admitted, up to {@code max}. */
    int admittedInARow(String action, int max) {
        int n = 0;
        while (n < max && buckets.admit(action)) {
            n++;
        }
        return n;
    }

    /** Every action the operator calls, and every one the sandbox serves, with the figures of the ECS API Reference. */
    @ParameterizedTest
    @CsvSource({
            "RunTask,                    Cluster resource modify actions, 100, 40",
            "StopTask,                   Cluster resource modify actions, 100, 40",
            "DescribeTasks,              Cluster resource read actions,   100, 20",
            "ListTasks,                  Cluster resource read actions,   100, 20",
            "DescribeContainerInstances, Cluster resource read actions,   100, 20",
            "ListContainerInstances,     Cluster resource read actions,   100, 20",
            "RegisterTaskDefinition,     Task definition modify actions,   20,  1",
            "DeregisterTaskDefinition,   Task definition modify actions,   20,  1",
            "DescribeTaskDefinition,     Task definition read actions,     50, 20",
            "ListTaskDefinitions,        Task definition read actions,     50, 20",
            "ListTaskDefinitionFamilies, Task definition read actions,     50, 20",
            "DescribeClusters,           Cluster read actions,             50, 20",
            "ListClusters,               Cluster read actions,             50, 20",
            "CreateCluster,              Cluster modify actions,           20,  1",
            "TagResource,                Tag modify actions,               20, 10",
    })
    void theDocumentedTable(String action, String category, int burst, double perSecond) {
        EcsThrottles.Category c = EcsThrottles.DOCUMENTED.categoryOf(action).orElseThrow();
        assertEquals(category, c.name());
        assertEquals(burst, c.burst());
        assertEquals(perSecond, c.perSecond());
    }

    @Test
    void everyActionIsInOneCategoryAtMost() {
        long actions = EcsThrottles.DOCUMENTED.categories().stream().mapToLong(c -> c.actions().size()).sum();
        long distinct = EcsThrottles.DOCUMENTED.categories().stream().flatMap(c -> c.actions().stream()).distinct().count();
        assertEquals(actions, distinct);
        assertEquals(20, EcsThrottles.DOCUMENTED.categories().size());
    }

    @Test
    void aBurstEmptiesTheBucketWhichRefillsContinuouslyUpToItsCapacity() {
        buckets.set(EcsThrottles.DOCUMENTED);
        assertEquals(20, admittedInARow("RegisterTaskDefinition", 30), "the burst, then the 21st refused");
        advance(Duration.ofMillis(999));
        assertFalse(buckets.admit("RegisterTaskDefinition"), "not a whole token yet");
        advance(Duration.ofMillis(1));
        assertTrue(buckets.admit("RegisterTaskDefinition"), "one token a second");
        assertFalse(buckets.admit("RegisterTaskDefinition"));
        advance(Duration.ofMinutes(10));
        assertEquals(20, admittedInARow("RegisterTaskDefinition", 30), "never more than its capacity");
    }

    @Test
    void aSustainedRateIsAdmittedOnceTheBurstIsSpent() {
        buckets.set(EcsThrottles.DOCUMENTED);
        assertEquals(100, admittedInARow("DescribeTasks", 200));
        int admitted = 0;
        for (int tick = 0; tick < 100; tick++) {
            advance(Duration.ofMillis(10));
            admitted += admittedInARow("DescribeTasks", 200);
        }
        assertEquals(20, admitted, "20 a second, whatever the calls' spacing");
    }

    @Test
    void theActionsOfACategoryShareOneBucketAndOtherCategoriesAreApart() {
        buckets.set(EcsThrottles.DOCUMENTED);
        assertEquals(10, admittedInARow("DeregisterTaskDefinition", 10));
        assertEquals(10, admittedInARow("RegisterTaskDefinition", 30));
        assertFalse(buckets.admit("DeregisterTaskDefinition"));
        assertEquals(50, admittedInARow("DescribeTaskDefinition", 60), "task definition reads have their own bucket");
        assertEquals(100, admittedInARow("RunTask", 60) + admittedInARow("StopTask", 60));
        assertEquals(100, admittedInARow("ListTasks", 150), "reads of tasks are not modifications");
    }

    @Test
    void offAndActionsOutsideTheTableAreNeverThrottled() {
        assertEquals(1000, admittedInARow("RegisterTaskDefinition", 1000), "off until set");
        buckets.set(EcsThrottles.DOCUMENTED);
        assertEquals(1000, admittedInARow("NoSuchAction", 1000));
        assertEquals(20, admittedInARow("CreateCluster", 1000));
        buckets.set(EcsThrottles.OFF);
        assertEquals(1000, admittedInARow("CreateCluster", 1000));
    }

    @Test
    void settingATableFillsEveryBucket() {
        buckets.set(EcsThrottles.DOCUMENTED);
        assertEquals(20, admittedInARow("RegisterTaskDefinition", 30));
        buckets.set(EcsThrottles.DOCUMENTED);
        assertEquals(20, admittedInARow("RegisterTaskDefinition", 30));
    }

    @Test
    void aScaledTableScalesBurstAndRefillAndKeepsABurstOfOneAtLeast() {
        EcsThrottles half = EcsThrottles.DOCUMENTED.scaled(0.5);
        assertEquals("documented", half.table());
        assertEquals(0.5, half.scale());
        buckets.set(half);
        assertEquals(10, admittedInARow("RegisterTaskDefinition", 30));
        advance(Duration.ofSeconds(1));
        assertFalse(buckets.admit("RegisterTaskDefinition"), "half a token a second");
        advance(Duration.ofSeconds(1));
        assertTrue(buckets.admit("RegisterTaskDefinition"));

        EcsThrottles tiny = EcsThrottles.DOCUMENTED.scaled(0.001);
        assertEquals(1, tiny.categoryOf("RegisterTaskDefinition").orElseThrow().burst());
        assertEquals(0.001, tiny.categoryOf("RegisterTaskDefinition").orElseThrow().perSecond(), 1e-12);
        assertEquals(0.25, half.scaled(0.5).scale());
        assertThrows(IllegalArgumentException.class, () -> EcsThrottles.DOCUMENTED.scaled(0));
        assertThrows(IllegalArgumentException.class, () -> EcsThrottles.DOCUMENTED.scaled(Double.NaN));
    }

    @Test
    void tablesByName() {
        assertEquals(EcsThrottles.DOCUMENTED, EcsThrottles.named("Documented"));
        assertEquals(EcsThrottles.OFF, EcsThrottles.named("off"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> EcsThrottles.named("on"));
        assertTrue(bad.getMessage().contains("\"on\""), bad.getMessage());
    }

    @Test
    void aTokenBucketGivesAllTheTokensAskedOrNone() {
        TokenBucket launches = new TokenBucket(2, 3, nanos::get);
        assertTrue(launches.take(2));
        assertFalse(launches.take(2), "one token left");
        assertTrue(launches.take(1), "a refused request took nothing");
        advance(Duration.ofMillis(500));
        assertTrue(launches.take(1));
        assertFalse(launches.take(1));
    }
}
