package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** {@link ObjectStore} on S3: conditional GET (304) and conditional PUT ({@code If-Match}, {@code If-None-Match: *}). */
public final class S3Objects implements ObjectStore {

    private final S3Client s3;
    private final Retrying retrying;

    public S3Objects(S3Client s3, Retrying retrying) {
        this.s3 = s3;
        this.retrying = retrying;
    }

    @Override
    public Read get(ObjectLocation location, String ifNoneMatch) {
        return retrying.call("s3:GetObject", () -> {
            GetObjectRequest.Builder request = GetObjectRequest.builder()
                    .bucket(location.bucket()).key(location.key());
            if (ifNoneMatch != null) {
                request.ifNoneMatch(ifNoneMatch);
            }
            try {
                ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(request.build());
                return new Read.Found(bytes.asByteArray(), bytes.response().eTag());
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
