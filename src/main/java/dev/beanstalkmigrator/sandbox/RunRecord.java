package dev.beanstalkmigrator.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One task started by RunTask, as the sandbox recorded it: how tests prove exactly-once and what reached ECS.
 *
 * @param containerName the container whose overrides are recorded (the first container override, else the first container)
 * @param command       that container's override command, or null when not overridden
 * @param environment   that container's override environment (name to value), empty when none
 * @param image         the effective image of that container
 * @param containerEnvironment that container's environment as its process sees it: the definition's variables, its
 *                      secrets resolved, then the override's variables (empty when a secret could not be read)
 */
public record RunRecord(String taskArn, String cluster, String taskDefinitionArn, String startedBy, String clientToken,
        Map<String, String> tags, String containerName, List<String> command, Map<String, String> environment,
        String image, Instant time, Map<String, String> containerEnvironment) {

    public RunRecord {
        containerEnvironment = containerEnvironment == null ? Map.of() : containerEnvironment;
    }
}
