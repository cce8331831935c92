package dev.beanstalkmigrator.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The plan's {@code preview}: a command run once per (environment, version, rerun) before the migration, as its own
 * ECS task with the migration's revision, variables and secrets, whose output a person may have to approve.
 *
 * @param command the preview command, e.g. {@code [python, manage.py, migrate, --plan]}
 * @param approval when the output must be approved before the migration is launched
 * @param matches with {@link Approval#WHEN_MATCHES}: the regular expression that makes an output need approval
 *     (found anywhere in it); null otherwise
 */
public record PreviewSpec(List<String> command, Approval approval, String matches) {

    /** When a preview's output must be approved. */
    public enum Approval {
        /** Never: the preview is kept for the record, and the migration goes on. */
        NEVER("never"),
        /** Always. */
        ALWAYS("always"),
        /** When {@code matches} is found in the output. */
        WHEN_MATCHES("whenMatches");

        private final String word;

        Approval(String word) {
            this.word = word;
        }

        /** As the plan writes it. */
        public String word() {
            return word;
        }
    }

    public PreviewSpec {
        command = List.copyOf(command);
        approval = approval == null ? Approval.NEVER : approval;
    }

    /**
     * Whether a preview that printed {@code output} must be approved; {@code output} null when it was withheld (its
     * task had secrets, whose values cannot be masked): then {@code whenMatches} cannot be judged, and it must be.
     */
    public boolean needsApproval(List<String> output) {
        return switch (approval) {
            case NEVER -> false;
            case ALWAYS -> true;
            case WHEN_MATCHES -> output == null || Pattern.compile(matches, Pattern.MULTILINE)
                    .matcher(String.join("\n", output)).find();
        };
    }
}
