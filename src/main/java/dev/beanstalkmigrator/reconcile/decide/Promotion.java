package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationKey;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Promotion order: an environment that says {@code after: [U, ...]} launches a version only once every U has
 * migrated that same version label, Succeeded under U's rerun token now (through another environment on its
 * database counts; so does the archived key of one that left U's history). Until then it waits
 * ({@code WaitingForPromotion}, naming what each U is doing); when a U failed or timed out with it, it is blocked
 * ({@code PromotionBlocked}) until U migrates it under a new rerun token, or the plan moves on. Pure, from the plan
 * and the ledger: nothing is read from AWS for it.
 */
public final class Promotion {

    private Promotion() {}

    /** Why {@code spec} may not launch {@code version} yet, or null when every environment it comes after has it. */
    static Hold hold(EnvironmentSpec spec, String version, Planner.Inputs in) {
        if (spec.after().isEmpty()) {
            return null;
        }
        List<String> blocked = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        for (String upstream : spec.after()) {
            EnvironmentSpec up = in.spec(upstream);
            String rerun = up == null ? "" : up.rerun();
            EnvironmentStatus status = in.ledger().environment(upstream);
            MigrationRecord record = status == null ? null : status.find(version, rerun);
            MigrationKey archived = record != null || status == null ? null : status.archivedKey(version, rerun);
            Phase phase = record != null ? record.phase() : archived != null ? archived.phase() : null;
            String key = version + (rerun.isEmpty() ? "" : " (rerun " + rerun + ")");
            if (phase == Phase.Succeeded) {
                continue;
            }
            if (phase == Phase.Failed || phase == Phase.TimedOut) {
                blocked.add(upstream + "'s migration of " + key + " " + phase.name().toLowerCase(Locale.ROOT)
                        + (record != null && record.reason() != null ? " (" + record.reason() + ")" : ""));
            } else {
                waiting.add(upstream + (phase == null ? " has not migrated " + key + " yet"
                        : " is migrating " + key + " (" + phase + ")"));
            }
        }
        if (!blocked.isEmpty()) {
            return Hold.waiting(Reasons.PROMOTION_BLOCKED, "promotion of " + version + " blocked: "
                    + String.join("; ", blocked) + "; it runs here once " + (blocked.size() == 1
                    ? "that environment migrates" : "those environments migrate") + " it under a new rerun token");
        }
        if (!waiting.isEmpty()) {
            return Hold.waiting(Reasons.WAITING_FOR_PROMOTION, "waiting for promotion of " + version + ": "
                    + String.join("; ", waiting));
        }
        return null;
    }
}
