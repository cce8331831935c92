package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.bench.BenchWorld;
import dev.beanstalkmigrator.reconcile.decide.Launches;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.AwsCli;
import dev.beanstalkmigrator.testing.OperatorProcess;
import dev.beanstalkmigrator.testing.SandboxClients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.Event;
import software.amazon.awssdk.services.s3.model.FilterRuleName;
import software.amazon.awssdk.services.s3.model.NotificationConfiguration;
import software.amazon.awssdk.services.s3.model.QueueConfiguration;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Three replicas of the packaged operator serve thirty plans under one prefix of the sandbox's bucket, each plan
 * with its own ledger beside it: they share the plans (none leads more than twelve), every environment migrates once
 * (judged from the sandbox's record of RunTask), a broken plan holds up no other, a second plan naming an environment
 * another plan recorded first gets {@code ClaimedByOtherPlan}, a killed replica's plans are led again within the
 * failover time, a plan added or removed is picked up without a restart.
 */
class ManyPlansOnSandboxIT {

    static final Path JAR = OperatorProcess.JAR;
    static final Path WORK = Path.of("target/many-plans-it");
    static final String BUCKET = "bench-migrator";
    static final String PREFIX = "teams/";
    static final int PLANS = 30;
    static final int PER_PLAN = 2;
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);
    static final Duration RETRY = Duration.ofMillis(500);
    /** With events, how often every plan is listed all the same. */
    static final Duration FULL_LISTING = Duration.ofSeconds(12);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    SandboxCloud cloud;
    SandboxClients clients;
    final BenchWorld world = new BenchWorld(PLANS * PER_PLAN + 2, 10, 0);
    final List<OperatorProcess> replicas = new CopyOnWriteArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
        Files.createDirectories(WORK);
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0).build(), world.seed());
        clients = new SandboxClients(cloud.endpoint(), true);
        for (int p = 0; p < PLANS; p++) {
            upload(p, "v1");
        }
        cloud.putObject(BUCKET, PREFIX + "broken.yaml", "spec: [not: a plan".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        replicas.forEach(OperatorProcess::destroy);
        if (clients != null) {
            clients.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    static String plan(int p) {
        return PREFIX + String.format("team-%02d.yaml", p);
    }

    List<String> environmentsOf(int p) {
        return world.environments().subList(p * PER_PLAN, (p + 1) * PER_PLAN);
    }

    void upload(int p, String version) {
        cloud.putObject(BUCKET, plan(p), world.plan(String.format("team-%02d", p), environmentsOf(p), Map.of(),
                version).getBytes(StandardCharsets.UTF_8));
    }

    OperatorProcess replica(int i) throws IOException {
        return replica(i, List.of("-Dmigrator.poll.plan-interval=500ms"), "replica-" + i + ".log");
    }

    /** A replica serving the prefix, with {@code arguments} besides the common ones, logging to {@code log}. */
    OperatorProcess replica(int i, List<String> arguments, String log) throws IOException {
        List<String> all = new ArrayList<>(List.of(
                "-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PREFIX,
                "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                "-Dmigrator.aws.region=us-east-1",
                "-Dquarkus.s3.path-style-access=true",
                "-Dmigrator.poll.task-interval=500ms",
                "-Dmigrator.leader-election.identity=replica-" + i,
                "-Dmigrator.leader-election.lease-duration=" + LEASE.toMillis() + "ms",
                "-Dmigrator.leader-election.renew-deadline=" + RENEW_DEADLINE.toMillis() + "ms",
                "-Dmigrator.leader-election.retry-period=" + RETRY.toMillis() + "ms"));
        all.addAll(arguments);
        return OperatorProcess.start(JAR, OperatorProcess.freePort(), all, AwsCli.testCredentials(temp),
                WORK.resolve(log), false);
    }

    /** Migrate tasks per environment and version, as the sandbox's ECS recorded them. */
    Map<String, Integer> runs() {
        Map<String, Integer> runs = new TreeMap<>();
        for (RunRecord run : cloud.runs()) {
            runs.merge(run.tags().get(Launches.TAG_ENVIRONMENT) + "@" + run.tags().get(Launches.TAG_VERSION), 1,
                    Integer::sum);
        }
        return runs;
    }

    JsonNode get(OperatorProcess replica, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + replica.httpPort() + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r::body);
        return JSON.readTree(r.body());
    }

    /** The plans each live replica says it leads now, by replica. */
    Map<Integer, Set<String>> served() throws IOException, InterruptedException {
        Map<Integer, Set<String>> served = new TreeMap<>();
        for (int i = 0; i < replicas.size(); i++) {
            OperatorProcess replica = replicas.get(i);
            if (!replica.isAlive()) {
                continue;
            }
            Set<String> plans = new TreeSet<>();
            for (JsonNode plan : get(replica, "/api/v1/plans")) {
                if (plan.path("servedHere").asBoolean()) {
                    plans.add(plan.path("plan").asText());
                }
            }
            served.put(i, plans);
        }
        return served;
    }

    /** An environment's entry in the status of the replica that leads its plan. */
    JsonNode environment(String name) throws IOException, InterruptedException {
        for (OperatorProcess replica : replicas) {
            if (!replica.isAlive()) {
                continue;
            }
            for (JsonNode environment : get(replica, "/api/v1/environments")) {
                if (environment.path("name").asText().equals(name)) {
                    return environment;
                }
            }
        }
        return null;
    }

    @Test
    void threeReplicasShareThirtyPlansEachMigratesOnceAndAKilledReplicasPlansAreLedAgain() throws Exception {
        for (int i = 0; i < 3; i++) {
            replicas.add(replica(i));
        }
        for (OperatorProcess replica : replicas) {
            await("a replica to be ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        assertTrue(replica.isAlive(), () -> "a replica exited: " + replica.tail(40));
                        return replica.ready();
                    });
        }
        // Every environment of every plan migrates v1 once; the broken plan holds none of them up.
        awaitFirstMigrations();
        // The plans settle among the three: none leads more than its share (31 plans, 11 each), and every plan is led.
        await("the plans to be shared out").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    Map<Integer, Set<String>> served = served();
                    return served.values().stream().mapToInt(Set::size).sum() == PLANS + 1
                            && served.values().stream().allMatch(s -> s.size() <= 12 && s.size() >= 9);
                });
        Map<Integer, Set<String>> shared = served();
        Set<String> union = new TreeSet<>();
        shared.values().forEach(union::addAll);
        assertEquals(PLANS + 1, union.size(), "no plan led twice: " + shared);

        // The broken plan is reported, in its own entry, while every other plan goes on.
        JsonNode broken = null;
        for (JsonNode plan : get(replicas.get(0), "/api/v1/plans")) {
            if (plan.path("plan").asText().equals(PREFIX + "broken.yaml")) {
                broken = plan;
            }
        }
        assertTrue(broken != null && !broken.path("leader").asText().isEmpty(), String.valueOf(broken));

        // A second plan naming an environment that team-00 recorded first: ClaimedByOtherPlan, and no second task.
        String contested = environmentsOf(0).get(0);
        String spare = world.environments().get(PLANS * PER_PLAN);
        cloud.putObject(BUCKET, PREFIX + "intruder.yaml", world.plan("intruder", List.of(contested, spare), Map.of(),
                "v1").getBytes(StandardCharsets.UTF_8));
        await("the intruder's own environment to migrate").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> runs().containsKey(spare + "@v1"));
        await("the contested environment to be ClaimedByOtherPlan in the intruder's ledger")
                .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> ledgerText("intruder").contains("ClaimedByOtherPlan")
                        && ledgerText("intruder").contains(plan(0)));
        assertEquals(1, runs().get(contested + "@v1"), "the contested environment ran once: " + runs());

        // An environment moved from team-02 to a new plan (the new file first): it waits for team-02 to let it go, then
        // the new plan takes over what ran for it there, so v1 does not run again; v2 in the new plan runs once.
        String moved = environmentsOf(2).get(0);
        cloud.putObject(BUCKET, PREFIX + "mover.yaml", world.plan("mover", List.of(moved), Map.of(), "v1")
                .getBytes(StandardCharsets.UTF_8));
        cloud.putObject(BUCKET, plan(2), world.plan("team-02", environmentsOf(2).subList(1, PER_PLAN), Map.of(), "v1")
                .getBytes(StandardCharsets.UTF_8));
        await("the moved environment to be the new plan's, v1 kept from team-02").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> ledgerText("mover").contains("archived")
                        && !ledgerText("mover").contains("ClaimedByOtherPlan"));
        cloud.putObject(BUCKET, PREFIX + "mover.yaml", world.plan("mover", List.of(moved), Map.of(), "v2")
                .getBytes(StandardCharsets.UTF_8));
        await("the moved environment to migrate v2 in its new plan").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> runs().containsKey(moved + "@v2"));
        assertEquals(1, runs().get(moved + "@v1"), "v1 ran once, in team-02: " + runs());

        // A replica killed: its plans are led again by the other two within the failover time, and a new version in
        // one of them migrates once.
        int victim = shared.entrySet().stream().filter(e -> e.getValue().contains(plan(5))).findFirst()
                .orElseThrow().getKey();
        Set<String> orphaned = shared.get(victim);
        long killedAt = System.nanoTime();
        replicas.get(victim).kill();
        await("the killed replica's plans to be led again").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    Set<String> now = new TreeSet<>();
                    served().values().forEach(now::addAll);
                    return now.containsAll(orphaned);
                });
        double failover = (System.nanoTime() - killedAt) / 1e9;
        System.out.printf("ManyPlansOnSandboxIT: %d plans of the killed replica led again after %.1f s%n",
                orphaned.size(), failover);
        upload(5, "v2");
        await("team-05 to migrate v2").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> environmentsOf(5).stream().allMatch(e -> runs().containsKey(e + "@v2")));

        // A plan removed: its environments are no longer served and it leaves the roster; one added is served.
        clients.s3.deleteObject(DeleteObjectRequest.builder().bucket(BUCKET).key(plan(7)).build());
        await("team-07 to leave").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> plans().stream().noneMatch(plan(7)::equals));
        String added = world.environments().get(PLANS * PER_PLAN + 1);
        cloud.putObject(BUCKET, PREFIX + "late/newcomer.yml", world.plan("newcomer", List.of(added), Map.of(), "v1")
                .getBytes(StandardCharsets.UTF_8));
        await("the new plan's environment to migrate").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> runs().containsKey(added + "@v1"));

        // Exactly once throughout, as ECS saw it.
        Map<String, Integer> twice = runs().entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(Map.of(), twice, "environments migrated more than once per version");
        JsonNode status = environment(environmentsOf(5).get(0));
        assertTrue(status != null && status.toString().contains("v2"), String.valueOf(status));
    }

    @Test
    void eventsFromTheQueueMakeAChangedPlanReadAtOnceAndALostOneIsFoundByTheFullListing() throws Exception {
        try (SqsClient sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(cloud.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(SandboxClients.CREDENTIALS).build()) {
            String queueUrl = sqs.createQueue(b -> b.queueName("plan-events")).queueUrl();
            clients.s3.putBucketNotificationConfiguration(b -> b.bucket(BUCKET).notificationConfiguration(
                    NotificationConfiguration.builder().queueConfigurations(QueueConfiguration.builder().id("plans")
                            .queueArn("arn:aws:sqs:us-east-1:000000000000:plan-events")
                            .events(Event.S3_OBJECT_CREATED, Event.S3_OBJECT_REMOVED)
                            .filter(f -> f.key(k -> k.filterRules(r -> r.name(FilterRuleName.PREFIX).value(PREFIX),
                                    r -> r.name(FilterRuleName.SUFFIX).value(".yaml")))).build()).build()));
            for (int i = 0; i < 2; i++) {
                replicas.add(replica(i, List.of("-Dmigrator.desired-state.events=" + queueUrl,
                        "-Dmigrator.desired-state.full-listing-interval=" + FULL_LISTING.toSeconds() + "s",
                        "-Dmigrator.poll.plan-interval=1s"), "events-replica-" + i + ".log"));
            }
            awaitFirstMigrations();
            await("the plans to be shared out").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> served().values().stream().mapToInt(Set::size).sum() == PLANS + 1
                            && served().values().stream().allMatch(set -> set.size() >= 14));

            // Late and duplicated events: each change is still read at once, by the replica that leads its plan, and
            // migrates once.
            cloud.setEventDelivery(new SandboxCloud.EventDelivery(Duration.ofMillis(200), 0.5, 0), 7);
            List<Double> detections = new ArrayList<>();
            for (int p = 0; p < 8; p++) {
                long listingsBefore = cloud.calls("s3:ListObjectsV2:200");
                long sent = System.nanoTime();
                uploadWithTheSdk(p, "v2");
                int plan = p;
                await("team-" + p + " to migrate v2").atMost(FULL_LISTING).pollInterval(Duration.ofMillis(50))
                        .until(() -> environmentsOf(plan).stream().allMatch(e -> runs().containsKey(e + "@v2")));
                detections.add((System.nanoTime() - sent) / 1e9);
                assertTrue(cloud.calls("s3:ListObjectsV2:200") - listingsBefore <= 2 * replicas.size(),
                        "found by its event, not by listing");
            }
            System.out.printf("ManyPlansOnSandboxIT: changes migrated after %s s (events late by 200 ms, half of them"
                    + " twice)%n", detections.stream().map(d -> String.format("%.2f", d)).toList());
            assertTrue(detections.stream().allMatch(d -> d < FULL_LISTING.toSeconds() / 2.0), detections::toString);

            // Every event lost: the full listing finds the change all the same.
            cloud.setEventDelivery(new SandboxCloud.EventDelivery(Duration.ZERO, 0, 1.0), 7);
            uploadWithTheSdk(9, "v3");
            await("team-09 to migrate v3 with no event").atMost(FULL_LISTING.multipliedBy(3))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> environmentsOf(9).stream().allMatch(e -> runs().containsKey(e + "@v3")));
            Map<String, Integer> twice = runs().entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertEquals(Map.of(), twice, "environments migrated more than once per version");
        }
    }

    void uploadWithTheSdk(int p, String version) {
        clients.s3.putObject(b -> b.bucket(BUCKET).key(plan(p)), RequestBody.fromString(world.plan(
                String.format("team-%02d", p), environmentsOf(p), Map.of(), version)));
    }

    /** Waits until ECS ran v1 of every environment of every team plan. */
    void awaitFirstMigrations() {
        Set<String> first = new TreeSet<>();
        for (int p = 0; p < PLANS; p++) {
            environmentsOf(p).forEach(e -> first.add(e + "@v1"));
        }
        await("every plan's environments to migrate v1").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500)).until(() -> runs().keySet().containsAll(first));
    }

    /** The plans a live replica lists. */
    List<String> plans() throws IOException, InterruptedException {
        List<String> plans = new ArrayList<>();
        for (OperatorProcess replica : replicas) {
            if (replica.isAlive()) {
                get(replica, "/api/v1/plans").forEach(p -> plans.add(p.path("plan").asText()));
                return plans;
            }
        }
        return plans;
    }

    String ledgerText(String name) {
        byte[] ledger = cloud.getObject(BUCKET, PREFIX + name + ".status.yaml");
        return ledger == null ? "" : new String(ledger, StandardCharsets.UTF_8);
    }
}
