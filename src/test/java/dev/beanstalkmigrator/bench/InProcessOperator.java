package dev.beanstalkmigrator.bench;

import dev.beanstalkmigrator.aws.AwsBeanstalk;
import dev.beanstalkmigrator.aws.AwsContainerLogs;
import dev.beanstalkmigrator.aws.AwsContainerService;
import dev.beanstalkmigrator.aws.Retrying;
import dev.beanstalkmigrator.aws.S3Objects;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.reconcile.ReconcileSettings;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.desired.S3PlanSource;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.testing.DefaultRetry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The operator's reconciler built by hand in the benchmark JVM, wired as {@code OperatorWiring} wires it (the
 * real AWS adapters and SDK clients, URL-connection HTTP, SDK retries off), against the sandbox: what the
 * CPU-per-pass figure runs. Also the S3 client the benchmark uploads plans with.
 */
final class InProcessOperator implements AutoCloseable {

    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    final S3Client s3;
    final EcsClient ecs;
    final ElasticBeanstalkClient beanstalk;
    final CloudWatchLogsClient logs;
    /** The reconciler's parallel reads, as OperatorWiring's pool runs them. */
    final ExecutorService workers = Executors.newFixedThreadPool(8);

    InProcessOperator(URI endpoint) {
        s3 = S3Client.builder().httpClient(http()).endpointOverride(endpoint).forcePathStyle(true)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        ecs = EcsClient.builder().httpClient(http()).endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        beanstalk = ElasticBeanstalkClient.builder().httpClient(http()).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        logs = CloudWatchLogsClient.builder().httpClient(http()).endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
    }

    private static SdkHttpClient http() {
        return UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30)).build();
    }

    /** A reconciler on the benchmark's plan and ledger, with the intervals the packaged operator ran with. */
    Reconciler reconciler(String identity) {
        Retrying retrying = DefaultRetry.retrying();
        S3Objects objects = new S3Objects(s3, retrying);
        AwsBeanstalk eb = new AwsBeanstalk(beanstalk, retrying);
        String planUri = "s3://" + BenchWorld.BUCKET + "/" + BenchWorld.PLAN_KEY;
        DesiredState desired = new DesiredState(new S3PlanSource(objects, ObjectLocation.parse(planUri)),
                new PlanParser(PlanLimits.DEFAULTS));
        MigrationLedger ledger = new MigrationLedger(objects,
                ObjectLocation.parse(OperatorWiring.statusUriFor(planUri)));
        ReconcileSettings settings = ReconcileSettings.builder(identity).planInterval(Duration.ofSeconds(1))
                .beanstalkInterval(Duration.ofSeconds(3)).taskInterval(Duration.ofSeconds(1)).build();
        return new Reconciler(desired, ledger, eb, new AwsContainerService(ecs, retrying),
                new AwsContainerLogs(logs, retrying), new ImageResolver(objects), settings, Clock.systemUTC(),
                () -> 0, workers, null);
    }

    @Override
    public void close() {
        s3.close();
        ecs.close();
        beanstalk.close();
        logs.close();
        workers.shutdownNow();
    }
}
