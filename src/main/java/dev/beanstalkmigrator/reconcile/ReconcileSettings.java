package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.plan.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * How the reconciler behaves, as named values: build it with {@link #builder(String)}; every value has the
 * production default until set. The defaults are written once, here, in the notation of the configuration: the
 * {@code migrator.*} keys ({@code config/MigratorConfig}) name these constants in their {@code @WithDefault}.
 */
public final class ReconcileSettings {

    public static final String DEFAULT_HISTORY_LIMIT = "20";
    public static final String DEFAULT_LOG_TAIL_LINES = "20";
    public static final String DEFAULT_PLAN_INTERVAL = "10s";
    public static final String DEFAULT_BEANSTALK_INTERVAL = "30s";
    public static final String DEFAULT_TASK_INTERVAL = "5s";
    public static final String DEFAULT_TICK = "1s";
    public static final String DEFAULT_REQUEUE_BASE = "1s";
    public static final String DEFAULT_STALLED_REQUEUE_BASE = "30s";
    public static final String DEFAULT_REQUEUE_CAP = "10m";

    private final String identity;
    private final boolean dryRun;
    private final int historyLimit;
    private final int logTailLines;
    private final Duration planInterval;
    private final Duration beanstalkInterval;
    private final Duration taskInterval;
    private final Duration tick;
    private final Duration requeueBase;
    private final Duration stalledRequeueBase;
    private final Duration requeueCap;

    private ReconcileSettings(Builder b) {
        identity = Objects.requireNonNull(b.identity, "identity");
        dryRun = b.dryRun;
        historyLimit = b.historyLimit;
        logTailLines = b.logTailLines;
        planInterval = b.planInterval;
        beanstalkInterval = b.beanstalkInterval;
        taskInterval = b.taskInterval;
        tick = b.tick;
        requeueBase = b.requeueBase;
        stalledRequeueBase = b.stalledRequeueBase;
        requeueCap = b.requeueCap;
    }

    /** @param identity this replica's name, written into the ledger as its leader */
    public static Builder builder(String identity) {
        return new Builder(identity);
    }

    public String identity() {
        return identity;
    }

    /** Plan and report, launch nothing. */
    public boolean dryRun() {
        return dryRun;
    }

    /** Migrations kept per environment, newest first. */
    public int historyLimit() {
        return historyLimit;
    }

    /** How many log lines of a failed migration go into the ledger. */
    public int logTailLines() {
        return logTailLines;
    }

    /** How often the plan is read (a conditional GET). */
    public Duration planInterval() {
        return planInterval;
    }

    /** How often Elastic Beanstalk is read. */
    public Duration beanstalkInterval() {
        return beanstalkInterval;
    }

    /** How often running migrate tasks are described. */
    public Duration taskInterval() {
        return taskInterval;
    }

    /**
     * How often the driver runs a cycle (the scheduler's period). Work that falls due within half a tick is
     * done in this cycle: the next one would do it later than this one does it early.
     */
    public Duration tick() {
        return tick;
    }

    /** The ceiling of the first requeue delay of an environment whose action failed transiently. */
    public Duration requeueBase() {
        return requeueBase;
    }

    /** The ceiling of the first requeue delay of a stalled environment (a human must act; look rarely). */
    public Duration stalledRequeueBase() {
        return stalledRequeueBase;
    }

    /** The largest requeue delay. */
    public Duration requeueCap() {
        return requeueCap;
    }

    /** Named setters with the production defaults. */
    public static final class Builder {
        private final String identity;
        private boolean dryRun;
        private int historyLimit = Integer.parseInt(DEFAULT_HISTORY_LIMIT);
        private int logTailLines = Integer.parseInt(DEFAULT_LOG_TAIL_LINES);
        private Duration planInterval = Durations.parse(DEFAULT_PLAN_INTERVAL);
        private Duration beanstalkInterval = Durations.parse(DEFAULT_BEANSTALK_INTERVAL);
        private Duration taskInterval = Durations.parse(DEFAULT_TASK_INTERVAL);
        private Duration tick = Durations.parse(DEFAULT_TICK);
        private Duration requeueBase = Durations.parse(DEFAULT_REQUEUE_BASE);
        private Duration stalledRequeueBase = Durations.parse(DEFAULT_STALLED_REQUEUE_BASE);
        private Duration requeueCap = Durations.parse(DEFAULT_REQUEUE_CAP);

        private Builder(String identity) {
            this.identity = identity;
        }

        public Builder dryRun(boolean value) {
            dryRun = value;
            return this;
        }

        public Builder historyLimit(int value) {
            historyLimit = value;
            return this;
        }

        public Builder logTailLines(int value) {
            logTailLines = value;
            return this;
        }

        public Builder planInterval(Duration value) {
            planInterval = value;
            return this;
        }

        public Builder beanstalkInterval(Duration value) {
            beanstalkInterval = value;
            return this;
        }

        public Builder taskInterval(Duration value) {
            taskInterval = value;
            return this;
        }

        public Builder tick(Duration value) {
            tick = value;
            return this;
        }

        public Builder requeueBase(Duration value) {
            requeueBase = value;
            return this;
        }

        public Builder stalledRequeueBase(Duration value) {
            stalledRequeueBase = value;
            return this;
        }

        public Builder requeueCap(Duration value) {
            requeueCap = value;
            return this;
        }

        public ReconcileSettings build() {
            return new ReconcileSettings(this);
        }
    }
}
