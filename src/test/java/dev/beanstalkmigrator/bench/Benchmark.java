package dev.beanstalkmigrator.bench;

import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.EcsThrottles;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.AwsCli;
import dev.beanstalkmigrator.testing.OperatorProcess;
import dev.beanstalkmigrator.testing.ThrottledCalls;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The benchmark behind {@code bench/run}: a sandbox (simulated AWS, 20 ms per call) in this JVM, the packaged
 * operator as a separate process against it, and the manual recipe (bench/manual-recipe.sh, the AWS CLI in a
 * bash loop) against the same sandbox, for each size; the figures go to stdout and to a Markdown report.
 * All traffic goes to 127.0.0.1; every wait is bounded.
 */
public final class Benchmark {

    static final Duration AWS_LATENCY = Duration.ofMillis(20);
    static final Map<String, String> INTERVALS = Map.of(
            "migrator.poll.plan-interval", "1s",
            "migrator.poll.beanstalk-interval", "3s",
            "migrator.poll.task-interval", "1s");
    static final double PLAN_INTERVAL_S = 1.0;
    static final double BEANSTALK_INTERVAL_S = 3.0;

    final Options options;
    final Report report;

    Benchmark(Options options) {
        this.options = options;
        this.report = new Report(options);
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Files.createDirectories(options.work);
        Benchmark benchmark = new Benchmark(options);
        long start = System.nanoTime();
        for (int size : options.sizes) {
            benchmark.runSize(size);
        }
        if (options.idleCostWindow.compareTo(Duration.ZERO) > 0) {
            benchmark.idleCost();
        }
        String manyPlans = "";
        if (options.manyPlans) {
            ManyPlansBench phase = new ManyPlansBench(options.work, options.manyPlansIdleWindow,
                    options.manyPlansTrials);
            ManyPlansBench.Run withEvents = phase.run(true, true);
            ManyPlansBench.Run polling = phase.run(false, false);
            manyPlans = ManyPlansBench.markdown(withEvents, polling);
        }
        benchmark.report.totalSeconds = (System.nanoTime() - start) / 1e9;
        String markdown = benchmark.report.markdown() + (manyPlans.isEmpty() ? "" : "\n" + manyPlans);
        System.out.println();
        System.out.println(markdown);
        if (options.results != null) {
            Files.writeString(options.results, markdown, StandardCharsets.UTF_8);
            System.out.println("written to " + options.results);
        }
        System.exit(0);
    }

    static void log(String format, Object... args) {
        System.out.printf("[bench %tT] %s%n", System.currentTimeMillis(), String.format(format, args));
        System.out.flush();
    }

    // ------------------------------------------------------------------------------------------- one size

    /**
     * The packaged operator pointed at the benchmark's sandbox, logging to {@code dir/NAME.log} and its GC to
     * {@code dir/NAME.gc.log}.
     *
     * @param jvmOptions extra JVM options (a deployment's tuning), before {@code -jar}
     * @param settings   {@code migrator.*} and other system properties
     */
    static OperatorProcess startOperator(URI endpoint, Path dir, String name, List<String> jvmOptions,
                                         Map<String, String> settings) throws IOException {
        return startOperator(OperatorProcess.Launch.thisJvm(OperatorProcess.JAR), endpoint, dir, name, jvmOptions,
                settings);
    }

    /** As {@link #startOperator(URI, Path, String, List, Map)}, run by {@code launch} (another JDK, directory). */
    static OperatorProcess startOperator(OperatorProcess.Launch launch, URI endpoint, Path dir, String name,
                                         List<String> jvmOptions, Map<String, String> settings) throws IOException {
        Files.createDirectories(dir);
        List<String> arguments = new ArrayList<>();
        // Absolute: the launch may run in another directory.
        arguments.add("-Xlog:gc:file=" + gcLog(dir, name).toAbsolutePath() + ":uptime");
        arguments.addAll(jvmOptions);
        arguments.add("-Dmigrator.desired-state.uri=s3://" + BenchWorld.BUCKET + "/" + BenchWorld.PLAN_KEY);
        arguments.add("-Dmigrator.aws.endpoint-override=" + endpoint);
        arguments.add("-Dmigrator.aws.region=us-east-1");
        arguments.add("-Dquarkus.s3.path-style-access=true");
        arguments.add("-Dmigrator.api.token=bench-token");
        if (!settings.containsKey("migrator.leader-election.identity")) {
            arguments.add("-Dmigrator.leader-election.identity=bench");
        }
        settings.forEach((k, v) -> arguments.add("-D" + k + "=" + v));
        return OperatorProcess.start(launch, OperatorProcess.freePort(), arguments,
                AwsCli.testCredentials(dir), dir.resolve(name + ".log"), false);
    }

