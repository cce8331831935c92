package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A Kubernetes-style condition of an environment. {@code lastTransitionTime} only moves when
 * {@code status} changes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(String type, String status, String reason, String message, Instant lastTransitionTime) {

    public static final String READY = "Ready";
    public static final String MIGRATING = "Migrating";
    public static final String STALLED = "Stalled";
    public static final String SPEC_INVALID = "SpecInvalid";
    public static final String SUSPENDED = "Suspended";

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isTrue() {
        return "True".equals(status);
    }

    /** Same type, status, reason and message (the transition time aside). */
    public boolean sameAs(Condition other) {
        return other != null && type.equals(other.type) && status.equals(other.status)
                && java.util.Objects.equals(reason, other.reason) && java.util.Objects.equals(message, other.message);
    }
}
