package dev.beanstalkmigrator.config;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.reconcile.ReconcileSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything the operator reads from configuration (prefix {@code migrator}; environment variables override). */
@ConfigMapping(prefix = "migrator")
public interface MigratorConfig {

    DesiredState desiredState();

    Status status();

    Poll poll();

    LeaderElection leaderElection();

    Api api();

    /** How every AWS call is retried when it fails with throttling, a 5xx, a timeout or a dropped connection. */
    Retry retry();

    /** Plan and report, launch nothing. */
    @WithDefault("false")
    boolean dryRun();

    Aws aws();

    /** Slack and generic webhooks for chosen transitions (see README, "Notifications"). */
    Notifications notifications();

    interface DesiredState {
        /** {@code s3://bucket/key} or {@code file:/path}. */
        String uri();

        /** Plans larger than this are refused. */
        @WithDefault("1048576")
        int maxBytes();

        /**
         * With a prefix of plans: the URL of an SQS queue that receives the bucket's S3 Event Notifications for the
         * prefix. Each message makes the plan it names read at once; without it, the plans are listed every plan
         * interval.
         */
        Optional<String> events();

        /**
         * With {@link #events()}: how often every plan is listed all the same, since S3 delivers events at least once
         * and sometimes late or never.
         */
        @WithDefault("5m")
        Duration fullListingInterval();
    }

    interface Status {
        /** Where the ledger goes; default: the plan's key with {@code .yaml} replaced by {@code .status.yaml}. */
        Optional<String> uri();

        /** Migrations kept per environment, newest first. */
        @WithDefault(ReconcileSettings.DEFAULT_HISTORY_LIMIT)
        int historyLimit();

        /** Log lines of a failed migration kept in the ledger. */
        @WithDefault(ReconcileSettings.DEFAULT_LOG_TAIL_LINES)
        int logTailLines();
    }

    interface Poll {
        /**
         * How often the reconcile job wakes to see whether the plan, Elastic Beanstalk or the tasks are due. The
         * scheduler's granularity is one second; {@code POST /api/v1/reconcile} reacts at once.
         */
        @WithDefault(ReconcileSettings.DEFAULT_TICK)
        Duration tick();

        @WithDefault(ReconcileSettings.DEFAULT_PLAN_INTERVAL)
        Duration planInterval();

        @WithDefault(ReconcileSettings.DEFAULT_BEANSTALK_INTERVAL)
        Duration beanstalkInterval();

        @WithDefault(ReconcileSettings.DEFAULT_TASK_INTERVAL)
        Duration taskInterval();
    }

    /**
     * The lease in the ledger (see README, "Replicas"). The leader renews once a third of the lease has passed: at
     * the defaults an idle pair of replicas costs a PutObject every 20 s and a GET per retry period, under $1 a
     * month of S3 requests with the plan polls, for a failover within about a minute. Checked at startup: the renew
     * deadline shorter than the lease, and longer than a third of the lease plus the retry period.
     */
    interface LeaderElection {
        @WithDefault("true")
        boolean enabled();

        /** How long a standby must see the ledger unchanged before it takes the lease over. */
        @WithDefault("60s")
        Duration leaseDuration();

        /** How long after its last renewal a leader stops acting. */
        @WithDefault("40s")
        Duration renewDeadline();

        /** How often the lease is checked: renewed when due, a failed renewal retried, watched by a standby. */
        @WithDefault("10s")
        Duration retryPeriod();

        /**
         * The prefix of this replica's identity in the lease, the ledger and the logs; default: the host name. Each
         * process adds an underscore and a random UUID of its own, so two replicas never share an identity, even
         * configured alike, and a restarted one is a new holder.
         */
        Optional<String> identity();
    }

    interface Api {
        /** Bearer token for mutating calls; without one they are refused. It is accepted for reads too. */
        Optional<String> token();

        /**
         * Bearer token for reading: when set, the API and the status page answer only calls that carry it or
         * {@link #token()}; when not set, they answer anyone who reaches the port (health stays open either way).
         * It never allows a mutating call.
         */
        Optional<String> readToken();
    }

    /**
     * Capped exponential backoff with full jitter: before retry {@code n} (counted from 0) the call waits a
     * uniformly random time in {@code [0, min(max-delay, initial-delay * 2^n)]}. One policy for every AWS client:
     * the SDK clients' own retries are off.
     */
    interface Retry {
        /**
         * How an environment whose action failed is looked at again ({@code migrator.retry.requeue.*}): the same
         * {@link Backoff}, on the planner's clock instead of inside one call.
         */
        Requeue requeue();

