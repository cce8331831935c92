package dev.beanstalkmigrator.sandbox;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to start a {@link SandboxCloud}.
 *
 * @param port              TCP port on 127.0.0.1; 0 picks a free one
 * @param seed              seed file (YAML); null = empty world (unless a seed is passed to {@code start})
 * @param plan              plan file uploaded at start and again whenever its content changes; null = none
 * @param planBucket        bucket of the plan; null = the seed's {@code plan.bucket}, else "acme-migrator"
 * @param planKey           key of the plan; null = the seed's {@code plan.key}, else "desired-state.yaml"
 * @param planWatchInterval how often the plan file's content hash is checked
 * @param faultRandomSeed   seed of the Random that decides probabilistic faults
 * @param threads           size of the request thread pool (injected latency holds a thread)
 */
public record SandboxOptions(int port, Path seed, Path plan, String planBucket, String planKey,
        Duration planWatchInterval, long faultRandomSeed, int threads) {

    public static final int DEFAULT_DEV_PORT = 4566;

    public SandboxOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        planWatchInterval = planWatchInterval == null ? Duration.ofMillis(500) : planWatchInterval;
        threads = threads <= 0 ? 64 : threads;
    }

    /** Free port, empty world, no plan. */
    public static SandboxOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Fluent builder of {@link SandboxOptions}. */
    public static final class Builder {
        private int port;
        private Path seed;
        private Path plan;
        private String planBucket;
        private String planKey;
        private Duration planWatchInterval;
        private long faultRandomSeed = 42;
        private int threads;

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder seed(Path seed) {
            this.seed = seed;
            return this;
        }

        public Builder plan(Path plan) {
            this.plan = plan;
            return this;
        }

        public Builder planBucket(String planBucket) {
            this.planBucket = planBucket;
            return this;
        }

        public Builder planKey(String planKey) {
            this.planKey = planKey;
            return this;
        }

        public Builder planWatchInterval(Duration interval) {
            this.planWatchInterval = interval;
            return this;
        }

        public Builder faultRandomSeed(long seed) {
            this.faultRandomSeed = seed;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public SandboxOptions build() {
            return new SandboxOptions(port, seed, plan, planBucket, planKey, planWatchInterval, faultRandomSeed, threads);
        }
    }
}
