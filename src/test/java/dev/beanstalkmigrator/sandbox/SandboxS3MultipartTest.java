package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import dev.beanstalkmigrator.testing.SandboxClients;

/**
 * Multipart uploads (CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload) through the
 * real SDK client: the assembled object, S3's multipart ETag, its errors and conditional completion.
 */
class SandboxS3MultipartTest {
    static final String BUCKET = "acme-migrator";
    static final int MIB = 1024 * 1024;
    static SandboxCloud cloud;
    static SandboxClients aws;

    @BeforeAll
    static void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.read(SandboxTestSupport.testSeed()));
        aws = new SandboxClients(cloud.endpoint(), false);
    }

    @AfterAll
    static void stop() {
        aws.close();
        cloud.close();
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** S3's ETag of a multipart object: the MD5 of the parts' MD5s, then a dash and the number of parts. */
    static String multipartEtag(byte[]... parts) throws Exception {
        ByteArrayOutputStream digests = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            digests.write(MessageDigest.getInstance("MD5").digest(part));
        }
        return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(digests.toByteArray())) + "-"
                + parts.length + "\"";
    }

    static String create(String key) {
        return aws.s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
    }

    static CompletedPart upload(String key, String uploadId, int partNumber, byte[] content) {
        String etag = aws.s3.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(partNumber),
                RequestBody.fromBytes(content)).eTag();
        return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
    }

    static CompleteMultipartUploadResponse complete(String key, String uploadId, CompletedPart... parts) {
        return aws.s3.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));
    }

    @Test
    void thePartsBecomeOneObjectInPartNumberOrderWithS3sMultipartEtag() throws Exception {
        String key = "multipart/bundle.zip";
        String uploadId = aws.s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key).contentType("application/zip")
                .metadata(Map.of("commit", "5f0c2b9"))).uploadId();
        byte[] one = random(5 * MIB, 1);
        byte[] two = random(5 * MIB, 2);
        byte[] three = "the last part may be small".getBytes(StandardCharsets.UTF_8);
        CompletedPart p2 = upload(key, uploadId, 2, two);
        CompletedPart p3 = upload(key, uploadId, 3, three);
        upload(key, uploadId, 1, random(5 * MIB, 99));
        CompletedPart p1 = upload(key, uploadId, 1, one); // a part uploaded again replaces the first
        assertEquals(S3Service.etagOf(one), p1.eTag(), "a part's ETag is its MD5");
        assertNull(cloud.getObject(BUCKET, key), "nothing is stored before the upload completes");

        CompleteMultipartUploadResponse done = complete(key, uploadId, p1, p2, p3);
        String etag = multipartEtag(one, two, three);
        assertEquals(etag, done.eTag());
        assertEquals(BUCKET, done.bucket());
        assertEquals(key, done.key());
        assertTrue(done.location().endsWith("/" + BUCKET + "/" + key), done.location());

        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.write(one);
        whole.write(two);
        whole.write(three);
        ResponseBytes<GetObjectResponse> got = aws.s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key));
        assertArrayEquals(whole.toByteArray(), got.asByteArray());
        assertEquals(etag, got.response().eTag());
        assertEquals("application/zip", got.response().contentType());
        assertEquals(Map.of("commit", "5f0c2b9"), got.response().metadata());
        S3Exception notModified = assertThrows(S3Exception.class, () -> aws.s3.headObject(
                b -> b.bucket(BUCKET).key(key).ifNoneMatch(etag)));
        assertEquals(304, notModified.statusCode());
        assertTrue(aws.s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("multipart/bundle")).contents().stream()
                .anyMatch(o -> o.eTag().equals(etag) && o.size() == whole.size()));

        NoSuchUploadException again = assertThrows(NoSuchUploadException.class, () -> complete(key, uploadId, p1, p2, p3));
        assertEquals(404, again.statusCode());
        assertEquals(1, cloud.calls("s3:CreateMultipartUpload:200"));
        assertEquals(1, cloud.calls("s3:CompleteMultipartUpload:200"));
    }

    @Test
    void aCompletionThatS3WouldRefuseLeavesTheUploadToBeCompletedRight() throws Exception {
        String key = "multipart/refused.bin";
        String uploadId = create(key);
        byte[] small = random(1024, 3);
        byte[] big = random(5 * MIB, 4);
        CompletedPart p1 = upload(key, uploadId, 1, small);
        CompletedPart p2 = upload(key, uploadId, 2, big);
        CompletedPart p3 = upload(key, uploadId, 3, small);

        S3Exception tooSmall = assertThrows(S3Exception.class, () -> complete(key, uploadId, p1, p2));
        assertEquals(400, tooSmall.statusCode());
        assertEquals("EntityTooSmall", tooSmall.awsErrorDetails().errorCode());

        CompletedPart wrongEtag = p2.toBuilder().eTag(S3Service.etagOf(small)).build();
        S3Exception invalid = assertThrows(S3Exception.class, () -> complete(key, uploadId, wrongEtag, p3));
        assertEquals(400, invalid.statusCode());
        assertEquals("InvalidPart", invalid.awsErrorDetails().errorCode());
        CompletedPart neverUploaded = CompletedPart.builder().partNumber(7).eTag(p3.eTag()).build();
        assertEquals("InvalidPart", assertThrows(S3Exception.class,
                () -> complete(key, uploadId, p2, neverUploaded)).awsErrorDetails().errorCode());

        S3Exception order = assertThrows(S3Exception.class, () -> complete(key, uploadId, p3, p2));
        assertEquals(400, order.statusCode());
        assertEquals("InvalidPartOrder", order.awsErrorDetails().errorCode());
        assertEquals("InvalidPartOrder", assertThrows(S3Exception.class,
                () -> complete(key, uploadId, p2, p2)).awsErrorDetails().errorCode());

        for (int partNumber : new int[] {0, 10_001}) {
            S3Exception outOfRange = assertThrows(S3Exception.class, () -> upload(key, uploadId, partNumber, small));
            assertEquals(400, outOfRange.statusCode());
            assertEquals("InvalidArgument", outOfRange.awsErrorDetails().errorCode());
        }

        // Only the parts named are assembled: part 1 is left out.
        assertEquals(multipartEtag(big, small), complete(key, uploadId, p2, p3).eTag());
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.write(big);
        whole.write(small);
        assertArrayEquals(whole.toByteArray(), cloud.getObject(BUCKET, key));
    }

    @Test
    void anUnknownOrAbortedUploadIsNoSuchUpload() {
        String key = "multipart/aborted.bin";
        String uploadId = create(key);
        CompletedPart p1 = upload(key, uploadId, 1, random(100, 5));
        aws.s3.abortMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId));
        assertEquals(1, cloud.calls("s3:AbortMultipartUpload:204"));

        NoSuchUploadException part = assertThrows(NoSuchUploadException.class, () -> upload(key, uploadId, 2, new byte[1]));
        assertEquals(404, part.statusCode());
        assertThrows(NoSuchUploadException.class, () -> complete(key, uploadId, p1));
        assertThrows(NoSuchUploadException.class,
                () -> aws.s3.abortMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId)));
        assertNull(cloud.getObject(BUCKET, key));

        String other = create("multipart/other.bin");
        assertThrows(NoSuchUploadException.class, () -> upload(key, other, 1, new byte[1]), "an upload is of one key");
        assertThrows(NoSuchUploadException.class, () -> upload(key, "no-such-upload", 1, new byte[1]));
        S3Exception noBucket = assertThrows(S3Exception.class,
                () -> aws.s3.createMultipartUpload(b -> b.bucket("no-such-bucket").key(key)));
        assertEquals("NoSuchBucket", noBucket.awsErrorDetails().errorCode());
    }

    @Test
    void completionHonoursIfNoneMatchAndIfMatchAndA412KeepsTheUpload() throws Exception {
        String key = "multipart/conditional.bin";
        byte[] first = random(300, 6);
        String firstId = create(key);
        CompletedPart firstPart = upload(key, firstId, 1, first);
        String created = aws.s3.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(firstId)
                .multipartUpload(m -> m.parts(firstPart)).ifNoneMatch("*")).eTag();

        byte[] second = random(400, 7);
        String secondId = create(key);
        CompletedPart secondPart = upload(key, secondId, 1, second);
        S3Exception exists = assertThrows(S3Exception.class, () -> aws.s3.completeMultipartUpload(
                b -> b.bucket(BUCKET).key(key).uploadId(secondId).multipartUpload(m -> m.parts(secondPart))
                        .ifNoneMatch("*")));
        assertEquals(412, exists.statusCode());
        assertEquals("PreconditionFailed", exists.awsErrorDetails().errorCode());
        S3Exception stale = assertThrows(S3Exception.class, () -> aws.s3.completeMultipartUpload(
                b -> b.bucket(BUCKET).key(key).uploadId(secondId).multipartUpload(m -> m.parts(secondPart))
                        .ifMatch("\"0123456789abcdef0123456789abcdef-1\"")));
        assertEquals(412, stale.statusCode());
        assertArrayEquals(first, cloud.getObject(BUCKET, key), "refused: the object is unchanged");

        String replaced = aws.s3.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(secondId)
                .multipartUpload(m -> m.parts(secondPart)).ifMatch(created)).eTag();
        assertEquals(multipartEtag(second), replaced);
        assertArrayEquals(second, cloud.getObject(BUCKET, key));

        String missingId = create("multipart/never-written.bin");
        CompletedPart missingPart = upload("multipart/never-written.bin", missingId, 1, second);
        assertThrows(NoSuchKeyException.class, () -> aws.s3.completeMultipartUpload(b -> b.bucket(BUCKET)
                .key("multipart/never-written.bin").uploadId(missingId).multipartUpload(m -> m.parts(missingPart))
                .ifMatch(created)));
    }

    @Test
    void aCompletedUploadIsAnObjectWriteThatWatchersSee() throws Exception {
        String key = "multipart/acme.status.yaml";
        cloud.watchLedger(BUCKET, key);
        List<SandboxCall> calls = new ArrayList<>();
        byte[] content = "lease:\n  holder: replica-a\n".getBytes(StandardCharsets.UTF_8);
        try (AutoCloseable watching = cloud.watchCalls(call -> {
            synchronized (calls) {
                calls.add(call);
            }
        })) {
            String uploadId = create(key);
            complete(key, uploadId, upload(key, uploadId, 1, content));
        }
        List<ObjectWrite> writes = cloud.writes();
        assertEquals(1, writes.size());
        assertEquals(multipartEtag(content), writes.get(0).etag());
        assertEquals("replica-a", writes.get(0).holder());
        SandboxCall completion;
        synchronized (calls) {
            completion = calls.stream().filter(c -> c.operation().equals("s3:CompleteMultipartUpload")).findFirst()
                    .orElseThrow();
        }
        assertEquals(key, completion.key());
        assertArrayEquals(content, completion.content());
        assertNull(completion.previousContent());
        assertEquals(writes.get(0), completion.ledgerWrite());
    }

    @Test
    void theWireFormatIsS3s() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String object = cloud.endpoint() + "/" + BUCKET + "/multipart/raw.txt";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(object + "?uploads"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, created.statusCode());
        String xml = created.body();
        assertTrue(xml.contains("<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<Bucket>acme-migrator</Bucket><Key>multipart/raw.txt</Key><UploadId>"), xml);
        String uploadId = xml.substring(xml.indexOf("<UploadId>") + 10, xml.indexOf("</UploadId>"));

        HttpResponse<String> part = http.send(HttpRequest.newBuilder(URI.create(object + "?partNumber=1&uploadId="
                + uploadId)).PUT(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, part.statusCode());
        String etag = part.headers().firstValue("ETag").orElseThrow();
        assertEquals(S3Service.etagOf("hello".getBytes(StandardCharsets.UTF_8)), etag);

        HttpResponse<String> second = http.send(HttpRequest.newBuilder(URI.create(object + "?partNumber=2&uploadId="
                + uploadId)).PUT(HttpRequest.BodyPublishers.ofString("world")).build(), HttpResponse.BodyHandlers.ofString());
        String both = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag + "</ETag></Part><Part>"
                + "<PartNumber>2</PartNumber><ETag>" + second.headers().firstValue("ETag").orElseThrow() + "</ETag></Part>"
                + "</CompleteMultipartUpload>";
        HttpResponse<String> tooSmall = http.send(HttpRequest.newBuilder(URI.create(object + "?uploadId=" + uploadId))
                .POST(HttpRequest.BodyPublishers.ofString(both)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, tooSmall.statusCode());
        assertTrue(tooSmall.body().contains("<Code>EntityTooSmall</Code><Message>Your proposed upload is smaller than the"
                + " minimum allowed size</Message><ProposedSize>5</ProposedSize><MinSizeAllowed>5242880</MinSizeAllowed>"
                + "<PartNumber>1</PartNumber><ETag>&quot;"), tooSmall.body());

        for (String malformed : new String[] {"<CompleteMultipartUpload/>", "<Parts><Part/></Parts>", "not xml",
                "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"}) {
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(object + "?uploadId=" + uploadId))
                    .POST(HttpRequest.BodyPublishers.ofString(malformed)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, refused.statusCode(), malformed);
            assertTrue(refused.body().contains("<Code>MalformedXML</Code>"), refused.body());
        }
        HttpResponse<String> done = http.send(HttpRequest.newBuilder(URI.create(object + "?uploadId=" + uploadId))
                .POST(HttpRequest.BodyPublishers.ofString("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
                        + "2006-03-01/\"><Part><ETag>" + etag + "</ETag><PartNumber>1</PartNumber></Part>"
                        + "</CompleteMultipartUpload>")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, done.statusCode());
        assertTrue(done.body().contains("<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<Location>http://"), done.body());
        assertTrue(done.body().contains("<Bucket>acme-migrator</Bucket><Key>multipart/raw.txt</Key><ETag>&quot;"
                + multipartEtag("hello".getBytes(StandardCharsets.UTF_8)).replace("\"", "") + "&quot;</ETag>"), done.body());

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(object + "?uploadId=" + uploadId))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("<Code>NoSuchUpload</Code>"), unknown.body());
        assertTrue(unknown.body().contains("<UploadId>" + uploadId + "</UploadId>"), unknown.body());
    }
}
