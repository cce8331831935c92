package dev.beanstalkmigrator.sandbox;

/** An AWS error answer: thrown by a service handler, rendered in the service's own wire format. */
final class ServiceError extends RuntimeException {
    final int status;
    final String code;
    final transient java.util.Map<String, String> extra;
    /** List members of the answer (ECS's ConflictException carries {@code resourceIds}). */
    final transient java.util.Map<String, java.util.List<String>> lists;

    ServiceError(int status, String code, String message) {
        this(status, code, message, java.util.Map.of());
    }

    ServiceError(int status, String code, String message, java.util.Map<String, String> extra) {
        this(status, code, message, extra, java.util.Map.of());
    }

    ServiceError(int status, String code, String message, java.util.Map<String, String> extra,
            java.util.Map<String, java.util.List<String>> lists) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.extra = extra;
        this.lists = lists;
    }
}
