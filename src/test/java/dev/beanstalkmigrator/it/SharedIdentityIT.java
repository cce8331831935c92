package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.sandbox.ObjectWrite;
import dev.beanstalkmigrator.sandbox.SandboxCall;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.AwsCli;
import dev.beanstalkmigrator.testing.OperatorProcess;
import dev.beanstalkmigrator.testing.Plans;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of the packaged operator configured with one identity ({@code migrator.leader-election.identity}), as
 * two processes on one host with none configured would both take the host name, against one sandbox with no fault:
 * one of them leads for the whole run. Each process adds a suffix of its own to the configured name, so neither
 * mistakes the other's lease for its own. Judged on the sandbox's record of accepted ledger writes (which process
 * sent each, by the caller's socket, and the lease holder each names) and on the replicas' logs.
 */
class SharedIdentityIT {

    static final Path JAR = OperatorProcess.JAR;
    static final Path WORK = Path.of("target/shared-identity-it");
    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plans/shop.yaml";
    static final String STATUS_KEY = "plans/shop.status.yaml";
    static final String NAME = "shop-migrator";
    /** A short lease, so that the watch spans many renewals and retry periods. */
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);
    static final Duration RETRY = Duration.ofMillis(500);
    static final Duration WATCH = Duration.ofSeconds(20);
    static final Pattern LEADS = Pattern.compile("([A-Za-z0-9._-]+) leads \\(lease in ");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    SandboxCloud cloud;
    final List<OperatorProcess> replicas = new CopyOnWriteArrayList<>();
    /** Which replicas (by index) sent a ledger write the sandbox accepted. */
    final Set<Integer> writers = ConcurrentHashMap.newKeySet();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run the package phase first");
        Files.createDirectories(WORK);
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        cloud.putObject(BUCKET, PLAN_KEY, Plans.plan().getBytes(StandardCharsets.UTF_8));
        cloud.watchLedger(BUCKET, STATUS_KEY);
        // Seen as each write takes effect, before it is answered: the sender's connection is still open.
        cloud.watchCalls(this::sawCall);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (OperatorProcess replica : replicas) {
            replica.destroy();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    void sawCall(SandboxCall call) {
        if (!call.isLedgerWrite()) {
            return;
        }
        for (int i = 0; i < replicas.size(); i++) {
            if (replicas.get(i).ownsConnection(call.client().getPort(), cloud.port())) {
                writers.add(i);
            }
        }
    }

    @Test
    void twoReplicasConfiguredWithOneIdentityHaveOneLeaderForTheWholeRun() throws Exception {
        for (int i = 0; i < 2; i++) {
            replicas.add(OperatorProcess.start(JAR, OperatorProcess.freePort(), List.of(
                    "-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PLAN_KEY,
                    "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                    "-Dmigrator.aws.region=us-east-1",
                    "-Dquarkus.s3.path-style-access=true",
                    "-Dmigrator.poll.plan-interval=500ms",
                    "-Dmigrator.leader-election.identity=" + NAME,
                    "-Dmigrator.leader-election.lease-duration=" + LEASE.toMillis() + "ms",
                    "-Dmigrator.leader-election.renew-deadline=" + RENEW_DEADLINE.toMillis() + "ms",
                    "-Dmigrator.leader-election.retry-period=" + RETRY.toMillis() + "ms"),
                    AwsCli.testCredentials(temp), WORK.resolve("replica-" + i + ".log"), false));
        }
        for (OperatorProcess replica : replicas) {
            await("a replica to be ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        assertTrue(replica.isAlive(), () -> "a replica exited: " + replica.tail(40));
                        return replica.ready();
                    });
        }
        await("a leader").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> holder() != null);

        // Nothing happens but renewals and standby checks: the lease must stay where it is.
        await("the lease to stay with one replica for " + WATCH.toSeconds() + " s").during(WATCH)
                .atMost(WATCH.plusSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> replicas.stream().allMatch(OperatorProcess::isAlive) && holders().size() == 1
                        && writers.size() == 1);

        // Only one process ever said it leads (a leader starved past its renew deadline may say so again when its late
        // renewal lands, nobody having taken over).
        Map<Integer, Set<String>> leads = new TreeMap<>();
        for (int i = 0; i < replicas.size(); i++) {
            Matcher m = LEADS.matcher(replicas.get(i).logText());
            while (m.find()) {
                leads.computeIfAbsent(i, k -> new TreeSet<>()).add(m.group(1));
            }
        }
        assertEquals(1, leads.size(), () -> "replicas whose log says they lead: " + leads);
        assertEquals(Set.of(holder()), holders(), "no ledger write ever named another holder");
        assertTrue(cloud.writes().stream().noneMatch(ObjectWrite::takeover), cloud.writes()::toString);
        assertTrue(cloud.writes().size() >= WATCH.dividedBy(LEASE.dividedBy(3)) / 2,
                () -> "the leader renewed throughout: " + cloud.writes().size() + " ledger writes");

        // The identities: the configured name, each with a suffix of its own; the leader's is the lease's holder.
        int leader = writers.iterator().next();
        assertEquals(Set.of(leader), leads.keySet(), "the replica that wrote is the one that says it leads");
        // A leader starved past its renew deadline on a loaded machine reports standby until its next renewal lands:
        // its role is read again until it says leader (the lease never moved, as checked above).
        JsonNode[] polled = new JsonNode[1];
        await("the leader's readiness to say leader").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> "leader".equals((polled[0] = readiness(replicas.get(leader))).path("role").asText()));
        JsonNode leaderHealth = polled[0];
        JsonNode standbyHealth = readiness(replicas.get(1 - leader));
        String leaderIdentity = leaderHealth.path("identity").asText();
        String standbyIdentity = standbyHealth.path("identity").asText();
        assertNotEquals(leaderIdentity, standbyIdentity);
        assertTrue(leaderIdentity.startsWith(NAME + "_"), leaderIdentity);
        assertTrue(standbyIdentity.startsWith(NAME + "_"), standbyIdentity);
        assertEquals("leader", leaderHealth.path("role").asText(), leaderHealth::toString);
        assertEquals("standby", standbyHealth.path("role").asText(), standbyHealth::toString);
        assertEquals(leaderIdentity, holder());
        assertEquals(Set.of(leaderIdentity), leads.get(leader));
    }

    /** The lease holder the last accepted ledger write named; null when none. */
    String holder() {
        List<ObjectWrite> writes = cloud.writes();
        String holder = writes.isEmpty() ? "" : writes.get(writes.size() - 1).holder();
        return holder.isEmpty() ? null : holder;
    }

    /** Every lease holder an accepted ledger write named. */
    Set<String> holders() {
        Set<String> holders = new TreeSet<>();
        cloud.writes().stream().map(ObjectWrite::holder).filter(h -> !h.isEmpty()).forEach(holders::add);
        return holders;
    }

    /** The data of the replica's readiness check. */
    JsonNode readiness(OperatorProcess replica) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + replica.httpPort() + "/q/health/ready")).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response::body);
        for (JsonNode check : JSON.readTree(response.body()).path("checks")) {
            if (check.path("data").has("identity")) {
                return check.path("data");
            }
        }
        throw new AssertionError("no identity in " + response.body());
    }
}
