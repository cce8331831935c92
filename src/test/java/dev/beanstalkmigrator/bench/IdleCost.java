package dev.beanstalkmigrator.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What idle replicas cost in S3 requests: the sandbox's request counts over a window, extrapolated to a month of
 * 30 days and priced at S3 Standard request prices. Elastic Beanstalk and ECS API calls carry no request charge;
 * they are left out.
 */
final class IdleCost {

    /** The prices used, for the report. */
    static final String PRICES = "S3 Standard request prices, us-east-1, as of November 2026: PUT, COPY, POST and"
            + " LIST $0.005 per 1,000 requests; GET and all other requests $0.0004 per 1,000; DELETE free";
    static final double MONTH_SECONDS = 30 * 86_400;
    static final double TARGET_DOLLARS_PER_MONTH = 1.00;

    /** A price tier of S3 requests. */
    enum Tier {
        PUT_COPY_POST_LIST(0.005),
        GET_AND_OTHER(0.0004),
        FREE(0);

        final double dollarsPer1000;

        Tier(double dollarsPer1000) {
            this.dollarsPer1000 = dollarsPer1000;
        }
    }

    /** One kind of request: how many in the window, per month, and their price per month. */
    record Line(String operation, long inWindow, double perMonth, Tier tier, double dollarsPerMonth) {}

    /** The S3 operations (as the sandbox names them) of the first tier: writes, copies, posts and listings. */
    static final Set<String> PUT_COPY_POST_LIST = Set.of("PutObject", "CopyObject", "PutObjectSubresource",
            "PutBucketSubresource", "CreateBucket", "ListObjects", "ListObjectsV2", "ListBuckets",
            "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "ListMultipartUploads",
            "ListParts", "DeleteObjects");
    /** HTTP DELETE requests, which S3 does not charge for. */
    static final Set<String> FREE = Set.of("DeleteObject", "DeleteBucket", "DeleteBucketSubresource",
            "AbortMultipartUpload");

    final double windowSeconds;
    final List<Line> lines;
    final double dollarsPerMonth;

    private IdleCost(double windowSeconds, List<Line> lines) {
        this.windowSeconds = windowSeconds;
        this.lines = List.copyOf(lines);
        this.dollarsPerMonth = lines.stream().mapToDouble(Line::dollarsPerMonth).sum();
    }

    static Tier tier(String s3Operation) {
        return PUT_COPY_POST_LIST.contains(s3Operation) ? Tier.PUT_COPY_POST_LIST
                : FREE.contains(s3Operation) ? Tier.FREE : Tier.GET_AND_OTHER;
    }

    /**
     * Prices the S3 requests among {@code calls} (the sandbox's counters over the window: {@code s3:GetObject};
     * keys with an answer status, {@code s3:GetObject:304}, and other services are skipped).
     */
    static IdleCost of(Map<String, Long> calls, double windowSeconds) {
        if (!(windowSeconds > 0)) {
            throw new IllegalArgumentException("window " + windowSeconds + " s");
        }
        List<Line> lines = new ArrayList<>();
        calls.entrySet().stream()
                .filter(e -> e.getKey().startsWith("s3:") && e.getKey().indexOf(':', 3) < 0)
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> {
                    String operation = e.getKey().substring(3);
                    Tier tier = tier(operation);
                    double perMonth = e.getValue() * MONTH_SECONDS / windowSeconds;
                    lines.add(new Line(operation, e.getValue(), perMonth, tier, perMonth / 1000 * tier.dollarsPer1000));
                });
        return new IdleCost(windowSeconds, lines);
    }

    boolean met() {
        return dollarsPerMonth <= TARGET_DOLLARS_PER_MONTH;
    }

    String targetLine() {
        StringBuilder breakdown = new StringBuilder();
        for (Line line : lines) {
            breakdown.append(breakdown.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT,
                    "%s %,.0f/month $%.3f", line.operation(), line.perMonth(), line.dollarsPerMonth()));
        }
        return String.format(Locale.ROOT, "idle request cost, two replicas, defaults: $%.2f/month (target <= $%.2f):"
                        + " %s (%s)", dollarsPerMonth, TARGET_DOLLARS_PER_MONTH, met() ? "met" : "missed",
                breakdown.isEmpty() ? "no S3 requests" : breakdown);
    }
}
