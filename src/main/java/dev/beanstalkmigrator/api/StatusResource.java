package dev.beanstalkmigrator.api;

import dev.beanstalkmigrator.model.EnvironmentStatus;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.operator.ReconcileTick;
import dev.beanstalkmigrator.reconcile.Snapshot;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/** The status API: the ledger as JSON, per environment, reconcile now, validate a plan. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {

    @Inject
    ReconcileTick loop;

    @Inject
    BearerToken bearer;

    @Inject
    PlanParser parser;

    @Inject
    ObjectMapper json;

    /** The ledger as last read or written, and, when something keeps the loop from working, {@code problem}. */
    @GET
    @Path("/status")
    public ObjectNode status() {
        Snapshot snapshot = loop.snapshot();
        ObjectNode status = json.valueToTree(snapshot.status());
        if (snapshot.problem() != null) {
            status.set("problem", json.valueToTree(snapshot.problem()));
        }
        return status;
    }

    @GET
    @Path("/environments")
    public List<EnvironmentStatus> environments() {
        return loop.snapshot().status().environments();
    }

    @GET
    @Path("/environments/{name}")
    public Response environment(@PathParam("name") String name) {
        EnvironmentStatus environment = loop.snapshot().status().environment(name);
        return environment == null
                ? Problem.response(Response.Status.NOT_FOUND, "No such environment",
                "the status has no environment named " + name)
                : Response.ok(environment).build();
    }

    @POST
    @Path("/reconcile")
    public Response reconcile(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        Response refused = bearer.check(authorization);
        if (refused != null) {
            return refused;
        }
        Snapshot snapshot = loop.reconcileNow();
        return Response.ok(Map.of("reconciled", snapshot.lastProgress() == null ? "" : snapshot.lastProgress().toString(),
                "error", snapshot.lastError() == null ? "" : snapshot.lastError())).build();
    }

    @POST
    @Path("/validate")
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN,
            MediaType.APPLICATION_OCTET_STREAM})
    public Response validate(byte[] plan) {
        ParseOutcome outcome = parser.parse("plan", plan == null ? new byte[0] : plan);
        if (outcome instanceof ParseOutcome.Valid valid) {
            return Response.ok(Map.of("valid", true, "errors", List.of(),
                    "environments", valid.plan().environments().size())).build();
        }
        ParseOutcome.Invalid invalid = (ParseOutcome.Invalid) outcome;
        return Response.status(422).type(Problem.MEDIA_TYPE)
                .entity(new Problem("about:blank", "Invalid plan", 422,
                        invalid.errors().size() + " error(s); the first: " + invalid.errors().get(0).describe(),
                        invalid.errors())).build();
    }
}
