package dev.beanstalkmigrator.reconcile.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.MutableClock;
import dev.beanstalkmigrator.testing.Samples;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How an environment's cluster, task definition and container are found: one row per situation, in words. */
class EnvironmentDiscoveryTest {

    static final String TD = "arn:aws:ecs:us-east-1:000000000000:task-definition/";

    static ContainerService.Cluster cluster(String name, String... tags) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tags.length; i += 2) {
            map.put(tags[i], tags[i + 1]);
        }
        return new ContainerService.Cluster("arn:aws:ecs:us-east-1:000000000000:cluster/" + name, name, map);
    }

    static ContainerService.Cluster eb(String name, String environment, String id) {
        return cluster(name, EnvironmentDiscovery.TAG_ENVIRONMENT_NAME, environment,
                EnvironmentDiscovery.TAG_ENVIRONMENT_ID, id);
    }

    static ContainerService.RunningTask task(String definition, String startedBy) {
        return new ContainerService.RunningTask("arn:task/" + definition + "/" + startedBy, TD + definition, startedBy,
                Instant.EPOCH);
    }

    static String outcome(Supplier<EnvironmentDiscovery.Pick> pick) {
        try {
            EnvironmentDiscovery.Pick found = pick.get();
            return found.value() + " | " + found.how();
        } catch (CloudError.Stalled e) {
            return "Stalled " + e.getMessage() + "; " + e.hint();
        }
    }

    static Stream<Arguments> clusters() {
        return Stream.of(
                Arguments.of("the one cluster tagged with the environment's id",
                        List.of(cluster("acme-prod"), eb("awseb-acme-web-prod-AbCd12", "acme-web-prod", "e-1"),
                                eb("awseb-acme-web-staging-Xy", "acme-web-staging", "e-2")),
                        "awseb-acme-web-prod-AbCd12 | cluster awseb-acme-web-prod-AbCd12: the only cluster tagged"
                                + " elasticbeanstalk:environment-id=e-1"),
                Arguments.of("the id wins over a stale cluster of a terminated namesake",
                        List.of(eb("awseb-acme-web-prod-Old", "acme-web-prod", "e-0"),
                                eb("awseb-acme-web-prod-AbCd12", "acme-web-prod", "e-1")),
                        "awseb-acme-web-prod-AbCd12 | cluster awseb-acme-web-prod-AbCd12: the only cluster tagged"
                                + " elasticbeanstalk:environment-id=e-1"),
                Arguments.of("tagged with the name only",
                        List.of(cluster("awseb-acme-web-prod-AbCd12", EnvironmentDiscovery.TAG_ENVIRONMENT_NAME,
                                "acme-web-prod")),
                        "awseb-acme-web-prod-AbCd12 | cluster awseb-acme-web-prod-AbCd12: the only cluster tagged"
                                + " elasticbeanstalk:environment-name=acme-web-prod"),
                Arguments.of("several tagged with the name: stalled",
                        List.of(cluster("awseb-a", EnvironmentDiscovery.TAG_ENVIRONMENT_NAME, "acme-web-prod"),
                                cluster("awseb-b", EnvironmentDiscovery.TAG_ENVIRONMENT_NAME, "acme-web-prod")),
                        "Stalled ecs:DescribeClusters: ClusterNotDiscovered: 2 ECS clusters are tagged"
                                + " elasticbeanstalk:environment-name=acme-web-prod: awseb-a, awseb-b; set cluster: in"
                                + " the plan"),
                Arguments.of("none tagged: stalled, saying what was looked at",
                        List.of(cluster("acme-prod"), cluster("awseb-acme-web-prod-AbCd12")),
                        "Stalled ecs:DescribeClusters: ClusterNotDiscovered: none of the 2 ECS clusters (1 named awseb-*) is tagged"
                                + " elasticbeanstalk:environment-name=acme-web-prod or"
                                + " elasticbeanstalk:environment-id=e-1; set cluster: in the plan"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clusters")
    void findsTheCluster(String situation, List<ContainerService.Cluster> clusters, String expected) {
        assertEquals(expected, outcome(() -> EnvironmentDiscovery.pickCluster("acme-web-prod", "e-1", clusters)),
                situation);
    }

    static Stream<Arguments> taskDefinitions() {
        return Stream.of(
                Arguments.of("what all running tasks run, migrate tasks left aside",
                        List.of(task("acme-web:3", "i-1"), task("acme-web:3", "i-2"), task("acme-web:3", "bm-L1"),
                                task("acme-web-migrate:7", null)),
                        TD + "acme-web:3 | task definition acme-web:3: what all 2 running tasks of cluster awseb-x run"),
                Arguments.of("a deployment in progress: the newest revision, said so",
                        List.of(task("acme-web:3", "i-1"), task("acme-web:3", "i-2"), task("acme-web:4", "i-3")),
                        TD + "acme-web:4 | task definition acme-web:4: the newest revision the running tasks of cluster"
                                + " awseb-x use while a deployment replaces them (acme-web:3 (2), acme-web:4 (1))"),
                Arguments.of("only migrate tasks: stalled",
                        List.of(task("acme-web:3", "bm-L1")),
                        "Stalled ecs:ListTasks: TaskDefinitionNotDiscovered: cluster awseb-x runs no task of the environment (1"
                                + " migrate tasks left aside); set taskDefinition: in the plan, or wait until the"
                                + " environment runs its tasks"),
                Arguments.of("several families: stalled",
                        List.of(task("acme-web:3", "i-1"), task("acme-worker:1", "i-1")),
                        "Stalled ecs:DescribeTasks: TaskDefinitionNotDiscovered: the running tasks of cluster awseb-x use task"
                                + " definitions of several families: acme-web:3 (1), acme-worker:1 (1); set"
                                + " taskDefinition: in the plan"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("taskDefinitions")
    void findsTheTaskDefinition(String situation, List<ContainerService.RunningTask> running, String expected) {
        assertEquals(expected, outcome(() -> EnvironmentDiscovery.pickTaskDefinition("awseb-x", running)), situation);
    }

    static ContainerService.Container container(String name, boolean essential) {
        return new ContainerService.Container(name, "acme:v41", null, essential, Map.of());
    }

    static Stream<Arguments> containers() {
        return Stream.of(
                Arguments.of("the only container", List.of(container("web", false)),
                        "web | container web: the only container of acme-web:3"),
                Arguments.of("the only essential one", List.of(container("nginx", false), container("web", true)),
                        "web | container web: the only essential container of acme-web:3"),
                Arguments.of("several essential: stalled", List.of(container("nginx", true), container("web", true)),
                        "Stalled ecs:DescribeTaskDefinition: ContainerNotDiscovered: task definition acme-web:3 has 2 essential containers"
                                + " (nginx, web); set container: in the plan"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void findsTheContainer(String situation, List<ContainerService.Container> containers, String expected) {
        assertEquals(expected, outcome(() -> EnvironmentDiscovery.pickContainer(new ContainerService.TaskDefinition(
                TD + "acme-web:3", "acme-web", 3, "awsvpc", containers))), situation);
    }

    @Test
    void whatThePlanNamesIsNeverLookedForAndWhatWasFoundIsKeptForAWhile() {
        FakeCloud cloud = new FakeCloud();
        cloud.environments.put("acme-web-prod", new Beanstalk.Environment("acme-web-prod", "acme", "v41", "Ready",
                cloud.now, "e-1"));
        cloud.clusters.add(eb("awseb-acme-web-prod-AbCd12", "acme-web-prod", "e-1"));
        cloud.taskDefinition("acme-web", "web", "acme:v41", null);
        cloud.appTasks.put("awseb-acme-web-prod-AbCd12", List.of(task("acme-web:1", "i-1")));
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        EnvironmentDiscovery discovery = new EnvironmentDiscovery(cloud, clock);

        EnvironmentSpec full = Samples.spec("v42");
        assertEquals(new EnvironmentDiscovery.Found(full, Map.of()),
                discovery.complete(full, "v42", "e-1", cloud::describeTaskDefinition));
        assertEquals(0, cloud.calls("ecs:ListClusters") + cloud.calls("ecs:ListTasks"));

        EnvironmentDiscovery.Found found = discovery.complete(Samples.zeroConfig("v42"), "v42", "e-1",
                cloud::describeTaskDefinition);
        assertEquals("awseb-acme-web-prod-AbCd12", found.spec().cluster());
        assertEquals(TD + "acme-web:1", found.spec().taskDefinition());
        assertEquals("web", found.spec().container());
        assertEquals(List.of("cluster", "container", "taskDefinition"),
                found.how().keySet().stream().sorted().toList());

        discovery.complete(Samples.zeroConfig("v42"), "v42", "e-1", cloud::describeTaskDefinition);
        assertEquals(1, cloud.calls("ecs:ListClusters"));
        assertEquals(1, cloud.calls("ecs:ListTasks"), "a retry of the launch uses what was found");
        discovery.complete(Samples.zeroConfig("v43"), "v43", "e-1", cloud::describeTaskDefinition);
        assertEquals(1, cloud.calls("ecs:ListClusters"), "the account's clusters are listed once");
        assertEquals(2, cloud.calls("ecs:ListTasks"), "a new version looks again at what the environment runs");
        clock.advance(EnvironmentDiscovery.KEEP.plus(Duration.ofSeconds(1)));
        discovery.complete(Samples.zeroConfig("v42"), "v42", "e-1", cloud::describeTaskDefinition);
        assertEquals(2, cloud.calls("ecs:ListClusters"));

        EnvironmentSpec zero = Samples.zeroConfig("v42");
        EnvironmentSpec explicitCluster = new EnvironmentSpec(zero.name(), zero.application(), zero.version(), false,
                "", "acme-prod", null, "web", zero.command(), zero.timeout(), zero.launchType(), null, zero.network(),
                "", zero.afterSuccess());
        cloud.appTasks.put("acme-prod", List.of(task("acme-web:1", "i-9")));
        EnvironmentDiscovery.Found partly = discovery.complete(explicitCluster, "v42", "e-1",
                cloud::describeTaskDefinition);
        assertEquals("acme-prod", partly.spec().cluster());
        assertEquals(List.of("taskDefinition"), List.copyOf(partly.how().keySet()));
        assertEquals(2, cloud.calls("ecs:ListClusters"));
        assertEquals(0, cloud.calls("elasticbeanstalk:DescribeEnvironments"),
                "the environment's id comes from the cycle's observation, not from another read");
    }

    @Test
    void whatWasFoundIsKeptButThePlansOwnFieldsAreAlwaysTheCurrentOnes() {
        FakeCloud cloud = new FakeCloud();
        cloud.clusters.add(eb("awseb-acme-web-prod-AbCd12", "acme-web-prod", "e-1"));
        cloud.taskDefinition("acme-web", "web", "acme:v41", null);
        cloud.appTasks.put("awseb-acme-web-prod-AbCd12", List.of(task("acme-web:1", "i-1")));
        EnvironmentDiscovery discovery = new EnvironmentDiscovery(cloud,
                new MutableClock(Instant.parse("2026-11-25T10:00:00Z")));
        EnvironmentSpec first = Samples.zeroConfig("v43-broken");
        discovery.complete(first, "v43-broken", "e-1", cloud::describeTaskDefinition);

        // The rerun token (and any other field of the plan) edited while what was found is still kept.
        EnvironmentSpec edited = new EnvironmentSpec(first.name(), first.application(), first.version(), false, "2",
                null, null, null, List.of("python", "manage.py", "migrate", "--noinput", "--verbosity", "2"),
                Duration.ofMinutes(45), first.launchType(), null, first.network(), "", first.afterSuccess());
        EnvironmentSpec completed = discovery.complete(edited, "v43-broken", "e-1", cloud::describeTaskDefinition)
                .spec();

        assertEquals(1, cloud.calls("ecs:ListTasks"), "what was found is kept");
        assertEquals("2", completed.rerun(), "the launch is recorded under the plan's current rerun token");
        assertEquals(edited.command(), completed.command());
        assertEquals(Duration.ofMinutes(45), completed.timeout());
        assertEquals("awseb-acme-web-prod-AbCd12", completed.cluster());
        assertEquals("web", completed.container());
    }

    @Test
    void noTaggedClusterIsStalledWithTheFix() {
        FakeCloud cloud = new FakeCloud();
        cloud.environments.put("acme-web-prod", new Beanstalk.Environment("acme-web-prod", "acme", "v41", "Ready",
                cloud.now, "e-1"));
        cloud.clusters.add(cluster("acme-prod"));
        CloudError.Stalled stalled = assertThrows(CloudError.Stalled.class, () -> new EnvironmentDiscovery(cloud,
                new MutableClock(Instant.parse("2026-11-25T10:00:00Z"))).complete(Samples.zeroConfig("v42"), "v42", "e-1", cloud::describeTaskDefinition));
        assertEquals(Reasons.CLUSTER_NOT_DISCOVERED, stalled.code());
        assertEquals("set cluster: in the plan", stalled.hint());
    }
}
