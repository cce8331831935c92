package dev.beanstalkmigrator.testing;

import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.port.Webhooks.Delivery;
import dev.beanstalkmigrator.port.Webhooks;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/** Webhooks that record every post and answer each channel from a script (accepted when it runs out). */
public final class RecordingWebhooks implements Webhooks {
    public final Map<String, Deque<Delivery>> scripts = new java.util.HashMap<>();
    public final List<String> posts = new ArrayList<>();
    public final List<byte[]> bodies = new ArrayList<>();
    public final List<Map<String, String>> headers = new ArrayList<>();

    public void answer(String channel, Delivery... deliveries) {
        scripts.computeIfAbsent(channel, c -> new ArrayDeque<>()).addAll(List.of(deliveries));
    }

    @Override
    public Delivery post(NotificationChannel channel, byte[] json, Map<String, String> header) {
        posts.add(channel.name());
        bodies.add(json);
        headers.add(header);
        Deque<Delivery> script = scripts.getOrDefault(channel.name(), new ArrayDeque<>());
        return script.isEmpty() ? Delivery.accepted(200) : script.poll();
    }
}
