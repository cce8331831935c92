package dev.beanstalkmigrator.it;

import dev.beanstalkmigrator.aws.AwsBeanstalk;
import dev.beanstalkmigrator.aws.AwsContainerLogs;
import dev.beanstalkmigrator.aws.AwsContainerService;
import dev.beanstalkmigrator.aws.Retrying;
import dev.beanstalkmigrator.aws.S3Objects;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.ReconcileSettings;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.desired.S3PlanSource;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import dev.beanstalkmigrator.testing.DefaultRetry;
import dev.beanstalkmigrator.testing.SandboxClients;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The operator's real SDK clients and AWS adapters, built by hand the way the application builds them
 * (URL-connection HTTP client, the SDK's own retries off, the default {@code migrator.retry.*} policy), pointed
 * at a sandbox. The clients are {@link SandboxClients} with the application's timeouts.
 */
final class SandboxAdapters implements AutoCloseable {

    final SandboxClients clients;
    final S3Client s3Client;
    final EcsClient ecsClient;
    final ElasticBeanstalkClient beanstalkClient;
    final CloudWatchLogsClient logsClient;
    final Retrying retrying = DefaultRetry.retrying();
    final S3Objects objects;
    final AwsBeanstalk beanstalk;
    final AwsContainerService ecs;
    final AwsContainerLogs logs;

    /** Clients with the application's timeouts (5 s to connect, 30 s per read). */
    SandboxAdapters(URI endpoint) {
        this(endpoint, Duration.ofSeconds(30));
    }

    /** @param ecsSocketTimeout how long the ECS client waits for an answer before giving up on a call */
    SandboxAdapters(URI endpoint, Duration ecsSocketTimeout) {
        clients = new SandboxClients(endpoint, ecsSocketTimeout);
        s3Client = clients.s3;
        ecsClient = clients.ecs;
        beanstalkClient = clients.eb;
        logsClient = clients.logs;
        objects = new S3Objects(s3Client, retrying);
        beanstalk = new AwsBeanstalk(beanstalkClient, retrying);
        ecs = new AwsContainerService(ecsClient, retrying);
        logs = new AwsContainerLogs(logsClient, retrying);
    }

    /**
     * Reconcile settings for a test: the plan read every 200 ms, Elastic Beanstalk every 300 ms, tasks every
     * 200 ms; the caller may set more before {@code build()}.
     */
    static ReconcileSettings.Builder quickSettings(String identity) {
        return ReconcileSettings.builder(identity).planInterval(Duration.ofMillis(200))
                .beanstalkInterval(Duration.ofMillis(300)).taskInterval(Duration.ofMillis(200));
    }

    /** {@link #reconciler(String, ReconcileSettings, Clock, ObjectStore, ContainerService, ExecutorService)} on these adapters alone. */
    Reconciler reconciler(String planUri, ReconcileSettings settings, ExecutorService workers) {
        return reconciler(planUri, settings, Clock.systemUTC(), objects, ecs, workers);
    }

    /**
     * A reconciler wired as {@code OperatorWiring} wires it, on these adapters: the plan at {@code planUri}, its
     * ledger beside it written through {@code ledgerStore}, launching through {@code containers} (the adapters
     * themselves, or decorators of them), always the leader.
     */
    Reconciler reconciler(String planUri, ReconcileSettings settings, Clock clock, ObjectStore ledgerStore,
                          ContainerService containers, ExecutorService workers) {
        return reconciler(planUri, settings, clock, ledgerStore, containers, workers, null);
    }

    /** As above, recording notification events and offering them to {@code notifier} (null: none). */
    Reconciler reconciler(String planUri, ReconcileSettings settings, Clock clock, ObjectStore ledgerStore,
                          ContainerService containers, ExecutorService workers, Notifier notifier) {
        DesiredState desired = new DesiredState(new S3PlanSource(objects, ObjectLocation.parse(planUri)),
                new PlanParser(PlanLimits.DEFAULTS));
        MigrationLedger ledger = new MigrationLedger(ledgerStore,
                ObjectLocation.parse(OperatorWiring.statusUriFor(planUri)));
        return new Reconciler(desired, ledger, beanstalk, containers, logs, new ImageResolver(objects),
                settings, clock, () -> 0, workers, notifier);
    }

    @Override
    public void close() {
        clients.close();
    }
}
