package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * An {@link ObjectStore} on an S3 client of its own, for a process that runs without CDI: the CI commands
 * ({@code wait}, {@code status}), which read the plan and the ledger with the caller's AWS credentials before (and
 * instead of) Quarkus starting. It is {@link S3Objects}, the operator's own adapter, on a client built as
 * {@link AwsClients} builds the others: the URL connection HTTP client with the same timeouts, the SDK's retries
 * off and {@link Retrying} as the one retry policy. Close it when done.
 *
 * <p>Credentials come from the SDK's default provider chain. The region is {@link AwsClientSettings#region()}, else
 * the SDK's region provider chain ({@code AWS_REGION}, the profile, instance metadata), else us-east-1; without an
 * endpoint override the client may follow a bucket to its own region (cross-region access), so a CI runner
 * configured for another region still reads the plan's bucket. With an endpoint override (a VPC endpoint, the
 * sandbox) requests are path style ({@code http://host/bucket/key}), which every S3-compatible endpoint serves.
 */
public final class S3Connection implements ObjectStore, AutoCloseable {

    private final S3Client client;
    private final S3Objects objects;

    private S3Connection(S3Client client, Retrying retrying) {
        this.client = client;
        this.objects = new S3Objects(client, retrying);
    }

    /**
     * Opens a client.
     *
     * @param settings region and endpoint override (empty: the SDK's chain, AWS's own endpoint) and timeouts
     * @param backoff the retries of each call (throttling, 5xx, dropped connections)
     */
    public static S3Connection open(AwsClientSettings settings, Backoff backoff) {
        S3ClientBuilder builder = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()
                .connectionTimeout(settings.connectTimeout())
                .socketTimeout(settings.readTimeout()));
        builder.region(settings.region().map(Region::of).orElseGet(S3Connection::regionOfTheChain));
        if (settings.endpointOverride().isPresent()) {
            builder.endpointOverride(settings.endpointOverride().get()).forcePathStyle(true);
        } else {
            builder.crossRegionAccessEnabled(true);
        }
        return new S3Connection(builder.overrideConfiguration(AwsClients.withoutSdkRetries(builder).build()).build(),
                new Retrying(backoff, Retrying.Sleeper.THREAD));
    }

    private static Region regionOfTheChain() {
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException none) {
            // S3 answers for every bucket from us-east-1 with cross-region access on; a region is only a start.
            return Region.US_EAST_1;
        }
    }

    @Override
    public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
        return objects.get(location, ifNoneMatch, maxBytes);
    }

    @Override
    public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
        return objects.getRange(location, offset, length, ifMatch);
    }

    @Override
    public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
        return objects.put(location, body, contentType, ifMatch);
    }

    @Override
    public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch,
                      BooleanSupplier allowed) {
        return objects.put(location, body, contentType, ifMatch, allowed);
    }

    @Override
    public void close() {
        client.close();
    }
}
