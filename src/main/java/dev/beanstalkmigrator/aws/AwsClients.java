package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.Clouds;
import dev.beanstalkmigrator.port.ContainerLogs;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.ObjectListing;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.port.PlanEvents;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The AWS SDK clients and the ports on them ({@link ObjectStore}, {@link Beanstalk}, {@link ContainerService},
 * {@link ContainerLogs}) of the operator's own account and Region, and {@link AwsClouds} for the others. Credentials
 * come from the SDK's default provider chain; an environment with a {@code roleArn} is reached with that role's
 * (see {@link AwsClouds}).
 *
 * <p><b>One retry policy.</b> Every client is built with the SDK's own retries off; {@link Retrying} retries
 * what {@link AwsErrorClassifier} calls retryable, in one place, with the policy of {@code migrator.retry.*}.
 * The S3 client comes from the quarkus-amazon-s3 extension (configured by {@code quarkus.s3.*}), which has no
 * retry setting: as its documentation describes, this class produces the {@link S3Client} from the
 * extension's {@link S3ClientBuilder} and turns the retries off there, keeping the rest of the extension's
 * configuration. ECS, Elastic Beanstalk and CloudWatch Logs have no extension here and are built directly. Every
 * client counts its calls with an {@link AwsCallMeter} added the same way, so the S3 client needs no
 * {@code quarkus.s3.interceptors} entry.
 *
 * <p><b>Why the producers live here and not in the configuration package.</b> Only this package may name AWS
 * SDK types, and CDI producers of SDK clients, and of ports that take them, must name them. So the producers
 * stay here, and what they need from configuration arrives as plain values: an {@link AwsClientSettings} and a
 * {@link Retrying}, both produced by the configuration package from {@code migrator.aws.*} and
 * {@code migrator.retry.*}. The arrow points one way: configuration depends on this package, never the reverse.
 */
@ApplicationScoped
public class AwsClients {

    @Produces
    @ApplicationScoped
    S3Client s3Client(S3ClientBuilder builder, MeterRegistry registry) {
        return withoutSdkRetries(builder, new AwsCallMeter(registry, "s3")).build();
    }

    @Produces
    @ApplicationScoped
    EcsClient ecsClient(AwsClientSettings settings, MeterRegistry registry) {
        return configure(EcsClient.builder(), settings, new AwsCallMeter(registry, "ecs")).build();
    }

    @Produces
    @ApplicationScoped
    ElasticBeanstalkClient beanstalkClient(AwsClientSettings settings, MeterRegistry registry) {
        return configure(ElasticBeanstalkClient.builder(), settings, new AwsCallMeter(registry, "elasticbeanstalk"))
                .build();
    }

    @Produces
    @ApplicationScoped
    CloudWatchLogsClient logsClient(AwsClientSettings settings, MeterRegistry registry) {
        return configure(CloudWatchLogsClient.builder(), settings, new AwsCallMeter(registry, "logs")).build();
    }

    @Produces
    @ApplicationScoped
    ObjectStore objectStore(S3Client s3, Retrying retrying) {
        return new S3Objects(s3, retrying);
    }

    /** The queue of the plans' S3 events, when {@code migrator.desired-state.events} names one. */
    @Produces
    @ApplicationScoped
    SqsClient sqsClient(AwsClientSettings settings, MeterRegistry registry) {
        return configure(SqsClient.builder(), settings, new AwsCallMeter(registry, "sqs")).build();
    }

    /** Lists the plans under a prefix (ListObjectsV2). */
    @Produces
    @ApplicationScoped
    ObjectListing objectListing(S3Client s3, Retrying retrying) {
        return new S3Objects(s3, retrying);
    }

    @Produces
    @ApplicationScoped
    Beanstalk beanstalk(ElasticBeanstalkClient client, Retrying retrying) {
        return new AwsBeanstalk(client, retrying);
    }

    @Produces
    @ApplicationScoped
    ContainerService containerService(EcsClient client, Retrying retrying) {
        return new AwsContainerService(client, retrying);
    }

    @Produces
    @ApplicationScoped
    ContainerLogs containerLogs(CloudWatchLogsClient client, Retrying retrying) {
        return new AwsContainerLogs(client, retrying);
    }

    /**
     * Every place the plans name: this class's clients for the operator's own account and Region, clients of their own
     * for the others. Its STS client (roles are assumed with it, and it tells the operator's own account) is the
     * operator's own credentials in its own Region.
     */
    @Produces
    @ApplicationScoped
    AwsClouds clouds(Beanstalk beanstalk, ContainerService ecs, ContainerLogs logs, AwsClientSettings settings,
                     MeterRegistry registry, Retrying retrying, SessionName sessionName) {
        StsClient sts = configure(StsClient.builder(), settings, new AwsCallMeter(registry, "sts")).build();
        return new AwsClouds(new Clouds.Cloud(beanstalk, ecs, logs), settings, registry, retrying, sts,
                java.time.Clock.systemUTC(), sessionName.value(), null);
    }

    /** What the role sessions of this replica are named: its identity, as CloudTrail shows it. */
    public record SessionName(String value) {}

    /** The URL of the queue of the plans' S3 events ({@code migrator.desired-state.events}), or null. */
    public record EventsQueue(String url) {}

    /** The plans' S3 events, read from their queue. */
    @Produces
    @ApplicationScoped
    PlanEvents planEvents(SqsClient sqs, EventsQueue queue, Retrying retrying) {
        if (queue.url() == null) {
            throw new IllegalStateException("no queue of plan events: migrator.desired-state.events is not set");
        }
        return new SqsPlanEvents(sqs, queue.url(), retrying);
    }

    void close(@Disposes AwsClouds clouds) {
        clouds.close();
    }

    void close(@Disposes S3Client client) {
        client.close();
    }

    void close(@Disposes EcsClient client) {
        client.close();
    }

    void close(@Disposes ElasticBeanstalkClient client) {
        client.close();
    }

    void close(@Disposes CloudWatchLogsClient client) {
        client.close();
    }

    /**
     * Turns the SDK's retries off on {@code builder} and adds {@code meter}, keeping whatever else its override
     * configuration holds (the extension sets timeouts and interceptors there): {@code overrideConfiguration(Consumer)}
     * would replace it.
     */
    static <B extends AwsClientBuilder<B, ?>> B withoutSdkRetries(B builder, AwsCallMeter meter) {
        return builder.overrideConfiguration(withoutSdkRetries(builder).addExecutionInterceptor(meter).build());
    }

    /** The override configuration of {@code builder} with the SDK's retries off: a CLI command's, which has no meter. */
    static <B extends AwsClientBuilder<B, ?>> ClientOverrideConfiguration.Builder withoutSdkRetries(B builder) {
        ClientOverrideConfiguration current = builder.overrideConfiguration();
        ClientOverrideConfiguration.Builder override = current == null
                ? ClientOverrideConfiguration.builder() : current.toBuilder();
        return override.retryStrategy(AwsRetryStrategy.doNotRetry());
    }

    static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(
            B builder, AwsClientSettings settings, AwsCallMeter meter) {
        builder.httpClientBuilder(UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.connectTimeout())
                .socketTimeout(settings.readTimeout()));
        settings.region().map(Region::of).ifPresent(builder::region);
        settings.endpointOverride().ifPresent(builder::endpointOverride);
        return withoutSdkRetries(builder, meter);
    }
}
