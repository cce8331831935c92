package dev.beanstalkmigrator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Everything the operator reads from configuration (prefix {@code migrator}; environment variables override). */
@ConfigMapping(prefix = "migrator")
public interface MigratorConfig {

    DesiredState desiredState();

    Status status();

    Poll poll();

    LeaderElection leaderElection();

    Api api();

    /** Plan and report, launch nothing. */
    @WithDefault("false")
    boolean dryRun();

    Aws aws();

    /** How an environment whose action failed is looked at again (capped exponential backoff, full jitter). */
    Requeue requeue();

    interface DesiredState {
        /** {@code s3://bucket/key} or {@code file:/path}. */
        String uri();

        /** Plans larger than this are refused. */
        @WithDefault("1048576")
        int maxBytes();
    }

    interface Status {
        /** Where the ledger goes; default: the plan's key with {@code .yaml} replaced by {@code .status.yaml}. */
        Optional<String> uri();

        /** Migrations kept per environment, newest first. */
        @WithDefault("20")
        int historyLimit();

        /** Log lines of a failed migration kept in the ledger. */
        @WithDefault("20")
        int logTailLines();
    }

    interface Poll {
        /**
         * How often the reconcile job wakes to see whether the plan, Elastic Beanstalk or the tasks are due. The
         * scheduler's granularity is one second; {@code POST /api/v1/reconcile} reacts at once.
         */
        @WithDefault("1s")
        Duration tick();

        @WithDefault("10s")
        Duration planInterval();

        @WithDefault("30s")
        Duration beanstalkInterval();

        @WithDefault("5s")
        Duration taskInterval();
    }

    interface LeaderElection {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("15s")
        Duration leaseDuration();

        @WithDefault("10s")
        Duration renewDeadline();

        @WithDefault("2s")
        Duration retryPeriod();

        /** This replica's name in the lease and the ledger; default: the host name. */
        Optional<String> identity();
    }

    interface Api {
        /** Bearer token for mutating calls; without one they are refused. */
        Optional<String> token();
    }

    interface Aws {
        /** Default: the SDK's region provider chain. */
        Optional<String> region();

        /** One endpoint for every AWS client (the sandbox, tests, VPC endpoints). */
        Optional<URI> endpointOverride();
    }

    /** Requeue of an environment after a failed action (not the per-call AWS retries). */
    interface Requeue {
        /** The ceiling of the first delay after a transient failure. */
        @WithDefault("1s")
        Duration base();

        /** The ceiling of the first delay of a stalled environment (a human must act). */
        @WithDefault("30s")
        Duration stalledBase();

        /** The largest delay. */
        @WithDefault("10m")
        Duration cap();
    }
}
