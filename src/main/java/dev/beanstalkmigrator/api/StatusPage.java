package dev.beanstalkmigrator.api;

import dev.beanstalkmigrator.operator.ReconcileTick;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The status page at {@code /}: every environment's state, versions and migration history with log tails, the
 * plan (and a refused plan's errors), the leader and its lease. Rendered on the server from the published
 * snapshot (template {@code templates/StatusPage/page.html}), reloaded by the browser every
 * {@value StatusPageView#REFRESH_SECONDS} s by a meta refresh: no JavaScript. Qute escapes every value, so a log
 * tail shows as text whatever it holds.
 *
 * <p>With {@code migrator.api.read-token} set, a browser that cannot send a bearer header opens
 * {@code /?token=<token>} once: {@link ReadAccess} checks it, and this answers with a cookie that carries a digest
 * of the token (never the token) and a redirect to the page without it, so the address bar, the history of the
 * refreshes and the Referer hold no token from then on. The cookie opens this page only, never the API.
 */
@Path("/")
public class StatusPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(StatusPageView view);
    }

    @Inject
    ReconcileTick loop;

    @Inject
    BearerToken bearer;

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(hidden = true)
    public Response page(@QueryParam(BearerToken.PAGE_QUERY) String token, @Context UriInfo uri,
                         @HeaderParam("X-Forwarded-Proto") String forwardedProto) {
        if (token != null) {
            // ReadAccess let the request through, so the token is valid (or reads are open).
            Response.ResponseBuilder back = Response.status(Response.Status.SEE_OTHER)
                    .header(HttpHeaders.LOCATION, "./").header(HttpHeaders.CACHE_CONTROL, "no-store");
            NewCookie cookie = bearer.pageCookie(token, "https".equals(uri.getRequestUri().getScheme())
                    || "https".equalsIgnoreCase(forwardedProto));
            return (cookie == null ? back : back.cookie(cookie)).build();
        }
        return Response.ok(Templates.page(StatusPageView.of(loop.snapshot(), Instant.now())))
                .header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }
}
