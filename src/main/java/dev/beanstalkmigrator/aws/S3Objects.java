package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectListing;
import dev.beanstalkmigrator.port.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link ObjectStore} on S3: conditional GET (304) that looks at the answer's {@code Content-Length} before reading
 * its body, ranged GET ({@code Range}, {@code If-Match}), and conditional PUT ({@code If-Match},
 * {@code If-None-Match: *}); and {@link ObjectListing} ({@code ListObjectsV2}, page after page).
 */
public final class S3Objects implements ObjectStore, ObjectListing {

    private static final String GET_OBJECT = "s3:GetObject";

    private final S3Client s3;
    private final Retrying retrying;

    public S3Objects(S3Client s3, Retrying retrying) {
        this.s3 = s3;
        this.retrying = retrying;
    }

    /** One call per page of up to 1,000 keys: a LIST request, priced as a PUT ($0.005 per 1,000). */
    @Override
    public List<Listed> list(String bucket, String prefix) {
        List<Listed> listed = new java.util.ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = retrying.call("s3:ListObjectsV2", () -> s3.listObjectsV2(b -> b
                    .bucket(bucket).prefix(prefix).continuationToken(continuation)));
            page.contents().forEach(o -> listed.add(new Listed(o.key(), o.eTag(), o.size() == null ? 0 : o.size())));
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return listed;
    }

    @Override
    public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
        return retrying.call(GET_OBJECT, () -> {
            GetObjectRequest.Builder request = GetObjectRequest.builder()
                    .bucket(location.bucket()).key(location.key());
            if (ifNoneMatch != null) {
                request.ifNoneMatch(ifNoneMatch);
            }
            try (ResponseInputStream<GetObjectResponse> body = s3.getObject(request.build())) {
                GetObjectResponse response = body.response();
                Long length = response.contentLength();
                if (length != null && length > maxBytes) {
                    // Drops the connection rather than draining a body nobody reads.
                    body.abort();
                    return new Read.TooLarge(length, response.eTag());
                }
                byte[] bytes = maxBytes >= Integer.MAX_VALUE ? body.readAllBytes()
                        : body.readNBytes((int) maxBytes + 1);
                if (bytes.length > maxBytes) {
                    body.abort();
                    return new Read.TooLarge(bytes.length, response.eTag());
                }
                return new Read.Found(bytes, response.eTag());
            } catch (NoSuchKeyException e) {
                return new Read.Missing("no object " + location);
            } catch (NoSuchBucketException e) {
                return new Read.Missing("no bucket " + location.bucket());
            } catch (S3Exception e) {
                if (e.statusCode() == 304) {
                    return new Read.NotModified(ifNoneMatch);
                }
                if (e.statusCode() == 404) {
                    return new Read.Missing("no object " + location);
                }
                throw e;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
        if (offset < 0 || length < 1) {
            throw new IllegalArgumentException("no range of " + length + " bytes from " + offset);
        }
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        return retrying.call(GET_OBJECT, () -> {
            GetObjectRequest request = GetObjectRequest.builder().bucket(location.bucket()).key(location.key())
                    .range(range).ifMatch(ifMatch).build();
            try (ResponseInputStream<GetObjectResponse> body = s3.getObject(request)) {
                String contentRange = body.response().contentRange();
                if (contentRange == null || !contentRange.startsWith("bytes " + offset + "-")) {
                    // An endpoint that ignores Range answers with the whole object, from its first byte.
                    body.abort();
                    throw new CloudError.Stalled(GET_OBJECT, "RangeNotHonoured", "asked for " + range + " of "
                            + location + ", answered " + (contentRange == null ? "without Content-Range"
                            : contentRange), "use an S3 endpoint that serves ranged GETs, as S3 does", null);
                }
                return body.readNBytes(length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
        return put(location, body, contentType, ifMatch, () -> true);
    }

    @Override
    public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch,
                      BooleanSupplier allowed) {
        return retrying.call("s3:PutObject", () -> {
            if (!allowed.getAsBoolean()) {
                throw ObjectStore.notAllowed(location);
            }
            PutObjectRequest.Builder request = PutObjectRequest.builder()
                    .bucket(location.bucket()).key(location.key()).contentType(contentType);
            if (ifMatch == null) {
                request.ifNoneMatch("*");
            } else {
                request.ifMatch(ifMatch);
            }
            return s3.putObject(request.build(), RequestBody.fromBytes(body)).eTag();
        });
    }
}
