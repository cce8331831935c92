package dev.beanstalkmigrator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.sandbox.EcsThrottles;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.OperatorProcess;
import dev.beanstalkmigrator.testing.SandboxClients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Event;
import software.amazon.awssdk.services.s3.model.FilterRuleName;
import software.amazon.awssdk.services.s3.model.NotificationConfiguration;
import software.amazon.awssdk.services.s3.model.QueueConfiguration;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The platform team's phase: 100 plans of 10 environments each under one prefix, served by three packaged replicas
 * at default settings, with the plans' S3 events through a queue and without: the idle request cost (S3 and SQS,
 * priced per month), the detection latency of a changed plan (upload to RunTask), how the plans are shared, a killed
 * replica's plans led again, and each replica's heap and RSS.
 */
final class ManyPlansBench {

    static final int PLANS = 100;
    static final int PER_PLAN = 10;
    static final List<String> REPLICAS = List.of("bench-many-a", "bench-many-b", "bench-many-c");
    static final String PREFIX = "plans/";
    /** SQS requests, us-east-1, standard queues, past the free tier. */
    static final double SQS_DOLLARS_PER_MILLION = 0.40;
    static final double TARGET_COST_WITH_EVENTS = 3.00;
    static final double TARGET_DETECTION_WITH_EVENTS_S = 2.0;
    /** Without events: the plan interval (10 s by default) plus a second. */
    static final double TARGET_DETECTION_WITHOUT_EVENTS_S = 11.0;
    static final ObjectMapper JSON = new ObjectMapper();

    /** What one mode (with or without events) measured. */
    static final class Run {
        boolean events;
        double firstMigrationsSeconds;
        Map<String, Integer> shared = new TreeMap<>();
        IdleCost s3Cost;
        Map<String, Long> calls = Map.of();
        double sqsPerMonth;
        double sqsDollars;
        Report.Latency detection;
        int orphaned = -1;
        double failoverSeconds = -1;
        Map<String, Long> rssKib = new TreeMap<>();
        Map<String, Double> heapMiB = new TreeMap<>();
        long duplicates;

        double dollars() {
            return s3Cost.dollarsPerMonth + sqsDollars;
        }
    }

    final Path dir;
    final Duration idleWindow;
    final int trials;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    ManyPlansBench(Path dir, Duration idleWindow, int trials) {
        this.dir = dir;
        this.idleWindow = idleWindow;
        this.trials = trials;
    }

    static String plan(int p) {
        return PREFIX + String.format("team-%03d.yaml", p);
    }

