package dev.beanstalkmigrator.config;

import dev.beanstalkmigrator.aws.AwsClientSettings;
import dev.beanstalkmigrator.aws.AwsClients;
import dev.beanstalkmigrator.aws.AwsClouds;
import dev.beanstalkmigrator.aws.Retrying;
import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.model.NotificationEvent;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.ObjectListing;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.EnvironmentClaims;
import dev.beanstalkmigrator.reconcile.ReconcileSettings;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.RosterClaims;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.desired.FilePlanSource;
import dev.beanstalkmigrator.reconcile.desired.PlanSource;
import dev.beanstalkmigrator.reconcile.desired.S3PlanSource;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.lease.LeaseElection;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.reconcile.lease.PlanLeadership;
import dev.beanstalkmigrator.reconcile.lease.RosterKeeper;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import dev.beanstalkmigrator.reconcile.ManyPlans;
import dev.beanstalkmigrator.webhook.HttpWebhooks;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.config.Config;
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

    /** Role sessions are named after this replica (its configured name, else its host name). */
    @Produces
    @Singleton
    AwsClients.SessionName sessionName(MigratorConfig config) {
        return new AwsClients.SessionName(name(config));
    }

    /** The queue of the plans' S3 events, when configured. */
    @Produces
    @Singleton
    AwsClients.EventsQueue eventsQueue(MigratorConfig config) {
        return new AwsClients.EventsQueue(config.desiredState().events().orElse(null));
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
        return new LeaseElection(name(config), timing(config.leaderElection()), System::nanoTime,
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
    Reconciler reconciler(MigratorConfig config, ObjectStore objects, AwsClouds clouds,
                          PlanParser parser, MigrationLedger ledger,
                          Instance<LeaseElection> election, @Named("reconcile-workers") ManagedExecutor workers,
                          Notifier notifier) {
        LongSupplier leadership = config.leaderElection().enabled() ? election.get()::term : () -> 0;
        String planUri = config.desiredState().uri();
        PlanSource source = planUri.startsWith("file:")
                ? new FilePlanSource(Path.of(URI.create(planUri)))
                : new S3PlanSource(objects, ObjectLocation.parse(planUri));
        DesiredState desired = new DesiredState(source, parser);
        // The identity the lease bears, so that the ledger's leader and the lease's holder name one process.
        String identity = config.leaderElection().enabled() ? election.get().identity()
                : LeaseElection.processIdentity(name(config));
        return new Reconciler(desired, ledger, clouds, new ImageResolver(objects), settings(config, identity),
                Clock.systemUTC(), leadership, workers, notifier);
    }

    /** The name of the roster object the replicas serving a prefix of plans keep beside the plans. */
    public static final String ROSTER = "beanstalk-migrator.roster.json";

    /**
     * Whether {@code migrator.desired-state.uri} names a prefix of plans ({@code s3://bucket/plans/}, a trailing
     * slash) rather than one plan.
     */
    public static boolean servesPrefix(MigratorConfig config) {
        return config.desiredState().uri().endsWith("/");
    }

    /** Refuses to start with a prefix the operator cannot serve, naming the key and the fix. */
    void checkPrefix(@Observes @Priority(1) StartupEvent event, MigratorConfig config) {
        if (!servesPrefix(config)) {
            return;
        }
        String uri = config.desiredState().uri();
        if (!uri.startsWith("s3://")) {
            throw new IllegalStateException("invalid configuration: migrator.desired-state.uri=" + uri + " ends with /"
                    + " (a prefix of plans), which only an s3://bucket/prefix/ URI can be; name one plan file instead");
        }
        if (config.desiredState().fullListingInterval().compareTo(config.poll().planInterval()) < 0) {
            throw new IllegalStateException("invalid configuration: migrator.desired-state.full-listing-interval ("
                    + config.desiredState().fullListingInterval() + ") must be at least migrator.poll.plan-interval ("
                    + config.poll().planInterval() + ")");
        }
        if (config.status().uri().isPresent()) {
            throw new IllegalStateException("invalid configuration: migrator.status.uri cannot be set when"
                    + " migrator.desired-state.uri is a prefix of plans: each plan's ledger is beside it"
                    + " (X.status.yaml); remove migrator.status.uri");
        }
    }

    /**
     * Every plan under {@code migrator.desired-state.uri} when it is a prefix: each plan served apart (its ledger beside it,
     * its reconciler, its notifier), shared among the replicas by the roster beside the plans.
     */
    @Produces
    @ApplicationScoped
    ManyPlans manyPlans(MigratorConfig config, ObjectStore objects, ObjectListing listing, AwsClouds clouds,
                        PlanParser parser, @Named("reconcile-workers") ManagedExecutor workers,
                        @Named("plan-cycles") ManagedExecutor runner, Config properties,
                        @Named("notification-senders") ManagedExecutor senders) {
        URI prefixUri = URI.create(config.desiredState().uri());
        String bucket = prefixUri.getHost();
        String prefix = prefixUri.getPath() == null ? "" : prefixUri.getPath().replaceFirst("^/", "");
        String identity = LeaseElection.processIdentity(name(config));
        RosterKeeper roster = new RosterKeeper(objects, new ObjectLocation(bucket, prefix + ROSTER), identity,
                timing(config.leaderElection()), System::nanoTime, Clock.systemUTC());
        ReconcileSettings settings = settings(config, identity);
        ImageResolver images = new ImageResolver(objects);
        ManyPlans.Opener opener = (plan, plans) -> {
            PlanLeadership leadership = new PlanLeadership(roster, plan, Clock.systemUTC());
            String planUri = "s3://" + bucket + "/" + plan;
            DesiredState desired = new DesiredState(plans.source(plan,
                    new S3PlanSource(objects, ObjectLocation.parse(planUri))), parser);
            MigrationLedger ledger = new MigrationLedger(objects, ObjectLocation.parse(statusUriFor(planUri)),
                    leadership);
            Notifier notifier = notifier(config, properties, leadership::term, senders);
            EnvironmentClaims claims = new RosterClaims(roster, objects, plan,
                    other -> ObjectLocation.parse(statusUriFor("s3://" + bucket + "/" + other)));
            Reconciler reconciler = new Reconciler(desired, ledger, clouds, images, settings, Clock.systemUTC(),
                    leadership::term, workers, notifier, claims);
            return new ManyPlans.Served(plan, reconciler, ledger, leadership, notifier, new AtomicBoolean());
        };
        // With events, a change is seen from its event; the full listing only catches what events missed.
        Duration listingInterval = config.desiredState().events().isPresent()
                ? config.desiredState().fullListingInterval() : config.poll().planInterval();
        return new ManyPlans(bucket, prefix, listing, roster, opener, listingInterval, Clock.systemUTC(), runner);
    }

    /**
     * The plans' cycles, a few at a time: each plan's cycle runs apart, so a slow or broken plan holds up no other.
     */
    @Produces
    @ApplicationScoped
    @Named("plan-cycles")
    ManagedExecutor planCycles() {
        return ManagedExecutor.builder().maxAsync(PLANS_AT_ONCE).propagated(ThreadContext.NONE)
                .cleared(ThreadContext.ALL_REMAINING).build();
    }

    void shutDownPlanCycles(@Disposes @Named("plan-cycles") ManagedExecutor runner) {
        runner.shutdownNow();
    }

    /** How many plans' cycles run at once. */
    static final int PLANS_AT_ONCE = 4;

    private static ReconcileSettings settings(MigratorConfig config, String identity) {
        return ReconcileSettings.builder(identity)
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
    }

    /**
     * Delivers the ledger's outbox to the operator's channels and the plan's, on its own executor, as leader only.
     * A plan's channel names in {@code urlFrom} the configuration property (an environment variable, as a rule)
     * that holds its URL; it is looked up at each post, so a rotated URL is used at once.
     */
    @Produces
    @ApplicationScoped
    Notifier notifier(MigratorConfig config, Config properties, Instance<LeaseElection> election,
                      @Named("notification-senders") ManagedExecutor senders) {
        return notifier(config, properties, config.leaderElection().enabled() ? election.get()::term : () -> 0,
                senders);
    }

    /** A notifier that sends while {@code leadership} is not negative. */
    static Notifier notifier(MigratorConfig config, Config properties, LongSupplier leadership,
                             ManagedExecutor senders) {
        MigratorConfig.Notifications notifications = config.notifications();
        Function<NotificationChannel, Optional<String>> urls = channel -> channel.urlFrom() == null
                ? Optional.ofNullable(notifications.channels().get(channel.name()))
                        .map(MigratorConfig.Notifications.Channel::url)
                : properties.getOptionalValue(channel.urlFrom(), String.class);
        return new Notifier(new HttpWebhooks(urls, notifications.connectTimeout(), notifications.requestTimeout()),
                notificationSettings(notifications), Clock.systemUTC(), leadership, senders);
    }

    /** Refuses to start with a notification channel or setting that could never work, naming its key. */
    void checkNotifications(@Observes @Priority(1) StartupEvent event, MigratorConfig config) {
        notificationSettings(config.notifications());
    }

    /**
     * The notification settings, checked.
     *
     * @throws IllegalArgumentException naming the {@code migrator.notifications.*} key of a value out of range
     */
    static Notifier.Settings notificationSettings(MigratorConfig.Notifications config) {
        String prefix = "migrator.notifications.";
        List<NotificationChannel> channels = new ArrayList<>();
        config.channels().forEach((name, channel) -> {
            String key = prefix + "channels." + name;
            if (!NotificationChannel.NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(key + ": a channel name has 1 to 63 lower-case letters, digits and"
                        + " hyphens");
            }
            NotificationChannel.Type type = switch (channel.type()) {
                case "slack" -> NotificationChannel.Type.SLACK;
                case "webhook" -> NotificationChannel.Type.WEBHOOK;
                default -> throw new IllegalArgumentException(key + ".type must be slack or webhook, not "
                        + channel.type());
            };
            List<NotificationEvent> events = new ArrayList<>();
            for (String word : channel.events().orElse(List.of())) {
                try {
                    events.add(NotificationEvent.valueOf(word.trim()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(key + ".events: " + word + " is not an event; use "
                            + Arrays.toString(NotificationEvent.values()), e);
                }
            }
            channels.add(new NotificationChannel(name, type, null,
                    events.isEmpty() ? NotificationEvent.DEFAULTS : events.stream().distinct().toList()));
        });
        if (config.maxAttempts() < 1) {
            throw new IllegalArgumentException(prefix + "max-attempts must be at least 1, got " + config.maxAttempts());
        }
        if (config.initialDelay().isNegative() || config.initialDelay().isZero()
                || config.maxDelay().compareTo(config.initialDelay()) < 0) {
            throw new IllegalArgumentException(prefix + "initial-delay must be positive and at most " + prefix
                    + "max-delay, got " + config.initialDelay() + " and " + config.maxDelay());
        }
        if (config.outboxLimit() < 1 || config.senders() < 1) {
            throw new IllegalArgumentException(prefix + "outbox-limit and " + prefix + "senders must be at least 1");
        }
        for (Duration timeout : List.of(config.connectTimeout(), config.requestTimeout(), config.maxAge())) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(prefix + "connect-timeout, request-timeout and max-age must be"
                        + " positive");
            }
        }
        return new Notifier.Settings(channels, Backoff.of(config.initialDelay(), config.maxDelay(),
                config.maxAttempts()), config.maxAge(), config.outboxLimit(), config.statusPageUrl().orElse(null));
    }

    /**
     * The notification posts: a bounded pool apart from the reconcile loop's, so that receivers that hang (each
     * at most {@code migrator.notifications.request-timeout}) hold up only other notifications.
     */
    @Produces
    @ApplicationScoped
    @Named("notification-senders")
    ManagedExecutor notificationSenders(MigratorConfig config) {
        return ManagedExecutor.builder().maxAsync(Math.max(1, config.notifications().senders()))
                .propagated(ThreadContext.NONE).cleared(ThreadContext.ALL_REMAINING).build();
    }

    void shutDownSenders(@Disposes @Named("notification-senders") ManagedExecutor senders) {
        senders.shutdownNow();
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

    /**
     * The configured name of this replica ({@code migrator.leader-election.identity}), else the host name: the prefix
     * of its identity, to which each process adds a suffix of its own ({@link LeaseElection#processIdentity}).
     */
    static String name(MigratorConfig config) {
        return config.leaderElection().identity().orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "beanstalk-migrator";
            }
        });
    }
}
