package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;

import dev.beanstalkmigrator.testing.SandboxClients;

/** Answers kept back after the call took effect, released or dropped on the test's word; call watchers. */
class SandboxHeldAnswerTest {

    static final Duration SHORT = Duration.ofSeconds(10);

    SandboxCloud cloud;
    SandboxClients aws;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.read(SandboxTestSupport.testSeed()));
        aws = new SandboxClients(cloud.endpoint(), false);
        cloud.watchLedger("acme-migrator", "p.status.yaml");
    }

    @AfterEach
    void stop() {
        aws.close();
        cloud.close();
    }

    /** Waits until {@code hold} keeps a call back, and returns that call. */
    static SandboxCall awaitHeld(HeldAnswer hold, Duration timeout) throws Exception {
        return hold.held().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Test
    void aLedgerWriteIsStoredWhileItsAnswerIsHeldAndAnsweredOnRelease() throws Exception {
        cloud.putObject("acme-migrator", "p.status.yaml", "lease:\n  holder: r0\n".getBytes(StandardCharsets.UTF_8));
        HeldAnswer hold = cloud.holdNext(call -> call.isLedgerWrite()
                && new String(call.content(), StandardCharsets.UTF_8).contains("phase: Launching"));

        assertEquals(200, put("p.status.yaml", "lease:\n  holder: r1\n").get(5, TimeUnit.SECONDS).statusCode(),
                "a write the condition does not accept is answered at once");
        CompletableFuture<HttpResponse<String>> intent = put("p.status.yaml",
                "lease:\n  holder: r1\nhistory:\n- phase: Launching\n");
        SandboxCall call = awaitHeld(hold, SHORT);

        assertTrue(hold.isHeld());
        assertEquals("s3:PutObject", call.operation());
        assertEquals(200, call.status());
        assertEquals("r1", call.ledgerWrite().holder());
        assertEquals(1, call.ledgerWrite().seq(), "the second write over the wire; a direct put is not watched");
        assertEquals("lease:\n  holder: r1\n", new String(call.previousContent(), StandardCharsets.UTF_8));
        assertArrayEquals(cloud.getObject("acme-migrator", "p.status.yaml"), call.content(),
                "the write took effect before the answer");
        assertFalse(intent.isDone(), "the answer is held");
        assertEquals(200, put("other", "x").get(5, TimeUnit.SECONDS).statusCode(), "other calls go on meanwhile");

        hold.release();
        HttpResponse<String> answer = intent.get(5, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode());
        assertTrue(answer.headers().firstValue("ETag").isPresent());
        assertFalse(hold.isHeld());
        assertEquals(200, put("p.status.yaml", "history:\n- phase: Launching\n").get(5, TimeUnit.SECONDS)
                .statusCode(), "a hold holds one call only");
    }

    @Test
    void aDroppedAnswerClosesTheConnectionAfterTheEffect() throws Exception {
        HeldAnswer hold = cloud.holdNext(call -> "other".equals(call.key()));
        CompletableFuture<HttpResponse<String>> write = put("other", "stored");
        awaitHeld(hold, SHORT);
        hold.drop();

        ExecutionException e = assertThrows(ExecutionException.class, () -> write.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IOException, e.toString());
        assertArrayEquals("stored".getBytes(StandardCharsets.UTF_8), cloud.getObject("acme-migrator", "other"));
        assertEquals(1, cloud.calls("s3:PutObject:dropped"));
        assertEquals(0, cloud.calls("s3:PutObject:200"));
    }

    @Test
    void aRunTaskIsHeldWithTheTaskItStartedAndTheCallersPort() throws Exception {
        HeldAnswer hold = cloud.holdNext(call -> !call.tasksStarted().isEmpty());
        String request = "{\"cluster\":\"acme-prod\",\"taskDefinition\":\"acme-web\",\"launchType\":\"FARGATE\","
                + "\"clientToken\":\"t-1\",\"startedBy\":\"bm-1\",\"networkConfiguration\":{\"awsvpcConfiguration\":"
                + "{\"subnets\":[\"subnet-1\"],\"assignPublicIp\":\"DISABLED\"}}}";
        try (Socket socket = new Socket(cloud.endpoint().getHost(), cloud.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            byte[] body = request.getBytes(StandardCharsets.UTF_8);
            out.write(("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.1\r\n"
                    + "X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();

            SandboxCall call = awaitHeld(hold, SHORT);
            assertEquals("ecs:RunTask", call.operation());
            assertEquals(socket.getLocalPort(), call.client().getPort(), "the caller's own socket");
            assertEquals(1, call.tasksStarted().size());
            assertEquals(cloud.runs(), call.tasksStarted(), "started before the answer");
            assertNotNull(aws.taskStatus(call.tasksStarted().get(0).taskArn()), "the task exists");
            assertNull(call.ledgerWrite());
            hold.release();

            String answer = new String(readAll(socket.getInputStream()), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains(call.tasksStarted().get(0).taskArn()), answer);
        }

        HeldAnswer replay = cloud.holdNext(c -> !c.tasksStarted().isEmpty());
        RunTaskResponse again = aws.ecs.runTask(b -> b.cluster("acme-prod").taskDefinition("acme-web")
                .launchType(LaunchType.FARGATE).clientToken("t-1").startedBy("bm-1")
                .networkConfiguration(n -> n.awsvpcConfiguration(v -> v.subnets("subnet-1")
                        .assignPublicIp(AssignPublicIp.DISABLED))));
        assertEquals(cloud.runs().get(0).taskArn(), again.tasks().get(0).taskArn());
        assertTrue(replay.isArmed(), "a replayed client token starts nothing, so nothing was held");
        assertTrue(replay.cancel());
        assertThrows(java.util.concurrent.CancellationException.class, () -> replay.held().getNow(null));
    }

    @Test
    void callsThatAFaultFailedAreNeitherHeldNorWatchedAndTheFaultsStillCount() throws Exception {
        List<SandboxCall> seen = new CopyOnWriteArrayList<>();
        AutoCloseable watching = cloud.watchCalls(seen::add);
        HeldAnswer hold = cloud.holdNext(call -> "other".equals(call.key()));
        cloud.injectFault(Fault.serverError("s3:PutObject").times(1));

        assertEquals(500, put("other", "x").get(5, TimeUnit.SECONDS).statusCode());
        assertTrue(hold.isArmed());
        assertEquals(List.of(), seen);
        assertEquals(1, cloud.calls("s3:PutObject:500"));

        CompletableFuture<HttpResponse<String>> second = put("other", "y");
        awaitHeld(hold, SHORT);
        assertEquals(1, seen.size(), "the watcher saw the call before the hold kept its answer back");
        assertEquals("other", seen.get(0).key());
        hold.release();
        assertEquals(200, second.get(5, TimeUnit.SECONDS).statusCode());

        watching.close();
        assertEquals(200, put("other", "z").get(5, TimeUnit.SECONDS).statusCode());
        assertEquals(1, seen.size(), "no more watching once closed");
    }

    @Test
    void aCallbackChainedOnTheHoldRunsWhileTheAnswerIsHeldAndMayReleaseIt() throws Exception {
        HeldAnswer hold = cloud.holdNext(call -> "other".equals(call.key()));
        List<String> order = new CopyOnWriteArrayList<>();
        hold.held().thenAccept(call -> {
            order.add("callback sees " + new String(cloud.getObject("acme-migrator", "other"), StandardCharsets.UTF_8));
            hold.release();
        });
        HttpResponse<String> answer = put("other", "v").get(5, TimeUnit.SECONDS);
        order.add("answered " + answer.statusCode());
        assertEquals(List.of("callback sees v", "answered 200"), order);
    }

    @Test
    void closingTheSandboxReleasesAHeldAnswer() throws Exception {
        HeldAnswer hold = cloud.holdNext(call -> "other".equals(call.key()));
        CompletableFuture<HttpResponse<String>> write = put("other", "v");
        awaitHeld(hold, SHORT);
        long start = System.nanoTime();
        cloud.close();
        try {
            write.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException answeredOrCutOff) {
            // either the answer got out before the listener stopped, or the connection was cut: both end the call
        } catch (TimeoutException e) {
            throw new AssertionError("the held call still waits after close", e);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        assertFalse(hold.isHeld());
        assertTrue(cloud.holdNext(call -> true).held().isCancelled(), "a closed sandbox holds nothing");
    }

    private CompletableFuture<HttpResponse<String>> put(String key, String body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(cloud.endpoint() + "/acme-migrator/" + key))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
