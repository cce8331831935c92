package dev.beanstalkmigrator.config;

import dev.beanstalkmigrator.aws.AwsClientSettings;
import dev.beanstalkmigrator.aws.Retrying;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.ContainerLogs;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.DesiredState;
import dev.beanstalkmigrator.reconcile.FilePlanSource;
import dev.beanstalkmigrator.reconcile.ImageResolver;
import dev.beanstalkmigrator.reconcile.LeaseElection;
import dev.beanstalkmigrator.reconcile.MigrationLedger;
import dev.beanstalkmigrator.reconcile.PlanSource;
import dev.beanstalkmigrator.reconcile.ReconcileSettings;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.S3PlanSource;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.context.ThreadContext;

/**
 * Builds the operator from configuration: the plan source, the ledger, the reconciler, and the values the AWS
 * ports are built from (the ports themselves are produced in the {@code aws} package, the only one that names AWS
 * SDK types).
 */
@ApplicationScoped
public class OperatorWiring {

    /** AWS reads a reconcile cycle runs at once. */
    static final int WORKERS = 8;

    /**
     * The one retry policy of every AWS call, from {@code migrator.retry.*}. Built at startup, so that a value out
     * of range stops the operator with a message naming its key.
     */
    @Produces
    @Singleton
    @Startup
    Retrying retrying(MigratorConfig config) {
        return new Retrying(config.retry().backoff(), Retrying.Sleeper.THREAD);
    }

    /** Refuses to start without an AWS region, with a message that names the keys that give one. */
    void checkRegion(@Observes @Priority(1) StartupEvent event, AwsClientSettings settings) {
        String problem = settings.regionProblem();
        if (problem != null) {
            throw new IllegalStateException("invalid configuration: " + problem);
        }
    }

    /** Where the AWS clients connect ({@code migrator.aws.*}); the S3 client reads the same keys via quarkus.s3.*. */
    @Produces
    @Singleton
    AwsClientSettings awsClientSettings(MigratorConfig config) {
        return AwsClientSettings.of(config.aws().region(), config.aws().endpointOverride());
    }

    @Produces
    @ApplicationScoped
    PlanParser planParser(MigratorConfig config) {
        PlanLimits defaults = PlanLimits.DEFAULTS;
        return new PlanParser(new PlanLimits(config.desiredState().maxBytes(), defaults.maxAliases(),
                defaults.maxDepth(), defaults.maxNodes(), defaults.maxErrors()));
    }

    @Produces
    @ApplicationScoped
    LeaseElection leaseElection(MigratorConfig config) {
        return new LeaseElection(identity(config), timing(config.leaderElection()), System::nanoTime,
                Clock.systemUTC());
    }

    /** Refuses to start with leader-election durations that could not keep one leader at a time. */
    void checkLeaderElection(@Observes @Priority(1) StartupEvent event, MigratorConfig config) {
        if (config.leaderElection().enabled()) {
            timing(config.leaderElection());
        }
    }

    /** The lease's durations, or an error that names the keys to fix. */
    static LeaseElection.Timing timing(MigratorConfig.LeaderElection election) {
        String prefix = "migrator.leader-election.";
        String problem = LeaseElection.Timing.problem(election.leaseDuration(), election.renewDeadline(),
                election.retryPeriod(), prefix + "lease-duration", prefix + "renew-deadline",
                prefix + "retry-period");
        if (problem != null) {
            throw new IllegalStateException("invalid configuration: " + problem);
        }
        return new LeaseElection.Timing(election.leaseDuration(), election.renewDeadline(), election.retryPeriod());
    }

    /** The status ledger, which with leader election on also holds the lease. */
    @Produces
    @ApplicationScoped
    MigrationLedger ledger(MigratorConfig config, ObjectStore objects, Instance<LeaseElection> election) {
        LeaseElection lease = config.leaderElection().enabled() ? election.get() : null;
        String statusUri = config.status().uri().orElseGet(() -> statusUriFor(config.desiredState().uri()));
        return statusUri.startsWith("file:")
                ? new MigrationLedger(new LocalObjects(),
                        new ObjectLocation("", Path.of(URI.create(statusUri)).toString()), lease)
                : new MigrationLedger(objects, ObjectLocation.parse(statusUri), lease);
    }

    @Produces
    @ApplicationScoped
    Reconciler reconciler(MigratorConfig config, ObjectStore objects, Beanstalk beanstalk, ContainerService ecs,
                          ContainerLogs logs, PlanParser parser, MigrationLedger ledger,
                          Instance<LeaseElection> election, @Named("reconcile-workers") ManagedExecutor workers) {
        BooleanSupplier leadership = config.leaderElection().enabled() ? election.get()::isLeader : () -> true;
        String planUri = config.desiredState().uri();
        PlanSource source = planUri.startsWith("file:")
                ? new FilePlanSource(Path.of(URI.create(planUri)), config.desiredState().maxBytes())
                : new S3PlanSource(objects, ObjectLocation.parse(planUri));
        DesiredState desired = new DesiredState(source, parser);
        ReconcileSettings settings = ReconcileSettings.builder(identity(config))
                .dryRun(config.dryRun())
                .historyLimit(config.status().historyLimit())
                .logTailLines(config.status().logTailLines())
                .planInterval(config.poll().planInterval())
                .beanstalkInterval(config.poll().beanstalkInterval())
                .taskInterval(config.poll().taskInterval())
                .tick(config.poll().tick())
                .requeueBase(config.retry().requeue().base())
                .stalledRequeueBase(config.retry().requeue().stalledBase())
                .requeueCap(config.retry().requeue().cap())
                .build();
        return new Reconciler(desired, ledger, beanstalk, ecs, logs, new ImageResolver(beanstalk, objects), settings,
                Clock.systemUTC(), leadership, workers);
    }

    /**
     * The reconciler's parallel AWS reads (applications, launch preparations), at most {@value #WORKERS} at a
     * time. A MicroProfile {@link ManagedExecutor} rather than the shared worker pool: a burst of hundreds of
     * preparations stays bounded and leaves the pool to HTTP and the scheduled jobs; as a bean it is shut
     * down with the application (see {@link #shutDown}).
     */
    @Produces
    @ApplicationScoped
    @Named("reconcile-workers")
    ManagedExecutor reconcileWorkers() {
        return ManagedExecutor.builder().maxAsync(WORKERS).propagated(ThreadContext.NONE)
                .cleared(ThreadContext.ALL_REMAINING).build();
    }

    void shutDown(@Disposes @Named("reconcile-workers") ManagedExecutor workers) {
        workers.shutdownNow();
    }

    /** {@code s3://b/plans/acme.yaml} gives {@code s3://b/plans/acme.status.yaml}. */
    public static String statusUriFor(String planUri) {
        return siblingUri(planUri, ".status.yaml");
    }

    /** The plan's URI with its {@code .yaml} (or {@code .yml}) extension replaced by {@code suffix}. */
    static String siblingUri(String planUri, String suffix) {
        String base = planUri.endsWith(".yaml") ? planUri.substring(0, planUri.length() - 5)
                : planUri.endsWith(".yml") ? planUri.substring(0, planUri.length() - 4) : planUri;
        return base + suffix;
    }

    static String identity(MigratorConfig config) {
        return config.leaderElection().identity().orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "beanstalk-migrator";
            }
        });
    }
}
