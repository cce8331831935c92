package dev.beanstalkmigrator.reconcile.desired;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plan over the size limit is refused before its bytes are read, as a plan error: the last valid plan stays in
 * force, and the error names the object, its size, the limit and the setting that raises it.
 */
class DesiredStateTest {

    static final ObjectLocation PLAN = new ObjectLocation("plans", "acme.yaml");
    static final String VALID = Samples.PLAN;

    final FakeCloud cloud = new FakeCloud();
    /** The size limit of every read of the plan object. */
    final List<Long> limits = new ArrayList<>();

    /** The fake, noting the limit each read of the plan asks for. */
    final ObjectStore store = new ObjectStore() {
        @Override
        public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
            limits.add(maxBytes);
            return cloud.get(location, ifNoneMatch, maxBytes);
        }

        @Override
        public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
            throw new AssertionError("a plan is never read in parts");
        }

        @Override
        public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
            throw new AssertionError("a plan is never written");
        }
    };

    static String padded(int bytes) {
        return VALID + "#".repeat(bytes - VALID.length() - 1) + "\n";
    }

    @Test
    void aPlanOverTheLimitIsRefusedUnreadAndTheLastValidPlanStaysInForce() {
        DesiredState desired = new DesiredState(new S3PlanSource(store, PLAN), new PlanParser());
        cloud.putObject(PLAN, VALID);
        assertTrue(desired.refresh());
        String valid = desired.view().revision();

        cloud.putObject(PLAN, padded(2 * 1024 * 1024));
        assertFalse(desired.refresh());
        DesiredState.View view = desired.view();
        assertEquals("acme", view.plan().name(), "the last valid plan stays in force");
        assertEquals(valid, view.revision());
        assertEquals(cloud.etag(PLAN), view.refusedRevision());
        assertEquals(List.of("acme.yaml:1:1: the plan s3://plans/acme.yaml is 2097152 bytes, more than the limit"
                + " of 1048576 bytes (1 MiB); a plan is a short YAML file, so check that this is the right file;"
                + " the operator's limit is migrator.desired-state.max-bytes"), view.errors());
        assertEquals(List.of(1048576L, 1048576L), limits, "every read of the plan is bounded by the parser's limit");

        // Unchanged: one conditional GET, answered 304, and the refusal stands.
        assertFalse(desired.refresh());
        assertEquals(view, desired.view());

        cloud.putObject(PLAN, VALID.replace("v42", "v43"));
        assertTrue(desired.refresh(), "a valid upload replaces the refused one");
        assertEquals(List.of(), desired.view().errors());
        assertNull(desired.view().refusedRevision());
    }

    @Test
    void theLimitIsTheParsersOwn() {
        PlanParser small = new PlanParser(new PlanLimits(200, 50, 20, 100_000, 50));
        DesiredState desired = new DesiredState(new S3PlanSource(store, PLAN), small);
        cloud.putObject(PLAN, VALID);
        assertFalse(desired.refresh());
        assertEquals(List.of(200L), limits);
        assertTrue(desired.view().error().startsWith("acme.yaml:1:1: the plan s3://plans/acme.yaml is "
                + VALID.length() + " bytes, more than the limit of 200 bytes;"), desired.view().error());
        assertFalse(desired.view().loaded());
    }

    @Test
    void aPlanFileOverTheLimitIsRefusedByItsSizeAndRefusedOnceUntilItChanges(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("acme.yaml");
        Files.writeString(file, VALID);
        DesiredState desired = new DesiredState(new FilePlanSource(file), new PlanParser());
        assertTrue(desired.refresh());

        Files.write(file, padded(1024 * 1024 + 1).getBytes(UTF_8));
        assertFalse(desired.refresh());
        assertEquals(List.of("acme.yaml:1:1: the plan " + file.toUri() + " is 1048577 bytes, more than the limit of"
                + " 1048576 bytes (1 MiB); a plan is a short YAML file, so check that this is the right file; the"
                + " operator's limit is migrator.desired-state.max-bytes"), desired.view().errors());
        String refused = desired.view().refusedRevision();
        assertTrue(refused.startsWith("size:1048577,"), refused);
        assertEquals("acme", desired.view().plan().name());

        assertFalse(desired.refresh());
        assertEquals(refused, desired.view().refusedRevision(), "unchanged: nothing new to refuse");
    }
}
