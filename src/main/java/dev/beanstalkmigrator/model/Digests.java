package dev.beanstalkmigrator.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The one place digests are made: lower-case hex of SHA-256 (names, revisions, previews) and of MD5 (S3 ETags). */
public final class Digests {

    private Digests() {}

    /** The SHA-256 of {@code bytes}, 64 hex digits. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest("SHA-256", bytes));
    }

    /** The SHA-256 of {@code text} as UTF-8, 64 hex digits. */
    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The MD5 of {@code bytes}, 32 hex digits: what S3 makes a single-part object's ETag of. */
    public static String md5(byte[] bytes) {
        return HexFormat.of().formatHex(digest("MD5", bytes));
    }

    /** The raw digest of {@code bytes} with {@code algorithm} ({@code SHA-256} or {@code MD5}). */
    public static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every Java runtime", e);
        }
    }
}
