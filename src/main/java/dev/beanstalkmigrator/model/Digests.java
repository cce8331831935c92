package dev.beanstalkmigrator.model;

import java.io.IOException;
import java.io.InputStream;
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

    /** The MD5 of everything {@code in} holds, read a block at a time (the stream is left open). */
    public static String md5(InputStream in) throws IOException {
        MessageDigest md5 = algorithm("MD5");
        byte[] block = new byte[64 * 1024];
        for (int n = in.read(block); n >= 0; n = in.read(block)) {
            md5.update(block, 0, n);
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    /** The raw digest of {@code bytes} with {@code algorithm} ({@code SHA-256} or {@code MD5}). */
    public static byte[] digest(String algorithm, byte[] bytes) {
        return algorithm(algorithm).digest(bytes);
    }

    private static MessageDigest algorithm(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(name + " is part of every Java runtime", e);
        }
    }
}
