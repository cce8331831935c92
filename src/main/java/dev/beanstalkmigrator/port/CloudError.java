package dev.beanstalkmigrator.port;

/**
 * What went wrong talking to AWS, classified once (by the adapters) into what to do about it. Each kind carries
 * its own {@link Policy}, read with {@link #policy()}: callers switch on the policy, not on the subtype.
 * <ul>
 *   <li>{@link Transient} ({@link Policy#RETRY}): throttling, 5xx, timeouts, dropped connections, S3's 409
 *       ConditionalRequestConflict. The adapters retry it at once with capped exponential backoff and full
 *       jitter ({@code migrator.retry.*}); once those attempts are spent it reaches the caller, which requeues
 *       the work. Throttling is the subtype {@link Throttled}, for callers that pace themselves (RunTask).</li>
 *   <li>{@link Waiting} ({@link Policy#WAIT}): the world is busy (an environment is updating, a version is not
 *       registered yet). Not an error: look again later, at the observation interval.</li>
 *   <li>{@link Stalled} ({@link Policy#STALL}): permission or validation errors. Retrying at once cannot help:
 *       the environment gets a Stalled condition naming the call and what a human must do. It is not
 *       terminal: the caller looks again on a slow, growing schedule, because the usual fix (an IAM grant, a
 *       created cluster) happens outside the plan and changes nothing the operator could watch.</li>
 *   <li>{@link Conflict} ({@link Policy#REREAD}): a conditional write lost (412 PreconditionFailed): someone
 *       else wrote first. The writer re-reads and decides again.</li>
 * </ul>
 */
public abstract sealed class CloudError extends RuntimeException
        permits CloudError.Transient, CloudError.Waiting, CloudError.Stalled, CloudError.Conflict {

    /**
     * What the caller of a failed AWS call does next. Exactly one per kind of {@link CloudError}; the kinds
     * exist so that the decision is made once, where the error is classified, and read everywhere else.
     */
    public enum Policy {
        /**
         * Try the same call again now, after a capped, fully jittered exponential delay; the adapters do this
         * ({@code Retrying}). When their attempts are spent the error reaches the caller, which requeues the
         * work with its own backoff.
         */
        RETRY,
        /** Not an error: nothing is wrong, the resource is busy. Look again at the next observation. */
        WAIT,
        /**
         * A human must act: record a Stalled condition with {@link Stalled#hint()}, never retry at once, and look
         * again only on a slow, growing schedule (the fix usually happens outside the plan).
         */
        STALL,
        /** A compare-and-swap lost: re-read the object, then decide again from what is there now. */
        REREAD
    }

    private final String operation;
    private final String code;
    private final String text;

    protected CloudError(String operation, String code, String message, Throwable cause) {
        super(operation + ": " + (code == null ? "" : code + ": ") + message, cause);
        this.operation = operation;
        this.code = code;
        this.text = message;
    }

    /** AWS's own message (bounded, single-line), without the operation and code {@link #getMessage()} adds. */
    public String text() {
        return text;
    }

    /** The AWS operation, as {@code service:Action}, e.g. {@code ecs:RunTask}. */
    public String operation() {
        return operation;
    }

    /** AWS error code ({@code ThrottlingException}, {@code AccessDenied}) or a short word for network failures. */
    public String code() {
        return code;
    }

    /** What to do about this error; fixed by its kind. */
    public abstract Policy policy();

    /** What a human should do about it; only a {@link Stalled} error has one, the others answer null. */
    public String hint() {
        return null;
    }

    /** Retry with backoff: {@link Policy#RETRY}. */
    public static sealed class Transient extends CloudError permits Throttled {
        public Transient(String operation, String code, String message, Throwable cause) {
            super(operation, code, message, cause);
        }

        @Override
        public final Policy policy() {
            return Policy.RETRY;
        }
    }

    /**
     * AWS asked to slow down (429, throttling codes): {@link Policy#RETRY} like any transient error, and a sign
     * to lower the call rate. A caller that paces its calls (RunTask) retries these itself, slower.
     */
    public static final class Throttled extends Transient {
        public Throttled(String operation, String code, String message, Throwable cause) {
            super(operation, code, message, cause);
        }
    }

    /** Not an error: the resource is busy; look again later ({@link Policy#WAIT}). */
    public static final class Waiting extends CloudError {
        public Waiting(String operation, String code, String message, Throwable cause) {
            super(operation, code, message, cause);
        }

        @Override
        public Policy policy() {
            return Policy.WAIT;
        }
    }

    /**
     * A human must act: permissions, validation, missing resources ({@link Policy#STALL}). Never retried at once;
     * looked at again on a slow schedule, so that a fix made outside the plan is noticed.
     */
    public static final class Stalled extends CloudError {
        private final String hint;

        public Stalled(String operation, String code, String message, String hint, Throwable cause) {
            super(operation, code, message, cause);
            this.hint = hint;
        }

        /** What the user should do, e.g. "allow ecs:RunTask on the cluster to the operator's role". */
        @Override
        public String hint() {
            return hint;
        }

        @Override
        public Policy policy() {
            return Policy.STALL;
        }
    }

    /** A compare-and-swap lost: re-read, then decide again ({@link Policy#REREAD}). */
    public static final class Conflict extends CloudError {
        public Conflict(String operation, String code, String message, Throwable cause) {
            super(operation, code, message, cause);
        }

        @Override
        public Policy policy() {
            return Policy.REREAD;
        }
    }
}
