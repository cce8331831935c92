package dev.beanstalkmigrator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of a run, and the Markdown report (table, notes, targets) built from them. */
final class Report {

    static final class Latency {
        final List<Double> seconds;

        Latency(List<Double> seconds) {
            this.seconds = seconds.stream().sorted().toList();
        }

        double p50() {
            return pct(0.50);
        }

        double p95() {
            return pct(0.95);
        }

        double max() {
            return seconds.get(seconds.size() - 1);
        }

        /** Nearest-rank percentile. */
        double pct(double p) {
            int rank = (int) Math.ceil(p * seconds.size());
            return seconds.get(Math.max(0, Math.min(seconds.size() - 1, rank - 1)));
        }
    }

    static final class Burst {
        double seconds;
        double cpuSeconds;
        long runTaskCalls;
        long runTaskThrottled;
        Map<String, Long> throttledPerAction = Map.of();
        long revisions;
        long logFailureLines;
        long logWarnOrErrorLines;
        String sampleLogLine = "";
        long ledgerThrottleFailures;
        long duplicates;
        long totalRuns;
        double heapPeakBeforeGcMiB;
        double heapCommittedMiB;
        double heapUsedAfterMiB;
        int collections;
        Map<String, Long> calls;
    }

    static final class CpuPass {
        double medianMillis;
        double p90Millis;
        double meanMillis;
        double wallMillis;
        double allocatedMiB;
        int passes;
        int warmup;
        Map<String, Double> callsPerPass;
    }

    static final class Manual {
        double idleCpuPerPoll;
        double idleWallPerPoll;
        double idleCallsPerPoll;
        Map<String, Long> idleCalls;
        int migrated;
        double migrationCpu;
        double migrationWall;
        long revisions;
        long runTasks;
        Map<String, Long> migrationCalls;
        Latency latency;
    }

    static final class FootprintRow {
        final String jdk;
        final String name;
        final List<Double> startup = new ArrayList<>();
        final List<Double> rssMiB = new ArrayList<>();
        final List<String> quarkus = new ArrayList<>();

        FootprintRow(String jdk, String name) {
            this.jdk = jdk;
            this.name = name;
        }

        boolean shipped() {
            return name.startsWith(Footprint.SHIPPED);
        }

        double medianStartup() {
            return median(startup);
        }

        double medianRss() {
            return median(rssMiB);
        }

