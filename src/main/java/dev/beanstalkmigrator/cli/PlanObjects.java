package dev.beanstalkmigrator.cli;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;

/**
 * The plan object and its ledger in S3, read as the operator reads them: the plan with the operator's parser and
 * default limits, under the file name the operator gives it in its errors; the ledger with the operator's codec.
 */
final class PlanObjects {

    private final ObjectStore store;
    private final ObjectLocation plan;
    private final ObjectLocation ledger;

    PlanObjects(ObjectStore store, ObjectLocation plan, ObjectLocation ledger) {
        this.store = store;
        this.plan = plan;
        this.ledger = ledger;
    }

    ObjectLocation plan() {
        return plan;
    }

    ObjectLocation ledger() {
        return ledger;
    }

    /** A plan as uploaded: its ETag and what the operator's parser makes of it. */
    record Plan(String etag, ParseOutcome outcome) {}

    /**
     * The plan object, parsed; with {@code knownEtag}, read with a conditional GET.
     *
     * @return the plan, or null when it is still {@code knownEtag}
     * @throws Unreadable if it is missing or S3 refuses it
     * @throws CloudError.Transient if S3 failed transiently past the retries
     */
    Plan readPlan(String knownEtag) {
        PlanParser parser = new PlanParser(PlanLimits.DEFAULTS);
        ObjectStore.Read read = read(plan, knownEtag, parser.limits().maxBytes(), "the plan");
        if (read instanceof ObjectStore.Read.Missing missing) {
            throw new Unreadable("no plan at " + plan + " (" + missing.reason() + "); upload it first (aws s3 cp"
                    + " PLAN.yaml " + plan + "), or name the operator's plan with --plan");
        }
        String fileName = plan.key().substring(plan.key().lastIndexOf('/') + 1);
        if (read instanceof ObjectStore.Read.TooLarge tooLarge && !tooLarge.etag().equals(knownEtag)) {
            // Refused unread, as the operator refuses it.
            return new Plan(tooLarge.etag(), parser.oversized(fileName, plan.toString(), tooLarge.size()));
        }
        if (!(read instanceof ObjectStore.Read.Found found) || found.etag().equals(knownEtag)) {
            return null;
        }
        return new Plan(found.etag(), parser.parse(fileName, found.body()));
    }

    /** The ledger as read: its ETag and content, the same as before ({@code unchanged}), or none yet. */
    sealed interface Ledger {
        record Found(String etag, MigrationStatus status) implements Ledger {}

        record Unchanged() implements Ledger {}

        record Missing(String reason) implements Ledger {}
    }

    /**
     * The ledger, with a conditional GET when {@code knownEtag} is given.
     *
     * @throws Unreadable if S3 refuses it or it is not a ledger
     * @throws CloudError.Transient if S3 failed transiently past the retries
     */
    Ledger readLedger(String knownEtag) {
        ObjectStore.Read read = read(ledger, knownEtag, Long.MAX_VALUE, "the ledger");
        if (read instanceof ObjectStore.Read.NotModified) {
            return new Ledger.Unchanged();
        }
        if (read instanceof ObjectStore.Read.Missing missing) {
            return new Ledger.Missing(missing.reason());
        }
        ObjectStore.Read.Found found = (ObjectStore.Read.Found) read;
        if (found.etag() != null && found.etag().equals(knownEtag)) {
            return new Ledger.Unchanged();
        }
        try {
            return new Ledger.Found(found.etag(), LedgerCodec.read(found.body()));
        } catch (IllegalArgumentException e) {
            throw new Unreadable(ledger + " is not a status ledger (" + e.getMessage()
                    + "); name the operator's ledger with --status");
        }
    }

    private ObjectStore.Read read(ObjectLocation location, String knownEtag, long maxBytes, String what) {
        try {
            return store.get(location, knownEtag, maxBytes);
        } catch (CloudError e) {
            if (e.policy() == CloudError.Policy.RETRY) {
                throw e;
            }
            throw new Unreadable("cannot read " + what + " " + location + ": " + e.getMessage()
                    + (e.hint() == null ? "" : "; " + e.hint()));
        }
    }

    /** The plan or the ledger cannot be read, for a reason retrying will not cure; the message says what to do. */
    static final class Unreadable extends RuntimeException {
        Unreadable(String message) {
            super(message);
        }
    }
}
