package dev.beanstalkmigrator.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP answer of a service handler. */
final class SandboxResponse {
    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    final byte[] body;
    /** When true the connection is closed without any answer (fault injection). */
    boolean drop;

    SandboxResponse(int status, byte[] body) {
        this.status = status;
        this.body = body == null ? new byte[0] : body;
    }

    static SandboxResponse of(int status, byte[] body, String contentType) {
        SandboxResponse r = new SandboxResponse(status, body);
        if (contentType != null) {
            r.headers.put("Content-Type", contentType);
        }
        return r;
    }

    static SandboxResponse text(int status, String body, String contentType) {
        return of(status, body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    static SandboxResponse empty(int status) {
        return new SandboxResponse(status, null);
    }

    static SandboxResponse dropped() {
        SandboxResponse r = new SandboxResponse(0, null);
        r.drop = true;
        return r;
    }

    SandboxResponse header(String name, String value) {
        if (value != null) {
            headers.put(name, value);
        }
        return this;
    }
}
