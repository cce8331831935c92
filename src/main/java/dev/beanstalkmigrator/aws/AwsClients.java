package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.config.MigratorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;

/**
 * The ECS, Elastic Beanstalk and CloudWatch Logs clients (S3's comes from the Quarkus extension). Credentials
 * come from the SDK's default provider chain. The SDK's own retries are off: {@link Retrying} retries what
 * {@link AwsErrorClassifier} calls transient, once, in one place.
 */
@ApplicationScoped
public class AwsClients {

    @Produces
    @ApplicationScoped
    EcsClient ecs(MigratorConfig config) {
        return configure(EcsClient.builder(), config).build();
    }

    @Produces
    @ApplicationScoped
    ElasticBeanstalkClient beanstalk(MigratorConfig config) {
        return configure(ElasticBeanstalkClient.builder(), config).build();
    }

    @Produces
    @ApplicationScoped
    CloudWatchLogsClient logs(MigratorConfig config) {
        return configure(CloudWatchLogsClient.builder(), config).build();
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

    private static <B extends AwsClientBuilder<B, ?> & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, ?>>
            B configure(B builder, MigratorConfig config) {
        builder.httpClientBuilder(UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30)));
        config.aws().region().map(Region::of).ifPresent(builder::region);
        config.aws().endpointOverride().ifPresent(builder::endpointOverride);
        builder.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        return builder;
    }
}
