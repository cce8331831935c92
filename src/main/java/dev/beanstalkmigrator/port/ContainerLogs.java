package dev.beanstalkmigrator.port;

import java.util.List;

/** Reads container logs (CloudWatch Logs). Failures are {@link CloudError}s. */
public interface ContainerLogs {

    /** The last {@code lines} messages of a stream, oldest first; empty if the stream does not exist. */
    List<String> tail(LogTarget target, String stream, int lines);
}
