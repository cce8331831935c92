package dev.beanstalkmigrator.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on a free loopback port, for notification tests: it records every request per path and
 * answers 200, or, as the test sets per path, a number of errors first, or nothing at all until released (a
 * receiver that hangs). Each request is served on its own thread, so one that hangs holds up no other.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request as received. */
    public record Request(String path, Map<String, String> headers, String body) {}

    /** A request and the status it was answered with, {@code atNanos} when it was answered ({@link System#nanoTime()}). */
    public record Answered(Request request, int status, long atNanos) {}

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Answered> answered = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> hangs = new ConcurrentHashMap<>();
    /** Requests now being held by a hanging path. */
    private final AtomicInteger held = new AtomicInteger();

    private WebhookReceiver(HttpServer server) {
        this.server = server;
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public static WebhookReceiver start() {
        try {
            return new WebhookReceiver(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The URL of {@code path} (which starts with a slash). */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The next {@code times} requests to {@code path} are answered with {@code 500}. */
    public void fail(String path, int times) {
        failures.computeIfAbsent(path, p -> new AtomicInteger()).set(times);
    }

    /** Requests to {@code path} get no answer until {@link #release} (or the receiver closes). */
    public void hang(String path) {
        hangs.put(path, new CountDownLatch(1));
    }

    /** Answers the held requests of {@code path}, and every later one, at once. */
    public void release(String path) {
        CountDownLatch latch = hangs.remove(path);
        if (latch != null) {
            latch.countDown();
        }
    }

    public int held() {
        return held.get();
    }

    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests answered so far (a held one once released), in the order of their answers. */
    public List<Answered> answered() {
        return List.copyOf(answered);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new ConcurrentHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            Request request = new Request(path, headers, body);
            requests.add(request);
            CountDownLatch hang = hangs.get(path);
            if (hang != null) {
                held.incrementAndGet();
                try {
                    // Bounded, so that a test that forgets to release cannot keep a thread forever.
                    hang.await(Duration.ofMinutes(2).toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    held.decrementAndGet();
                }
            }
            AtomicInteger failing = failures.get(path);
            int status = failing != null && failing.getAndDecrement() > 0 ? 500 : 200;
            byte[] answer = (status == 200 ? "ok" : "boom").getBytes(StandardCharsets.UTF_8);
            // Recorded before the answer goes: once the sender can know it was delivered, a reader here knows too.
            answered.add(new Answered(request, status, System.nanoTime()));
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    @Override
    public void close() {
        hangs.values().forEach(CountDownLatch::countDown);
        server.stop(0);
        threads.shutdownNow();
    }
}
