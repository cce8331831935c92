package dev.beanstalkmigrator.reconcile.lease;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void aLedgerOnlyReadIsWrittenWithItsOwnEnvironmentsBytesWhenTheyAreTheEnvironmentsAlone() {
        MigrationStatus stored = ledger(3, new Lease("r1", 15, T, T, 2));
        byte[] document = LedgerCodec.write(stored);
        MigrationStatus read = LedgerCodec.read(document);
        LedgerCodec.Writer writer = new LedgerCodec.Writer();
        assertTrue(writer.seed(read.environments(), document), "the operator's own layout is taken");
        MigrationStatus claimed = read.withLease(new Lease("r2", 15, T.plusSeconds(20), T.plusSeconds(20), 3));
        assertArrayEquals(LedgerCodec.write(claimed), writer.write(claimed), "the same bytes as a full write");
        MigrationStatus changed = ledger(4, null);
        assertArrayEquals(LedgerCodec.write(changed), writer.write(changed), "other environments, written anew");

        // Hand-edited ledgers whose bytes after "environments:" hold more than the sequence are not taken; a write
        // serializes everything, so nothing after the environments is written twice or lost.
        String yaml = new String(document, StandardCharsets.UTF_8);
        for (String edited : List.of(yaml + "notifications: []\n", yaml + "# edited by hand\n", yaml + "...\n",
                yaml.replace("environments:\n", "environments:\n\n"), yaml.substring(0, yaml.length() - 1),
                yaml + "environments: []\n")) {
            LedgerCodec.Writer fresh = new LedgerCodec.Writer();
            byte[] bytes = edited.getBytes(StandardCharsets.UTF_8);
            MigrationStatus parsed;
            try {
                parsed = LedgerCodec.read(bytes);
            } catch (IllegalArgumentException notALedger) {
                continue;
            }
            assertFalse(fresh.seed(parsed.environments(), bytes), edited.substring(edited.length() - 30));
            MigrationStatus next = parsed.withLease(claimed.lease());
            assertArrayEquals(LedgerCodec.write(next), fresh.write(next));
        }
        // Indented items are still the sequence alone.
        int tail = yaml.indexOf("\nenvironments:\n") + "\nenvironments:\n".length();
        String indented = yaml.substring(0, tail) + yaml.substring(tail).replace("\n", "\n  ").replaceFirst("^", "  ")
                .replaceAll(" +$", "");
        byte[] bytes = indented.getBytes(StandardCharsets.UTF_8);
        MigrationStatus parsed = LedgerCodec.read(bytes);
        assertEquals(read, parsed);
        LedgerCodec.Writer other = new LedgerCodec.Writer();
        assertTrue(other.seed(parsed.environments(), bytes));
        assertEquals(claimed, LedgerCodec.read(other.write(parsed.withLease(claimed.lease()))));
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
