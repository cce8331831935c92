package dev.beanstalkmigrator.port;

/** Where a container's awslogs driver writes: group, stream prefix (may be null), region (may be null). */
public record LogTarget(String group, String streamPrefix, String region) {

    /** The stream of one task's container: {@code prefix/container/task-id}, as the awslogs driver names it. */
    public String stream(String container, String taskArn) {
        String taskId = taskArn.substring(taskArn.lastIndexOf('/') + 1);
        return streamPrefix == null || streamPrefix.isEmpty() ? null : streamPrefix + "/" + container + "/" + taskId;
    }
}
