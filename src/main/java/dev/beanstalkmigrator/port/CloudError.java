package dev.beanstalkmigrator.port;

/**
 * What went wrong talking to AWS, classified once (by the adapters) into what the reconciler does
 * about it. Each kind carries its own requeue policy:
 * <ul>
 *   <li>{@link Transient}: throttling, 5xx, timeouts, dropped connections, S3's 409
 *       ConditionalRequestConflict. Retried with capped exponential backoff and full jitter. Throttling is
 *       the subtype {@link Throttled}, for callers that pace themselves (RunTask).</li>
 *   <li>{@link Waiting}: the world is busy (an environment is updating). Not an error: look again later.</li>
 *   <li>{@link Stalled}: permission or validation errors. Retrying cannot help; the environment gets a
 *       Stalled condition naming the call, and a human must act.</li>
 *   <li>{@link Conflict}: a conditional write lost (412 PreconditionFailed): someone else wrote first.
 *       The writer re-reads and decides again.</li>
 * </ul>
 */
public abstract sealed class CloudError extends RuntimeException
        permits CloudError.Transient, CloudError.Waiting, CloudError.Stalled, CloudError.Conflict {

    private final String operation;
    private final String code;

    protected CloudError(String operation, String code, String message, Throwable cause) {
        super(operation + ": " + (code == null ? "" : code + ": ") + message, cause);
        this.operation = operation;
        this.code = code;
    }

    /** The AWS operation, as {@code service:Action}, e.g. {@code ecs:RunTask}. */
    public String operation() {
        return operation;
    }

    /** AWS error code ({@code ThrottlingException}, {@code AccessDenied}) or a short word for network failures. */
    public String code() {
        return code;
    }

    /** Retry with backoff. */
    public static sealed class Transient extends CloudError permits Throttled {
        public Transient(String operation, String code, String message, Throwable cause) {
            super(operation, code, message, cause);
        }
    }

    /** AWS asked to slow down (429, throttling codes): transient, and a sign to lower the call rate. */
    public static final class Throttled extends Transient {
        public Throttled(String operation, String code, String message, Throwable cause) {
            super(operation, code, message, cause);
        }
    }

    /** Not an error: the resource is busy; look again later. */
    public static final class Waiting extends CloudError {
        public Waiting(String operation, String code, String message, Throwable cause) {
            super(operation, code, message, cause);
        }
    }

    /** Terminal until a human acts: permissions, validation, missing resources. */
    public static final class Stalled extends CloudError {
        private final String hint;

        public Stalled(String operation, String code, String message, String hint, Throwable cause) {
            super(operation, code, message, cause);
            this.hint = hint;
        }

        /** What the user should do, e.g. "allow ecs:RunTask on the cluster to the operator's role". */
        public String hint() {
            return hint;
        }
    }

    /** A compare-and-swap lost: re-read, then decide again. */
    public static final class Conflict extends CloudError {
        public Conflict(String operation, String code, String message, Throwable cause) {
            super(operation, code, message, cause);
        }
    }
}
