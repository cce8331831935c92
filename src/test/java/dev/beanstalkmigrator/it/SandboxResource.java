package dev.beanstalkmigrator.it;

import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.LogCapture;
import dev.beanstalkmigrator.testing.Plans;
import dev.beanstalkmigrator.testing.WebhookReceiver;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the sandbox cloud on a free port, seeded with the integration tests' world, points the operator at
 * it, and records every log line the JVM writes so that tests can look for leaked secrets.
 */
public class SandboxResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "it-migrator";
    public static final String PLAN_KEY = "plan.yaml";
    public static final String STATUS_KEY = "plan.status.yaml";
    public static final String TOKEN = "it-token";

    /** In the URLs of the notification channels: it must appear in no ledger, API answer or log line. */
    public static final String WEBHOOK_CANARY = "canary-webhook-url-71c2e9";

    private static volatile SandboxCloud cloud;
    private static volatile WebhookReceiver receiver;
    private static final LogCapture CAPTURE = new LogCapture();

    public static SandboxCloud cloud() {
        return cloud;
    }

    /** Every log line written since the sandbox started, except the sandbox's own (it plays AWS). */
    public static List<String> operatorLog() {
        List<String> lines = new ArrayList<>();
        for (String line : CAPTURE.lines()) {
            if (!line.startsWith("dev.beanstalkmigrator.sandbox")) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Receives the operator's notifications: channel {@code ops} (operator configuration) and the plan's. */
    public static WebhookReceiver receiver() {
        return receiver;
    }

    /** The receiver's path for a channel, the canary in it. */
    public static String hookPath(String channel) {
        return "/hooks/" + channel + "/" + WEBHOOK_CANARY;
    }

    public static String ledger() {
        byte[] body = cloud.getObject(BUCKET, STATUS_KEY);
        return body == null ? null : new String(body, StandardCharsets.UTF_8);
    }

    public static void plan(String yaml) {
        cloud.putObject(BUCKET, PLAN_KEY, yaml.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Map<String, String> start() {
        CAPTURE.attach();
        // The SDK's default credentials chain reads these; the sandbox does not check signatures.
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        plan(Plans.plan());
        receiver = WebhookReceiver.start();
        return Map.ofEntries(
                Map.entry("migrator.notifications.channels.ops.type", "webhook"),
                Map.entry("migrator.notifications.channels.ops.url", receiver.url(hookPath("ops"))),
                Map.entry("migrator.notifications.channels.ops.events", "Failed"),
                Map.entry("migrator.notifications.initial-delay", "100ms"),
                Map.entry("migrator.notifications.max-delay", "1s"),
                // What a plan's channel names with urlFrom: in production, a variable of the operator's environment.
                Map.entry("SHOP_SLACK_URL", receiver.url(hookPath("team"))),
                Map.entry("migrator.aws.endpoint-override", cloud.endpoint().toString()),
                Map.entry("migrator.aws.region", "us-east-1"),
                Map.entry("migrator.desired-state.uri", "s3://" + BUCKET + "/" + PLAN_KEY),
                Map.entry("migrator.api.token", TOKEN),
                Map.entry("migrator.poll.plan-interval", "200ms"),
                Map.entry("migrator.poll.beanstalk-interval", "300ms"),
                Map.entry("migrator.poll.task-interval", "200ms"),
                Map.entry("migrator.leader-election.identity", "it-replica"),
                Map.entry("quarkus.log.category.\"dev.beanstalkmigrator\".level", "DEBUG"));
    }

    @Override
    public void stop() {
        CAPTURE.detach();
        if (receiver != null) {
            receiver.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }
}
