package dev.beanstalkmigrator.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * Where and how the SDK clients connect, as plain values: {@link AwsClients} reads these instead of the
 * operator's configuration, so that this package never depends on the configuration package (which depends on
 * this one to build the ports).
 *
 * @param region the AWS region; empty: the SDK's region provider chain
 * @param endpointOverride one endpoint for every client (the sandbox, tests, VPC endpoints); empty: AWS's own
 * @param connectTimeout how long to wait for a connection
 * @param readTimeout how long to wait for data on an open connection
 */
public record AwsClientSettings(Optional<String> region, Optional<URI> endpointOverride, Duration connectTimeout,
                                Duration readTimeout) {

    public AwsClientSettings {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(endpointOverride, "endpointOverride");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(readTimeout, "readTimeout");
    }

    /** 5 s to connect and 30 s per read, the HTTP timeouts every client has had. */
    public static AwsClientSettings of(Optional<String> region, Optional<URI> endpointOverride) {
        return new AwsClientSettings(region, endpointOverride, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /**
     * Why no client could find its region, or null when one is configured or the SDK's region provider chain
     * ({@code AWS_REGION}, the profile, the ECS or EC2 metadata) finds one. Without a region the SDK fails every
     * call with a message about something else (an S3 GetObject reports "UseArnRegion has been configured on both
     * S3Configuration and the client/global level"), so the operator asks once, at startup, and names the fix.
     */
    public String regionProblem(AwsRegionProvider chain) {
        if (region.filter(r -> !r.isBlank()).isPresent()) {
            return null;
        }
        try {
            chain.getRegion();
            return null;
        } catch (SdkClientException e) {
            return "no AWS region: set migrator.aws.region (environment variable MIGRATOR_AWS_REGION) or AWS_REGION"
                    + " (an ECS task has AWS_REGION set for it)";
        }
    }

    /** {@link #regionProblem(AwsRegionProvider)} with the SDK's default chain. */
    public String regionProblem() {
        return regionProblem(new DefaultAwsRegionProviderChain());
    }

    private static void requirePositive(Duration timeout, String name) {
        Objects.requireNonNull(timeout, name);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + timeout);
        }
    }
}
