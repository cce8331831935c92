package dev.beanstalkmigrator.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class IdleCostTest {

    @Test
    void twoIdleReplicasAtTheDefaults() {
        // 180 s: each replica's plan poll every 10 s (36), the standby's lease watch every 10 s (18), and the
        // leader's renewal every 20 s (9). Per 30 days: 777,600 GETs and 129,600 PUTs.
        IdleCost cost = IdleCost.of(Map.of("s3:GetObject", 54L, "s3:GetObject:304", 54L, "s3:PutObject", 9L,
                "s3:PutObject:200", 9L, "elasticbeanstalk:DescribeEnvironments", 12L), 180);
        assertEquals(List.of(
                new IdleCost.Line("GetObject", 54, 777_600, IdleCost.Tier.GET_AND_OTHER, 0.31104),
                new IdleCost.Line("PutObject", 9, 129_600, IdleCost.Tier.PUT_COPY_POST_LIST, 0.648)),
                cost.lines.stream().map(IdleCostTest::rounded).toList());
        assertEquals(0.95904, cost.dollarsPerMonth, 1e-9);
        assertTrue(cost.met());
        assertEquals("idle request cost, two replicas, defaults: $0.96/month (target <= $1.00): met"
                + " (GetObject 777,600/month $0.311, PutObject 129,600/month $0.648)", cost.targetLine());
    }

    @Test
    void theOldDefaultsMissByFar() {
        // Renewal every 2 s (a PUT), the standby's GET every 2 s, and the plan polls: 60 s.
        IdleCost cost = IdleCost.of(Map.of("s3:PutObject", 30L, "s3:GetObject", 42L), 60);
        assertEquals(1_296_000, cost.lines.get(1).perMonth(), 1e-6);
        assertEquals(6.48 + 1_814_400 / 1000.0 * 0.0004, cost.dollarsPerMonth, 1e-9);
        assertFalse(cost.met());
        assertTrue(cost.targetLine().contains("$7.21/month (target <= $1.00): missed"), cost.targetLine());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "PutObject, PUT_COPY_POST_LIST",
            "CopyObject, PUT_COPY_POST_LIST",
            "ListObjectsV2, PUT_COPY_POST_LIST",
            "ListBuckets, PUT_COPY_POST_LIST",
            "CreateMultipartUpload, PUT_COPY_POST_LIST",
            "UploadPart, PUT_COPY_POST_LIST",
            "CompleteMultipartUpload, PUT_COPY_POST_LIST",
            "GetObject, GET_AND_OTHER",
            "HeadObject, GET_AND_OTHER",
            "HeadBucket, GET_AND_OTHER",
            "GetBucketLocation, GET_AND_OTHER",
            "DeleteObject, FREE",
            "AbortMultipartUpload, FREE"})
    void requestsArePricedByTheirTier(String operation, IdleCost.Tier tier) {
        assertEquals(tier, IdleCost.tier(operation));
        IdleCost thousandADay = IdleCost.of(Map.of("s3:" + operation, 1000L), 86_400);
        assertEquals(30 * tier.dollarsPer1000, thousandADay.dollarsPerMonth, 1e-12);
    }

    @Test
    void nothingButS3IsPricedAndAnEmptyWindowIsRefused() {
        IdleCost none = IdleCost.of(Map.of("ecs:DescribeTasks", 5L, "s3:GetObject:dropped", 1L), 60);
        assertEquals(0, none.dollarsPerMonth);
        assertTrue(none.targetLine().endsWith("$0.00/month (target <= $1.00): met (no S3 requests)"),
                none.targetLine());
        assertThrows(IllegalArgumentException.class, () -> IdleCost.of(Map.of(), 0));
    }

    static IdleCost.Line rounded(IdleCost.Line line) {
        return new IdleCost.Line(line.operation(), line.inWindow(), Math.round(line.perMonth() * 1e6) / 1e6,
                line.tier(), Math.round(line.dollarsPerMonth() * 1e9) / 1e9);
    }
}
