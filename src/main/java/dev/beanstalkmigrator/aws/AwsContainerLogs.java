package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.port.ContainerLogs;
import dev.beanstalkmigrator.port.LogTarget;
import java.util.List;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/** {@link ContainerLogs} on CloudWatch Logs (GetLogEvents, newest events). */
public final class AwsContainerLogs implements ContainerLogs {

    private final CloudWatchLogsClient client;
    private final Retrying retrying;

    public AwsContainerLogs(CloudWatchLogsClient client, Retrying retrying) {
        this.client = client;
        this.retrying = retrying;
    }

    @Override
    public List<String> tail(LogTarget target, String stream, int lines) {
        return retrying.call("logs:GetLogEvents", () -> {
            try {
                return client.getLogEvents(r -> r.logGroupName(target.group()).logStreamName(stream)
                                .limit(lines).startFromHead(false))
                        .events().stream().map(OutputLogEvent::message).toList();
            } catch (ResourceNotFoundException e) {
                return List.of();
            }
        });
    }
}