        double bestStartup() {
            return startup.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static final class Profile {
        String run;
        int classesShared;
        double readySeconds;
        int samples;
        Map<String, Integer> categories = Map.of();
        Map<String, Integer> topPackages = Map.of();
        int classes;
        Map<String, Integer> classGroups = Map.of();
    }

    static final class Size {
        final int n;
        int applications;
        double startupFresh;
        double initialSeconds;
        double initialCpu;
        long operatorRevisions;
        int operatorRuns;
        double rssIdleMiB;
        double idleWindowSeconds;
        Map<String, Long> idleCalls = Map.of();
        double s3GetPerPlanInterval;
        double s3_304PerPlanInterval;
        double describeEnvironmentsPerIntervalPerApp;
        long ecsCallsIdle;
        Map<String, Long> otherCallsIdle = Map.of();
        double idleCallsPerPlanInterval;
        double idleCpuPerPlanInterval;
        Latency latency;
        Burst burst;
        CpuPass cpuPass;
        Manual manual;
        final List<FootprintRow> footprint = new ArrayList<>();
        /** Why the image as shipped was not measured, or null. */
        String footprintSkipped;
        /** How the image as shipped runs the operator, once its steps ran; null before or without its JDK. */
        dev.beanstalkmigrator.testing.OperatorProcess.Launch shippedLaunch;
        List<String> shippedOptions = List.of();
        Profile profile;

        Size(int n) {
            this.n = n;
        }
    }

    /** Two idle replicas at default settings, and what their S3 requests cost. */
    static final class IdleCostRun {
        int environments;
        IdleCost cost;
        Map<String, Long> calls = Map.of();
        String holder;
        int takeovers;
    }

    final Benchmark.Options options;
    final Map<Integer, Size> sizes = new LinkedHashMap<>();
    IdleCostRun idleCost;
    double totalSeconds;
    final List<String> loadSamples = new ArrayList<>();

    /** The 1-minute load average now, from /proc/loadavg (other work on the machine inflates the figures). */
    void sampleLoad(String when) {
        try {
            loadSamples.add(when + " " + Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException e) {
            // not Linux
        }
    }

    Report(Benchmark.Options options) {
        this.options = options;
    }

    Size size(int n) {
        return sizes.computeIfAbsent(n, Size::new);
    }

    // ------------------------------------------------------------------------------------------- Markdown

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : f("%." + decimals + "f", v);
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        md.append(f("Command: `%s`  \nDate: %s  \nCommit: %s  \nMachine: %s  \nRun time: %.0f s\n\n", options.command,
                LocalDate.now(), options.commit, machine(), totalSeconds));
        md.append("Load average (1 min) of the machine during the run, sampled at each phase: ")
                .append(String.join(", ", loadSamples))
                .append(". A load above the core count means other processes competed for the CPU and every time "
                        + "figure is inflated.\n\n");
        List<Size> all = new ArrayList<>(sizes.values());
        if (!all.isEmpty()) {
            md.append("Setup: a sandbox (simulated S3, Elastic Beanstalk, ECS, CloudWatch Logs; every call delayed "
                    + "20 ms) in the benchmark JVM, the packaged operator (`java -jar target/quarkus-app/quarkus-run.jar`, "
                    + "production profile) as a separate process with plan interval 1 s, Beanstalk interval 3 s, task "
                    + "interval 1 s; N environments, " + options.perApplication + " per application, every one at v1; "
                    + "the manual recipe (`bench/manual-recipe.sh`, the AWS CLI in a bash loop) against the same "
                    + "sandbox.\n\n");
            sizeTables(md, all);
        }
        idleCostSection(md);
        for (Size s : all) {
            if (s.burst != null) {
                Burst b = s.burst;
                md.append(f("## Burst: %d environments get a new version at once, task launches limited to 20/s (burst"
                        + " 100), every ECS action throttled as ECS documents it\n\n", s.n));
                md.append("| figure | value |\n|---|---|\n");
                md.append(f("| [11] time from the plan's PUT to the last RunTask accepted (s) | %.1f (floor %.0f s "
                        + "from the rate: (N - 100) / 20 s; target <= %.0f s) |\n", b.seconds, (s.n - 100) / 20.0,
                        Math.max(50, (s.n - 100) / 20.0) * 1.1));
                md.append(f("| RunTask calls (answered ThrottlingException for the task launch rate) | %d (%d) |\n",
                        b.runTaskCalls, b.runTaskThrottled));
                md.append(f("| ECS calls answered ThrottlingException by their action's request bucket | %s |\n",
                        b.throttledPerAction.isEmpty() ? "none" : b.throttledPerAction.toString()));
                md.append(f("| task definition revisions registered for the burst | %d |\n", b.revisions));
                md.append(f("| [12] WARN/ERROR log lines about RunTask or throttling | %d (WARN/ERROR lines in all: %d) |\n",
                        b.logFailureLines, b.logWarnOrErrorLines));
                md.append(f("| [12] ledger records Failed for throttling | %d |\n", b.ledgerThrottleFailures));
                md.append(f("| [13] duplicates: (environment, version) with more than one task | %d (tasks in all: %d) |\n",
                        b.duplicates, b.totalRuns));
                md.append(f("| [14] peak heap, before-GC occupancy in -Xlog:gc (MiB) | %.0f (heap committed up to %.0f; "
                        + "%d collections; used after the launches per jcmd GC.heap_info: %.0f) |\n",
                        b.heapPeakBeforeGcMiB, b.heapCommittedMiB, b.collections, b.heapUsedAfterMiB));
                md.append(f("| operator CPU for the burst, PUT to all Succeeded (s) | %.2f |\n", b.cpuSeconds));
                if (!b.sampleLogLine.isEmpty()) {
                    md.append("| first WARN/ERROR line | `").append(b.sampleLogLine.replace("|", "\\|")
                            .replace("`", "'")).append("` |\n");
                }
                md.append('\n');
            }
        }
        for (Size s : all) {
            if (s.cpuPass != null) {
                CpuPass c = s.cpuPass;
                md.append(f("## [15] CPU of one idle reconcile pass, N = %d\n\n", s.n));
                md.append(f("`Reconciler.cycle(true)` in the benchmark JVM (real adapters and SDK clients, sandbox "
                        + "without added latency), everything settled; thread CPU time (ThreadMXBean) per pass after "
                        + "%d warm-up passes, %d passes measured: **median %.2f ms**, p90 %.2f ms, mean %.2f ms; "
                        + "wall %.2f ms per pass; %.2f MiB allocated per pass; AWS calls per pass: %s.\n\n",
                        c.warmup, c.passes, c.medianMillis, c.p90Millis, c.meanMillis, c.wallMillis, c.allocatedMiB,
                        c.callsPerPass));
            }
        }
        for (Size s : all) {
            if (s.footprint.size() > 1) {
                md.append(f("## Footprint: the image on Java 17 and Java 25, N = %d (restart on a settled ledger)\n\n",
                        s.n));
                md.append(f("Each row is %d starts of the packaged operator against the sandbox (production profile; the "
                        + "ledger holds every migration of the plan, so the first cycle launches nothing); the last row is "
                        + "the image as `src/main/docker/Dockerfile.jvm` builds it: its COPY steps staged in a directory, "
                        + "its RUN step (the AOT cache's training run) and its ENTRYPOINT run there on the host's JDK of "
                        + "the FROM line's release.\n\n", Footprint.REPEATS));
                md.append("| JDK | JVM options | startup to ready (s), each run | median | Quarkus \"started in\" (s) "
                        + "| RSS idle after 6 s (MiB), each run | median |\n|---|---|---|---|---|---|---|\n");
                for (FootprintRow row : s.footprint) {
                    md.append("| ").append(row.jdk).append(" | ").append(row.shipped() ? "**" + row.name + "**"
                                    : row.name).append(" | ").append(list(row.startup, 2)).append(" | ")
                            .append(fmt(row.medianStartup(), 2)).append(" | ").append(String.join(", ", row.quarkus))
                            .append(" | ").append(list(row.rssMiB, 0)).append(" | ").append(fmt(row.medianRss(), 0))
                            .append(" |\n");
                }
                if (s.footprintSkipped != null) {
                    md.append("\nNot measured: ").append(s.footprintSkipped).append(".\n");
                }
                md.append('\n');
            }
            if (s.profile != null) {
                Profile p = s.profile;
                md.append(f("## Where startup goes (JFR, profile settings; %s; N = %d; ready after %.2f s with JFR on)\n\n",
                        p.run, s.n, p.readySeconds));
                md.append(f("Execution samples until ready: %d. By what the stack was doing: %s.  \n", p.samples,
                        p.categories));
                md.append(f("Top-frame packages: %s.  \n", p.topPackages));
                md.append(f("Classes loaded until ready: %d, of which %d from the class-data archive or AOT cache; by "
                        + "origin: %s.\n\n", p.classes, p.classesShared, p.classGroups));
            }
        }
        if (!all.isEmpty()) {
            md.append(notes());
        }
        md.append(targets());
        return md.toString();
    }

    private void sizeTables(StringBuilder md, List<Size> all) {
        md.append("## Operator, per size\n\n");
        md.append("| figure |");
        all.forEach(s -> md.append(" N = ").append(s.n).append(" |"));
        md.append("\n|---|");
        all.forEach(s -> md.append("---|"));
        md.append('\n');
        row(md, all, "applications", s -> String.valueOf(s.applications));
        row(md, all, "[1] startup to ready, fresh (s; first cycle launches N migrations)", s -> fmt(s.startupFresh, 2));
        row(md, all, "[2] startup to ready, restart on a settled ledger (s, best of " + Footprint.REPEATS + ")",
                s -> s.footprint.isEmpty() ? "" : fmt(s.footprint.get(0).bestStartup(), 2));
        row(md, all, "[3] RSS idle after the N migrations (MiB)", s -> fmt(s.rssIdleMiB, 0));
        row(md, all, "[4] S3 GetObject per plan interval (of which 304)", s -> fmt(s.s3GetPerPlanInterval, 2) + " ("
                + fmt(s.s3_304PerPlanInterval, 2) + ")");
        row(md, all, "[4] DescribeEnvironments per Beanstalk interval per application",
                s -> fmt(s.describeEnvironmentsPerIntervalPerApp, 2));
        row(md, all, "[4] ECS calls while idle (window total)", s -> String.valueOf(s.ecsCallsIdle));
        row(md, all, "[4] other calls while idle (window total)", s -> s.otherCallsIdle.isEmpty() ? "none"
                : s.otherCallsIdle.toString());
        row(md, all, "[4] all AWS calls per plan interval", s -> fmt(s.idleCallsPerPlanInterval, 2));
        row(md, all, "[5] operator CPU per plan interval while idle (ms)", s -> fmt(s.idleCpuPerPlanInterval * 1000, 1));
        row(md, all, "[6] N first migrations: time from start to all Succeeded (s)", s -> fmt(s.initialSeconds, 1));
        row(md, all, "[6] N first migrations: operator CPU from process start, startup included (s)", s -> fmt(s.initialCpu, 2));
        row(md, all, "[7] task definition revisions registered for the N migrations",
                s -> String.valueOf(s.operatorRevisions));
        row(md, all, "[8] detection latency p50 / p95 / max (s)", s -> s.latency == null ? "" : fmt(s.latency.p50(), 2)
                + " / " + fmt(s.latency.p95(), 2) + " / " + fmt(s.latency.max(), 2) + " (" + s.latency.seconds.size()
                + " trials)");
        md.append('\n');

        if (all.stream().allMatch(s -> s.manual == null)) {
            return;
        }
        md.append("## Manual recipe (AWS CLI in bash), same sandbox, per size\n\n");
        md.append("| figure |");
        all.forEach(s -> md.append(" N = ").append(s.n).append(" |"));
        md.append("\n|---|");
        all.forEach(s -> md.append("---|"));
        md.append('\n');
        row(md, all, "[9] CPU per idle poll (s)", s -> s.manual == null ? "" : fmt(s.manual.idleCpuPerPoll, 2));
        row(md, all, "[9] wall time per idle poll (s)", s -> s.manual == null ? "" : fmt(s.manual.idleWallPerPoll, 2));
        row(md, all, "[9] AWS calls per idle poll", s -> s.manual == null ? "" : fmt(s.manual.idleCallsPerPoll, 1));
        row(md, all, "[10] migrations run (of N)", s -> s.manual == null ? "" : s.manual.migrated + " of " + s.n);
        row(md, all, "[10] CPU for N migrations (s)", s -> s.manual == null ? "" : fmt(s.manual.migrationCpu
                / s.manual.migrated * s.n, 1) + (s.manual.migrated < s.n ? " (extrapolated)" : ""));
        row(md, all, "[10] wall time for N migrations (s)", s -> s.manual == null ? "" : fmt(s.manual.migrationWall
                / s.manual.migrated * s.n, 1) + (s.manual.migrated < s.n ? " (extrapolated)" : ""));
        row(md, all, "[7] task definition revisions for N migrations", s -> s.manual == null ? ""
                : s.manual.revisions + " for " + s.manual.migrated + (s.manual.migrated < s.n ? " (so " + s.n
                + " for N)" : ""));
        row(md, all, "[8] detection latency p50 / p95 / max (s)", s -> s.manual == null || s.manual.latency == null
                ? "" : fmt(s.manual.latency.p50(), 2) + " / " + fmt(s.manual.latency.p95(), 2) + " / "
                + fmt(s.manual.latency.max(), 2) + " (" + s.manual.latency.seconds.size() + " trials)");
        md.append('\n');

        md.append("## Side by side (manual recipe / operator)\n\n");
        md.append("| ratio |");
        all.forEach(s -> md.append(" N = ").append(s.n).append(" |"));
        md.append("\n|---|");
        all.forEach(s -> md.append("---|"));
        md.append('\n');
        row(md, all, "CPU per poll cycle, idle", s -> s.manual == null ? "" : ratio(s.manual.idleCpuPerPoll,
                s.idleCpuPerPlanInterval));
        row(md, all, "AWS calls per poll cycle, idle", s -> s.manual == null ? "" : ratio(s.manual.idleCallsPerPoll,
                s.idleCallsPerPlanInterval));
        row(md, all, "CPU for N migrations", s -> s.manual == null ? "" : ratio(s.manual.migrationCpu
                / s.manual.migrated * s.n, s.initialCpu));
        row(md, all, "task definition revisions for N migrations", s -> s.manual == null ? ""
                : ratio(s.manual.revisions / (double) s.manual.migrated * s.n, Math.max(1, s.operatorRevisions)));
        row(md, all, "detection latency p50 / p95", s -> s.manual == null || s.manual.latency == null
                || s.latency == null ? "" : ratio(s.manual.latency.p50(), s.latency.p50()) + " / "
                + ratio(s.manual.latency.p95(), s.latency.p95()));
        md.append('\n');
    }

    private void idleCostSection(StringBuilder md) {
        if (idleCost == null || idleCost.cost == null) {
            return;
        }
        IdleCost cost = idleCost.cost;
        md.append("## Idle request cost: two replicas at default settings\n\n");
        md.append(f("Two packaged replicas (%s) with every `migrator.*` interval at its default (plan 10 s, Beanstalk "
                        + "30 s, tasks 5 s; lease 60 s, renew deadline 40 s, retry period 10 s), a sandbox of their own "
                        + "(20 ms per call) and a plan of %d environments whose migrations are all done. The sandbox's "
                        + "per-operation counters over a %.0f s window after the last outcome was recorded, "
                        + "extrapolated to 30 days. Lease holder at the end: %s; takeovers during the window: %d. "
                        + "Prices: %s. Elastic Beanstalk and ECS calls carry no request charge (calls in the window: "
                        + "%s).\n\n",
                String.join(" and ", Benchmark.REPLICAS), idleCost.environments, cost.windowSeconds, idleCost.holder,
                idleCost.takeovers, IdleCost.PRICES, otherServices(idleCost.calls)));
        md.append("| S3 request | in the window | answers | per 30 days | $ per 1,000 | $ per month |\n"
                + "|---|---|---|---|---|---|\n");
        for (IdleCost.Line line : cost.lines) {
            md.append(f("| %s | %d | %s | %,.0f | %s | %.3f |\n", line.operation(), line.inWindow(),
                    answers(idleCost.calls, line.operation()), line.perMonth(),
                    line.tier().dollarsPer1000 == 0 ? "free" : fmt(line.tier().dollarsPer1000, 4),
                    line.dollarsPerMonth()));
        }
        md.append(f("| **total** | | | | | **%.2f** |\n\n", cost.dollarsPerMonth));
        md.append(cost.targetLine()).append("\n\n");
    }

    /** The answer statuses the sandbox counted for one S3 operation ({@code 200: 9, 304: 45}). */
    static String answers(Map<String, Long> calls, String operation) {
        String prefix = "s3:" + operation + ":";
        StringBuilder out = new StringBuilder();
        calls.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.append(out.isEmpty() ? "" : ", ").append(e.getKey().substring(prefix.length()))
                        .append(": ").append(e.getValue()));
        return out.toString();
    }