    /** A WARN or ERROR line of the operator's log, JSON (the production profile) or plain text. */
    static boolean warnOrError(String line) {
        return line.contains(" WARN ") || line.contains(" ERROR ") || line.contains("\"level\":\"WARN\"")
                || line.contains("\"level\":\"ERROR\"");
    }

    static Path gcLog(Path dir, String name) {
        return dir.resolve(name + ".gc.log");
    }

    /**
     * The largest heap occupancy seen before a collection ({@code -Xlog:gc} "Pause ... 45M->12M(256M)") between
     * two uptimes, and the largest committed heap, in MiB. Occupancy only grows between collections, so the
     * before-GC figures bound the peak from below to within one allocation burst.
     */
    static double[] gcPeak(Path gcLog, double fromUptime, double toUptime) throws IOException {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("^\\[([0-9.]+)s\\].*?(\\d+)M->(\\d+)M\\((\\d+)M\\)");
        double peak = 0;
        double committed = 0;
        int collections = 0;
        for (String l : Files.readAllLines(gcLog)) {
            java.util.regex.Matcher m = line.matcher(l);
            if (m.find()) {
                double t = Double.parseDouble(m.group(1));
                if (t >= fromUptime && t <= toUptime) {
                    peak = Math.max(peak, Double.parseDouble(m.group(2)));
                    committed = Math.max(committed, Double.parseDouble(m.group(4)));
                    collections++;
                }
            }
        }
        return new double[] {peak, committed, collections};
    }

    void runSize(int n) throws Exception {
        Report.Size r = report.size(n);
        BenchWorld world = new BenchWorld(n, options.perApplication, Math.max(options.trials, options.manualTrials));
        r.applications = world.applications();
        report.sampleLoad("N=" + n + " start");
        Path dir = options.work.resolve("n" + n);
        Files.createDirectories(dir);
        log("N=%d: %d applications; starting the sandbox", n, r.applications);
        try (SandboxCloud cloud = SandboxCloud.start(SandboxOptions.builder().port(0).threads(64).build(),
                world.seed()); InProcessOperator sdk = new InProcessOperator(cloud.endpoint())) {
            cloud.setGlobalLatency(AWS_LATENCY);
            // ECS's documented request throttling, for the operator and the manual recipe alike: a revision per
            // migration meets RegisterTaskDefinition's 20 burst and 1 per second, as it would on AWS.
            cloud.setEcsThrottling(EcsThrottles.DOCUMENTED);
            currentPort = cloud.port();
            Map<String, String> versions = new HashMap<>();
            cloud.putObject(BenchWorld.BUCKET, BenchWorld.PLAN_KEY,
                    world.plan(versions, "v1").getBytes(StandardCharsets.UTF_8));

            OperatorProcess op = startOperator(cloud.endpoint(), dir, "operator", options.jvmOptions, INTERVALS);
            try {
                // --- start and the first N migrations
                r.startupFresh = op.awaitReady(Duration.ofMinutes(5));
                log("N=%d: ready after %.2f s (Quarkus: started in %s s)", n, r.startupFresh, op.quarkusStartedIn());
                // The first cycle launches the migrations before the operator is ready: count from process start.
                double cpu0 = 0;
                long launched = op.launchedNanos();
                await("the first " + n + " migrations", Duration.ofMinutes(8),
                        () -> succeeded(cloud, world, "v1") == n);
                r.initialSeconds = (System.nanoTime() - launched) / 1e9;
                r.initialCpu = op.cpuSeconds() - cpu0;
                r.operatorRevisions = cloud.calls("ecs:RegisterTaskDefinition");
                r.operatorRuns = cloud.runs().size();
                log("N=%d: %d migrations done %.1f s after start; %d task definition revisions", n, n,
                        r.initialSeconds, r.operatorRevisions);

                // --- idle
                Thread.sleep(2000);
                idle(cloud, op, r);
                r.rssIdleMiB = op.rssKib() / 1024.0;
                log("N=%d: idle: %s; RSS %.0f MiB", n, r.idleCalls, r.rssIdleMiB);

                // --- detection latency
                if (options.latencySizes.contains(n) || options.latencySizes.contains(-1) && n == options.largest()) {
                    r.latency = latencyTrials(cloud, sdk, world, versions, options.trials, "operator",
                            t -> BenchWorld.latencyVersion(t), run -> !"manual-recipe".equals(run.startedBy()));
                    log("N=%d: detection latency p50 %.2f s p95 %.2f s", n, r.latency.p50(), r.latency.p95());
                }

                report.sampleLoad("N=" + n + " after latency");
                // --- burst
                if (n == options.burst) {
                    burst(cloud, sdk, world, versions, op, gcLog(dir, "operator"), r);
                } else if (options.footprintOnly && n == options.largest()) {
                    // The ledger as the full run leaves it for the footprint: two records per environment.
                    world.environments().forEach(e -> versions.put(e, "v3"));
                    sdk.s3.putObject(x -> x.bucket(BenchWorld.BUCKET).key(BenchWorld.PLAN_KEY),
                            RequestBody.fromBytes(world.plan(versions, "v3").getBytes(StandardCharsets.UTF_8)));
                    await("all " + n + " environments at v3", Duration.ofMinutes(8),
                            () -> succeeded(cloud, world, "v3") == n, Duration.ofSeconds(1));
                }
            } finally {
                op.close();
            }

            if (n == options.largest() && options.footprint) {
                Footprint.run(cloud, dir, r, report, options);
            } else {
                r.footprint.add(Footprint.measure(cloud, dir.toAbsolutePath(), new Footprint.Variant(
                        "Java " + Runtime.version().feature(), "as is", OperatorProcess.Launch.thisJvm(
                        OperatorProcess.JAR.toAbsolutePath()), List.of()), options));
            }
            if (options.footprintOnly) {
                return;
            }
            if (n == options.largest()) {
                cpuPerPass(cloud, r);
            }
            cloud.setGlobalLatency(AWS_LATENCY);
            report.sampleLoad("N=" + n + " manual");
            manual(cloud, sdk, world, dir, r);
        }
    }

