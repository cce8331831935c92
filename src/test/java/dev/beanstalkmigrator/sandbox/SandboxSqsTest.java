package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.testing.AwsCli;
import dev.beanstalkmigrator.testing.SandboxClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The sandbox's SQS through the SDK's client (AWS JSON 1.0, with the SDK's MD5 check of every body) and through
 * Debian's AWS CLI 2.9 (the Query protocol): a queue, long polling, visibility, deletion, and the errors.
 */
class SandboxSqsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    SandboxCloud cloud;
    SqsClient sqs;

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.empty());
        sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(30))
                        .build()).endpointOverride(cloud.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(SandboxClients.CREDENTIALS).build();
    }

    @AfterEach
    void stop() {
        sqs.close();
        cloud.close();
    }

    @Test
    void aMessageIsReceivedOnceUntilItsVisibilityEndsAndGoneOnceDeleted() {
        String url = sqs.createQueue(b -> b.queueName("plans").attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT,
                "1"))).queueUrl();
        assertEquals(url, sqs.getQueueUrl(b -> b.queueName("plans")).queueUrl());
        assertTrue(url.endsWith("/000000000000/plans"), url);
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("{\"Records\":[{\"s3\":{\"object\":{\"key\":\"plans/a.yaml\"}}}]}"));

        List<Message> first = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
                .messageSystemAttributeNamesWithStrings("All")).messages();
        assertEquals(1, first.size(), "the SDK checked its MD5");
        assertEquals("1", first.get(0).attributesAsStrings().get("ApproximateReceiveCount"));
        assertEquals(List.of(), sqs.receiveMessage(b -> b.queueUrl(url)).messages(), "invisible while received");

        long before = System.nanoTime();
        List<Message> again = sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(5)).messages();
        long waited = (System.nanoTime() - before) / 1_000_000;
        assertEquals(1, again.size(), "visible again after 1 s, within the long poll");
        assertTrue(waited >= 500 && waited < 4_000, "the long poll ended when it came back: " + waited + " ms");

        sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(again.get(0).receiptHandle()));
        assertEquals("0", sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNamesWithStrings("All"))
                .attributesAsStrings().get("ApproximateNumberOfMessages"));
    }

    @Test
    void aLongPollEndsWhenAMessageArrivesOrAtItsWait() throws Exception {
        String url = sqs.createQueue(b -> b.queueName("events")).queueUrl();
        long before = System.nanoTime();
        java.util.concurrent.CompletableFuture<List<Message>> polling = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(20)).messages());
        org.awaitility.Awaitility.await("the long poll to reach the queue").atMost(Duration.ofSeconds(10))
                .until(() -> cloud.calls().getOrDefault("sqs:ReceiveMessage", 0L) == 1L);
        assertTrue(cloud.sendToQueue("events", "hello world"));
        List<Message> got = polling.get(30, java.util.concurrent.TimeUnit.SECONDS);
        long waited = (System.nanoTime() - before) / 1_000_000;
        assertEquals("hello world", got.get(0).body());
        assertEquals("5eb63bbbe01eeed093cb22bb8f5acdc3", got.get(0).md5OfBody());
        assertTrue(waited < 15_000, "returned as the message came, not at the end of its 20 s: " + waited + " ms");

        before = System.nanoTime();
        assertEquals(List.of(), sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(1)).messages());
        assertTrue((System.nanoTime() - before) / 1_000_000 >= 900, "an empty answer at the end of the wait");
    }

    @Test
    void aQueueThatDoesNotExistIsTheSdksOwnException() {
        QueueDoesNotExistException missing = assertThrows(QueueDoesNotExistException.class,
                () -> sqs.getQueueUrl(b -> b.queueName("nope")));
        assertEquals("AWS.SimpleQueueService.NonExistentQueue", missing.awsErrorDetails().errorCode());
    }

    @Test
    void debiansAwsCliSpeaksTheQueryProtocolToTheSameQueues() throws Exception {
        Assumptions.assumeTrue(AwsCli.installed(), "the AWS CLI is installed by .ci/run");
        AwsCli cli = new AwsCli(cloud.endpoint(), Files.createDirectories(home.resolve("cli")));
        String url = JSON.readTree(cli.run("sqs", "create-queue", "--queue-name", "cli-queue")).get("QueueUrl")
                .asText();
        cli.run("sqs", "send-message", "--queue-url", url, "--message-body", "hello world");
        JsonNode received = JSON.readTree(cli.run("sqs", "receive-message", "--queue-url", url, "--wait-time-seconds",
                "2", "--attribute-names", "All"));
        JsonNode message = received.get("Messages").get(0);
        assertEquals("hello world", message.get("Body").asText());
        assertEquals("5eb63bbbe01eeed093cb22bb8f5acdc3", message.get("MD5OfBody").asText());
        assertEquals("1", message.get("Attributes").get("ApproximateReceiveCount").asText());
        cli.run("sqs", "delete-message", "--queue-url", url, "--receipt-handle", message.get("ReceiptHandle").asText());
        assertEquals("0", JSON.readTree(cli.run("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names",
                "All")).get("Attributes").get("ApproximateNumberOfMessages").asText());
        assertEquals(List.of(), sqs.receiveMessage(b -> b.queueUrl(url)).messages(), "the SDK sees the same queue");
        AssertionError missing = assertThrows(AssertionError.class,
                () -> cli.run("sqs", "get-queue-url", "--queue-name", "nope"));
        assertTrue(missing.getMessage().contains("AWS.SimpleQueueService.NonExistentQueue"), missing.getMessage());
        assertTrue(cloud.calls().containsKey("sqs:ReceiveMessage"));
    }
}