    static String otherServices(Map<String, Long> calls) {
        StringBuilder out = new StringBuilder();
        calls.entrySet().stream().filter(e -> !e.getKey().startsWith("s3:")
                        && e.getKey().chars().filter(c -> c == ':').count() == 1).sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.append(out.isEmpty() ? "" : ", ").append(e.getKey()).append(" ").append(e.getValue()));
        return out.isEmpty() ? "none" : out.toString();
    }

    interface Cell {
        String of(Size s);
    }

    static void row(StringBuilder md, List<Size> sizes, String name, Cell cell) {
        md.append("| ").append(name).append(" |");
        for (Size s : sizes) {
            md.append(' ').append(cell.of(s).replace("|", "\\|")).append(" |");
        }
        md.append('\n');
    }

    static String ratio(double manual, double operator) {
        if (operator <= 0) {
            return "n/a (operator: 0)";
        }
        return f("%.1fx", manual / operator);
    }

    static String list(List<Double> values, int decimals) {
        return String.join(", ", values.stream().map(v -> fmt(v, decimals)).toList());
    }

    String notes() {
        return """
                ## How each figure is measured

                1. Process start (`ProcessBuilder.start`) to the first `GET /q/health/ready` answering UP, polled every 20 ms. Ready needs a valid plan and one cycle that AWS answered; on a fresh ledger that first cycle launches all N migrations.
                2. The same on a restart against the settled sandbox (every migration of the plan already in the ledger), JDK defaults; see the footprint table.
                3. VmRSS from `/proc/<pid>/status`, after the idle window that follows the N first migrations.
                4. The sandbox's per-operation request counters over an idle window (%d s, after the first migrations settled and 2 s more), divided by the number of plan intervals (1 s) or Beanstalk intervals (3 s) in the window, and by the number of applications. "of which 304": answers Not Modified. Window edges make a count off by at most one per window.
                5. utime + stime of the operator process (`/proc/<pid>/stat`) over the idle window, per plan interval.
                6. From process start to every environment's v1 record Succeeded in the ledger (tasks: 50 ms pending, 200 ms running), and the process's CPU over that time (utime + stime from process start, so startup and JIT are included: an upper bound of the migrations' cost).
                7. The sandbox's counter of `ecs:RegisterTaskDefinition` during the N migrations. The operator registers a `-migrate` revision when the image changes or the environment has variables (they ride in the revision, so that a replay of RunTask is the very request), and reuses an identical active one; the benchmark's environments each have variables of their own, so each gets one revision, as each migration of the recipe does.
                8. From the completion of the benchmark's S3 `PutObject` of the changed plan (one environment gets a new version) to the sandbox's accepted RunTask (`RunRecord.time()`), same JVM clock; a random 0-1 s pause before each PUT spreads it over the poll phase. Environments rotate over 5 so none has a migration in flight.
                9. The recipe with its state file saying everything is migrated: `bash times` (bash and every child: aws, sed, sort; user + system) and the sandbox counters over %d polls, per poll.
                10. One poll in which M environments have a new version (M = min(N, %d)); CPU and wall time minus one idle poll, scaled linearly to N when M < N (each migration is the same three CLI calls).
                11. From the completion of the plan's PUT (all N environments to v3) to the last accepted RunTask of v3 in the sandbox; the sandbox's token bucket answers ThrottlingException beyond 20 task launches/s with a burst of 100, and every ECS action has its bucket of ECS's request throttling table (RunTask and StopTask 100 burst, 40/s; DescribeTasks and ListTasks 100, 20/s; RegisterTaskDefinition 20, 1/s; DescribeTaskDefinition and ListTaskDefinitions 50, 20/s; ...), throughout the benchmark.
                12. Operator log lines at WARN or ERROR mentioning RunTask, throttling or "Rate exceeded", written during the burst; ledger records in phase Failed whose reason says throttling.
                13. The sandbox's RunRecords grouped by the tags (environment, version), over the whole run of that size.
                14. The operator runs with `-Xlog:gc:file=...:uptime`; the largest before-collection occupancy ("Pause ... 45M->12M(256M)") between the PUT and all Succeeded. It bounds the true peak from below by at most one allocation between collections.
                15. See its section.

                """.formatted(options.idleWindow.toSeconds(), options.manualIdlePolls, options.manualCap);
    }