    // ------------------------------------------------------------------------------------------- idle

    void idle(SandboxCloud cloud, OperatorProcess op, Report.Size r) throws Exception {
        Map<String, Long> before = cloud.calls();
        double cpu = op.cpuSeconds();
        long t0 = System.nanoTime();
        Thread.sleep(options.idleWindow.toMillis());
        double seconds = (System.nanoTime() - t0) / 1e9;
        r.idleCpuPerPlanInterval = (op.cpuSeconds() - cpu) / (seconds / PLAN_INTERVAL_S);
        Map<String, Long> delta = delta(before, cloud.calls());
        r.idleWindowSeconds = seconds;
        r.idleCalls = delta;
        r.s3GetPerPlanInterval = delta.getOrDefault("s3:GetObject", 0L) / (seconds / PLAN_INTERVAL_S);
        r.s3_304PerPlanInterval = delta.getOrDefault("s3:GetObject:304", 0L) / (seconds / PLAN_INTERVAL_S);
        r.describeEnvironmentsPerIntervalPerApp = delta.getOrDefault("elasticbeanstalk:DescribeEnvironments", 0L)
                / (seconds / BEANSTALK_INTERVAL_S) / r.applications;
        r.ecsCallsIdle = delta.entrySet().stream().filter(e -> e.getKey().startsWith("ecs:")
                && e.getKey().chars().filter(c -> c == ':').count() == 1).mapToLong(Map.Entry::getValue).sum();
        r.otherCallsIdle = delta.entrySet().stream().filter(e -> e.getKey().chars().filter(c -> c == ':').count() == 1
                && !e.getKey().equals("s3:GetObject") && !e.getKey().equals("elasticbeanstalk:DescribeEnvironments")
                && !e.getKey().startsWith("ecs:")).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        r.idleCallsPerPlanInterval = delta.entrySet().stream().filter(e -> e.getKey().chars()
                .filter(c -> c == ':').count() == 1).mapToLong(Map.Entry::getValue).sum() / (seconds / PLAN_INTERVAL_S);
    }

    // ------------------------------------------------------------------------------------------- idle cost

    /** Environments of the idle-cost world: S3 request counts do not depend on how many there are. */
    static final int IDLE_COST_ENVIRONMENTS = 10;
    static final List<String> REPLICAS = List.of("bench-replica-a", "bench-replica-b");

