package dev.beanstalkmigrator.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.beanstalkmigrator.sandbox.Fault;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.testing.SandboxClients;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Each AWS call counted once by service, operation and a bounded outcome: the classification table, then the SDK. */
class AwsCallMeterTest {

    static SandboxCloud cloud;

    @BeforeAll
    static void start() {
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0)
                .seed(Path.of("src/test/resources/sandbox/it-seed.yaml")).build());
    }

    @AfterAll
    static void stop() {
        cloud.close();
    }

    static AwsServiceException service(int status, String code) {
        return AwsServiceException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("m").build()).build();
    }

    static Stream<Arguments> outcomes() {
        return Stream.of(
                Arguments.of(service(400, "ThrottlingException"), "throttled"),
                Arguments.of(service(400, "Throttling"), "throttled"),
                Arguments.of(service(429, "TooManyRequestsException"), "throttled"),
                Arguments.of(service(503, "SlowDown"), "throttled"),
                Arguments.of(service(500, "InternalFailure"), "server_error"),
                Arguments.of(service(503, "ServiceUnavailable"), "server_error"),
                Arguments.of(S3Exception.builder().statusCode(304).build(), "success"),
                Arguments.of(service(412, "PreconditionFailed"), "client_error"),
                Arguments.of(service(403, "AccessDeniedException"), "client_error"),
                Arguments.of(service(400, "ClusterNotFoundException"), "client_error"),
                Arguments.of(SdkClientException.create("Unable to execute HTTP request",
                        new IOException("Connection reset")), "network_error"),
                Arguments.of(SdkClientException.create("read", new SocketTimeoutException("Read timed out")),
                        "network_error"),
                Arguments.of(ApiCallAttemptTimeoutException.create(1000), "network_error"),
                Arguments.of(SdkClientException.create("Unable to load credentials from any of the providers"),
                        "client_error"));
    }

    @ParameterizedTest
    @MethodSource("outcomes")
    void classifiesEachFailureIntoABoundedOutcome(Throwable error, String outcome) {
        assertEquals(outcome, AwsCallMeter.outcome(error));
        assertEquals(true, AwsCallMeter.OUTCOMES.contains(outcome));
    }

    static double calls(SimpleMeterRegistry registry, String service, String operation, String outcome) {
        Counter counter = registry.find("beanstalk.migrator.aws.calls").tag("service", service)
                .tag("operation", operation).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void countsEveryAttemptOfARealClientByItsOutcome() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (EcsClient ecs = AwsClients.withoutSdkRetries(EcsClient.builder(), new AwsCallMeter(registry, "ecs"))
                .endpointOverride(cloud.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(SandboxClients.CREDENTIALS).build();
             S3Client s3 = AwsClients.withoutSdkRetries(S3Client.builder(), new AwsCallMeter(registry, "s3"))
                     .endpointOverride(cloud.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                     .credentialsProvider(SandboxClients.CREDENTIALS).build()) {
            cloud.injectFault(Fault.throttle("ecs:ListClusters"));
            assertThrows(AwsServiceException.class, ecs::listClusters);
            ecs.listClusters();
            cloud.injectFault(Fault.serverError("ecs:ListClusters"));
            assertThrows(AwsServiceException.class, ecs::listClusters);
            cloud.injectFault(Fault.drop("ecs:DescribeClusters"));
            assertThrows(SdkClientException.class, () -> ecs.describeClusters(b -> b.clusters("shop-cluster")));

            cloud.putObject("it-bundles", "meter.txt", "x".getBytes(StandardCharsets.UTF_8));
            String etag = s3.headObject(b -> b.bucket("it-bundles").key("meter.txt")).eTag();
            S3Exception notModified = assertThrows(S3Exception.class, () -> s3.getObjectAsBytes(b -> b
                    .bucket("it-bundles").key("meter.txt").ifNoneMatch(etag)));
            assertEquals(304, notModified.statusCode());
            assertThrows(S3Exception.class, () -> s3.getObjectAsBytes(b -> b.bucket("it-bundles").key("none")));
        }

        assertEquals(1, calls(registry, "ecs", "ListClusters", "throttled"));
        assertEquals(1, calls(registry, "ecs", "ListClusters", "success"));
        assertEquals(1, calls(registry, "ecs", "ListClusters", "server_error"));
        assertEquals(1, calls(registry, "ecs", "DescribeClusters", "network_error"));
        assertEquals(1, calls(registry, "s3", "HeadObject", "success"));
        assertEquals(2, calls(registry, "s3", "GetObject", "success") + calls(registry, "s3", "GetObject",
                "client_error"));
        assertEquals(1, calls(registry, "s3", "GetObject", "success"), "304: unchanged, as asked");
        assertEquals(1, calls(registry, "s3", "GetObject", "client_error"), "404");
        assertEquals(7, registry.find("beanstalk.migrator.aws.calls").counters().stream()
                .mapToDouble(Counter::count).sum(), "one count per attempt, no more");
    }
}
