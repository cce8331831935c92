package dev.beanstalkmigrator.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Closes every JAX-RS resource (the API, the status page) to callers without a token when
 * {@code migrator.api.read-token} is set. Health and the OpenAPI document are Vert.x routes, not JAX-RS
 * resources, and stay open: load balancers need health, and neither shows a migration's history or log tail.
 * Mutating calls are checked again, for the API token alone, by {@link BearerToken#check}.
 */
public class ReadAccess {

    @Inject
    BearerToken bearer;

    @ServerRequestFilter
    public Response requireReadToken(ContainerRequestContext request) {
        return bearer.checkRead(request.getHeaderString(HttpHeaders.AUTHORIZATION));
    }
}
