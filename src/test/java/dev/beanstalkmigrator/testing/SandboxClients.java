package dev.beanstalkmigrator.testing;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.DescribeTasksResponse;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Real AWS SDK v2 clients (S3 path-style, ECS, Elastic Beanstalk, CloudWatch Logs) pointed at a sandbox, in
 * us-east-1 with static test credentials and the URL-connection HTTP client.
 */
public final class SandboxClients implements AutoCloseable {

    public static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    public final S3Client s3;
    public final EcsClient ecs;
    public final ElasticBeanstalkClient eb;
    public final CloudWatchLogsClient logs;

    /** The HTTP client's default timeouts; the SDK's own retries on or off. */
    public SandboxClients(URI endpoint, boolean retries) {
        this(endpoint, retries, null, null);
    }

    /**
     * The application's HTTP timeouts (5 s to connect, 30 s per read) and no SDK retries.
     *
     * @param ecsSocketTimeout how long the ECS client waits for an answer before giving up on a call
     */
    public SandboxClients(URI endpoint, Duration ecsSocketTimeout) {
        this(endpoint, false, Duration.ofSeconds(30), ecsSocketTimeout);
    }

    private SandboxClients(URI endpoint, boolean retries, Duration socketTimeout, Duration ecsSocketTimeout) {
        ClientOverrideConfiguration conf = retries ? ClientOverrideConfiguration.builder().build()
                : ClientOverrideConfiguration.builder().retryStrategy(AwsRetryStrategy.doNotRetry()).build();
        s3 = S3Client.builder().httpClient(http(socketTimeout)).endpointOverride(endpoint)
                .forcePathStyle(true).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .overrideConfiguration(conf).build();
        ecs = EcsClient.builder().httpClient(http(ecsSocketTimeout)).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).overrideConfiguration(conf).build();
        eb = ElasticBeanstalkClient.builder().httpClient(http(socketTimeout)).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).overrideConfiguration(conf).build();
        logs = CloudWatchLogsClient.builder().httpClient(http(socketTimeout)).endpointOverride(endpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).overrideConfiguration(conf).build();
    }

    /**
     * A task's {@code lastStatus} as DescribeTasks answers it on the cluster its ARN names, or null when ECS does not
     * know the task (a {@code MISSING} failure).
     */
    public String taskStatus(String taskArn) {
        String cluster = taskArn.substring(taskArn.indexOf(":task/") + ":task/".length(), taskArn.lastIndexOf('/'));
        DescribeTasksResponse described = ecs.describeTasks(b -> b.cluster(cluster).tasks(taskArn));
        return described.tasks().isEmpty() ? null : described.tasks().get(0).lastStatus();
    }

    /** The messages of a log stream, oldest first, as GetLogEvents answers; none while the stream does not exist. */
    public List<String> logMessages(String group, String stream) {
        try {
            return logs.getLogEvents(b -> b.logGroupName(group).logStreamName(stream).startFromHead(true)).events()
                    .stream().map(OutputLogEvent::message).toList();
        } catch (ResourceNotFoundException e) {
            return List.of();
        }
    }

    /** The default URL-connection client, or one with a 5 s connect timeout and the given read timeout. */
    private static SdkHttpClient http(Duration socketTimeout) {
        return socketTimeout == null ? UrlConnectionHttpClient.create()
                : UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(socketTimeout).build();
    }

    @Override
    public void close() {
        s3.close();
        ecs.close();
        eb.close();
        logs.close();
    }
}
