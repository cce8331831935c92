package dev.beanstalkmigrator.it;

import dev.beanstalkmigrator.aws.AwsBeanstalk;
import dev.beanstalkmigrator.aws.AwsContainerLogs;
import dev.beanstalkmigrator.aws.AwsContainerService;
import dev.beanstalkmigrator.aws.Retrying;
import dev.beanstalkmigrator.aws.S3Objects;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The operator's real SDK clients and AWS adapters, built by hand the way the application builds them
 * (URL-connection HTTP client, the SDK's own retries off, {@link Retrying#defaults()}), pointed at a sandbox.
 */
final class SandboxAdapters implements AutoCloseable {

    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    final S3Client s3Client;
    final EcsClient ecsClient;
    final ElasticBeanstalkClient beanstalkClient;
    final CloudWatchLogsClient logsClient;
    final Retrying retrying = Retrying.defaults();
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
        s3Client = S3Client.builder().httpClient(http(Duration.ofSeconds(30))).endpointOverride(endpoint)
                .forcePathStyle(true).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        ecsClient = EcsClient.builder().httpClient(http(ecsSocketTimeout)).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        beanstalkClient = ElasticBeanstalkClient.builder().httpClient(http(Duration.ofSeconds(30)))
                .endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        logsClient = CloudWatchLogsClient.builder().httpClient(http(Duration.ofSeconds(30))).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
        objects = new S3Objects(s3Client, retrying);
        beanstalk = new AwsBeanstalk(beanstalkClient, retrying);
        ecs = new AwsContainerService(ecsClient, retrying);
        logs = new AwsContainerLogs(logsClient, retrying);
    }

    private static software.amazon.awssdk.http.SdkHttpClient http(Duration socketTimeout) {
        return UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(socketTimeout).build();
    }

    @Override
    public void close() {
        s3Client.close();
        ecsClient.close();
        beanstalkClient.close();
        logsClient.close();
    }
}
