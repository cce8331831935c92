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

    /** Whether the condition holds: its status is {@code True} (not {@code False} or {@code Unknown}). */
    public boolean holds() {
        return "True".equals(status);
    }
}
