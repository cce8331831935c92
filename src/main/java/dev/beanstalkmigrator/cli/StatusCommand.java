package dev.beanstalkmigrator.cli;

import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.Lease;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.port.CloudError;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code status}: the ledger as a table of environments, one row each, like {@code kubectl get}: whether it is
 * Ready, the version the plan resolved to and the one Elastic Beanstalk runs, the newest migration and how long
 * ago it ended (or started), and the reasons a person acts on. Above the table: the plan in force, whether the
 * newest upload was refused or is not taken yet, and the leader.
 */
final class StatusCommand {

    static final List<String> COLUMNS = List.of("ENVIRONMENT", "READY", "VERSION", "DEPLOYED", "MIGRATION", "AGE",
            "REASON");

    private final PlanObjects objects;
    private final Clock clock;
    private final PrintStream out;

    StatusCommand(PlanObjects objects, Clock clock, PrintStream out) {
        this.objects = objects;
        this.clock = clock;
        this.out = out;
    }

    int run() {
        MigrationStatus ledger;
        String planEtag = null;
        try {
            PlanObjects.Ledger read = objects.readLedger(null);
            if (read instanceof PlanObjects.Ledger.Missing missing) {
                out.println("status: no ledger at " + objects.ledger() + " (" + missing.reason() + "); the operator"
                        + " writes it once it runs with migrator.desired-state.uri=" + objects.plan()
                        + ", or name the ledger with --status");
                return Commands.INVALID;
            }
            ledger = ((PlanObjects.Ledger.Found) read).status();
            planEtag = objects.readPlan(null).etag();
        } catch (PlanObjects.Unreadable | CloudError e) {
            out.println("status: " + e.getMessage());
            return Commands.INVALID;
        }
        out.println("plan " + (ledger.plan() == null ? "(none in force)" : ledger.plan() + ", revision "
                + ledger.observedPlanRevision()) + "; ledger " + objects.ledger() + "; " + leader(ledger));
        if (ledger.planError() != null) {
            out.println("the newest plan was refused; the last valid plan stays in force:");
            ledger.planError().lines().forEach(line -> out.println("  " + line));
        } else if (planEtag != null && !planEtag.equals(ledger.observedPlanRevision())) {
            out.println("the plan at " + objects.plan() + " (revision " + planEtag
                    + ") is not taken yet: the operator reads it within its plan interval");
        }
        if (ledger.environments().isEmpty()) {
            out.println("no environments");
            return Commands.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS);
        Instant now = clock.instant();
        for (EnvironmentStatus environment : ledger.environments()) {
            rows.add(row(environment, now));
        }
        table(rows).forEach(out::println);
        for (EnvironmentStatus environment : ledger.environments()) {
            MigrationRecord preview = dev.beanstalkmigrator.reconcile.decide.Previews.awaitingApproval(environment,
                    null, null);
            if (preview != null) {
                out.println();
                out.println(WaitCommand.approvalRequest(environment.name(), preview));
            }
        }
        return Commands.OK;
    }

    static String leader(MigrationStatus ledger) {
        Lease lease = ledger.lease();
        if (lease != null) {
            return lease.released() ? "no leader (the lease was released)" : "leader " + lease.holder();
        }
        return ledger.leader() == null ? "no leader yet" : "written by " + ledger.leader();
    }

    static List<String> row(EnvironmentStatus environment, Instant now) {
        Condition ready = environment.condition(Condition.READY);
        MigrationRecord newest = environment.history().isEmpty() ? null : environment.history().get(0);
        List<String> reasons = new ArrayList<>();
        if (ready != null && ready.reason() != null) {
            reasons.add(ready.reason());
        }
        for (String type : List.of(Condition.STALLED, Condition.SUSPENDED, Condition.SPEC_INVALID)) {
            Condition condition = environment.condition(type);
            if (condition != null && condition.holds()) {
                reasons.add(type + ": " + condition.reason());
            }
        }
        return List.of(
                environment.name(),
                ready == null ? "Unknown" : ready.status(),
                dash(environment.resolvedVersion()),
                dash(environment.deployedVersion()),
                newest == null ? "-" : newest.version() + (newest.rerun().isEmpty() ? "" : "/" + newest.rerun())
                        + " " + newest.phase(),
                newest == null ? "-" : age(newest, now),
                reasons.isEmpty() ? "-" : String.join(", ", reasons));
    }

    /** How long ago the record ended, else started, else was created: {@code 45s}, {@code 12m}, {@code 5h}, {@code 3d}. */
    static String age(MigrationRecord record, Instant now) {
        Instant at = record.finishedAt() != null ? record.finishedAt()
                : record.startedAt() != null ? record.startedAt() : record.createdAt();
        if (at == null) {
            return "-";
        }
        long seconds = Math.max(0, Duration.between(at, now).toSeconds());
        if (seconds < 120) {
            return seconds + "s";
        }
        if (seconds < 120 * 60) {
            return seconds / 60 + "m";
        }
        if (seconds < 48 * 3600) {
            return seconds / 3600 + "h";
        }
        return seconds / 86400 + "d";
    }

    /** Columns padded to their widest cell, three spaces apart; the last column is not padded. */
    static List<String> table(List<List<String>> rows) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? row.get(i) : String.format("%-" + (widths[i] + 3) + "s", row.get(i)));
            }
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }

    private static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }
}
