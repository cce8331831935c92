package dev.beanstalkmigrator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A body larger than {@code quarkus.http.limits.max-body-size} is refused with a 413 that says so, as
 * {@code application/problem+json} like every other error. Quarkus's own checks answer such a request with a bare
 * 413 and no body, before any JAX-RS mapper can see it: a route of order -2 for a declared length, and the
 * reader of the JAX-RS body for a chunked one. This route runs just before the first. A request that declares its
 * length is judged by the header. An HTTP/1.1 chunked one is read here, by Vert.x's {@link BodyHandler} with the
 * same limit: past it the handler fails the request with 413, which {@link #tooLarge} answers; within it the
 * JAX-RS reader takes the body already read. An HTTP/2 body without a length is left to Quarkus (a bare 413):
 * Quarkus REST pauses every request it starts, and Vert.x's HTTP/2 request refuses that once its body is read.
 */
@ApplicationScoped
public class BodyLimit {

    /** Before Quarkus's body-size route (order -2). */
    static final int ORDER = -3;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
    MemorySize limit;

    @Inject
    ObjectMapper json;

    private BodyHandler chunked;

    void install(@Observes Router router) {
        chunked = BodyHandler.create(false).setBodyLimit(limit.asLongValue()).setHandleFileUploads(false)
                .setPreallocateBodyBuffer(false);
        router.route().order(ORDER).handler(this::check).failureHandler(this::tooLarge);
    }

    void check(RoutingContext context) {
        String header = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        long length = declaredLength(header);
        if (length > limit.asLongValue()) {
            // The rest of the body is not read: close the connection once the answer is out.
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
            answerTooLarge(context, "the body has " + length + " bytes, more");
        } else if (header == null && chunked(context.request().getHeader(HttpHeaders.TRANSFER_ENCODING))) {
            chunked.handle(context);
        } else {
            context.next();
        }
    }

    /** The failure of {@link BodyHandler} past the limit; any other failure goes on to the next handler. */
    void tooLarge(RoutingContext context) {
        if (context.statusCode() == 413 && !context.response().ended()) {
            // The handler reads on and drops the rest of the body, so the client reads this answer.
            answerTooLarge(context, "the body is larger");
        } else {
            context.next();
        }
    }

    private void answerTooLarge(RoutingContext context, String what) {
        Problem problem = new Problem("about:blank", "Payload Too Large", 413, what + " than the "
                + limit.asLongValue() + " bytes this server accepts (quarkus.http.limits.max-body-size); a plan may"
                + " have at most migrator.desired-state.max-bytes (1 MiB unless configured)", null);
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            body = "{\"title\":\"Payload Too Large\",\"status\":413}";
        }
        context.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE).end(body);
    }

    /** Whether the Transfer-Encoding header ends with chunked (HTTP/1.1; HTTP/2 has no such header). */
    static boolean chunked(String transferEncoding) {
        return transferEncoding != null && transferEncoding.trim().toLowerCase(java.util.Locale.ROOT)
                .endsWith("chunked");
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
