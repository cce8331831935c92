package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Notification;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.reconcile.notify.Notifier;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.LogCapture;
import dev.beanstalkmigrator.testing.Plans;
import dev.beanstalkmigrator.testing.WebhookReceiver;
import dev.beanstalkmigrator.webhook.HttpWebhooks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Notifications end to end: an operator (a {@link Reconciler} and its {@link Notifier}, wired as
 * {@code OperatorWiring} wires them, on the real adapters and {@link HttpWebhooks}) runs its loops against the
 * sandbox, and posts to a {@link WebhookReceiver} on a free port that accepts, fails a few times, or hangs. The
 * webhook URLs carry a canary that must appear in no ledger and no log line.
 */
class NotificationsOnSandboxIT {

    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plan.yaml";
    static final String PLAN_URI = "s3://" + BUCKET + "/" + PLAN_KEY;
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final String URL_CANARY = "canary-webhook-3f9a1c";
    static final String SECRET = "canary-4d1f8a2b9c7e-secret";
    static final ObjectMapper JSON = new ObjectMapper();

    SandboxCloud cloud;
    WebhookReceiver receiver;
    SandboxAdapters adapters;
    final ExecutorService workers = Executors.newFixedThreadPool(8);
    final ExecutorService senders = Executors.newFixedThreadPool(4);
    final List<Operator> operators = new ArrayList<>();
    final LogCapture capture = new LogCapture();
    final List<String> log = capture.lines();

    /** An operator's two loops, as ReconcileTick and NotificationTick run them. */
    record Operator(Reconciler reconciler, Notifier notifier, ScheduledExecutorService loops) {
        void stop() throws InterruptedException {
            loops.shutdownNow();
            assertTrue(loops.awaitTermination(30, TimeUnit.SECONDS), "the loops stop");
        }
    }