    /**
     * Two packaged replicas with every {@code migrator.*} interval and the lease at its default, against a sandbox
     * of their own with a plan whose migrations are all done: the S3 requests they make over the window, priced per
     * month ({@link IdleCost}).
     */
    void idleCost() throws Exception {
        Report.IdleCostRun run = new Report.IdleCostRun();
        report.idleCost = run;
        BenchWorld world = new BenchWorld(IDLE_COST_ENVIRONMENTS, options.perApplication, 1);
        Path dir = options.work.resolve("idle-cost");
        report.sampleLoad("idle cost");
        log("idle cost: two replicas at default settings, %d environments", world.n);
        try (SandboxCloud cloud = SandboxCloud.start(SandboxOptions.builder().port(0).threads(16).build(),
                world.seed())) {
            cloud.setGlobalLatency(AWS_LATENCY);
            cloud.setEcsThrottling(EcsThrottles.DOCUMENTED);
            cloud.putObject(BenchWorld.BUCKET, BenchWorld.PLAN_KEY,
                    world.plan(new HashMap<>(), "v1").getBytes(StandardCharsets.UTF_8));
            List<OperatorProcess> replicas = new ArrayList<>();
            try {
                for (String identity : REPLICAS) {
                    replicas.add(startOperator(cloud.endpoint(), dir, identity, List.of(),
                            Map.of("migrator.leader-election.identity", identity)));
                }
                for (OperatorProcess replica : replicas) {
                    replica.awaitReady(Duration.ofMinutes(3));
                }
                await("the idle plan's " + world.n + " migrations", Duration.ofMinutes(3),
                        () -> succeeded(cloud, world, "v1") == world.n, Duration.ofMillis(200));
                // The last outcomes are recorded at the leader's next task poll (5 s by default): let that pass.
                Thread.sleep(IDLE_COST_SETTLE.toMillis());
                MigrationStatus before = ledger(cloud);
                Map<String, Long> calls = cloud.calls();
                long t0 = System.nanoTime();
                Thread.sleep(options.idleCostWindow.toMillis());
                double seconds = (System.nanoTime() - t0) / 1e9;
                Map<String, Long> delta = delta(calls, cloud.calls());
                MigrationStatus after = ledger(cloud);
                run.cost = IdleCost.of(delta, seconds);
                run.calls = delta;
                run.holder = after.lease() == null ? "none" : after.lease().holder();
                run.takeovers = after.lease() == null || before.lease() == null ? 0
                        : after.lease().leaderTransitions() - before.lease().leaderTransitions();
                run.environments = world.n;
                log("%s", run.cost.targetLine());
            } finally {
                for (OperatorProcess replica : replicas) {
                    replica.close();
                }
            }
        }
    }

