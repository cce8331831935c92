package dev.beanstalkmigrator.plan;

/** Byte-level edits for the mutation tests of the plan parser and the reconciler. */
public final class ByteEdits {

    private ByteEdits() {}

    /** {@code bytes} without {@code length} bytes from {@code at} (fewer at the end). */
    public static byte[] delete(byte[] bytes, int at, int length) {
        int end = Math.min(bytes.length, at + length);
        if (at >= end) {
            return bytes;
        }
        byte[] out = new byte[bytes.length - (end - at)];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bytes, end, out, at, bytes.length - end);
        return out;
    }

    /** {@code bytes} with {@code piece} inserted at {@code at}. */
    public static byte[] insert(byte[] bytes, int at, byte[] piece) {
        byte[] out = new byte[bytes.length + piece.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(bytes, at, out, at + piece.length, bytes.length - at);
        return out;
    }
}
