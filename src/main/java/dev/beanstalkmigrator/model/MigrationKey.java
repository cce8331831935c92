package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What remains of a migration once its record has left the capped history: enough to never launch the same
 * (version, rerun token) again, in this environment or, through its {@code database}, in another that shares it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationKey(String version, String rerun, Phase phase, String database) {

    public MigrationKey(String version, String rerun, Phase phase) {
        this(version, rerun, phase, null);
    }

    public static MigrationKey of(MigrationRecord record) {
        return new MigrationKey(record.version(), record.rerun(), record.phase(), record.database());
    }

    public boolean matches(String version, String rerun) {
        return this.version.equals(version) && this.rerun.equals(rerun == null ? "" : rerun);
    }
}
