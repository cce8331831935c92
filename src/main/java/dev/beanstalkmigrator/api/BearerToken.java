package dev.beanstalkmigrator.api;

import dev.beanstalkmigrator.config.MigratorConfig;
import dev.beanstalkmigrator.model.Digests;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may call what. Mutating calls need {@code Authorization: Bearer <migrator.api.token>}, and are refused when
 * no token is configured. Reads are open unless {@code migrator.api.read-token} is set; then they need that token
 * or the mutating one. A refusal is a 401 problem with {@code WWW-Authenticate: Bearer}. The status page also takes
 * the token as {@code ?token=} and then from its cookie (see {@link StatusPage}), since a browser cannot send the
 * header.
 */
@ApplicationScoped
public class BearerToken {

    /** The query parameter that brings a read token to the status page once. */
    public static final String PAGE_QUERY = "token";
    /** The cookie that keeps the status page open: a digest of the token, not the token. */
    public static final String PAGE_COOKIE = "migrator-page";
    /** How long a browser keeps the page's cookie; rotating the token ends it sooner. */
    static final int PAGE_COOKIE_SECONDS = 7 * 24 * 3600;

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

    /**
     * Reading the status page: a token in the header, in {@code ?token=}, or the page's cookie made from one.
     *
     * @return null if allowed, else a 401 that says how to open the page
     */
    public Response checkPageRead(String authorization, String queryToken, String cookie) {
        String readToken = configured(config.api().readToken());
        if (readToken == null) {
            return null;
        }
        String apiToken = configured(config.api().token());
        String presented = presented(authorization);
        if (matches(presented, readToken) || matches(presented, apiToken)
                || matches(queryToken, readToken) || matches(queryToken, apiToken)
                || matches(cookie, pageDigest(readToken))
                || (apiToken != null && matches(cookie, pageDigest(apiToken)))) {
            return null;
        }
        return unauthorized("the status page needs the read token: open /?" + PAGE_QUERY
                + "=<migrator.api.read-token> once (a cookie keeps it), or send Authorization: Bearer"
                + " <migrator.api.read-token>");
    }

    /**
     * The cookie that keeps the page open for a browser that brought {@code token} (already checked), or null
     * when reads are open and no cookie is needed.
     *
     * @param secure the page was reached over HTTPS: the browser then sends the cookie over HTTPS only
     */
    public NewCookie pageCookie(String token, boolean secure) {
        if (configured(config.api().readToken()) == null) {
            return null;
        }
        return new NewCookie.Builder(PAGE_COOKIE).value(pageDigest(token)).httpOnly(true).secure(secure)
                .sameSite(NewCookie.SameSite.LAX).maxAge(PAGE_COOKIE_SECONDS).build();
    }

    /**
     * What the cookie holds for a token: a digest, so that the cookie (in the browser's store, in a proxy's
     * view) opens the page and nothing else, and never reveals the token, which may be the API token.
     */
    static String pageDigest(String token) {
        return Digests.sha256("beanstalk-migrator status page:" + token);
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
