package dev.beanstalkmigrator.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Closes every JAX-RS resource (the API, the status page) to callers without a token when
 * {@code migrator.api.read-token} is set. Health and the OpenAPI document are Vert.x routes, not JAX-RS
 * resources, and stay open: load balancers need health, and neither shows a migration's history or log tail.
 * Mutating calls are checked again, for the API token alone, by {@link BearerToken#check}. The status page, which
 * a browser opens without a header, also takes the token as {@code ?token=} and from the cookie it then sets; the
 * API never does (a cookie sent along by a browser must not open it).
 */
public class ReadAccess {

    @Inject
    BearerToken bearer;

    @ServerRequestFilter
    public Response requireReadToken(ContainerRequestContext request, SimpleResourceInfo resource) {
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (resource != null && resource.getResourceClass() == StatusPage.class) {
            Cookie cookie = request.getCookies().get(BearerToken.PAGE_COOKIE);
            return bearer.checkPageRead(authorization,
                    request.getUriInfo().getQueryParameters().getFirst(BearerToken.PAGE_QUERY),
                    cookie == null ? null : cookie.getValue());
        }
        return bearer.checkRead(authorization);
    }
}
