package dev.beanstalkmigrator.plan;

import java.time.Duration;

/**
 * The plan's duration syntax: whole numbers with units, largest unit first, each unit at most once.
 * Units are {@code h}, {@code m}, {@code s} and {@code ms}: {@code 90s}, {@code 30m}, {@code 1h},
 * {@code 1h30m}, {@code 500ms}, {@code 2m30s500ms}. No spaces, signs, fractions or other units.
 * A unit's number may exceed the next unit up ({@code 90m} is accepted and equals {@code 1h30m}).
 *
 * <p>{@link #parse} accepts any non-negative duration; range rules (a plan's timeout must be between
 * 1s and 24h) belong to the caller.
 */
public final class Durations {

    /** What every "not a duration" message ends with. */
    static final String HOW_TO_WRITE = "write a number and a unit, e.g. 90s, 30m or 1h30m";

    private static final int MAX_DIGITS = 9;

    private Durations() {}

    /**
     * Parses {@code 1h30m}-style text.
     *
     * @throws IllegalArgumentException if {@code text} is not a duration; the message quotes the text
     *     and says how to write one, ready to show to a user
     */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw notADuration(text == null ? "" : text);
        }
        long total = 0;
        int lastRank = -1; // 0=h, 1=m, 2=s, 3=ms
        int i = 0;
        int n = text.length();
        while (i < n) {
            int start = i;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                i++;
            }
            if (i == start || i - start > MAX_DIGITS) {
                throw notADuration(text);
            }
            long number = Long.parseLong(text, start, i, 10);
            int rank;
            long millisPerUnit;
            if (text.startsWith("ms", i)) {
                rank = 3;
                millisPerUnit = 1;
                i += 2;
            } else if (i < n && text.charAt(i) == 'h') {
                rank = 0;
                millisPerUnit = 3_600_000L;
                i++;
            } else if (i < n && text.charAt(i) == 'm') {
                rank = 1;
                millisPerUnit = 60_000L;
                i++;
            } else if (i < n && text.charAt(i) == 's') {
                rank = 2;
                millisPerUnit = 1_000L;
                i++;
            } else {
                throw notADuration(text);
            }
            if (rank <= lastRank) {
                throw new IllegalArgumentException(quote(text)
                        + " is not a duration; give each unit once, largest first (h, m, s, ms), e.g. 1h30m");
            }
            lastRank = rank;
            total += number * millisPerUnit; // at most 9 digits per unit: cannot overflow
        }
        return Duration.ofMillis(total);
    }

    /**
     * Writes a duration the way {@link #parse} reads it, largest unit first and zero units left out:
     * 90 seconds is {@code 1m30s}, zero is {@code 0s}. Precision below a millisecond is dropped, so
     * {@code parse(format(d))} equals {@code d} for any duration in whole milliseconds.
     *
     * @throws IllegalArgumentException for a negative duration
     */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a negative duration has no plan syntax: " + duration);
        }
        long secondsTotal = duration.getSeconds();
        long ms = duration.getNano() / 1_000_000L;
        if (secondsTotal == 0 && ms == 0) {
            return "0s";
        }
        long hours = secondsTotal / 3_600L;
        long minutes = secondsTotal / 60L % 60;
        long seconds = secondsTotal % 60;
        StringBuilder sb = new StringBuilder();
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (minutes > 0) {
            sb.append(minutes).append('m');
        }
        if (seconds > 0) {
            sb.append(seconds).append('s');
        }
        if (ms > 0) {
            sb.append(ms).append("ms");
        }
        return sb.toString();
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException(quote(text) + " is not a duration; " + HOW_TO_WRITE);
    }

    static String quote(String text) {
        return Texts.quote(text);
    }
}
