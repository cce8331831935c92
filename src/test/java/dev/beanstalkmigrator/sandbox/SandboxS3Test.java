package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipInputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.beanstalkmigrator.testing.SandboxClients;

/** S3 through the real SDK client (UrlConnectionHttpClient, path style) and raw HTTP. */
class SandboxS3Test {
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

    private PutObjectResponse put(String key, String content) {
        return aws.s3.putObject(b -> b.bucket("acme-migrator").key(key), RequestBody.fromString(content));
    }

    @Test
    void conditionalGetAnswers304UntilTheEtagChanges() {
        PutObjectResponse first = put("cond/a.yaml", "one");
        assertEquals(S3Service.etagOf("one".getBytes(StandardCharsets.UTF_8)), first.eTag());
        ResponseBytes<GetObjectResponse> got = aws.s3.getObjectAsBytes(b -> b.bucket("acme-migrator").key("cond/a.yaml"));
        assertEquals("one", got.asUtf8String());
        assertEquals(first.eTag(), got.response().eTag());
        assertEquals("text/plain; charset=UTF-8", got.response().contentType());
        assertEquals(3L, got.response().contentLength());
        assertTrue(got.response().lastModified() != null);

        cloud.resetCalls();
        S3Exception notModified = assertThrows(S3Exception.class, () -> aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("cond/a.yaml").ifNoneMatch(first.eTag())));
        assertEquals(304, notModified.statusCode());
        S3Exception headNotModified = assertThrows(S3Exception.class, () -> aws.s3.headObject(
                b -> b.bucket("acme-migrator").key("cond/a.yaml").ifNoneMatch(first.eTag())));
        assertEquals(304, headNotModified.statusCode());
        assertEquals(1, cloud.calls("s3:GetObject:304"));
        assertEquals(1, cloud.calls("s3:HeadObject:304"));

