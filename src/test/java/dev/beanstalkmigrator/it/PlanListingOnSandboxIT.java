package dev.beanstalkmigrator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beanstalkmigrator.port.ObjectListing;
import dev.beanstalkmigrator.reconcile.desired.PlanCatalog;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.sandbox.SandboxSeed;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plans under a prefix, found through the real SDK against the sandbox: every page of ListObjectsV2 is read
 * (1,001 plans and their ledgers are three pages), ledgers and other files are left out, and a second listing after
 * one plan changed, one was added and one removed names exactly those three.
 */
class PlanListingOnSandboxIT {

    static final String BUCKET = "platform";

    SandboxCloud cloud;
    SandboxAdapters aws;

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0).build(), SandboxSeed.parse("buckets: [platform]"));
        aws = new SandboxAdapters(cloud.endpoint());
    }

    @AfterEach
    void stop() {
        if (aws != null) {
            aws.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    void put(String key, String body) {
        cloud.putObject(BUCKET, key, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyPageIsReadAndOnlyWhatChangedIsNamed() {
        for (int i = 0; i < 1001; i++) {
            String team = String.format("plans/team-%04d", i);
            put(team + ".yaml", "plan " + i);
            put(team + ".status.yaml", "ledger " + i);
        }
        put("plans/README.md", "not a plan");
        put("elsewhere/shop.yaml", "not under the prefix");
        cloud.resetCalls();

        List<ObjectListing.Listed> listed = aws.objects.list(BUCKET, "plans/");
        assertEquals(2003, listed.size());
        assertEquals(3L, cloud.calls("s3:ListObjectsV2"), "1,000 keys a page");
        PlanCatalog.Changes first = PlanCatalog.changes("plans/", Map.of(), listed);
        assertEquals(1001, first.added().size());
        assertEquals(1001, first.now().size());

        put("plans/team-0007.yaml", "plan 7, edited");
        put("plans/team-new.yml", "a new team");
        aws.s3Client.deleteObject(b -> b.bucket(BUCKET).key("plans/team-0500.yaml"));
        PlanCatalog.Changes second = PlanCatalog.changes("plans/", first.now(), aws.objects.list(BUCKET, "plans/"));
        assertEquals(List.of("plans/team-new.yml"), second.added());
        assertEquals(List.of("plans/team-0007.yaml"), second.changed());
        assertEquals(List.of("plans/team-0500.yaml"), second.removed());
    }
}