        /** Requeue of an environment after a failed action (not the per-call AWS retries). */
        interface Requeue {
            /** The ceiling of the first delay after a transient failure. */
            @WithDefault(ReconcileSettings.DEFAULT_REQUEUE_BASE)
            Duration base();

            /** The ceiling of the first delay of a stalled environment (a human must act). */
            @WithDefault(ReconcileSettings.DEFAULT_STALLED_REQUEUE_BASE)
            Duration stalledBase();

            /** The largest delay. */
            @WithDefault(ReconcileSettings.DEFAULT_REQUEUE_CAP)
            Duration cap();
        }

        /** Attempts in all per AWS call, the first one included; 1 turns retrying off. */
        @WithDefault("4")
        int maxAttempts();

        /** The ceiling of the first wait; it doubles with each retry. */
        @WithDefault("200ms")
        Duration initialDelay();

        /** The largest ceiling of any wait; at least {@code initial-delay}. */
        @WithDefault("5s")
        Duration maxDelay();

        /** No wait between two attempts of one AWS call is longer: past this, requeueing the work is the tool. */
        Duration MAX_DELAY_LIMIT = Duration.ofMinutes(15);

        /**
         * The policy as a {@link Backoff}, checked.
         *
         * @throws IllegalArgumentException naming the {@code migrator.retry.*} key of a value out of range
         */
        default Backoff backoff() {
            if (maxAttempts() < 1) {
                throw new IllegalArgumentException(
                        "migrator.retry.max-attempts must be at least 1 (1: no retries), got " + maxAttempts());
            }
            if (initialDelay().isNegative() || initialDelay().isZero()) {
                throw new IllegalArgumentException(
                        "migrator.retry.initial-delay must be positive, got " + initialDelay());
            }
            if (maxDelay().compareTo(initialDelay()) < 0) {
                throw new IllegalArgumentException("migrator.retry.max-delay (" + maxDelay()
                        + ") must be at least migrator.retry.initial-delay (" + initialDelay() + ")");
            }
            if (maxDelay().compareTo(MAX_DELAY_LIMIT) > 0) {
                throw new IllegalArgumentException(
                        "migrator.retry.max-delay must be at most " + MAX_DELAY_LIMIT + ", got " + maxDelay());
            }
            return Backoff.of(initialDelay(), maxDelay(), maxAttempts());
        }
    }

    interface Aws {
        /** Default: the SDK's region provider chain. */
        Optional<String> region();

        /** One endpoint for every AWS client (the sandbox, tests, VPC endpoints). */
        Optional<URI> endpointOverride();
    }

    /**
     * Notification channels of the operator's own, beside those a plan names ({@code spec.notifications}), and how
     * every message is sent. A channel's URL is a secret: give it as an environment variable
     * ({@code MIGRATOR_NOTIFICATIONS_CHANNELS_OPS_URL} for channel {@code ops}; a name given only by environment
     * variables has no hyphens); it is never logged or written.
     */
    interface Notifications {

        /** Channels by name (lower-case letters, digits, hyphens); a plan's channel of the same name is ignored. */
        Map<String, Channel> channels();

        /** Where a person looks, linked from every message (the operator's status page); none by default. */
        Optional<String> statusPageUrl();

        /** How long a connection to a receiver may take. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** How long a receiver may take to answer; a hanging one costs a sender thread this long, never the loop. */
        @WithDefault("10s")
        Duration requestTimeout();

        /** Attempts per message and channel, the first included. */
        @WithDefault("10")
        int maxAttempts();

        /** The ceiling of the first wait between attempts; it doubles with each retry (full jitter). */
        @WithDefault("2s")
        Duration initialDelay();

        /** The largest ceiling of a wait between attempts. */
        @WithDefault("5m")
        Duration maxDelay();

        /** A message still undelivered this long after its transition is given up (logged once). */
        @WithDefault("24h")
        Duration maxAge();

        /** The most undelivered events the ledger keeps; past it the oldest are dropped (logged). */
        @WithDefault("100")
        int outboxLimit();

        /** Posts at once, to all channels. */
        @WithDefault("4")
        int senders();

        interface Channel {
            /** {@code slack} (an incoming webhook) or {@code webhook} (generic JSON). */
            String type();

            /** The webhook URL: a secret. */
            String url();

            /**
             * Of {@code Succeeded, Failed, TimedOut, LaunchLost, Stalled, PlanRefused}; default all but
             * {@code Succeeded}.
             */
            Optional<List<String>> events();
        }
    }
}
