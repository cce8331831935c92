package dev.beanstalkmigrator.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A table of ECS's request throttling: API actions in categories, each category one token bucket per account and
 * Region that holds {@code burst} tokens and refills at {@code perSecond}; a request takes a token of its action's
 * category, and one that finds none is answered HTTP 400 {@code ThrottlingException} "Rate exceeded". Actions in no
 * category are not throttled.
 *
 * <p>{@link #DOCUMENTED} is the table of "Request throttling for the Amazon ECS API" in the Amazon ECS API Reference
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html), the same for every Region.
 * Fargate's own limit on the rate of task launches by RunTask is apart from it
 * ({@link SandboxCloud#setRunTaskRateLimit}).
 */
public final class EcsThrottles {

    /** One category: the actions that share a bucket, its capacity (the burst) and its refill rate (the sustained rate). */
    public record Category(String name, int burst, double perSecond, List<String> actions) {
        public Category {
            actions = List.copyOf(actions);
        }
    }

    /** No throttling. */
    public static final EcsThrottles OFF = new EcsThrottles("off", 1, List.of());

    /** The documented table, row for row. */
    public static final EcsThrottles DOCUMENTED = new EcsThrottles("documented", 1, List.of(
            new Category("Cluster modify actions", 20, 1,
                    List.of("CreateCluster", "DeleteCluster", "PutClusterCapacityProviders", "UpdateCluster",
                            "UpdateClusterSettings")),
            new Category("Cluster read actions", 50, 20, List.of("DescribeClusters", "ListClusters")),
            new Category("Task definition modify actions", 20, 1,
                    List.of("DeregisterTaskDefinition", "RegisterTaskDefinition")),
            new Category("Task definition read actions", 50, 20,
                    List.of("DescribeTaskDefinition", "ListTaskDefinitions", "ListTaskDefinitionFamilies")),
            new Category("Task definition deletion actions", 5, 1, List.of("DeleteTaskDefinitions")),
            new Category("Capacity provider modify actions", 10, 1,
                    List.of("CreateCapacityProvider", "DeleteCapacityProvider", "UpdateCapacityProvider")),
            new Category("Capacity provider read actions", 50, 20, List.of("DescribeCapacityProviders")),
            new Category("Tag modify actions", 20, 10, List.of("TagResource", "UntagResource")),
            new Category("Tag read actions", 50, 20, List.of("ListTagsForResource")),
            new Category("Setting modify actions", 10, 1,
                    List.of("DeleteAccountSetting", "PutAccountSetting", "PutAccountSettingDefault")),
            new Category("Setting read actions", 50, 20, List.of("ListAccountSettings")),
            // The page writes "UpdateContainerInstancesStates"; the action is UpdateContainerInstancesState.
            new Category("Cluster resource modify actions", 100, 40,
                    List.of("DeleteAttributes", "DeregisterContainerInstance", "ExecuteCommand", "PutAttributes",
                            "RunTask", "StartTask", "StopTask", "UpdateContainerAgent",
                            "UpdateContainerInstancesState")),
            new Category("Cluster resource read actions", 100, 20,
                    List.of("DescribeContainerInstances", "DescribeTasks", "ListAttributes", "ListContainerInstances",
                            "ListTasks")),
            new Category("Agent modify actions", 200, 120,
                    List.of("RegisterContainerInstance", "SubmitAttachmentStateChanges", "SubmitContainerStateChange",
                            "SubmitTaskStateChange")),
            new Category("Service modify actions", 50, 5, List.of("CreateService", "DeleteService", "UpdateService")),
            new Category("Service read actions", 100, 20, List.of("DescribeServices", "ListServices")),
            new Category("Service deployment actions", 50, 20,
                    List.of("DescribeServiceDeployments", "ListServiceDeployments")),
            new Category("Service revision actions", 50, 20, List.of("DescribeServiceRevisions")),
            new Category("Task protection actions", 200, 80, List.of("UpdateTaskProtection", "GetTaskProtection")),
            new Category("Cluster service resource read actions", 10, 1, List.of("ListServicesByNamespace"))));

    private final String table;
    private final double scale;
    private final List<Category> categories;
    private final Map<String, Category> byAction = new LinkedHashMap<>();

    private EcsThrottles(String table, double scale, List<Category> categories) {
        this.table = table;
        this.scale = scale;
        this.categories = List.copyOf(categories);
        for (Category c : this.categories) {
            c.actions().forEach(action -> byAction.put(action, c));
        }
    }

    /** {@link #OFF} or {@link #DOCUMENTED} by their names ("off", "documented"; any case). */
    public static EcsThrottles named(String table) {
        return switch (table == null ? "" : table.trim().toLowerCase(Locale.ROOT)) {
            case "off" -> OFF;
            case "documented" -> DOCUMENTED;
            default -> throw new IllegalArgumentException("ECS throttling is \"off\" or \"documented\", not \"" + table
                    + "\"");
        };
    }

    /**
     * This table with every bucket's burst and refill rate multiplied by {@code factor} (a burst rounded, at least
     * 1): 0.5 stands for an account whose other workloads use half its quotas, 10 for quotas raised tenfold.
     * {@link #OFF} stays off.
     */
    public EcsThrottles scaled(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("the scale of ECS throttling must be above 0, not " + factor);
        }
        if (factor == 1 || categories.isEmpty()) {
            return this;
        }
        return new EcsThrottles(table, scale * factor, categories.stream().map(c -> new Category(c.name(),
                (int) Math.max(1, Math.round(c.burst() * factor)), c.perSecond() * factor, c.actions())).toList());
    }

    /** "off" or "documented". */
    public String table() {
        return table;
    }

    /** The factor of {@link #scaled} against the table as documented; 1 when not scaled. */
    public double scale() {
        return scale;
    }

    public List<Category> categories() {
        return categories;
    }

    /** The category of an action ({@code RunTask}), if it has one. */
    public Optional<Category> categoryOf(String action) {
        return Optional.ofNullable(byAction.get(action));
    }

    @Override
    public String toString() {
        return table + (scale == 1 ? "" : " x" + scale);
    }
}
