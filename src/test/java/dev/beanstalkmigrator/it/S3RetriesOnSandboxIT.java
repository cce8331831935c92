package dev.beanstalkmigrator.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.sandbox.Fault;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.Plans;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One retry policy for every AWS client, S3 included: the {@link ObjectStore} the application injects (the S3
 * client of the quarkus-amazon-s3 extension, as the application produces it, and the application's retry
 * policy from {@code migrator.retry.*}) makes exactly {@code max-attempts} requests per logical call, so the
 * SDK's own retries are off. With them on, each attempt would be several requests.
 *
 * <p>The operator's plan and ledger are local files here, so that the only S3 calls the sandbox counts are the
 * test's own.
 */
@QuarkusTest
@TestProfile(S3RetriesOnSandboxIT.ThreeAttempts.class)
class S3RetriesOnSandboxIT {

    static final int MAX_ATTEMPTS = 3;
    static final ObjectLocation OBJECT = new ObjectLocation("it-migrator", "retries/object.yaml");
    static final byte[] BODY = "retried: true\n".getBytes(StandardCharsets.UTF_8);

    @Inject
    ObjectStore objects;

    SandboxCloud cloud;

    @BeforeEach
    void seed() {
        cloud = OwnSandbox.cloud;
        cloud.putObject(OBJECT.bucket(), OBJECT.key(), BODY);
        cloud.clearFaults();
        cloud.resetCalls();
    }

    @AfterEach
    void clear() {
        cloud.clearFaults();
    }

    @Test
    void aServerErrorIsAskedMaxAttemptsTimes() {
        cloud.injectFault(Fault.serverError("s3:GetObject").probability(1));

        CloudError error = assertThrows(CloudError.class, () -> objects.get(OBJECT, null));

        assertEquals(CloudError.Policy.RETRY, error.policy());
        assertEquals("InternalError", error.code());
        assertEquals(MAX_ATTEMPTS, cloud.calls("s3:GetObject"), () -> "calls: " + cloud.calls());
        assertEquals(MAX_ATTEMPTS, cloud.calls("s3:GetObject:500"), () -> "calls: " + cloud.calls());
    }

    @Test
    void throttlingIsAskedMaxAttemptsTimes() {
        cloud.injectFault(Fault.throttle("s3:GetObject").probability(1));

        assertThrows(CloudError.Throttled.class, () -> objects.get(OBJECT, null));

        assertEquals(MAX_ATTEMPTS, cloud.calls("s3:GetObject"), () -> "calls: " + cloud.calls());
        assertEquals(MAX_ATTEMPTS, cloud.calls("s3:GetObject:503"), () -> "calls: " + cloud.calls());
    }

    @Test
    void theLastAttemptCanStillSucceed() {
        cloud.injectFault(Fault.serverError("s3:GetObject").times(MAX_ATTEMPTS - 1));

        ObjectStore.Read.Found found = assertInstanceOf(ObjectStore.Read.Found.class, objects.get(OBJECT, null));

        assertArrayEquals(BODY, found.body());
        assertEquals(MAX_ATTEMPTS, cloud.calls("s3:GetObject"), () -> "calls: " + cloud.calls());
    }

    /** Three attempts (not the default four, so that the count proves the configured policy is the one used). */
    public static class ThreeAttempts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("migrator.retry.max-attempts", String.valueOf(MAX_ATTEMPTS),
                    "migrator.retry.initial-delay", "5ms",
                    "migrator.retry.max-delay", "20ms");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OwnSandbox.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /** A sandbox for S3, and a plan with no environments and a ledger in a temporary directory. */
    public static class OwnSandbox implements QuarkusTestResourceLifecycleManager {
        static volatile SandboxCloud cloud;
        private Path directory;

        @Override
        public Map<String, String> start() {
            // The SDK's default credentials chain reads these; the sandbox does not check signatures.
            System.setProperty("aws.accessKeyId", "test");
            System.setProperty("aws.secretAccessKey", "test");
            cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                    .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
            try {
                directory = Files.createTempDirectory("s3-retries");
                Path plan = directory.resolve("plan.yaml");
                Files.writeString(plan, Plans.plan());
                return Map.of(
                        "migrator.aws.endpoint-override", cloud.endpoint().toString(),
                        "migrator.aws.region", "us-east-1",
                        "migrator.desired-state.uri", plan.toUri().toString(),
                        "migrator.status.uri", directory.resolve("plan.status.yaml").toUri().toString(),
                        "migrator.leader-election.identity", "s3-retries");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            if (cloud != null) {
                cloud.close();
            }
            if (directory != null) {
                try (Stream<Path> files = Files.walk(directory)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