    Run run(boolean events, boolean failover) throws Exception {
        Run run = new Run();
        run.events = events;
        BenchWorld world = new BenchWorld(PLANS * PER_PLAN, 100, trials);
        Path work = dir.resolve(events ? "many-plans-events" : "many-plans-polling");
        Benchmark.log("many plans (%s): %d plans of %d environments, %d replicas at default settings",
                events ? "with events" : "listing every plan interval", PLANS, PER_PLAN, REPLICAS.size());
        try (SandboxCloud cloud = SandboxCloud.start(SandboxOptions.builder().port(0).threads(32).build(),
                world.seed());
             S3Client s3 = S3Client.builder().httpClient(UrlConnectionHttpClient.create())
                     .endpointOverride(cloud.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                     .credentialsProvider(SandboxClients.CREDENTIALS).build()) {
            cloud.setGlobalLatency(Benchmark.AWS_LATENCY);
            cloud.setEcsThrottling(EcsThrottles.DOCUMENTED);
            String queue = events ? queue(cloud, s3) : null;
            Map<Integer, Map<String, String>> versions = new HashMap<>();
            for (int p = 0; p < PLANS; p++) {
                versions.put(p, new HashMap<>());
                upload(s3, world, p, versions.get(p));
            }
            List<OperatorProcess> replicas = new ArrayList<>();
            try {
                long started = System.nanoTime();
                for (String identity : REPLICAS) {
                    Map<String, String> settings = new LinkedHashMap<>();
                    settings.put("migrator.desired-state.uri", "s3://" + BenchWorld.BUCKET + "/" + PREFIX);
                    settings.put("migrator.leader-election.identity", identity);
                    if (queue != null) {
                        settings.put("migrator.desired-state.events", queue);
                    }
                    replicas.add(Benchmark.startOperator(cloud.endpoint(), work, identity, List.of(), settings));
                }
                for (OperatorProcess replica : replicas) {
                    replica.awaitReady(Duration.ofMinutes(3));
                }
                Benchmark.await("the first migrations of " + world.n + " environments in " + PLANS + " plans",
                        Duration.ofMinutes(10), () -> migrated(cloud, "v1") == world.n, Duration.ofMillis(500));
                run.firstMigrationsSeconds = (System.nanoTime() - started) / 1e9;
                Benchmark.await("every plan to be led", Duration.ofMinutes(3),
                        () -> served(replicas).values().stream().mapToInt(Integer::intValue).sum() == PLANS,
                        Duration.ofMillis(500));
                run.shared = served(replicas);
                Benchmark.log("many plans: first migrations after %.1f s, shared %s", run.firstMigrationsSeconds,
                        run.shared);

                // --- idle
                Thread.sleep(Benchmark.IDLE_COST_SETTLE.toMillis());
                Map<String, Long> before = cloud.calls();
                long t0 = System.nanoTime();
                Thread.sleep(idleWindow.toMillis());
                double seconds = (System.nanoTime() - t0) / 1e9;
                run.calls = Benchmark.delta(before, cloud.calls());
                run.s3Cost = IdleCost.of(run.calls, seconds);
                long sqs = run.calls.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("sqs:") && e.getKey().indexOf(':', 4) < 0)
                        .mapToLong(Map.Entry::getValue).sum();
                run.sqsPerMonth = sqs * IdleCost.MONTH_SECONDS / seconds;
                run.sqsDollars = run.sqsPerMonth / 1_000_000 * SQS_DOLLARS_PER_MILLION;
                for (int i = 0; i < replicas.size(); i++) {
                    run.rssKib.put(REPLICAS.get(i), replicas.get(i).rssKib());
                    run.heapMiB.put(REPLICAS.get(i), replicas.get(i).heapUsedNow());
                }
                Benchmark.log("many plans: idle $%.2f/month (S3 $%.2f, SQS $%.2f)", run.dollars(),
                        run.s3Cost.dollarsPerMonth, run.sqsDollars);

                // --- detection: a plan changed, at a random phase against the polls
                List<Double> latencies = new ArrayList<>();
                for (int t = 1; t <= trials; t++) {
                    int p = (t * 37) % PLANS;
                    String environment = world.environments().get(p * PER_PLAN);
                    String version = BenchWorld.latencyVersion(t);
                    versions.get(p).put(environment, version);
                    Thread.sleep(ThreadLocalRandom.current().nextLong(0, 1000));
                    upload(s3, world, p, versions.get(p));
                    Instant put = Instant.now();
                    RunRecord[] found = new RunRecord[1];
                    Benchmark.await("the operator to launch " + environment + " " + version, Duration.ofSeconds(60),
                            () -> (found[0] = runOf(cloud, environment, version)) != null, Duration.ofMillis(20));
                    latencies.add(Duration.between(put, found[0].time()).toNanos() / 1e9);
                }
                run.detection = new Report.Latency(latencies);
                Benchmark.log("many plans: detection p50 %.2f s, p95 %.2f s", run.detection.pct(0.5),
                        run.detection.p95());

                // --- failover: the replica that leads most plans, killed
                if (failover) {
                    Map<String, Set<String>> leads = leads(replicas);
                    String victim = leads.entrySet().stream().max(Map.Entry.comparingByValue(
                            java.util.Comparator.comparingInt(Set::size))).orElseThrow().getKey();
                    Set<String> orphaned = leads.get(victim);
                    run.orphaned = orphaned.size();
                    OperatorProcess killed = replicas.get(REPLICAS.indexOf(victim));
                    long killedAt = System.nanoTime();
                    killed.kill();
                    Benchmark.await("the killed replica's plans to be led again", Duration.ofMinutes(4), () -> {
                        Set<String> now = new TreeSet<>();
                        leads(replicas).values().forEach(now::addAll);
                        return now.containsAll(orphaned);
                    }, Duration.ofMillis(200));
                    run.failoverSeconds = (System.nanoTime() - killedAt) / 1e9;
                    Benchmark.log("many plans: %d plans of the killed replica led again after %.1f s", run.orphaned,
                            run.failoverSeconds);
                }
                run.duplicates = duplicates(cloud);
            } finally {
                for (OperatorProcess replica : replicas) {
                    replica.close();
                }
            }
        }
        return run;
    }

