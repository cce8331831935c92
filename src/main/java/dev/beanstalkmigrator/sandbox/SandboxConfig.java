package dev.beanstalkmigrator.sandbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The sandbox's keys ({@code migrator.sandbox.*}): set in the dev and sandbox profiles only. */
@ConfigMapping(prefix = "migrator.sandbox")
public interface SandboxConfig {

    /** Start the sandbox inside the application. */
    @WithDefault("false")
    boolean enabled();

    @WithDefault("4566")
    int port();

    /** The sandbox's world. */
    @WithDefault("config/sandbox.yaml")
    String seed();

    /** The plan file uploaded to the sandbox's bucket, and again whenever it changes; empty for none. */
    @WithDefault("config/desired-state.yaml")
    String plan();

    /**
     * ECS's request throttling: {@code off}, or {@code documented} (the token bucket per category of API actions of
     * the ECS API Reference, beyond which a call is answered ThrottlingException).
     */
    @WithDefault("off")
    String ecsThrottling();

    /** Multiplies the burst and refill rate of every bucket of {@code ecs-throttling} (0.5: half ECS's quotas). */
    @WithDefault("1")
    double ecsThrottlingScale();
}
