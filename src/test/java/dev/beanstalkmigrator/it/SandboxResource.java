package dev.beanstalkmigrator.it;

import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Starts the sandbox cloud on a free port, seeded with the integration tests' world, points the operator at
 * it, and records every log line the JVM writes so that tests can look for leaked secrets.
 */
public class SandboxResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "it-migrator";
    public static final String PLAN_KEY = "plan.yaml";
    public static final String STATUS_KEY = "plan.status.yaml";
    public static final String TOKEN = "it-token";

    private static volatile SandboxCloud cloud;
    private static final List<String> LOG = new CopyOnWriteArrayList<>();
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String message = record.getMessage();
            if (record.getParameters() != null && message != null) {
                try {
                    message = String.format(message, record.getParameters());
                } catch (RuntimeException e) {
                    message = message + " " + List.of(record.getParameters());
                }
            }
            LOG.add(record.getLoggerName() + " " + message
                    + (record.getThrown() == null ? "" : " " + record.getThrown()));
        }

        @Override
        public void flush() { }

        @Override
        public void close() { }
    };

    public static SandboxCloud cloud() {
        return cloud;
    }

    /** Every log line written since the sandbox started, except the sandbox's own (it plays AWS). */
    public static List<String> operatorLog() {
        List<String> lines = new ArrayList<>();
        for (String line : LOG) {
            if (!line.startsWith("dev.beanstalkmigrator.sandbox")) {
                lines.add(line);
            }
        }
        return lines;
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
        java.util.logging.Logger.getLogger("").addHandler(CAPTURE);
        // The SDK's default credentials chain reads these; the sandbox does not check signatures.
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
        plan(Plans.plan());
        return Map.ofEntries(
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
        java.util.logging.Logger.getLogger("").removeHandler(CAPTURE);
        if (cloud != null) {
            cloud.close();
        }
    }
}
