package dev.beanstalkmigrator.api;

import dev.beanstalkmigrator.config.MigratorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may call what. Mutating calls need {@code Authorization: Bearer <migrator.api.token>}, and are refused when
 * no token is configured. Reads are open unless {@code migrator.api.read-token} is set; then they need that token
 * or the mutating one. A refusal is a 401 problem with {@code WWW-Authenticate: Bearer}.
 */
@ApplicationScoped
public class BearerToken {

    @Inject
    MigratorConfig config;

    /** @return null if the mutating call is allowed, else the problem response to send */
    public Response check(String authorization) {
        String token = configured(config.api().token());
        if (token == null) {
            return Problem.response(Response.Status.FORBIDDEN, "Mutating calls are disabled",
                    "no API token is configured; set migrator.api.token (MIGRATOR_API_TOKEN) to enable them");
        }
        return matches(presented(authorization), token) ? null
                : unauthorized("send Authorization: Bearer <migrator.api.token>");
    }

    /** @return null if reading is allowed (no read token configured, or a configured token presented), else a 401 */
    public Response checkRead(String authorization) {
        String readToken = configured(config.api().readToken());
        if (readToken == null) {
            return null;
        }
        String presented = presented(authorization);
        return matches(presented, readToken) || matches(presented, configured(config.api().token())) ? null
                : unauthorized("reading needs Authorization: Bearer <migrator.api.read-token> (or the API token)");
    }

    private static String configured(Optional<String> token) {
        return token.filter(t -> !t.isBlank()).orElse(null);
    }

    private static String presented(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
    }

    private static boolean matches(String presented, String token) {
        return presented != null && token != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    private static Response unauthorized(String detail) {
        return Response.status(Response.Status.UNAUTHORIZED).type(Problem.MEDIA_TYPE)
                .header("WWW-Authenticate", "Bearer")
                .entity(new Problem("about:blank", "Unauthorized", 401, detail, null)).build();
    }
}
