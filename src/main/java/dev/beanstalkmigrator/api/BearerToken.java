package dev.beanstalkmigrator.api;

import dev.beanstalkmigrator.config.MigratorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Guards mutating calls: {@code Authorization: Bearer <migrator.api.token>}; with no token configured, refuses. */
@ApplicationScoped
public class BearerToken {

    @Inject
    MigratorConfig config;

    /** @return null if allowed, else the problem response to send */
    public Response check(String authorization) {
        String token = config.api().token().filter(t -> !t.isBlank()).orElse(null);
        if (token == null) {
            return Problem.response(Response.Status.FORBIDDEN, "Mutating calls are disabled",
                    "no API token is configured; set migrator.api.token (MIGRATOR_API_TOKEN) to enable them");
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8))) {
            return Response.status(Response.Status.UNAUTHORIZED).type(Problem.MEDIA_TYPE)
                    .header("WWW-Authenticate", "Bearer")
                    .entity(new Problem("about:blank", "Unauthorized", 401,
                            "send Authorization: Bearer <migrator.api.token>", null)).build();
        }
        return null;
    }
}
