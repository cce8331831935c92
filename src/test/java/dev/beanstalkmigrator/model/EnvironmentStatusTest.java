package dev.beanstalkmigrator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ledger's cap of an environment's previews: the newest, and every one whose migration is not decided yet. */
class EnvironmentStatusTest {

    static final Instant T = Instant.parse("2026-12-06T10:00:00Z");

    static MigrationRecord record(String version, Phase phase) {
        return new MigrationRecord(version, "", phase, "l-" + version + "-" + phase, "c", "web", null, "img",
                "template", "arn:td", null, List.of("migrate"), T, null, null, null, null, null, null);
    }

    static MigrationRecord preview(String version) {
        return record(version, Phase.Succeeded).asPreview();
    }

    static List<String> versions(List<MigrationRecord> records) {
        return records.stream().map(MigrationRecord::version).toList();
    }

    @Test
    void previewsWhoseMigrationIsDecidedLeaveOnlyPastTheLimit() {
        EnvironmentStatus status = new EnvironmentStatus("e", "a", null, null, null, List.of(),
                List.of(record("v5", Phase.Succeeded), record("v4", Phase.Succeeded), record("v3", Phase.Failed),
                        record("v2", Phase.Succeeded), record("v1", Phase.Succeeded)), List.of(),
                List.of(preview("v5"), preview("v4"), preview("v3"), preview("v2"), preview("v1")));
        assertEquals(List.of("v5", "v4", "v3"), versions(status.capped(10).previews()));
    }

    @Test
    void previewsWaitingForTheirMigrationAreAllKeptEvenPastTheLimit() {
        // Five versions previewed, none migrated yet (each waits for approval): dropping one would preview it again.
        EnvironmentStatus status = new EnvironmentStatus("e", "a", null, null, null, List.of(),
                List.of(record("v1", Phase.Pending)), List.of(),
                List.of(preview("v5"), preview("v4"), preview("v3"), preview("v2"), preview("v1")));
        EnvironmentStatus capped = status.capped(10);
        assertEquals(List.of("v5", "v4", "v3", "v2", "v1"), versions(capped.previews()));
        assertEquals(capped, capped.capped(10), "capping again changes nothing");
    }

    @Test
    void theArchivedKeyOfAMigrationDecidesItsPreviewToo() {
        EnvironmentStatus status = new EnvironmentStatus("e", "a", null, null, null, List.of(), List.of(),
                List.of(new MigrationKey("v1", "", Phase.Succeeded)),
                List.of(preview("v4"), preview("v3"), preview("v2"), preview("v1")));
        assertEquals(List.of("v4", "v3", "v2"), versions(status.capped(10).previews()));
    }

    @Test
    void anEnvironmentMovedFromAnotherPlanKeepsWhatRanThereAsArchivedKeysAndItsEndedPreviews() {
        EnvironmentStatus before = new EnvironmentStatus("web", "acme", "v2", "v2", "v1", List.of(),
                List.of(record("v2", Phase.Failed), record("v1", Phase.Succeeded)),
                List.of(new MigrationKey("v0", "", Phase.Succeeded)), List.of(preview("v2"), preview("v1")));
        EnvironmentStatus mine = new EnvironmentStatus("web", "acme", null, null, null, List.of(),
                List.of(record("v3", Phase.Succeeded)), List.of(), List.of(preview("v1")));
        EnvironmentStatus inherited = mine.inheriting(before);
        assertEquals(List.of("v3"), versions(inherited.history()));
        assertEquals(List.of("v0", "v1", "v2"), inherited.archived().stream().map(MigrationKey::version).sorted()
                .toList());
        assertEquals(List.of("v1", "v2"), versions(inherited.previews()));
        assertEquals(inherited, inherited.inheriting(before), "taking it over twice changes nothing");
    }
}
