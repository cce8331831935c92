package dev.beanstalkmigrator.bench;

import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.testing.OperatorProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Startup and idle RSS of the packaged operator restarted against a settled world (every migration of the plan
 * recorded in the ledger, so the first cycle launches nothing), as is and with the JVM options a deployment
 * would use; and where the startup time goes (JFR execution samples and class loading until ready).
 */
final class Footprint {

    record Variant(String name, List<String> options) {}

    static final Duration IDLE_BEFORE_RSS = Duration.ofSeconds(6);
    static final int REPEATS = 2;

    /** The JVM options of the container image the README ships (its Dockerfile's ENTRYPOINT). */
    static final List<String> SHIPPED = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-XX:MaxMetaspaceSize=96m",
            "-XX:ReservedCodeCacheSize=48m", "-XX:TieredStopAtLevel=1", "-Xss512k");

    static void run(SandboxCloud cloud, Path dir, Report.Size r, Report report, Benchmark.Options options)
            throws Exception {
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("as is (JDK defaults: G1, max heap 1/4 of RAM)", List.of()));
        variants.add(new Variant("lean: " + String.join(" ", SHIPPED), SHIPPED));
        for (Variant v : variants) {
            r.footprint.add(measure(cloud, dir, v, options));
        }

        // As the Dockerfile builds it: an archive of the classes Quarkus loads up to its static init (with no plan
        // configured the run stops at configuration validation), made by the JVM that runs it. Needs no AWS.
        Path shippedJsa = dir.resolve("operator-shipped.jsa");
        Files.deleteIfExists(shippedJsa);
        ProcessBuilder archiveRun = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ArchiveClassesAtExit=" + shippedJsa, "-jar", OperatorProcess.JAR.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("appcds-generate.log").toFile());
        archiveRun.environment().keySet().removeIf(name -> name.startsWith("MIGRATOR_") || name.startsWith("QUARKUS_"));
        Process generate = archiveRun.start();
        if (generate.waitFor(2, java.util.concurrent.TimeUnit.MINUTES) && Files.isRegularFile(shippedJsa)) {
            List<String> shipped = new ArrayList<>(SHIPPED);
            shipped.add("-XX:SharedArchiveFile=" + shippedJsa);
            r.footprint.add(measure(cloud, dir, new Variant("as shipped: lean + AppCDS archive of Quarkus's static"
                    + " init (as the Dockerfile builds it)", shipped), options));
        } else {
            generate.destroyForcibly();
            Benchmark.log("AppCDS (as shipped): no archive was written");
        }

        // AppCDS on JDK 17 from a training run against AWS (here the sandbox): the archive holds the AWS SDK
        // and YAML classes too. JDK 19+ could use -XX:+AutoCreateSharedArchive instead.
        Path jsa = dir.resolve("operator-appcds.jsa");
        List<String> training = new ArrayList<>(SHIPPED);
        training.add("-XX:ArchiveClassesAtExit=" + jsa);
        try (OperatorProcess op = Benchmark.startOperator(cloud.endpoint(), dir, "appcds-training", training,
                Benchmark.INTERVALS)) {
            op.awaitReady(Duration.ofMinutes(2));
            Thread.sleep(4000);
        }
        if (Files.isRegularFile(jsa)) {
            List<String> cds = new ArrayList<>(SHIPPED);
            cds.add("-XX:SharedArchiveFile=" + jsa);
            r.footprint.add(measure(cloud, dir, new Variant("lean + AppCDS archive from a training run (-XX:"
                    + "ArchiveClassesAtExit after one start against AWS)", cds), options));
        } else {
            Benchmark.log("AppCDS: no archive was written");
        }
        profile(cloud, dir, r);
    }

    static Report.FootprintRow measure(SandboxCloud cloud, Path dir, Variant v, Benchmark.Options options)
            throws Exception {
        Report.FootprintRow row = new Report.FootprintRow(v.name());
        for (int i = 0; i < REPEATS; i++) {
            List<String> jvm = new ArrayList<>(options.jvmOptions);
            jvm.addAll(v.options());
            try (OperatorProcess op = Benchmark.startOperator(cloud.endpoint(), dir, "footprint", jvm,
                    Benchmark.INTERVALS)) {
                row.startup.add(op.awaitReady(Duration.ofMinutes(2)));
                Thread.sleep(IDLE_BEFORE_RSS.toMillis());
                row.rssMiB.add(op.rssKib() / 1024.0);
                row.quarkus.add(op.quarkusStartedIn());
            }
        }
        Benchmark.log("footprint %s: startup %s s, RSS %s MiB", v.name(), row.startup, row.rssMiB);
        return row;
    }

    /** One start with JFR (profile settings) and class-load logging; samples and classes until ready. */
    static void profile(SandboxCloud cloud, Path dir, Report.Size r) throws Exception {
        Path jfr = dir.resolve("startup.jfr");
        Path classes = dir.resolve("classes.log");
        Files.deleteIfExists(jfr);
        Instant launched = Instant.now();
        double ready;
        try (OperatorProcess op = Benchmark.startOperator(cloud.endpoint(), dir, "profile", List.of(
                "-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true",
                "-Xlog:class+load=info:file=" + classes + ":uptime"), Benchmark.INTERVALS)) {
            ready = op.awaitReady(Duration.ofMinutes(2));
            Thread.sleep(1000);
        }
        Report.Profile p = new Report.Profile();
        r.profile = p;
        p.readySeconds = ready;
        Instant readyAt = launched.plusNanos((long) (ready * 1e9));
        if (Files.isRegularFile(jfr)) {
            Map<String, Integer> categories = new LinkedHashMap<>();
            Map<String, Integer> topFrames = new TreeMap<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStartTime().isAfter(readyAt)
                        || e.getStackTrace() == null) {
                    continue;
                }
                List<RecordedFrame> frames = e.getStackTrace().getFrames();
                categories.merge(category(frames), 1, Integer::sum);
                if (!frames.isEmpty()) {
                    String top = frames.get(0).getMethod().getType().getName();
                    topFrames.merge(top.substring(0, Math.max(top.lastIndexOf('.'), 0)), 1, Integer::sum);
                }
                p.samples++;
            }
            p.categories = categories;
            p.topPackages = topFrames.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue()
                    .reversed()).limit(8).collect(LinkedHashMap::new, (m, x) -> m.put(x.getKey(), x.getValue()),
                    Map::putAll);
        }
        if (Files.isRegularFile(classes)) {
            Pattern line = Pattern.compile("^\\[([0-9.]+)s\\]\\s+(\\S+) source: (.*)$");
            Map<String, Integer> groups = new LinkedHashMap<>();
            for (String l : Files.readAllLines(classes)) {
                Matcher m = line.matcher(l);
                if (m.find() && Double.parseDouble(m.group(1)) <= ready) {
                    groups.merge(group(m.group(2)), 1, Integer::sum);
                    p.classes++;
                }
            }
            p.classGroups = groups;
        }
        Benchmark.log("startup profile: %d samples %s; %d classes %s", p.samples, p.categories, p.classes,
                p.classGroups);
    }

    /** What a startup sample was doing, judged by its whole stack, most specific first. */
    static String category(List<RecordedFrame> frames) {
        boolean sdk = false;
        boolean build = false;
        boolean yaml = false;
        boolean app = false;
        boolean loading = false;
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            String method = f.getMethod().getName();
            if (type.startsWith("software.amazon.awssdk")) {
                sdk = true;
                if (type.contains("Builder") && method.startsWith("build") || type.contains("ClientBuilder")
                        || type.contains("ServiceMetadata") || type.contains("partitions")
                        || type.contains("ProfileFile") || type.contains("Region")) {
                    build = true;
                }
            }
            if (type.equals("dev.beanstalkmigrator.aws.AwsClients") || type.startsWith("io.quarkus.amazon")) {
                build = true;
                sdk = true;
            }
            if (type.startsWith("org.yaml.snakeyaml") || type.startsWith("com.fasterxml.jackson.dataformat.yaml")) {
                yaml = true;
            }
            if (type.startsWith("dev.beanstalkmigrator")) {
                app = true;
            }
            if (type.startsWith("java.lang.ClassLoader") || type.startsWith("jdk.internal.loader")
                    || type.startsWith("io.quarkus.bootstrap.runner") || method.equals("loadClass")
                    || method.equals("defineClass")) {
                loading = true;
            }
        }
        if (build) {
            return "AWS SDK client construction";
        }
        if (sdk) {
            return "AWS SDK requests (first calls)";
        }
        if (yaml) {
            return "YAML (plan, ledger)";
        }
        if (app) {
            return "operator code (reconcile)";
        }
        if (loading) {
            return "class loading (other)";
        }
        return "Quarkus, Vert.x, JDK (other)";
    }

    static String group(String className) {
        for (String prefix : List.of("software.amazon.awssdk", "io.quarkus", "io.vertx", "io.netty", "io.smallrye",
                "org.jboss", "com.fasterxml.jackson", "org.yaml.snakeyaml", "dev.beanstalkmigrator", "java.", "jdk.",
                "sun.")) {
            if (className.startsWith(prefix)) {
                return prefix.endsWith(".") ? "JDK" : prefix;
            }
        }
        return "other";
    }

    static void noop() throws IOException {}
}
