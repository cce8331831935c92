package dev.beanstalkmigrator.sandbox;

import java.net.URI;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.s3.S3Client;

/** Real AWS SDK v2 clients pointed at a sandbox, with static test credentials; retries off when asked. */
final class SandboxClients implements AutoCloseable {
    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    final S3Client s3;
    final EcsClient ecs;
    final ElasticBeanstalkClient eb;
    final CloudWatchLogsClient logs;

    SandboxClients(URI endpoint, boolean retries) {
        ClientOverrideConfiguration conf = retries ? ClientOverrideConfiguration.builder().build()
                : ClientOverrideConfiguration.builder().retryStrategy(AwsRetryStrategy.doNotRetry()).build();
        s3 = S3Client.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(endpoint)
                .forcePathStyle(true).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .overrideConfiguration(conf).build();
        ecs = EcsClient.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).overrideConfiguration(conf).build();
        eb = ElasticBeanstalkClient.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).overrideConfiguration(conf).build();
        logs = CloudWatchLogsClient.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).overrideConfiguration(conf).build();
    }

    @Override
    public void close() {
        s3.close();
        ecs.close();
        eb.close();
        logs.close();
    }
}