    /** Startup to ready, restart with the largest N, of the image as shipped (seconds). */
    static final double STARTUP_TARGET_S = 1.0;
    /** RSS of the idle operator with the largest N, as shipped (MiB). */
    static final double RSS_TARGET_MIB = 160;

    String targets() {
        StringBuilder t = new StringBuilder("## Targets\n\n");
        Size small = sizes.values().stream().findFirst().orElse(null);
        Size big = sizes.values().stream().reduce((a, b) -> b).orElse(null);
        if (big != null && !big.footprint.isEmpty()) {
            t.append(f("- Startup to ready <= %.1f s and idle RSS <= %.0f MiB, restart with %d environments (median of %d "
                    + "starts):\n", STARTUP_TARGET_S, RSS_TARGET_MIB, big.n, Footprint.REPEATS));
            for (FootprintRow row : big.footprint) {
                t.append(f("  - %s, %s: startup %s (%.2f s), RSS %s (%.0f MiB).\n", row.jdk, row.shipped()
                                ? "**" + row.name + "**" : row.name,
                        row.medianStartup() <= STARTUP_TARGET_S ? "met" : "missed", row.medianStartup(),
                        row.medianRss() <= RSS_TARGET_MIB ? "met" : "missed", row.medianRss()));
            }
            if (big.footprintSkipped != null) {
                t.append("  - the image as shipped: not measured, ").append(big.footprintSkipped).append(".\n");
            }
            if (big.rssIdleMiB > 0) {
                t.append(f("- RSS idle after the run's first %d migrations (JDK defaults): %.0f MiB.\n", big.n,
                        big.rssIdleMiB));
            }
        }
        for (Size s : sizes.values()) {
            t.append(f("- N = %d: one conditional GET (304) per plan interval: %s (%.2f GetObject, %.2f of them 304); "
                            + "one DescribeEnvironments per application per Beanstalk interval: %s (%.2f); no ECS calls "
                            + "when nothing is in flight: %s (%d).\n", s.n,
                    Math.abs(s.s3GetPerPlanInterval - 1) <= 0.15 && Math.abs(s.s3_304PerPlanInterval - 1) <= 0.15
                            ? "met" : "missed", s.s3GetPerPlanInterval, s.s3_304PerPlanInterval,
                    Math.abs(s.describeEnvironmentsPerIntervalPerApp - 1) <= 0.25 ? "met" : "missed",
                    s.describeEnvironmentsPerIntervalPerApp, s.ecsCallsIdle == 0 ? "met" : "missed", s.ecsCallsIdle));
        }
        for (Size s : sizes.values()) {
            if (s.latency != null) {
                // The scheduler's granularity is one second: a change is seen within the plan interval plus a second.
                double target = Benchmark.PLAN_INTERVAL_S + 1.0;
                t.append(f("- Detection latency p95 <= %.1f s (plan interval + 1 s), N = %d: %s (p95 %.2f s, p50 %.2f s).\n",
                        target, s.n, s.latency.p95() <= target ? "met" : "missed", s.latency.p95(), s.latency.p50()));
            }
        }
        for (Size s : sizes.values()) {
            if (s.burst != null) {
                double floor = Math.max(50, (s.n - 100) / 20.0);
                t.append(f("- Burst of %d within 10%% of the rate floor (<= %.0f s): %s (%.1f s); throttling failures in "
                                + "log/ledger: %s (%d/%d); duplicates: %s (%d); peak heap %.0f MiB.\n", s.n, floor * 1.1,
                        s.burst.seconds <= floor * 1.1 ? "met" : "missed", s.burst.seconds,
                        s.burst.logFailureLines + s.burst.ledgerThrottleFailures == 0 ? "none" : "some",
                        s.burst.logFailureLines, s.burst.ledgerThrottleFailures,
                        s.burst.duplicates == 0 ? "none" : "SOME", s.burst.duplicates, s.burst.heapPeakBeforeGcMiB));
            }
            if (s.cpuPass != null) {
                t.append(f("- CPU of an idle pass over %d environments: median %.2f ms (no target set).\n", s.n,
                        s.cpuPass.medianMillis));
            }
        }
        if (idleCost != null && idleCost.cost != null) {
            t.append("- ").append(idleCost.cost.targetLine()).append(f(" (%.0f s window).\n",
                    idleCost.cost.windowSeconds));
        }
        if (small != null && small.manual != null && small.manual.latency != null && small.latency != null) {
            t.append(f("- Side by side at N = %d: the recipe spends %s the CPU per idle poll and %s the AWS calls; "
                            + "its detection latency p95 is %.2f s against %.2f s.\n", small.n,
                    ratio(small.manual.idleCpuPerPoll, small.idleCpuPerPlanInterval),
                    ratio(small.manual.idleCallsPerPoll, small.idleCallsPerPlanInterval), small.manual.latency.p95(),
                    small.latency.p95()));
        }
        return t.append('\n').toString();
    }

    static String machine() {
        String memory = "?";
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    memory = f("%.1f GiB", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0);
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return f("%d cores, %s RAM, %s %s (%s), %s %s", Runtime.getRuntime().availableProcessors(), memory,
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                System.getProperty("java.vendor"), System.getProperty("os.name"), System.getProperty("os.version"));
    }
}
