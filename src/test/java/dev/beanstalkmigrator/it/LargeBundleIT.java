package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.AwsCli;
import dev.beanstalkmigrator.testing.ContainerImage;
import dev.beanstalkmigrator.testing.Jdks;
import dev.beanstalkmigrator.testing.OperatorProcess;
import dev.beanstalkmigrator.testing.Plans;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged operator, with the JVM and options of {@code src/main/docker/Dockerfile.jvm} (a 128 MiB heap), finds the
 * image of a version whose source bundle is a 300 MiB zip: a {@code Dockerrun.aws.json} behind one large unrelated
 * entry, as Elastic Beanstalk accepts bundles up to 500 MB. The operator reads the zip's tail, its central directory
 * and the one entry it needs, never the whole object; reading it whole ended in an {@code OutOfMemoryError} at every
 * reconcile.
 */
class LargeBundleIT {

    static final Path WORK = Path.of("target/large-bundle-it");
    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plans/shop.yaml";
    static final String STATUS_KEY = "plans/shop.status.yaml";
    static final String BUNDLES = "it-bundles";
    static final String BUNDLE_KEY = "shop/v-huge.zip";
    static final String ENVIRONMENT = "shop-e2e";
    static final String VERSION = "v-huge";
    static final String IMAGE = "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v-huge-from-the-bundle";
    static final long LARGE_ENTRY_BYTES = 300L * 1024 * 1024;

    @TempDir
    Path temp;

    SandboxCloud cloud;
    OperatorProcess operator;

    @BeforeEach
    void start() throws IOException {
        assertTrue(Files.isRegularFile(OperatorProcess.JAR),
                OperatorProcess.JAR + " is missing: run the package phase first");
        Files.createDirectories(WORK);
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (operator != null && operator.isAlive()) {
            operator.kill();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void findsTheImageInA300MibBundleUnderTheShippedHeap() throws Exception {
        Path zip = temp.resolve("v-huge.zip");
        writeBundle(zip);
        assertTrue(Files.size(zip) > LARGE_ENTRY_BYTES, "the bundle is as large as its big entry");
        cloud.putObject(BUNDLES, BUNDLE_KEY, Files.readAllBytes(zip));
        Files.delete(zip);
        cloud.registerApplicationVersion("shop", VERSION, BUNDLES, BUNDLE_KEY);
        cloud.putObject(BUCKET, PLAN_KEY, Plans.plan("{name: " + ENVIRONMENT + ", version: " + VERSION + "}")
                .getBytes(StandardCharsets.UTF_8));

        OperatorProcess.Launch jvm = shippedJvm();
        List<String> arguments = new ArrayList<>(shippedJvmOptions(jvm));
        arguments.addAll(List.of(
                "-Dmigrator.desired-state.uri=s3://" + BUCKET + "/" + PLAN_KEY,
                "-Dmigrator.aws.endpoint-override=" + cloud.endpoint(),
                "-Dmigrator.aws.region=us-east-1",
                "-Dmigrator.poll.plan-interval=500ms",
                "-Dmigrator.poll.beanstalk-interval=500ms",
                "-Dmigrator.poll.task-interval=300ms"));
        operator = OperatorProcess.start(jvm, OperatorProcess.freePort(), arguments,
                AwsCli.testCredentials(temp), WORK.resolve("operator.log"), false);

        await("the migration of " + VERSION + " to succeed").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(300)).until(() -> {
                    assertFalse(operator.logText().contains("OutOfMemoryError"), this::outOfMemory);
                    assertTrue(operator.isAlive(), () -> "the operator exited: " + operator.tail(40));
                    MigrationRecord record = record();
                    return record != null && record.phase() == Phase.Succeeded;
                });

        MigrationRecord record = record();
        assertEquals(IMAGE, record.image(), record::toString);
        assertEquals("source-bundle:Dockerrun.aws.json", record.imageSource(), record::toString);
        List<RunRecord> runs = cloud.runs();
        assertEquals(1, runs.size(), runs::toString);
        assertEquals(IMAGE, runs.get(0).image(), "the image ECS ran");
        assertFalse(operator.logText().contains("OutOfMemoryError"), this::outOfMemory);
    }

    /** The operator's first log line that reports an OutOfMemoryError, cut short. */
    String outOfMemory() {
        String line = operator.logText().lines().filter(l -> l.contains("OutOfMemoryError")).findFirst().orElse("");
        return "the operator ran out of memory: " + line.substring(0, Math.min(line.length(), 600));
    }

    /** The ledger's record of the version, or null while there is none. */
    MigrationRecord record() {
        byte[] ledger = cloud.getObject(BUCKET, STATUS_KEY);
        if (ledger == null) {
            return null;
        }
        MigrationStatus status = LedgerCodec.read(ledger);
        return status.environment(ENVIRONMENT) == null ? null : status.environment(ENVIRONMENT).find(VERSION, "");
    }

    /**
     * A zip whose first entry is {@link #LARGE_ENTRY_BYTES} of incompressible bytes (stored blocks: level 0) and whose
     * last is the Dockerrun.aws.json, streamed to {@code zip} so that this JVM never holds it but once.
     */
    static void writeBundle(Path zip) throws IOException {
        byte[] block = new byte[1 << 20];
        new Random(7).nextBytes(block);
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(zip), 1 << 16);
             ZipOutputStream out = new ZipOutputStream(file)) {
            out.setLevel(Deflater.NO_COMPRESSION);
            out.putNextEntry(new ZipEntry("static/video.bin"));
            for (long written = 0; written < LARGE_ENTRY_BYTES; written += block.length) {
                out.write(block);
            }
            out.closeEntry();
            out.setLevel(Deflater.DEFAULT_COMPRESSION);
            out.putNextEntry(new ZipEntry("Dockerrun.aws.json"));
            out.write(("{\"AWSEBDockerrunVersion\": 2, \"containerDefinitions\": [{\"name\": \"app\", \"image\": \""
                    + IMAGE + "\", \"essential\": true}]}").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    /**
     * The JVM of the image: the host's JDK of the Dockerfile's release where there is one, else this JVM. The heap is
     * what this test is about, and the image's options cap it whichever JVM runs them.
     */
    static OperatorProcess.Launch shippedJvm() {
        Optional<Path> jdk = Jdks.find(ContainerImage.read().jdkRelease());
        return jdk.isPresent() ? new OperatorProcess.Launch(Jdks.java(jdk.get()), null, OperatorProcess.JAR)
                : OperatorProcess.Launch.thisJvm(OperatorProcess.JAR);
    }

    /**
     * The JVM options of the Dockerfile's {@code ENTRYPOINT}, except the AOT cache, which the image build makes and
     * this jar does not have (it changes startup, not memory); on a JVM older than the image's, also the launcher
     * options it does not know ({@code --sun-misc-unsafe-memory-access} came with Java 23).
     */
    static List<String> shippedJvmOptions(OperatorProcess.Launch jvm) {
        List<String> options = new ArrayList<>(ContainerImage.read().jvmOptions());
        options.removeIf(option -> option.startsWith("-XX:AOTCache="));
        if (jvm.java().startsWith(System.getProperty("java.home")) && Runtime.version().feature() < 23) {
            options.removeIf(option -> option.startsWith("--sun-misc-unsafe-memory-access"));
        }
        assertTrue(options.contains("-Xmx128m"), () -> "the shipped heap cap: " + options);
        return options;
    }
}
