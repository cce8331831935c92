package dev.beanstalkmigrator.health;

import dev.beanstalkmigrator.operator.ReconcileTick;
import dev.beanstalkmigrator.reconcile.LoopProblem;
import dev.beanstalkmigrator.reconcile.Snapshot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when a valid plan is loaded, AWS answered in the last cycle and nothing keeps the loop from working (an
 * unreadable ledger, a failing cycle: then its reason, the error and what to do are in the data).
 */
@Readiness
@ApplicationScoped
public class OperatorReadiness implements HealthCheck {

    @Inject
    ReconcileTick loop;

    @Override
    public HealthCheckResponse call() {
        Snapshot snapshot = loop.snapshot();
        boolean planLoaded = snapshot.plan() != null && snapshot.plan().loaded();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("operator")
                .withData("role", snapshot.leader() ? "leader" : "standby")
                .withData("identity", snapshot.identity())
                .withData("planLoaded", planLoaded)
                .withData("planRevision", planLoaded ? snapshot.plan().revision() : "none")
                .withData("plan", planLoaded ? snapshot.plan().plan().name() : "none")
                .withData("lastSync", snapshot.lastSync() == null ? "never" : snapshot.lastSync().toString())
                .withData("awsAnswered", snapshot.awsAnswered());
        if (snapshot.lastError() != null) {
            response.withData("error", snapshot.lastError());
        }
        LoopProblem problem = snapshot.problem();
        if (problem != null) {
            response.withData("reason", problem.reason()).withData("error", problem.message());
            if (problem.action() != null) {
                response.withData("action", problem.action());
            }
        }
        return response.status(planLoaded && snapshot.awsAnswered() && problem == null).build();
    }
}
