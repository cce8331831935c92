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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * The status API: the ledger as JSON, per environment, reconcile now, validate a plan. Described at
 * {@code /q/openapi}: reads need the bearer token only when {@code migrator.api.read-token} is set (an empty
 * security requirement beside the bearer one), reconcile always needs {@code migrator.api.token}.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@SecurityScheme(securitySchemeName = StatusResource.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "migrator.api.token for every call; migrator.api.read-token, when set, for reads")
@SecurityRequirementsSet
@SecurityRequirementsSet(@SecurityRequirement(name = StatusResource.BEARER))
@APIResponse(responseCode = "401", description = "a read token is configured and the call carries neither it nor"
        + " the API token", content = @Content(mediaType = Problem.MEDIA_TYPE,
        schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "406", description = "the caller accepts no media type this answer has",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "500", description = "the operator failed to answer; its log says why",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class StatusResource {

    static final String BEARER = "bearer";

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
    @Operation(summary = "The status ledger", description = "Every environment with its conditions and migration"
            + " history, the leader and the plan revision; problem: what keeps the loop from working, if anything.")
    @APIResponse(responseCode = "200", description = "the ledger")
    public ObjectNode status() {
        Snapshot snapshot = loop.snapshot();
        ObjectNode status = json.valueToTree(snapshot.status());
        if (snapshot.problem() != null) {
            status.set("problem", json.valueToTree(snapshot.problem()));
        }
        return status;
    }

    @GET
    @Path("/plans")
    @Operation(summary = "The plans served", description = "With migrator.desired-state.uri naming a prefix of plans:"
            + " every plan under it, the replica that leads it (from the roster beside the plans) and, for those this"
            + " replica leads, its revision, environments and error. With one plan: that plan.")
    @APIResponse(responseCode = "200", description = "one entry per plan")
    public List<Map<String, Object>> plans() {
        return loop.plans();
    }

    @GET
    @Path("/environments")
    @Operation(summary = "Every environment's status")
    @APIResponse(responseCode = "200", description = "one entry per environment of the ledger")
    public List<EnvironmentStatus> environments() {
        return loop.snapshot().status().environments();
    }

    @GET
    @Path("/environments/{name}")
    @Operation(summary = "One environment's status", description = "Versions, conditions and migration history.")
    @APIResponse(responseCode = "200", description = "the environment",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = EnvironmentStatus.class)))
    @APIResponse(responseCode = "404", description = "the ledger has no environment of that name",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response environment(@PathParam("name") String name) {
        EnvironmentStatus environment = loop.snapshot().status().environment(name);
        return environment == null
                ? Problem.response(Response.Status.NOT_FOUND, "No such environment",
                "the status has no environment named " + name)
                : Response.ok(environment).build();
    }

    @POST
    @Path("/reconcile")
    @Operation(summary = "Reconcile now", description = "Runs a reconcile cycle at once (for example right after CI"
            + " uploaded a plan) and answers when it is done. Needs migrator.api.token; the read token never does.")
    @SecurityRequirement(name = BEARER)
    @APIResponse(responseCode = "200", description = "the cycle ran: when it made progress, and its error if any")
    @APIResponse(responseCode = "401", description = "no or another token than migrator.api.token",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "no migrator.api.token is configured: mutating calls are off",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
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
    @Operation(summary = "Validate a plan", description = "The body is a plan (YAML); the answer lists its errors"
            + " with line and column, as the operator would refuse it. Nothing is stored or acted on.")
    @APIResponse(responseCode = "200", description = "the plan is valid")
    @APIResponse(responseCode = "413", description = "the body is larger than quarkus.http.limits.max-body-size",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "the body is not sent as YAML, text or octets",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "the plan is invalid: errors lists each with line and column",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
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
