package dev.beanstalkmigrator.reconcile.desired;

import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanError;
import dev.beanstalkmigrator.plan.PlanParser;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The plan in force. A fetched plan replaces it only if it is valid; an invalid one is reported (status,
 * health, log) and the last valid plan stays in force. An unchanged plan is neither transferred nor parsed, and
 * one larger than the parser's limit is refused without being read.
 */
public final class DesiredState {

    private static final Logger LOG = Logger.getLogger(DesiredState.class);

    private final PlanSource source;
    private final PlanParser parser;
    private MigrationPlan plan;
    private String revision;
    private String fetchedRevision;
    private List<String> errors = List.of();
    private String refusedRevision;

    public DesiredState(PlanSource source, PlanParser parser) {
        this.source = source;
        this.parser = parser;
    }

    /**
     * What is in force now, and what is wrong with the newest plan, if anything.
     *
     * @param refusedRevision the revision of the newest plan when it was refused as invalid (the plan in force is
     *     then an older one, or none), else null
     */
    public record View(MigrationPlan plan, String revision, List<String> errors, String refusedRevision) {
        public boolean loaded() {
            return plan != null;
        }

        public String error() {
            return errors.isEmpty() ? null : String.join("\n", errors);
        }
    }

    /** Where the plan is read from, for messages. */
    public String name() {
        return source.name();
    }

    public synchronized View view() {
        return new View(plan, revision, errors, refusedRevision);
    }

    /**
     * Fetches the plan if it changed and applies it if valid.
     *
     * @return true if the plan in force changed
     */
    public synchronized boolean refresh() {
        PlanSource.Fetch fetch = source.fetch(fetchedRevision, parser.limits().maxBytes());
        if (fetch instanceof PlanSource.Fetch.Unchanged) {
            return false;
        }
        if (fetch instanceof PlanSource.Fetch.Missing missing) {
                String message = "no plan at " + source.name() + " (" + missing.reason()
                        + "); upload one, or set migrator.desired-state.uri";
                if (!errors.equals(List.of(message))) {
                    LOG.warn(message + (plan == null ? "" : "; the last valid plan stays in force"));
                }
                errors = List.of(message);
                fetchedRevision = null;
                refusedRevision = null;
                return false;
        }
        String fetched;
        ParseOutcome outcome;
        if (fetch instanceof PlanSource.Fetch.TooLarge tooLarge) {
            fetched = tooLarge.revision();
            outcome = parser.oversized(sourceFileName(), source.name(), tooLarge.size());
        } else {
            PlanSource.Fetch.Changed changed = (PlanSource.Fetch.Changed) fetch;
            fetched = changed.revision();
            outcome = parser.parse(sourceFileName(), changed.content());
        }
        fetchedRevision = fetched;
        if (outcome instanceof ParseOutcome.Valid valid) {
                        plan = valid.plan();
                        revision = fetched;
                        errors = List.of();
                        refusedRevision = null;
                        LOG.infof("plan %s revision %s in force: %d environments", plan.name(), revision,
                                plan.environments().size());
                        return true;
        }
        ParseOutcome.Invalid invalid = (ParseOutcome.Invalid) outcome;
                        errors = invalid.errors().stream().map(PlanError::describe).toList();
                        refusedRevision = fetched;
                        LOG.errorf("plan revision %s at %s refused, %s: %s", fetched, source.name(),
                                plan == null ? "no plan is in force" : "revision " + revision + " stays in force",
                                String.join("; ", errors));
                        return false;
    }

    private String sourceFileName() {
        String name = source.name();
        return name.substring(name.lastIndexOf('/') + 1);
    }
}
