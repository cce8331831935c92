package dev.beanstalkmigrator.sandbox;

import java.time.Duration;

/**
 * A fault to inject into calls of {@code operation}: an exact key such as {@code ecs:RunTask}, a whole service
 * {@code s3:*}, or {@code *} for every call.
 *
 * @param times       how many more times the fault fires; -1 = no limit
 * @param probability chance that a matching call is hit (decided by the sandbox's seeded Random); 1 = always
 * @param latency     the delay of a {@link FaultKind#LATENCY} fault
 */
public record Fault(String operation, FaultKind kind, int times, double probability, Duration latency) {

    public Fault {
        if (operation == null || operation.isBlank()) {
            throw new IllegalArgumentException("fault needs an operation (e.g. ecs:RunTask, s3:*, *)");
        }
        if (kind == null) {
            throw new IllegalArgumentException("fault needs a kind");
        }
        if (probability < 0 || probability > 1) {
            throw new IllegalArgumentException("probability must be within 0..1");
        }
        if (times == 0 || times < -1) {
            throw new IllegalArgumentException("times must be positive, or -1 for no limit");
        }
        latency = latency == null ? Duration.ZERO : latency;
        if (kind == FaultKind.LATENCY && latency.isZero()) {
            throw new IllegalArgumentException("a LATENCY fault needs a latency");
        }
    }

    /** The next call of {@code operation} fails with {@code kind}. Refine with {@link #times} or {@link #probability}. */
    public static Fault of(String operation, FaultKind kind) {
        return new Fault(operation, kind, 1, 1.0, null);
    }

    public static Fault throttle(String operation) {
        return of(operation, FaultKind.THROTTLE);
    }

    public static Fault serverError(String operation) {
        return of(operation, FaultKind.SERVER_ERROR);
    }

    public static Fault drop(String operation) {
        return of(operation, FaultKind.DROP);
    }

    /** The next call of {@code operation} takes effect, then its answer is lost (see {@link FaultKind#ANSWER_LOST}). */
    public static Fault answerLost(String operation) {
        return of(operation, FaultKind.ANSWER_LOST);
    }

    public static Fault conflict(String operation) {
        return of(operation, FaultKind.CONFLICT);
    }

    public static Fault precondition(String operation) {
        return of(operation, FaultKind.PRECONDITION);
    }

    public static Fault latency(String operation, Duration latency) {
        return new Fault(operation, FaultKind.LATENCY, 1, 1.0, latency);
    }

    /** Fires for the next {@code n} matching calls. */
    public Fault times(int n) {
        return new Fault(operation, kind, n, probability, latency);
    }

    /** Fires with probability {@code p} on each matching call, without a count limit unless {@link #times} follows. */
    public Fault probability(double p) {
        return new Fault(operation, kind, times == 1 ? -1 : times, p, latency);
    }

    boolean matches(String key) {
        if (operation.equals("*") || operation.equals(key)) {
            return true;
        }
        return operation.endsWith(":*") && key.startsWith(operation.substring(0, operation.length() - 1));
    }
}
