package dev.beanstalkmigrator.reconcile.decide;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** ECS's limit on RunTask overrides: their JSON may not exceed 8 KiB. */
public final class Overrides {

    public static final int LIMIT_BYTES = 8192;
    public static final String IN_CONTAINER_OVERRIDES = "container-overrides";
    public static final String IN_TASK_DEFINITION = "task-definition";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Overrides() {}

    /** The size of the {@code overrides} member RunTask would send. */
    public static int size(String container, List<String> command, Map<String, String> environment) {
        ObjectNode overrides = JSON.createObjectNode();
        ObjectNode override = overrides.putArray("containerOverrides").addObject();
        override.put("name", container);
        ArrayNode commandNode = override.putArray("command");
        command.forEach(commandNode::add);
        ArrayNode env = override.putArray("environment");
        environment.forEach((name, value) -> env.addObject().put("name", name).put("value", value));
        return overrides.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    public static boolean fit(String container, List<String> command, Map<String, String> environment) {
        return size(container, command, environment) <= LIMIT_BYTES;
    }
}
