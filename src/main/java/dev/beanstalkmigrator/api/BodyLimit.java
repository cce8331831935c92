package dev.beanstalkmigrator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A body larger than {@code quarkus.http.limits.max-body-size} is refused with a 413 that says so, as
 * {@code application/problem+json} like every other error. Quarkus's own check (a route of order -2) answers
 * such a request with a bare 413 and no body, before any JAX-RS mapper can see it; this route runs just before
 * it, for requests that declare their length. A chunked body without a length still meets Quarkus's own check.
 */
@ApplicationScoped
public class BodyLimit {

    /** Before Quarkus's body-size route (order -2). */
    static final int ORDER = -3;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
    MemorySize limit;

    @Inject
    ObjectMapper json;

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::check);
    }

    void check(RoutingContext context) {
        long length = declaredLength(context.request().getHeader(HttpHeaders.CONTENT_LENGTH));
        if (length <= limit.asLongValue()) {
            context.next();
            return;
        }
        Problem problem = new Problem("about:blank", "Payload Too Large", 413, "the body has " + length
                + " bytes, more than the " + limit.asLongValue() + " this server accepts"
                + " (quarkus.http.limits.max-body-size); a plan may have at most migrator.desired-state.max-bytes"
                + " (1 MiB unless configured)", null);
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            body = "{\"title\":\"Payload Too Large\",\"status\":413}";
        }
        // The rest of the body is not read: close the connection once the answer is out.
        context.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, "close").end(body);
    }

    /** The Content-Length header's value, or -1 when there is none or it is not a number. */
    static long declaredLength(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