    @BeforeEach
    void start() {
        capture.attach();
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        receiver = WebhookReceiver.start();
        adapters = new SandboxAdapters(cloud.endpoint());
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Operator operator : operators) {
            operator.stop();
        }
        capture.detach();
        adapters.close();
        receiver.close();
        senders.shutdownNow();
        workers.shutdownNow();
        cloud.close();
    }

    /** The path of a channel's URL: a canary in it shows whether the URL leaked. */
    static String path(String channel) {
        return "/hooks/" + channel + "/" + URL_CANARY;
    }

    /** A plan of these environments and notification channels. */
    void plan(List<String> environments, String... channels) {
        StringBuilder yaml = new StringBuilder(Plans.plan(environments.toArray(String[]::new)));
        yaml.append("  notifications:\n");
        for (String channel : channels) {
            yaml.append("    - ").append(channel).append('\n');
        }
        cloud.putObject(BUCKET, PLAN_KEY, yaml.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Starts an operator whose plan channels' {@code urlFrom} names resolve to the receiver's paths. */
    Operator operator(String identity) {
        Notifier notifier = new Notifier(new HttpWebhooks(channel -> Optional.ofNullable(Map.of(
                "OK_HOOK_URL", receiver.url(path("ok")),
                "FLAKY_HOOK_URL", receiver.url(path("flaky")),
                "HANG_HOOK_URL", receiver.url(path("hang")),
                "DOWN_HOOK_URL", receiver.url(path("down"))).get(channel.urlFrom())),
                Duration.ofSeconds(1), Duration.ofMillis(500)),
                new Notifier.Settings(List.of(), Backoff.of(Duration.ofMillis(100), Duration.ofMillis(400), 50),
                        Duration.ofHours(1), 100, "http://migrator.internal/"),
                Clock.systemUTC(), () -> 0, senders);
        Reconciler reconciler = adapters.reconciler(PLAN_URI,
                SandboxAdapters.quickSettings(identity).logTailLines(20).build(), Clock.systemUTC(), adapters.objects,
                adapters.ecs, workers, notifier);
        ScheduledExecutorService loops = Executors.newScheduledThreadPool(2);
        loops.scheduleWithFixedDelay(() -> {
            try {
                reconciler.cycle(false);
            } catch (RuntimeException e) {
                reconciler.failed(e);
            }
        }, 0, 50, TimeUnit.MILLISECONDS);
        loops.scheduleWithFixedDelay(notifier::dispatch, 0, 50, TimeUnit.MILLISECONDS);
        Operator operator = new Operator(reconciler, notifier, loops);
        operators.add(operator);
        return operator;
    }

    String ledgerText() {
        byte[] body = cloud.getObject(BUCKET, OperatorWiring.statusUriFor(PLAN_KEY));
        return body == null ? "" : new String(body, StandardCharsets.UTF_8);
    }

    MigrationStatus ledger() {
        String text = ledgerText();
        return text.isEmpty() ? MigrationStatus.empty() : LedgerCodec.read(text.getBytes(StandardCharsets.UTF_8));
    }

    MigrationRecord awaitPhase(String environment, String version, Phase phase) {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            EnvironmentStatus status = ledger().environment(environment);
            MigrationRecord record = status == null || status.history().isEmpty() ? null : status.history().get(0);
            return record != null && record.version().equals(version) && record.phase() == phase;
        });
        return ledger().environment(environment).history().get(0);
    }

    void awaitOutboxEmpty() {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> ledger().notifications().isEmpty());
    }

    /** The URL canary is in no ledger and no log line. */
    void assertUrlsLeakedNowhere() {
        assertFalse(ledgerText().contains(URL_CANARY), "ledger");
        assertFalse(log.isEmpty(), "the log capture works");
        assertTrue(log.stream().noneMatch(l -> l.contains(URL_CANARY)), "log lines");
        assertTrue(log.stream().noneMatch(l -> l.contains("127.0.0.1:")), "no receiver address in the log");
    }

    static JsonNode json(WebhookReceiver.Request request) throws IOException {
        return JSON.readTree(request.body());
    }

    @Test
    void aFailedMigrationIsOneMessageWithTheMaskedTailAndTheUrlLeaksNowhere() throws IOException {
        cloud.setEnvironmentVariable("shop-canary", "DB_PASSWORD", SECRET);
        plan(List.of("{name: shop-canary, version: v-leaky}"),
                "{name: ops, type: webhook, urlFrom: OK_HOOK_URL, events: [Failed, Succeeded]}");
        operator("replica-a");
        MigrationRecord record = awaitPhase("shop-canary", "v-leaky", Phase.Failed);
        await().atMost(DEADLINE).until(() -> receiver.requests(path("ok")).size() == 1);
        awaitOutboxEmpty();
        // Exactly one: nothing more arrives while the operator goes on cycling.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> receiver.requests(path("ok")).size() == 1);

        WebhookReceiver.Request request = receiver.requests(path("ok")).get(0);
        JsonNode body = json(request);
        assertEquals("shop-canary/" + record.launchId() + "/Failed", body.get("id").asText());
        assertEquals(body.get("id").asText(), request.headers().get("idempotency-key"));
        assertEquals("Failed", body.get("event").asText());
        assertEquals("v-leaky", body.get("version").asText());
        assertEquals(2, body.get("exitCode").asInt());
        assertEquals(record.taskArn(), body.get("taskArn").asText());
        assertEquals("http://migrator.internal/", body.get("statusUrl").asText());
        assertTrue(body.get("logTail").toString().contains("connecting with password ***"), body.toString());
        assertFalse(request.body().contains(SECRET), "the environment's secret is masked in the message");
        assertUrlsLeakedNowhere();
        assertTrue(log.stream().anyMatch(l -> l.contains("notified channel ops of shop-canary/")), log.toString());
    }

    @Test
    void aReceiverThatFailsAFewTimesGetsTheMessageOnceItRecovers() throws IOException {
        receiver.fail(path("flaky"), 3);
        plan(List.of("{name: shop-fail, version: v-broken}"),
                "{name: team, type: slack, urlFrom: FLAKY_HOOK_URL, events: [Failed]}");
        operator("replica-a");
        awaitPhase("shop-fail", "v-broken", Phase.Failed);
        await().atMost(DEADLINE).until(() -> receiver.requests(path("flaky")).size() == 4);
        awaitOutboxEmpty();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> receiver.requests(path("flaky")).size() == 4);
        List<WebhookReceiver.Request> requests = receiver.requests(path("flaky"));
        assertEquals(1, requests.stream().map(r -> r.headers().get("idempotency-key")).distinct().count(),
                "one event, tried four times");
        JsonNode slack = json(requests.get(3));
        assertEquals("Migration of shop-fail to v-broken failed with exit code 1", slack.get("text").asText());
        assertTrue(slack.get("blocks").toString().contains("ProgrammingError"), slack.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("channel team: shop-fail/") && l.contains("HTTP 500")),
                "the first failure is logged");
        assertUrlsLeakedNowhere();
    }

    @Test
    void aHangingReceiverDelaysNoReconcilingAndIsRetriedUntilItAnswers() {
        receiver.hang(path("hang"));
        plan(List.of("{name: shop-fail, version: v-broken}"),
                "{name: pager, type: webhook, urlFrom: HANG_HOOK_URL, events: [Failed]}");
        operator("replica-a");
        awaitPhase("shop-fail", "v-broken", Phase.Failed);
        await().atMost(DEADLINE).until(() -> receiver.held() >= 1);

        // Another environment's migration goes ahead, on time, while the receiver hangs.
        Instant planned = Instant.now();
        plan(List.of("{name: shop-fail, version: v-broken}", "{name: shop-new, version: v2}"),
                "{name: pager, type: webhook, urlFrom: HANG_HOOK_URL, events: [Failed]}");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            EnvironmentStatus status = ledger().environment("shop-new");
            return status != null && !status.history().isEmpty() && status.history().get(0).phase() == Phase.Succeeded;
        });
        Duration took = Duration.between(planned, Instant.now());
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "shop-new migrated in " + took);
        List<Notification> outbox = ledger().notifications();
        assertEquals(1, outbox.size(), "the failure's message is still pending");
        assertEquals(List.of("pager"), outbox.get(0).pending());

        await().atMost(DEADLINE).until(() -> receiver.requests(path("hang")).size() >= 2);
        receiver.release(path("hang"));
        awaitOutboxEmpty();
        List<WebhookReceiver.Request> requests = receiver.requests(path("hang"));
        assertEquals(1, requests.stream().map(r -> r.headers().get("idempotency-key")).distinct().count());
        assertTrue(log.stream().anyMatch(l -> l.contains("channel pager:") && l.contains("no answer within")),
                log.toString());
        assertUrlsLeakedNowhere();
    }

    @Test
    void aRestartedOperatorSendsWhatIsPendingAndNothingDelivered() throws InterruptedException {
        receiver.fail(path("down"), 1_000);
        plan(List.of("{name: shop-fail, version: v-broken}"),
                "{name: ops, type: webhook, urlFrom: OK_HOOK_URL, events: [Failed]}",
                "{name: pager, type: webhook, urlFrom: DOWN_HOOK_URL, events: [Failed]}");
        Operator first = operator("replica-a");
        awaitPhase("shop-fail", "v-broken", Phase.Failed);
        await().atMost(DEADLINE).until(() -> receiver.requests(path("ok")).size() == 1
                && receiver.requests(path("down")).size() >= 2
                && ledger().notifications().size() == 1
                && ledger().notifications().get(0).pending().equals(List.of("pager")));
        first.stop();
        operators.remove(first);

        receiver.fail(path("down"), 0);
        int downBefore = receiver.requests(path("down")).size();
        operator("replica-b");
        awaitOutboxEmpty();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> receiver.requests(path("down")).size() == downBefore + 1);
        assertEquals(1, receiver.requests(path("ok")).size(), "the delivered channel is not sent again");
        assertEquals(1, receiver.requests().stream().map(r -> r.headers().get("idempotency-key")).distinct().count());
        assertUrlsLeakedNowhere();
    }
}
