package dev.beanstalkmigrator.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Minimal streaming XML writer for the S3 and Query protocol answers. */
final class Xml {
    private final StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    private final java.util.ArrayDeque<String> open = new java.util.ArrayDeque<>();

    Xml start(String name) {
        sb.append('<').append(name).append('>');
        open.push(name);
        return this;
    }

    Xml start(String name, String xmlns) {
        sb.append('<').append(name).append(" xmlns=\"").append(escape(xmlns)).append("\">");
        open.push(name);
        return this;
    }

    Xml end() {
        sb.append("</").append(open.pop()).append('>');
        return this;
    }

    /** A leaf element; null values are omitted. */
    Xml el(String name, Object value) {
        if (value == null) {
            return this;
        }
        String text = value instanceof Instant i ? iso(i) : String.valueOf(value);
        sb.append('<').append(name).append('>').append(escape(text)).append("</").append(name).append('>');
        return this;
    }

    byte[] bytes() {
        while (!open.isEmpty()) {
            end();
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String iso(Instant i) {
        return i.truncatedTo(ChronoUnit.MILLIS).toString().replaceFirst("(\\d{2}:\\d{2}:\\d{2})Z$", "$1.000Z");
    }

    /** {@code s} as the inside of a JSON string. */
    static String escapeJson(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                case '\r' -> b.append("&#13;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
