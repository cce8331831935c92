package dev.beanstalkmigrator.reconcile.decide;

/**
 * Why nothing new is launched in an environment this cycle.
 *
 * @param kind waiting (not an error: look again), stalled (a human must act) or suspended (by the plan)
 * @param reason a CamelCase reason, as in conditions
 */
public record Hold(Kind kind, String reason, String message) {

    public enum Kind { WAITING, STALLED, SUSPENDED }

    public static Hold waiting(String reason, String message) {
        return new Hold(Kind.WAITING, reason, message);
    }

    public static Hold stalled(String reason, String message) {
        return new Hold(Kind.STALLED, reason, message);
    }
}