        S3Exception mismatch = assertThrows(S3Exception.class, () -> aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("cond/a.yaml").ifMatch("\"0000\"")));
        assertEquals(412, mismatch.statusCode());
        assertEquals("PreconditionFailed", mismatch.awsErrorDetails().errorCode());

        PutObjectResponse second = put("cond/a.yaml", "two");
        assertNotEquals(first.eTag(), second.eTag());
        ResponseBytes<GetObjectResponse> changed = aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("cond/a.yaml").ifNoneMatch(first.eTag()));
        assertEquals("two", changed.asUtf8String());
        assertEquals(second.eTag(), changed.response().eTag());
        HeadObjectResponse head = aws.s3.headObject(b -> b.bucket("acme-migrator").key("cond/a.yaml"));
        assertEquals(3L, head.contentLength());
        assertEquals(second.eTag(), head.eTag());
    }

    @Test
    void ifNoneMatchStarCreatesOnceThen412() {
        aws.s3.putObject(b -> b.bucket("acme-migrator").key("locks/once").ifNoneMatch("*"), RequestBody.fromString("mine"));
        S3Exception e = assertThrows(S3Exception.class, () -> aws.s3.putObject(
                b -> b.bucket("acme-migrator").key("locks/once").ifNoneMatch("*"), RequestBody.fromString("yours")));
        assertEquals(412, e.statusCode());
        assertEquals("PreconditionFailed", e.awsErrorDetails().errorCode());
        assertArrayEquals("mine".getBytes(StandardCharsets.UTF_8), cloud.getObject("acme-migrator", "locks/once"));
    }

    @Test
    void ifMatchIsCompareAndSwap() {
        String etag = put("cas/state.json", "{\"n\":1}").eTag();
        String next = aws.s3.putObject(b -> b.bucket("acme-migrator").key("cas/state.json").ifMatch(etag),
                RequestBody.fromString("{\"n\":2}")).eTag();
        assertNotEquals(etag, next);
        S3Exception stale = assertThrows(S3Exception.class, () -> aws.s3.putObject(
                b -> b.bucket("acme-migrator").key("cas/state.json").ifMatch(etag), RequestBody.fromString("{\"n\":3}")));
        assertEquals(412, stale.statusCode());
        assertEquals("PreconditionFailed", stale.awsErrorDetails().errorCode());
        S3Exception missing = assertThrows(S3Exception.class, () -> aws.s3.putObject(
                b -> b.bucket("acme-migrator").key("cas/none.json").ifMatch(etag), RequestBody.fromString("x")));
        assertEquals(404, missing.statusCode());
        assertEquals("NoSuchKey", missing.awsErrorDetails().errorCode());
    }

    @Test
    void missingKeysAndBuckets() {
        NoSuchKeyException e = assertThrows(NoSuchKeyException.class,
                () -> aws.s3.getObjectAsBytes(b -> b.bucket("acme-migrator").key("nope/missing.yaml")));
        assertEquals(404, e.statusCode());
        assertThrows(NoSuchKeyException.class, () -> aws.s3.headObject(b -> b.bucket("acme-migrator").key("nope")));
        assertThrows(NoSuchBucketException.class,
                () -> aws.s3.listObjectsV2(b -> b.bucket("no-such-bucket")));
        S3Exception head = assertThrows(S3Exception.class, () -> aws.s3.headBucket(b -> b.bucket("no-such-bucket")));
        assertEquals(404, head.statusCode());
        aws.s3.headBucket(b -> b.bucket("acme-bundles"));
        aws.s3.createBucket(b -> b.bucket("fresh-bucket"));
        S3Exception again = assertThrows(S3Exception.class, () -> aws.s3.createBucket(b -> b.bucket("fresh-bucket")));
        assertEquals("BucketAlreadyOwnedByYou", again.awsErrorDetails().errorCode());
        assertTrue(aws.s3.listBuckets().buckets().stream().anyMatch(b -> b.name().equals("fresh-bucket")));
        aws.s3.deleteObject(b -> b.bucket("fresh-bucket").key("whatever"));
    }

    @Test
    void listObjectsV2WithPrefixPagingAndDelimiter() {
        for (int i = 0; i < 5; i++) {
            put("list/item-" + i + ".txt", "x" + i);
        }
        put("list/sub/deep.txt", "d");
        put("listing-other", "o");
        List<String> keys = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String t = token;
            ListObjectsV2Response page = aws.s3.listObjectsV2(b -> b.bucket("acme-migrator").prefix("list/").maxKeys(2)
                    .continuationToken(t));
            page.contents().stream().map(S3Object::key).forEach(keys::add);
            token = page.isTruncated() ? page.nextContinuationToken() : null;
            pages++;
        } while (token != null);
        assertEquals(List.of("list/item-0.txt", "list/item-1.txt", "list/item-2.txt", "list/item-3.txt",
                "list/item-4.txt", "list/sub/deep.txt"), keys);
        assertEquals(3, pages);
        ListObjectsV2Response delimited = aws.s3.listObjectsV2(b -> b.bucket("acme-migrator").prefix("list/").delimiter("/"));
        assertEquals(5, delimited.contents().size());
        assertEquals("list/sub/", delimited.commonPrefixes().get(0).prefix());
        assertEquals(S3Service.etagOf("x0".getBytes(StandardCharsets.UTF_8)), delimited.contents().get(0).eTag());
        assertEquals(2L, delimited.contents().get(0).size());
    }

    @Test
    void sdkStreamingUploadIsDecoded() throws Exception {
        byte[] big = new byte[300_000];
        new Random(7).nextBytes(big);
        aws.s3.putObject(b -> b.bucket("acme-migrator").key("big/blob.bin"),
                RequestBody.fromInputStream(new ByteArrayInputStream(big), big.length));
        assertArrayEquals(big, aws.s3.getObjectAsBytes(b -> b.bucket("acme-migrator").key("big/blob.bin")).asByteArray());
        aws.s3.putObject(b -> b.bucket("acme-migrator").key("big/empty"), RequestBody.empty());
        assertEquals(0, aws.s3.getObjectAsBytes(b -> b.bucket("acme-migrator").key("big/empty")).asByteArray().length);
        // the seeded bundle is a real zip
        byte[] zip = aws.s3.getObjectAsBytes(b -> b.bucket("acme-bundles").key("acme/v41.zip")).asByteArray();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            assertEquals("Dockerrun.aws.json", in.getNextEntry().getName());
            assertTrue(new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("acme:v41"));
        }
    }

    @Test
    void rawAwsChunkedBodyWithSignaturesAndTrailer() throws Exception {
        String body = "5;chunk-signature=" + "a".repeat(64) + "\r\nhello\r\n"
                + "6;chunk-signature=" + "b".repeat(64) + "\r\n world\r\n"
                + "0;chunk-signature=" + "c".repeat(64) + "\r\n"
                + "x-amz-checksum-crc32:DUoRhQ==\r\nx-amz-trailer-signature:" + "d".repeat(64) + "\r\n\r\n";
        HttpURLConnection c = (HttpURLConnection) URI.create(cloud.endpoint() + "/acme-migrator/raw/chunked.txt").toURL()
                .openConnection();
        c.setRequestMethod("PUT");
        c.setDoOutput(true);
        c.setRequestProperty("Authorization", "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host, Signature=abc");
        c.setRequestProperty("Content-Encoding", "aws-chunked");
        c.setRequestProperty("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
        c.setRequestProperty("x-amz-decoded-content-length", "11");
        c.setRequestProperty("x-amz-trailer", "x-amz-checksum-crc32");
        c.setFixedLengthStreamingMode(body.length());
        try (OutputStream out = c.getOutputStream()) {
            out.write(body.getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals(200, c.getResponseCode());
        assertArrayEquals("hello world".getBytes(StandardCharsets.UTF_8), cloud.getObject("acme-migrator", "raw/chunked.txt"));

        // Transfer-Encoding: chunked with Expect: 100-continue, unsigned
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cloud.endpoint() + "/acme-migrator/raw/te.txt"))
                .expectContinue(true)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        "streamed body".getBytes(StandardCharsets.UTF_8))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertArrayEquals("streamed body".getBytes(StandardCharsets.UTF_8), cloud.getObject("acme-migrator", "raw/te.txt"));
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(
                URI.create(cloud.endpoint() + "/acme-migrator/raw/none")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("<Code>NoSuchKey</Code>"), missing.body());
        assertTrue(missing.body().contains("<Key>raw/none</Key>"), missing.body());
        assertTrue(missing.body().contains("<RequestId>"), missing.body());
    }

    /** What the operator relies on to read a source bundle in parts, answered as S3 answers it. */
    @Test
    void rangedGetsAnswer206WithContentRangeAndHonourIfMatch() {
        String etag = put("range/digits.txt", "0123456789").eTag();
        ResponseBytes<GetObjectResponse> middle = aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("range/digits.txt").range("bytes=2-5").ifMatch(etag));
        assertEquals("2345", middle.asUtf8String());
        assertEquals("bytes 2-5/10", middle.response().contentRange());
        assertEquals(4L, middle.response().contentLength());
        assertEquals(etag, middle.response().eTag());

        ResponseBytes<GetObjectResponse> pastTheEnd = aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("range/digits.txt").range("bytes=8-20"));
        assertEquals("89", pastTheEnd.asUtf8String());
        assertEquals("bytes 8-9/10", pastTheEnd.response().contentRange());
        ResponseBytes<GetObjectResponse> tail = aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("range/digits.txt").range("bytes=-3"));
        assertEquals("789", tail.asUtf8String());
        assertEquals("bytes 7-9/10", tail.response().contentRange());
        ResponseBytes<GetObjectResponse> longerTail = aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("range/digits.txt").range("bytes=-30"));
        assertEquals("0123456789", longerTail.asUtf8String());
        assertEquals("bytes 0-9/10", longerTail.response().contentRange());

        S3Exception beyond = assertThrows(S3Exception.class, () -> aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("range/digits.txt").range("bytes=10-12")));
        assertEquals(416, beyond.statusCode());
        assertEquals("InvalidRange", beyond.awsErrorDetails().errorCode());

        put("range/digits.txt", "9876543210");
        S3Exception changed = assertThrows(S3Exception.class, () -> aws.s3.getObjectAsBytes(
                b -> b.bucket("acme-migrator").key("range/digits.txt").range("bytes=2-5").ifMatch(etag)));
        assertEquals(412, changed.statusCode());
        assertEquals("PreconditionFailed", changed.awsErrorDetails().errorCode());
    }
}
