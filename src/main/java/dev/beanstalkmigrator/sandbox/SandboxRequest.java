package dev.beanstalkmigrator.sandbox;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.Headers;

/** One decoded HTTP request as the service handlers see it. */
final class SandboxRequest {
    final String method;
    final String rawPath;
    final String path;
    final String rawQuery;
    final Map<String, List<String>> query;
    final Headers headers;
    final byte[] body;
    final String requestId;
    String service;
    String operation;
    /** Set by the services as the call takes effect, for {@link SandboxCall}: an accepted object write's object. */
    String putBucket;
    String putKey;
    byte[] previousContent;
    byte[] putContent;
    /** The watched ledger's record of this call's write, when it was one. */
    ObjectWrite ledgerWrite;
    /** The tasks a RunTask started. */
    final List<RunRecord> tasksStarted = new ArrayList<>();
    /**
     * Set when the service itself refused the call for its rate (not an injected fault): what the call is counted
     * as besides its status, {@code throttled} (ECS's request rate) or {@code launch-throttled} (Fargate's launch rate).
     */
    String throttled;

    SandboxRequest(String method, String rawPath, String rawQuery, Headers headers, byte[] body, String requestId) {
        this.method = method;
        this.rawPath = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        this.path = percentDecode(this.rawPath, false);
        this.rawQuery = rawQuery;
        this.query = parseForm(rawQuery);
        this.headers = headers;
        this.body = body;
        this.requestId = requestId;
    }

    String header(String name) {
        return headers.getFirst(name);
    }

    String q(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    boolean hasQ(String name) {
        return query.containsKey(name);
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Parses {@code a=b&c=d} (form or query string); a key without '=' maps to "". */
    static Map<String, List<String>> parseForm(String raw) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = percentDecode(eq < 0 ? part : part.substring(0, eq), true);
            String v = eq < 0 ? "" : percentDecode(part.substring(eq + 1), true);
            m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return m;
    }

    /** Percent-decoding as UTF-8; '+' means space only in forms, never in paths. */
    static String percentDecode(String s, boolean plusIsSpace) {
        if (s.indexOf('%') < 0 && (!plusIsSpace || s.indexOf('+') < 0)) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 2;
                    continue;
                }
                out.write('%');
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.writeBytes(b);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
