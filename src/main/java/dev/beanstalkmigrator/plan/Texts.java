package dev.beanstalkmigrator.plan;

/** Small text helpers for messages: quoting user text safely and suggesting close spellings. */
final class Texts {

    /** User text longer than this is cut in messages, so a hostile input cannot blow up a report. */
    static final int MAX_QUOTED = 60;

    private Texts() {}

    /**
     * {@code "text"} with control and invisible characters escaped, cut to {@link #MAX_QUOTED} code points.
     */
    static String quote(String text) {
        return '"' + escape(text) + '"';
    }

    /** {@code `text`}, escaped and cut like {@link #quote}; used for field names and keywords. */
    static String code(String text) {
        return '`' + escape(text) + '`';
    }

    static String escape(String text) {
        StringBuilder sb = new StringBuilder();
        int count = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (++count > MAX_QUOTED) {
                sb.append('\u2026');
                break;
            }
            switch (cp) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || invisible(cp)) {
                        sb.append(String.format("\\u%04x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
        }
        return sb.toString();
    }

    /**
     * Characters that do not show, or reorder or break what follows: format characters (zero-width
     * spaces, bidirectional overrides, a stray byte order mark) and the Unicode line and paragraph
     * separators. Quoted raw, they would hide why a key is unknown ({@code ver\u200bsion}) or let
     * plan text rearrange a log line; escaped, they are visible.
     */
    private static boolean invisible(int cp) {
        int type = Character.getType(cp);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /**
     * The candidate closest to {@code word}, if close enough to be a likely typo: the same word in
     * another case, or at most 1 edit away (2 for words of 5 or more letters), where swapping two
     * adjacent letters counts as one edit.
     */
    static String closest(String word, Iterable<String> candidates) {
        if (word.length() > 64) {
            return null;
        }
        String lower = word.toLowerCase(java.util.Locale.ROOT);
        int limit = word.length() >= 5 ? 2 : 1;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = candidate.equalsIgnoreCase(word)
                    ? 0
                    : distance(lower, candidate.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    /** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
