package dev.beanstalkmigrator.reconcile.lease;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.Lease;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.testing.Ledgers;
import dev.beanstalkmigrator.testing.Samples;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ledger's YAML: the writer that reuses the environments' bytes, and the cheap read of the head. */
class LedgerCodecTest {

    static final Instant T = Instant.parse("2026-11-25T10:00:00.123456Z");

    static MigrationStatus ledger(int environments, Lease lease) {
        List<EnvironmentStatus> list = new ArrayList<>();
        for (int i = 0; i < environments; i++) {
            list.add(new EnvironmentStatus("env-" + i, "acme", "v" + i, "v" + i, "v0",
                    List.of(new Condition(Condition.READY, "True", "Migrated", "v" + i + " migrated: environments:", T)),
                    List.of(Samples.record("v" + i, "", Phase.Succeeded), Samples.record("v0", "", Phase.Failed))));
        }
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme", "\"etag\"", null, "r1",
                lease, list);
    }

    @Test
    void theWriterWritesWhatAFullWriteWritesWhetherItReusesTheEnvironmentsOrNot() {
        LedgerCodec.Writer writer = new LedgerCodec.Writer();
        MigrationStatus status = ledger(3, new Lease("r1", 15, T, T, 2));
        assertArrayEquals(LedgerCodec.write(status), writer.write(status));
        MigrationStatus renewed = status.withLease(new Lease("r1", 15, T, T.plusSeconds(2), 2));
        assertArrayEquals(LedgerCodec.write(renewed), writer.write(renewed), "the environments' bytes reused");
        MigrationStatus released = status.withLease(new Lease("", 15, T, T.plusSeconds(4), 2));
        assertArrayEquals(LedgerCodec.write(released), writer.write(released));
        MigrationStatus changed = ledger(4, null);
        assertArrayEquals(LedgerCodec.write(changed), writer.write(changed), "new environments, written anew");
        MigrationStatus empty = MigrationStatus.empty();
        assertArrayEquals(LedgerCodec.write(empty), writer.write(empty));
        assertEquals(renewed, LedgerCodec.read(writer.write(renewed)));
        assertEquals(empty, LedgerCodec.read(writer.write(empty)));
    }

    @Test
    void theHeadIsReadWithoutTheEnvironments() {
        MigrationStatus status = ledger(5, new Lease("r2", 15, T, T, 7));
        MigrationStatus head = LedgerCodec.readHead(LedgerCodec.write(status));
        assertEquals(status.withEnvironments(List.of()), head);
        assertEquals("r2", head.lease().holder());
        assertEquals(List.of(), head.environments());
        MigrationStatus none = Ledgers.withLeader(MigrationStatus.empty(), "r3");
        assertEquals(none, LedgerCodec.readHead(LedgerCodec.write(none)), "no environments: the whole ledger");
        assertThrows(IllegalArgumentException.class,
                () -> LedgerCodec.readHead("kind: Other\nenvironments: []\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void whatWasDiscoveredIsWrittenInKeyOrderAndReadBack() {
        java.util.Map<String, String> how = new java.util.LinkedHashMap<>();
        how.put("taskDefinition", "task definition acme-web:3: what all 2 running tasks of cluster awseb-a run");
        how.put("container", "container web: the only container of acme-web:3");
        how.put("cluster", "cluster awseb-a: the only cluster tagged elasticbeanstalk:environment-name=env-0");
        MigrationStatus status = new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme",
                "\"etag\"", null, "r1", null, List.of(new EnvironmentStatus("env-0", "acme", "v1", "v1", "v0", List.of(),
                        List.of(Samples.record("v1", "", Phase.Running).withDiscovered(how)))));

        String written = new String(LedgerCodec.write(status), StandardCharsets.UTF_8);

        int cluster = written.indexOf("cluster: \"cluster awseb-a");
        int container = written.indexOf("container: \"container web");
        int taskDefinition = written.indexOf("taskDefinition: \"task definition");
        assertEquals(true, 0 < cluster && cluster < container && container < taskDefinition, written);
        assertEquals(status, LedgerCodec.read(written.getBytes(StandardCharsets.UTF_8)));
    }
}
