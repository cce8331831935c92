package dev.beanstalkmigrator.plan;

import dev.beanstalkmigrator.model.MigrationPlan;
import java.util.List;
import java.util.stream.Collectors;

/** What {@link PlanParser#parse} found: a valid plan, or the errors that make it invalid. */
public sealed interface ParseOutcome permits ParseOutcome.Valid, ParseOutcome.Invalid {

    /** The file is a valid plan; defaults are merged into every environment. */
    record Valid(MigrationPlan plan) implements ParseOutcome {
        public Valid {
            if (plan == null) {
                throw new IllegalArgumentException("plan is required");
            }
        }
    }

    /** The file is not a valid plan. {@code errors} is never empty and is sorted by position. */
    record Invalid(List<PlanError> errors) implements ParseOutcome {
        public Invalid {
            errors = List.copyOf(errors);
            if (errors.isEmpty()) {
                throw new IllegalArgumentException("an invalid outcome needs at least one error");
            }
        }

        /** All errors, one {@link PlanError#describe()} per line. */
        public String describe() {
            return errors.stream().map(PlanError::describe).collect(Collectors.joining("\n"));
        }
    }
}
