package dev.beanstalkmigrator.webhook;

import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.port.Webhooks;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@link Webhooks} over the JDK's HTTP client: one POST per call, bounded by a connect timeout and a timeout for
 * the whole answer, no redirects followed (a redirect is a refusal: the URL is wrong). The URL is resolved per
 * call, so a rotated secret is used at once, and never leaves this class: a {@link Webhooks.Delivery}'s detail
 * names a status code or the kind of failure, and the receiver's answer is not read.
 */
public final class HttpWebhooks implements Webhooks {

    private final Function<NotificationChannel, Optional<String>> urls;
    private final Duration requestTimeout;
    private final HttpClient client;

    /**
     * @param urls a channel's URL: the operator's configured one, or the value of the variable its {@code urlFrom}
     *     names; empty when there is none
     * @param connectTimeout how long a connection may take
     * @param requestTimeout how long the whole answer may take after the request is sent
     */
    public HttpWebhooks(Function<NotificationChannel, Optional<String>> urls, Duration connectTimeout,
                        Duration requestTimeout) {
        this.urls = urls;
        this.requestTimeout = requestTimeout;
        this.client = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public Delivery post(NotificationChannel channel, byte[] json, Map<String, String> headers) {
        Optional<String> url = urls.apply(channel);
        String source = channel.urlFrom() == null ? "migrator.notifications.channels." + channel.name() + ".url"
                : "the variable " + channel.urlFrom();
        if (url.isEmpty() || url.get().isBlank()) {
            return Delivery.refused("no URL: " + source + " is not set");
        }
        URI uri;
        try {
            uri = URI.create(url.get().trim());
        } catch (IllegalArgumentException e) {
            return Delivery.refused(source + " does not hold a URL");
        }
        if (!("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))
                || uri.getHost() == null) {
            return Delivery.refused(source + " does not hold an http(s) URL");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(requestTimeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "beanstalk-migrator")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json));
        headers.forEach(request::header);
        try {
            int status = client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status / 100 == 2) {
                return Delivery.accepted(status);
            }
            return status == 408 || status == 429 || status / 100 == 5
                    ? Delivery.retryable("HTTP " + status) : Delivery.refused("HTTP " + status);
        } catch (HttpConnectTimeoutException e) {
            return Delivery.retryable("no connection within the connect timeout");
        } catch (HttpTimeoutException e) {
            return Delivery.retryable("no answer within " + requestTimeout);
        } catch (ConnectException e) {
            return Delivery.retryable("connection refused or unreachable");
        } catch (IOException e) {
            // The exception's message may quote the URL: only its kind is told.
            return Delivery.retryable(e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Delivery.retryable("interrupted");
        }
    }
}