    /** The queue of the plans' events and the bucket's notification configuration, made as a user makes them. */
    static String queue(SandboxCloud cloud, S3Client s3) {
        try (SqsClient sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(cloud.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(SandboxClients.CREDENTIALS).build()) {
            String url = sqs.createQueue(b -> b.queueName("migrator-plan-events")).queueUrl();
            s3.putBucketNotificationConfiguration(b -> b.bucket(BenchWorld.BUCKET).notificationConfiguration(
                    NotificationConfiguration.builder().queueConfigurations(QueueConfiguration.builder()
                            .id("plans").queueArn("arn:aws:sqs:us-east-1:000000000000:migrator-plan-events")
                            .events(Event.S3_OBJECT_CREATED, Event.S3_OBJECT_REMOVED)
                            .filter(f -> f.key(k -> k.filterRules(r -> r.name(FilterRuleName.PREFIX).value(PREFIX),
                                    r -> r.name(FilterRuleName.SUFFIX).value(".yaml")))).build()).build()));
            return url;
        }
    }

    static void upload(S3Client s3, BenchWorld world, int p, Map<String, String> versions) {
        List<String> environments = world.environments().subList(p * PER_PLAN, (p + 1) * PER_PLAN);
        s3.putObject(b -> b.bucket(BenchWorld.BUCKET).key(plan(p)), RequestBody.fromString(
                world.plan(String.format("team-%03d", p), environments, versions, "v1")));
    }

    static long migrated(SandboxCloud cloud, String version) {
        return cloud.runs().stream().filter(r -> version.equals(r.tags().get("beanstalk-migrator:version")))
                .map(r -> r.tags().get("beanstalk-migrator:environment")).distinct().count();
    }

    static RunRecord runOf(SandboxCloud cloud, String environment, String version) {
        for (RunRecord run : cloud.runs()) {
            if (environment.equals(run.tags().get("beanstalk-migrator:environment"))
                    && version.equals(run.tags().get("beanstalk-migrator:version"))) {
                return run;
            }
        }
        return null;
    }

    /** (environment, version) pairs ECS ran more than once. */
    static long duplicates(SandboxCloud cloud) {
        Map<String, Long> runs = new HashMap<>();
        cloud.runs().forEach(r -> runs.merge(r.tags().get("beanstalk-migrator:environment") + "@"
                + r.tags().get("beanstalk-migrator:version"), 1L, Long::sum));
        return runs.values().stream().filter(n -> n > 1).count();
    }

    /** The plans each live replica says it leads. */
    Map<String, Set<String>> leads(List<OperatorProcess> replicas) {
        Map<String, Set<String>> leads = new TreeMap<>();
        for (int i = 0; i < replicas.size(); i++) {
            OperatorProcess replica = replicas.get(i);
            if (!replica.isAlive()) {
                continue;
            }
            Set<String> plans = new TreeSet<>();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + replica.httpPort() + "/api/v1/plans")).timeout(Duration.ofSeconds(10)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                for (JsonNode plan : JSON.readTree(r.body())) {
                    if (plan.path("servedHere").asBoolean()) {
                        plans.add(plan.path("plan").asText());
                    }
                }
            } catch (IOException e) {
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return leads;
            }
            leads.put(REPLICAS.get(i), plans);
        }
        return leads;
    }

    Map<String, Integer> served(List<OperatorProcess> replicas) {
        Map<String, Integer> served = new TreeMap<>();
        leads(replicas).forEach((replica, plans) -> served.put(replica, plans.size()));
        return served;
    }

    /** The report's section for both modes. */
    static String markdown(Run withEvents, Run polling) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "## Many plans: %d plans of %d environments, %d replicas at default"
                + " settings\n\n", PLANS, PER_PLAN, REPLICAS.size()));
        md.append("| figure | with events | listing every plan interval | target |\n|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| first migrations of %d environments, from start | %.1f s | %.1f s | |\n",
                PLANS * PER_PLAN, withEvents.firstMigrationsSeconds, polling.firstMigrationsSeconds));
        md.append(String.format(Locale.ROOT, "| plans led per replica | %s | %s | at most %d each |\n",
                withEvents.shared, polling.shared, (PLANS + REPLICAS.size() - 1) / REPLICAS.size()));
        md.append(String.format(Locale.ROOT, "| idle request cost, per month | $%.2f (S3 $%.2f, SQS $%.2f) | $%.2f"
                        + " (S3 $%.2f) | with events at most $%.2f: %s |\n", withEvents.dollars(),
                withEvents.s3Cost.dollarsPerMonth, withEvents.sqsDollars, polling.dollars(),
                polling.s3Cost.dollarsPerMonth, TARGET_COST_WITH_EVENTS,
                withEvents.dollars() <= TARGET_COST_WITH_EVENTS ? "met" : "missed"));
        md.append(String.format(Locale.ROOT, "| detection, upload to RunTask, p50 / p95 / max (%d trials) | %.2f / %.2f"
                        + " / %.2f s | %.2f / %.2f / %.2f s | p95 at most %.0f s with events (%s), %.0f s without"
                        + " (%s) |\n", withEvents.detection.seconds.size(), withEvents.detection.pct(0.5),
                withEvents.detection.p95(), withEvents.detection.max(), polling.detection.pct(0.5),
                polling.detection.p95(), polling.detection.max(), TARGET_DETECTION_WITH_EVENTS_S,
                withEvents.detection.p95() <= TARGET_DETECTION_WITH_EVENTS_S ? "met" : "missed",
                TARGET_DETECTION_WITHOUT_EVENTS_S,
                polling.detection.p95() <= TARGET_DETECTION_WITHOUT_EVENTS_S ? "met" : "missed"));
        md.append(String.format(Locale.ROOT, "| a killed replica's plans led again | %s | %s | within the failover"
                        + " time (about 60 to 80 s after a crash) |\n",
                withEvents.failoverSeconds < 0 ? "not run" : String.format(Locale.ROOT, "%d plans after %.1f s",
                        withEvents.orphaned, withEvents.failoverSeconds),
                polling.failoverSeconds < 0 ? "not run" : String.format(Locale.ROOT, "%d plans after %.1f s",
                        polling.orphaned, polling.failoverSeconds)));
        md.append(String.format(Locale.ROOT, "| RSS, idle, per replica | %s | %s | reported |\n",
                mib(withEvents.rssKib), mib(polling.rssKib)));
        md.append(String.format(Locale.ROOT, "| heap used, idle, per replica | %s | %s | reported |\n",
                heap(withEvents.heapMiB), heap(polling.heapMiB)));
        md.append(String.format(Locale.ROOT, "| (environment, version) run twice | %d | %d | 0 |\n\n",
                withEvents.duplicates, polling.duplicates));
        for (Run run : List.of(withEvents, polling)) {
            md.append(run.events ? "With events" : "Listing every plan interval").append(String.format(Locale.ROOT,
                    ", requests in a %.0f s idle window, per month: ", run.s3Cost.windowSeconds));
            List<String> parts = new ArrayList<>();
            for (IdleCost.Line line : run.s3Cost.lines) {
                parts.add(String.format(Locale.ROOT, "S3 %s %,.0f ($%.3f)", line.operation(), line.perMonth(),
                        line.dollarsPerMonth()));
            }
            if (run.sqsPerMonth > 0) {
                parts.add(String.format(Locale.ROOT, "SQS %,.0f ($%.3f)", run.sqsPerMonth, run.sqsDollars));
            }
            md.append(String.join(", ", parts)).append(".\n\n");
        }
        md.append(IdleCost.PRICES).append("; SQS $0.40 per million requests (past the free tier).\n\n");
        return md.toString();
    }

    private static String mib(Map<String, Long> kib) {
        List<String> out = new ArrayList<>();
        kib.forEach((k, v) -> out.add(String.format(Locale.ROOT, "%.0f", v / 1024.0)));
        return String.join(" / ", out) + " MiB";
    }

    private static String heap(Map<String, Double> mib) {
        List<String> out = new ArrayList<>();
        mib.forEach((k, v) -> out.add(String.format(Locale.ROOT, "%.0f", v)));
        return String.join(" / ", out) + " MiB";
    }
}
