package dev.beanstalkmigrator.testing;

import java.util.Map;
import java.util.TreeMap;

/** The ECS calls a sandbox refused for ECS's request rate, per action, out of its call counters. */
public final class ThrottledCalls {
    private static final String PREFIX = "ecs:";
    private static final String SUFFIX = ":throttled";

    private ThrottledCalls() {
    }

    /**
     * {@code RunTask -> 3, DescribeTasks -> 1, ...} from {@code calls} (a sandbox's {@code calls()}, or a difference of
     * two), whose keys {@code ecs:<Action>:throttled} count them; actions never throttled are left out.
     */
    public static Map<String, Long> perAction(Map<String, Long> calls) {
        Map<String, Long> throttled = new TreeMap<>();
        calls.forEach((key, count) -> {
            if (key.startsWith(PREFIX) && key.endsWith(SUFFIX) && count > 0) {
                throttled.put(key.substring(PREFIX.length(), key.length() - SUFFIX.length()), count);
            }
        });
        return throttled;
    }
}
