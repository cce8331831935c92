package dev.beanstalkmigrator.bench;

import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.testing.ContainerImage;
import dev.beanstalkmigrator.testing.Jdks;
import dev.beanstalkmigrator.testing.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Startup and idle RSS of the packaged operator restarted against a settled world (every migration of the plan
 * recorded in the ledger, so the first cycle launches nothing): on this JVM (Java 17) with the JDK's defaults and as
 * the container image ran it on Java 17, and as the image runs it now (its Dockerfile, on the host's JDK of its
 * release), side by side in one run; and where the startup time goes (JFR execution samples and class loading until
 * ready).
 */
final class Footprint {

    /** One way to run the operator: a launcher (JDK, directory, jar) and JVM options. */
    record Variant(String jdk, String name, OperatorProcess.Launch launch, List<String> options) {}

    static final Duration IDLE_BEFORE_RSS = Duration.ofSeconds(6);
    static final int REPEATS = 3;

    /**
     * The JVM options of the image on Java 17, before it moved to Java 25 with an AOT cache, with the AppCDS archive
     * its Dockerfile made ({@code RUN java -XX:ArchiveClassesAtExit=app-cds.jsa -jar quarkus-run.jar}: with no plan
     * configured the run stops at configuration validation, after Quarkus's static init). Measured beside the image
     * as it is now, for comparison.
     */
    static final List<String> JDK17_IMAGE = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx128m",
            "-XX:MaxMetaspaceSize=96m", "-XX:ReservedCodeCacheSize=48m", "-XX:TieredStopAtLevel=1", "-Xss512k");
    static final String JDK17_ARCHIVE = "app-cds.jsa";

    static void run(SandboxCloud cloud, Path work, Report.Size r, Report report, Benchmark.Options options)
            throws Exception {
        Path dir = work.toAbsolutePath();
        String thisJdk = "Java " + Runtime.version().feature();
        OperatorProcess.Launch here = OperatorProcess.Launch.thisJvm(OperatorProcess.JAR.toAbsolutePath());
        r.footprint.add(measure(cloud, dir, new Variant(thisJdk, "as is (JDK defaults: G1, max heap 1/4 of RAM)",
                here, List.of()), options));

        // The image on Java 17, as its Dockerfile made it: the application in its WORKDIR, an AppCDS archive of
        // Quarkus's static init made by the JVM that runs it.
        Path jdk17App = dir.resolve("image-jdk17");
        ContainerImage.deleteTree(jdk17App);
        ContainerImage.copyTree(OperatorProcess.JAR.toAbsolutePath().getParent(), jdk17App);
        OperatorProcess.Launch jdk17 = new OperatorProcess.Launch(here.java(), jdk17App, Path.of("quarkus-run.jar"));
        ProcessBuilder archiveRun = new ProcessBuilder(here.java().toString(), "-XX:ArchiveClassesAtExit="
                + JDK17_ARCHIVE, "-jar", "quarkus-run.jar").directory(jdk17App.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("appcds-generate.log").toFile());
        archiveRun.environment().keySet().removeIf(name -> name.startsWith("MIGRATOR_") || name.startsWith("QUARKUS_"));
        Process generate = archiveRun.start();
        if (generate.waitFor(2, TimeUnit.MINUTES) && Files.isRegularFile(jdk17App.resolve(JDK17_ARCHIVE))) {
            List<String> jdk17Options = new ArrayList<>(JDK17_IMAGE);
            jdk17Options.add("-XX:SharedArchiveFile=" + JDK17_ARCHIVE);
            r.footprint.add(measure(cloud, dir, new Variant(thisJdk, "the image before: " + String.join(" ",
                    JDK17_IMAGE) + " + AppCDS archive of Quarkus's static init", jdk17, jdk17Options), options));
        } else {
            generate.destroyForcibly();
            Benchmark.log("the Java 17 image's AppCDS archive was not written");
        }

        // The image as it is: its Dockerfile's steps, on the host's JDK of its release.
        ContainerImage image = ContainerImage.read();
        int release = image.jdkRelease();
        Optional<Path> jdk = Jdks.find(release);
        if (jdk.isEmpty()) {
            r.footprintSkipped = "Java " + release + " (the image's): " + Jdks.howToName(release);
            Benchmark.log("footprint: %s", r.footprintSkipped);
        } else {
            Path imageApp = dir.resolve("image");
            image.stage(Path.of("").toAbsolutePath(), imageApp);
            Path buildLog = dir.resolve("image-build.log");
            Files.deleteIfExists(buildLog);
            int exit = image.build(imageApp, jdk.get(), Map.of("QUARKUS_HTTP_PORT",
                    String.valueOf(OperatorProcess.freePort()), "MIGRATOR_SANDBOX_PORT",
                    String.valueOf(OperatorProcess.freePort())), buildLog, 5);
            OperatorProcess.Launch shipped = new OperatorProcess.Launch(Jdks.java(jdk.get()), imageApp,
                    Path.of(image.jar()));
            String jdkName = "Java " + release;
            String cache = image.option("AOTCache");
            List<String> withoutCache = image.jvmOptions().stream().filter(o -> !o.startsWith("-XX:AOTCache="))
                    .toList();
            if (cache != null) {
                r.footprint.add(measure(cloud, dir, new Variant(jdkName, "the image's options, no AOT cache: "
                        + String.join(" ", withoutCache), shipped, withoutCache), options));
            }
            if (exit == 0) {
                r.footprint.add(measure(cloud, dir, new Variant(jdkName, SHIPPED + ": the Dockerfile's options and "
                        + (cache == null ? "no cache" : "the AOT cache of its training run"), shipped,
                        image.jvmOptions()), options));
                r.shippedLaunch = shipped;
                r.shippedOptions = image.jvmOptions();
            } else {
                r.footprintSkipped = "the image's RUN step failed (exit " + exit + "; see " + buildLog + ")";
                Benchmark.log("footprint: %s", r.footprintSkipped);
            }
        }
        profile(cloud, dir, r);
    }

    /** The name of the footprint row of the image as its Dockerfile ships it. */
    static final String SHIPPED = "as shipped";

    static Report.FootprintRow measure(SandboxCloud cloud, Path dir, Variant v, Benchmark.Options options)
            throws Exception {
        Report.FootprintRow row = new Report.FootprintRow(v.jdk(), v.name());
        for (int i = 0; i < REPEATS; i++) {
            List<String> jvm = new ArrayList<>(options.jvmOptions);
            jvm.addAll(v.options());
            try (OperatorProcess op = Benchmark.startOperator(v.launch(), cloud.endpoint(), dir, "footprint", jvm,
                    Benchmark.INTERVALS)) {
                row.startup.add(op.awaitReady(Duration.ofMinutes(2)));
                Thread.sleep(IDLE_BEFORE_RSS.toMillis());
                row.rssMiB.add(op.rssKib() / 1024.0);
                row.quarkus.add(op.quarkusStartedIn());
            }
        }
        Benchmark.log("footprint %s, %s: startup %s s, RSS %s MiB", v.jdk(), v.name(), row.startup, row.rssMiB);
        return row;
    }

    /**
     * One start with JFR (profile settings) and class-load logging; samples and classes until ready. With the image's
     * JDK and options where that JDK was found, but without its AOT cache: JFR adds a module, and the JVM refuses a
     * cache made without it. Else on this JVM with its defaults.
     */
    static void profile(SandboxCloud cloud, Path dir, Report.Size r) throws Exception {
        Path jfr = dir.resolve("startup.jfr");
        Path classes = dir.resolve("classes.log");
        Files.deleteIfExists(jfr);
        boolean shipped = r.shippedLaunch != null;
        OperatorProcess.Launch launch = shipped ? r.shippedLaunch
                : OperatorProcess.Launch.thisJvm(OperatorProcess.JAR.toAbsolutePath());
        List<String> options = new ArrayList<>(shipped ? r.shippedOptions : List.of());
        options.removeIf(o -> o.startsWith("-XX:AOTCache="));
        options.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
        options.add("-Xlog:class+load=info:file=" + classes + ":uptime");
        Instant launched = Instant.now();
        double ready;
        try (OperatorProcess op = Benchmark.startOperator(launch, cloud.endpoint(), dir, "profile", options,
                Benchmark.INTERVALS)) {
            ready = op.awaitReady(Duration.ofMinutes(2));
            Thread.sleep(1000);
        }
        Report.Profile p = new Report.Profile();
        r.profile = p;
        p.run = shipped ? "Java " + ContainerImage.read().jdkRelease() + ", the image's options without its AOT cache"
                : "Java " + Runtime.version().feature() + ", JDK defaults";
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
                    if (m.group(3).startsWith("shared objects file")) {
                        p.classesShared++;
                    }
                }
            }
            p.classGroups = groups;
        }
        Benchmark.log("startup profile (%s): %d samples %s; %d classes (%d from the archive or cache) %s", p.run,
                p.samples, p.categories, p.classes, p.classesShared, p.classGroups);
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

}
