package dev.beanstalkmigrator.it;

import dev.beanstalkmigrator.aws.AwsBeanstalk;
import dev.beanstalkmigrator.aws.AwsContainerLogs;
import dev.beanstalkmigrator.aws.AwsContainerService;
import dev.beanstalkmigrator.aws.Retrying;
import dev.beanstalkmigrator.aws.S3Objects;
import dev.beanstalkmigrator.testing.DefaultRetry;
import dev.beanstalkmigrator.testing.SandboxClients;
import java.net.URI;
import java.time.Duration;
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

    @Override
    public void close() {
        clients.close();
    }
}
