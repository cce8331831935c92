package dev.beanstalkmigrator.reconcile.image;

import dev.beanstalkmigrator.reconcile.image.BundleLookup.Found;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Words that come from a bundle, made safe for a reason: the bundle's text decoded strictly, the names it holds
 * (containers, services, files) bounded and cleaned, and the image reference it names checked.
 *
 * <p><b>Limits.</b> A name is quoted with at most {@value #MAX_NAME_CHARS} characters, control characters replaced
 * by {@code ?}; a list of names shows at most {@value #MAX_LISTED_NAMES}; an image reference has at most
 * {@value #MAX_IMAGE_CHARS} characters and no spaces or control characters. Text is strict UTF-8 without NUL.
 */
final class BundleText {

    private static final int MAX_NAME_CHARS = 80;
    private static final int MAX_LISTED_NAMES = 20;
    private static final int MAX_IMAGE_CHARS = 1024;

    private BundleText() {
    }

    /**
     * The image a bundle names, trimmed, as found in {@code file}; or why it is not one.
     *
     * @param image the value in the bundle, null if it is not a string
     * @param what how the reason names the value, e.g. {@code docker-compose.yml service 'web' image}
     */
    static BundleLookup image(String image, String file, String what) {
        if (image == null) {
            return new NotFound(what + " is not a string");
        }
        String trimmed = image.strip();
        if (trimmed.isEmpty()) {
            return new NotFound(what + " is empty");
        }
        if (trimmed.length() > MAX_IMAGE_CHARS || !trimmed.codePoints().allMatch(c -> c > 0x20 && c != 0x7f)) {
            return new NotFound(what + " is not a valid image reference (too long, or has spaces or control"
                    + " characters)");
        }
        return new Found(trimmed, file);
    }

    /** The bytes as text, without a byte order mark; null if they are not UTF-8 or hold a NUL. */
    static String utf8(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            if (text.indexOf('\0') >= 0) {
                return null;
            }
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Names come from the bundle: bound their length and drop control characters before they reach a status. */
    static String quote(String name) {
        return "'" + sanitize(name, MAX_NAME_CHARS) + "'";
    }

    /** At most {@code max} characters of {@code text}, then "..." if there were more; controls become '?'. */
    static String sanitize(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max + 3));
        text.codePoints().limit(max).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        if (text.codePointCount(0, text.length()) > max) {
            out.append("...");
        }
        return out.toString();
    }

    /** The names, comma-separated and each bounded, the first {@value #MAX_LISTED_NAMES} of them; "none" if none. */
    static String list(Set<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        List<String> shown = new ArrayList<>();
        for (String name : names) {
            if (shown.size() == MAX_LISTED_NAMES) {
                shown.add("and " + (names.size() - MAX_LISTED_NAMES) + " more");
                break;
            }
            shown.add(sanitize(name, MAX_NAME_CHARS));
        }
        return String.join(", ", shown);
    }
}
