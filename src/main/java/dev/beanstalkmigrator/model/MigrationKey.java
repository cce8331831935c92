package dev.beanstalkmigrator.model;

/**
 * What remains of a migration once its record has left the capped history: enough to never launch the same
 * (version, rerun token) again.
 */
public record MigrationKey(String version, String rerun, Phase phase) {

    public static MigrationKey of(MigrationRecord record) {
        return new MigrationKey(record.version(), record.rerun(), record.phase());
    }

    public boolean matches(String version, String rerun) {
        return this.version.equals(version) && this.rerun.equals(rerun == null ? "" : rerun);
    }
}
