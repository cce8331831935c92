package dev.beanstalkmigrator.model;

/**
 * Which application version an environment must have migrated: a fixed label, whatever Elastic
 * Beanstalk runs or is deploying ({@code deployed}), or the newest registered version ({@code latest}).
 */
public record VersionRef(Mode mode, String label) {

    public enum Mode { LABEL, DEPLOYED, LATEST }

    public static VersionRef parse(String text) {
        return switch (text) {
            case "deployed" -> new VersionRef(Mode.DEPLOYED, null);
            case "latest" -> new VersionRef(Mode.LATEST, null);
            default -> new VersionRef(Mode.LABEL, text);
        };
    }

    @Override
    public String toString() {
        return mode == Mode.LABEL ? label : mode.name().toLowerCase();
    }
}