    static final Duration IDLE_COST_SETTLE = Duration.ofSeconds(10);

    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new java.util.TreeMap<>();
        after.forEach((k, v) -> {
            long x = v - before.getOrDefault(k, 0L);
            if (x != 0) {
                d.put(k, x);
            }
        });
        return d;
    }

    // ------------------------------------------------------------------------------------------- latency

    interface Labels {
        String version(int trial);
    }

    Report.Latency latencyTrials(SandboxCloud cloud, InProcessOperator sdk, BenchWorld world,
                                 Map<String, String> versions, int trials, String who, Labels labels,
                                 java.util.function.Predicate<RunRecord> mine) throws Exception {
        List<Double> seconds = new ArrayList<>();
        List<String> environments = world.environments().subList(0, Math.min(5, world.n));
        for (int t = 1; t <= trials; t++) {
            String environment = environments.get((t - 1) % environments.size());
            String version = labels.version(t);
            versions.put(environment, version);
            // A uniformly random phase against the poll: the PUT lands anywhere in the interval.
            Thread.sleep(ThreadLocalRandom.current().nextLong(0, 1000));
            byte[] plan = world.plan(versions, "v1").getBytes(StandardCharsets.UTF_8);
            String key = who.equals("manual") ? BenchWorld.MANUAL_PLAN_KEY : BenchWorld.PLAN_KEY;
            sdk.s3.putObject(b -> b.bucket(BenchWorld.BUCKET).key(key), RequestBody.fromBytes(plan));
            Instant put = Instant.now();
            RunRecord[] found = new RunRecord[1];
            await(who + " to launch " + environment + " " + version, Duration.ofSeconds(60), () -> {
                for (RunRecord run : cloud.runs()) {
                    if (mine.test(run) && environment.equals(run.tags().get("beanstalk-migrator:environment"))
                            && version.equals(run.tags().get("beanstalk-migrator:version"))) {
                        found[0] = run;
                        return true;
                    }
                }
                return false;
            });
            seconds.add(Duration.between(put, found[0].time()).toNanos() / 1e9);
        }
        return new Report.Latency(seconds);
    }

    // ------------------------------------------------------------------------------------------- burst

    void burst(SandboxCloud cloud, InProcessOperator sdk, BenchWorld world, Map<String, String> versions,
               OperatorProcess op, Path gcLog, Report.Size r) throws Exception {
        Report.Burst b = new Report.Burst();
        r.burst = b;
        int n = world.n;
        // Latency trials may still be finishing: start from a settled state.
        Thread.sleep(3000);
        int logOffset = op.logText().length();
        Map<String, Long> before = cloud.calls();
        cloud.setRunTaskRateLimit(20, 100);
        world.environments().forEach(e -> versions.put(e, "v3"));
        double up0 = op.uptime();
        double cpu0 = op.cpuSeconds();
        byte[] plan = world.plan(versions, "v3").getBytes(StandardCharsets.UTF_8);
        sdk.s3.putObject(x -> x.bucket(BenchWorld.BUCKET).key(BenchWorld.PLAN_KEY), RequestBody.fromBytes(plan));
        Instant put = Instant.now();
        log("N=%d: burst: %d environments get v3 at once; task launches limited to 20/s, burst 100; every ECS action"
                + " throttled as documented", n, n);
        long[] heapSamples = {0};
        double[] heapPeak = {0};
        await("all " + n + " burst migrations to launch", Duration.ofMinutes(6), () -> {
            long launched = cloud.runs().stream().filter(run -> "v3".equals(run.tags().get("beanstalk-migrator:version")))
                    .map(run -> run.tags().get("beanstalk-migrator:environment")).distinct().count();
            return launched == n;
        }, Duration.ofMillis(250));
        Instant last = cloud.runs().stream().filter(run -> "v3".equals(run.tags().get("beanstalk-migrator:version")))
                .map(RunRecord::time).max(Instant::compareTo).orElseThrow();
        b.seconds = Duration.between(put, last).toNanos() / 1e9;
        b.heapUsedAfterMiB = op.heapUsedNow();
        log("N=%d: burst: all launched %.1f s after the PUT", n, b.seconds);
        await("the burst migrations to succeed", Duration.ofMinutes(4), () -> succeeded(cloud, world, "v3") == n,
                Duration.ofSeconds(1));
        double up1 = op.uptime();
        b.cpuSeconds = op.cpuSeconds() - cpu0;
        double[] gc = gcPeak(gcLog, up0, up1);
        b.heapPeakBeforeGcMiB = gc[0];
        b.heapCommittedMiB = gc[1];
        b.collections = (int) gc[2];
        Map<String, Long> delta = delta(before, cloud.calls());
        b.runTaskCalls = delta.getOrDefault("ecs:RunTask", 0L);
        b.runTaskThrottled = delta.getOrDefault("ecs:RunTask:launch-throttled", 0L);
        b.throttledPerAction = ThrottledCalls.perAction(delta);
        b.revisions = delta.getOrDefault("ecs:RegisterTaskDefinition", 0L);
        b.calls = delta;
        cloud.clearRunTaskRateLimit();
        // Failures that reached the log or the ledger.
        String log = op.logText().substring(Math.min(logOffset, op.logText().length()));
        b.logFailureLines = log.lines().filter(l -> warnOrError(l)
                && (l.contains("RunTask") || l.toLowerCase().contains("throttl") || l.contains("Rate exceeded")))
                .count();
        b.logWarnOrErrorLines = log.lines().filter(Benchmark::warnOrError).count();
        b.sampleLogLine = log.lines().filter(Benchmark::warnOrError).findFirst().orElse("");
        MigrationStatus ledger = ledger(cloud);
        b.ledgerThrottleFailures = ledger == null ? -1 : ledger.environments().stream()
                .flatMap(e -> e.history().stream())
                .filter(m -> m.phase() == Phase.Failed && m.reason() != null
                        && (m.reason().toLowerCase().contains("throttl") || m.reason().contains("Rate exceeded")))
                .count();
        Map<String, Long> perKey = cloud.runs().stream().collect(Collectors.groupingBy(run ->
                run.tags().getOrDefault("beanstalk-migrator:environment", "?") + " "
                        + run.tags().getOrDefault("beanstalk-migrator:version", "?"), Collectors.counting()));
        b.duplicates = perKey.values().stream().filter(c -> c > 1).count();
        b.totalRuns = cloud.runs().size();
        log("N=%d: burst: %d RunTask calls, %d launches throttled, ECS calls throttled per action %s, %d revisions"
                        + " registered, %d duplicate (environment, version), peak heap %.0f MiB before GC, %d log failure"
                        + " lines, %d ledger throttle failures", n, b.runTaskCalls, b.runTaskThrottled,
                b.throttledPerAction, b.revisions, b.duplicates, b.heapPeakBeforeGcMiB, b.logFailureLines,
                b.ledgerThrottleFailures);
    }

    // ------------------------------------------------------------------------------------------- CPU per pass

    void cpuPerPass(SandboxCloud cloud, Report.Size r) throws Exception {
        // Thread CPU time does not count the time the caller waits for the sandbox, so no latency is needed:
        // without it the measured loop finishes sooner.
        cloud.setGlobalLatency(Duration.ZERO);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (InProcessOperator aws = new InProcessOperator(cloud.endpoint())) {
            Reconciler reconciler = aws.reconciler("bench");
            for (int i = 0; i < options.cpuWarmup; i++) {
                reconciler.cycle(true);
            }
            Map<String, Long> before = cloud.calls();
            long[] cpu = new long[options.cpuPasses];
            long allocated0 = threads.getCurrentThreadAllocatedBytes();
            long wall0 = System.nanoTime();
            for (int i = 0; i < options.cpuPasses; i++) {
                long c0 = threads.getCurrentThreadCpuTime();
                reconciler.cycle(true);
                cpu[i] = threads.getCurrentThreadCpuTime() - c0;
            }
            r.cpuPass = new Report.CpuPass();
            r.cpuPass.wallMillis = (System.nanoTime() - wall0) / 1e6 / options.cpuPasses;
            r.cpuPass.allocatedMiB = (threads.getCurrentThreadAllocatedBytes() - allocated0) / 1048576.0
                    / options.cpuPasses;
            Arrays.sort(cpu);
            r.cpuPass.medianMillis = cpu[cpu.length / 2] / 1e6;
            r.cpuPass.p90Millis = cpu[(int) Math.min(cpu.length - 1, Math.ceil(cpu.length * 0.9) - 1)] / 1e6;
            r.cpuPass.meanMillis = Arrays.stream(cpu).average().orElse(0) / 1e6;
            r.cpuPass.passes = options.cpuPasses;
            r.cpuPass.warmup = options.cpuWarmup;
            Map<String, Long> d = delta(before, cloud.calls());
            r.cpuPass.callsPerPass = d.entrySet().stream().filter(e -> e.getKey().chars().filter(c -> c == ':')
                    .count() == 1).collect(Collectors.toMap(Map.Entry::getKey,
                    e -> e.getValue() / (double) options.cpuPasses, (a, b) -> a, java.util.TreeMap::new));
            log("N=%d: idle pass: median %.2f ms CPU, %.2f MiB allocated, calls per pass %s", r.n,
                    r.cpuPass.medianMillis, r.cpuPass.allocatedMiB, r.cpuPass.callsPerPass);
        }
    }

    // ------------------------------------------------------------------------------------------- manual recipe

    void manual(SandboxCloud cloud, InProcessOperator sdk, BenchWorld world, Path dir, Report.Size r)
            throws Exception {
        Report.Manual m = new Report.Manual();
        r.manual = m;
        Path work = dir.resolve("manual");
        Files.createDirectories(work);
        Path state = work.resolve("state.txt");
        // The recipe has been running: everything of the plan at v1 is done.
        Files.writeString(state, world.environments().stream().map(e -> e + " v1\n").collect(Collectors.joining()));
        Map<String, String> versions = new HashMap<>();
        sdk.s3.putObject(x -> x.bucket(BenchWorld.BUCKET).key(BenchWorld.MANUAL_PLAN_KEY),
                RequestBody.fromBytes(world.plan(versions, "v1").getBytes(StandardCharsets.UTF_8)));

        // --- idle polls
        Map<String, Long> before = cloud.calls();
        long t0 = System.nanoTime();
        double[] cpu = runManual(work, state, options.manualIdlePolls, 0, null);
        m.idleWallPerPoll = (System.nanoTime() - t0) / 1e9 / options.manualIdlePolls;
        m.idleCpuPerPoll = cpu[0] / options.manualIdlePolls;
        Map<String, Long> d = delta(before, cloud.calls());
        m.idleCalls = d;
        m.idleCallsPerPoll = d.entrySet().stream().filter(e -> e.getKey().chars().filter(c -> c == ':').count() == 1)
                .mapToLong(Map.Entry::getValue).sum() / (double) options.manualIdlePolls;
        log("N=%d: manual idle poll: %.2f s CPU, %.1f calls, %.2f s wall", r.n, m.idleCpuPerPoll,
                m.idleCallsPerPoll, m.idleWallPerPoll);

        // --- migrations: M environments to v2 in one poll
        int count = options.manualCap <= 0 ? world.n : Math.min(world.n, options.manualCap);
        world.environments().subList(0, count).forEach(e -> versions.put(e, "v2"));
        sdk.s3.putObject(x -> x.bucket(BenchWorld.BUCKET).key(BenchWorld.MANUAL_PLAN_KEY),
                RequestBody.fromBytes(world.plan(versions, "v1").getBytes(StandardCharsets.UTF_8)));
        before = cloud.calls();
        t0 = System.nanoTime();
        cpu = runManual(work, state, 1, 0, null);
        double wall = (System.nanoTime() - t0) / 1e9;
        d = delta(before, cloud.calls());
        m.migrated = count;
        m.migrationCpu = cpu[0] - m.idleCpuPerPoll;
        m.migrationWall = wall - m.idleWallPerPoll;
        m.revisions = d.getOrDefault("ecs:RegisterTaskDefinition", 0L);
        m.runTasks = d.getOrDefault("ecs:RunTask", 0L);
        m.migrationCalls = d;
        log("N=%d: manual: %d migrations in %.1f s, %.1f s CPU, %d task definition revisions", r.n, count, wall,
                cpu[0], m.revisions);

        // --- detection latency
        if (options.manualLatencySizes.contains(r.n)) {
            Path stop = work.resolve("stop");
            Files.deleteIfExists(stop);
            Process loop = startManual(work, state, 0, 1, stop);
            try {
                m.latency = latencyTrials(cloud, sdk, world, versions, options.manualTrials, "manual",
                        t -> "m" + BenchWorld.latencyVersion(t), run -> "manual-recipe".equals(run.startedBy()));
                log("N=%d: manual detection latency p50 %.2f s p95 %.2f s", r.n, m.latency.p50(), m.latency.p95());
            } finally {
                Files.writeString(stop, "stop");
                if (!loop.waitFor(60, TimeUnit.SECONDS)) {
                    loop.destroyForcibly();
                }
            }
        }
    }

    /** Runs the recipe to completion; returns {CPU seconds (bash and its children, user + system)}. */
    double[] runManual(Path work, Path state, int polls, int interval, Path stop) throws Exception {
        Process p = startManual(work, state, polls, interval, stop);
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("the manual recipe did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("the manual recipe exited with " + p.exitValue() + ": "
                    + Files.readString(work.resolve("recipe.log")));
        }
        return new double[] {timesCpu(work.resolve("times.txt"))};
    }

    Process startManual(Path work, Path state, int polls, int interval, Path stop) throws IOException {
        ProcessBuilder b = new ProcessBuilder("bash", options.recipe.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("recipe.log").toFile()));
        AwsCli.useTestCredentials(b.environment(), work);
        Map<String, String> env = b.environment();
        env.put("ENDPOINT", "http://127.0.0.1:" + currentPort);
        env.put("BUCKET", BenchWorld.BUCKET);
        env.put("KEY", BenchWorld.MANUAL_PLAN_KEY);
        env.put("STATE", state.toString());
        env.put("WORK", work.toString());
        env.put("POLLS", String.valueOf(polls));
        env.put("INTERVAL", String.valueOf(interval));
        env.put("STOP_FILE", stop == null ? "" : stop.toString());
        env.put("TIMES_FILE", work.resolve("times.txt").toString());
        env.put("CLUSTER", BenchWorld.CLUSTER);
        env.put("FAMILY", BenchWorld.FAMILY);
        env.put("CONTAINER", BenchWorld.CONTAINER);
        env.put("IMAGE_PREFIX", BenchWorld.REGISTRY);
        env.put("SUBNET", "subnet-0aa11bb22");
        env.put("SECURITY_GROUP", "sg-0cc33dd44");
        return b.start();
    }

    int currentPort;

    /** Sum of the four figures bash's {@code times} prints ("0m1.234s 0m0.100s" twice). */
    static double timesCpu(Path file) throws IOException {
        double total = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)m([0-9.]+)s")
                .matcher(Files.readString(file));
        while (m.find()) {
            total += Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2));
        }
        return total;
    }

    // ------------------------------------------------------------------------------------------- helpers

    static MigrationStatus ledger(SandboxCloud cloud) {
        byte[] stored = cloud.getObject(BenchWorld.BUCKET, BenchWorld.STATUS_KEY);
        return stored == null ? null : LedgerCodec.read(stored);
    }

    /** Environments of the world whose migration of {@code version} has succeeded, per the ledger. */
    static long succeeded(SandboxCloud cloud, BenchWorld world, String version) {
        MigrationStatus status = ledger(cloud);
        if (status == null) {
            return 0;
        }
        long ok = 0;
        for (EnvironmentStatus e : status.environments()) {
            MigrationRecord record = e.find(version, "");
            if (record != null && record.phase() == Phase.Succeeded) {
                ok++;
            }
        }
        return ok;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(what, timeout, condition, Duration.ofMillis(10));
    }

    static void await(String what, Duration timeout, BooleanSupplier condition, Duration poll)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(poll.toMillis());
        }
    }

    // ------------------------------------------------------------------------------------------- options

    static final class Options {
        List<Integer> sizes = List.of(10, 100, 1000);
        List<Integer> latencySizes = List.of(10, 1000);
        List<Integer> manualLatencySizes = List.of(10);
        int perApplication = 100;
        int trials = 20;
        int manualTrials = 10;
        int burst = 1000;
        int manualCap = 10;
        int manualIdlePolls = 2;
        int cpuWarmup = 30;
        int cpuPasses = 100;
        boolean footprint = true;
        /** Only the first migrations, a second version for all, and the footprint at the largest size. */
        boolean footprintOnly;
        Duration idleWindow = Duration.ofSeconds(12);
        /** Long enough for several lease renewals (every 20 s at the defaults); zero skips the phase. */
        Duration idleCostWindow = Duration.ofSeconds(180);
        /** The platform team's phase: 100 plans of 10 environments, 3 replicas, with events and without. */
        boolean manyPlans = true;
        Duration manyPlansIdleWindow = Duration.ofSeconds(120);
        int manyPlansTrials = 20;
        List<String> jvmOptions = List.of();
        Path work = Path.of("target/bench");
        Path results;
        Path recipe = Path.of("bench/manual-recipe.sh");
        String command = "bench/run";
        String commit = "?";

        int largest() {
            return sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
        }

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--sizes" -> { o.sizes = ints(v); i++; }
                    case "--latency-sizes" -> { o.latencySizes = ints(v); i++; }
                    case "--manual-latency-sizes" -> { o.manualLatencySizes = ints(v); i++; }
                    case "--per-application" -> { o.perApplication = Integer.parseInt(v); i++; }
                    case "--trials" -> { o.trials = Integer.parseInt(v); i++; }
                    case "--manual-trials" -> { o.manualTrials = Integer.parseInt(v); i++; }
                    case "--burst" -> { o.burst = Integer.parseInt(v); i++; }
                    case "--manual-cap" -> { o.manualCap = Integer.parseInt(v); i++; }
                    case "--manual-idle-polls" -> { o.manualIdlePolls = Integer.parseInt(v); i++; }
                    case "--cpu-passes" -> { o.cpuPasses = Integer.parseInt(v); i++; }
                    case "--cpu-warmup" -> { o.cpuWarmup = Integer.parseInt(v); i++; }
                    case "--idle-window" -> { o.idleWindow = Duration.ofSeconds(Long.parseLong(v)); i++; }
                    case "--idle-cost-window" -> { o.idleCostWindow = Duration.ofSeconds(Long.parseLong(v)); i++; }
                    case "--idle-cost-only" -> { o.sizes = List.of(); o.manyPlans = false; }
                    case "--many-plans-only" -> { o.sizes = List.of(); o.idleCostWindow = Duration.ZERO; }
                    case "--no-many-plans" -> o.manyPlans = false;
                    case "--many-plans-idle-window" -> {
                        o.manyPlansIdleWindow = Duration.ofSeconds(Long.parseLong(v));
                        i++;
                    }
                    case "--many-plans-trials" -> { o.manyPlansTrials = Integer.parseInt(v); i++; }
                    case "--no-footprint" -> o.footprint = false;
                    case "--footprint-only" -> {
                        o.footprintOnly = true;
                        o.latencySizes = List.of();
                        o.burst = 0;
                        o.idleCostWindow = Duration.ZERO;
                    }
                    case "--jvm-options" -> { o.jvmOptions = v.isBlank() ? List.of() : List.of(v.trim().split("\\s+")); i++; }
                    case "--work" -> { o.work = Path.of(v); i++; }
                    case "--results" -> { o.results = Path.of(v); i++; }
                    case "--recipe" -> { o.recipe = Path.of(v); i++; }
                    case "--command" -> { o.command = v; i++; }
                    case "--commit" -> { o.commit = v; i++; }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            return o;
        }

        static List<Integer> ints(String v) {
            return v == null || v.isBlank() ? List.of()
                    : Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
        }
    }
}
