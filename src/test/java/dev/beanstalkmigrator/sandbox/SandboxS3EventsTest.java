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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Event;
import software.amazon.awssdk.services.s3.model.FilterRuleName;
import software.amazon.awssdk.services.s3.model.NotificationConfiguration;
import software.amazon.awssdk.services.s3.model.QueueConfiguration;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The sandbox's S3 event notifications to its SQS, through the SDK's clients: the configuration (filters, the test
 * message), the message of each object write and delete as S3 writes it, and the delivery's faults (late, twice, lost).
 */
class SandboxS3EventsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String BUCKET = "acme-deploy";

    @TempDir
    Path home;
    SandboxCloud cloud;
    S3Client s3;
    SqsClient sqs;
    String queueUrl;

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse("buckets: [" + BUCKET + "]\n"));
        s3 = S3Client.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(cloud.endpoint())
                .forcePathStyle(true).region(Region.US_EAST_1).credentialsProvider(SandboxClients.CREDENTIALS).build();
        sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(cloud.endpoint())
                .region(Region.US_EAST_1).credentialsProvider(SandboxClients.CREDENTIALS).build();
        queueUrl = sqs.createQueue(b -> b.queueName("plan-events")).queueUrl();
    }

    @AfterEach
    void stop() {
        sqs.close();
        s3.close();
        cloud.close();
    }

    void configure() {
        s3.putBucketNotificationConfiguration(b -> b.bucket(BUCKET).notificationConfiguration(
                NotificationConfiguration.builder().queueConfigurations(QueueConfiguration.builder().id("plans")
                        .queueArn("arn:aws:sqs:us-east-1:000000000000:plan-events")
                        .events(Event.S3_OBJECT_CREATED, Event.S3_OBJECT_REMOVED)
                        .filter(f -> f.key(k -> k.filterRules(r -> r.name(FilterRuleName.PREFIX).value("plans/"),
                                r -> r.name(FilterRuleName.SUFFIX).value(".yaml")))).build()).build()));
    }

    /** Every message that arrives within {@code wait}, deleted as received. */
    List<JsonNode> drain(Duration wait) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            int seconds = (int) Math.max(1, Math.min(20, (deadline - System.nanoTime()) / 1_000_000_000L));
            for (Message m : sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(seconds)).messages()) {
                out.add(JSON.readTree(m.body()));
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
        return out;
    }

    @Test
    void eachWriteAndDeleteUnderThePrefixIsAMessageAsS3WritesIt() throws Exception {
        configure();
        List<JsonNode> test = drain(Duration.ofSeconds(1));
        assertEquals(1, test.size());
        assertEquals("s3:TestEvent", test.get(0).get("Event").asText());

        String etag = s3.putObject(b -> b.bucket(BUCKET).key("plans/team a.yaml"), RequestBody.fromString("x: 1\n"))
                .eTag();
        s3.putObject(b -> b.bucket(BUCKET).key("other/b.yaml"), RequestBody.fromString("x: 1\n"));
        s3.putObject(b -> b.bucket(BUCKET).key("plans/readme.md"), RequestBody.fromString("#\n"));
        s3.deleteObject(b -> b.bucket(BUCKET).key("plans/team a.yaml"));
        List<JsonNode> events = drain(Duration.ofSeconds(1));
        assertEquals(2, events.size(), "the prefix and the suffix keep the others out: " + events);
        JsonNode put = events.get(0).get("Records").get(0);
        assertEquals("ObjectCreated:Put", put.get("eventName").asText());
        assertEquals("aws:s3", put.get("eventSource").asText());
        assertEquals("plans", put.get("s3").get("configurationId").asText());
        assertEquals(BUCKET, put.get("s3").get("bucket").get("name").asText());
        assertEquals("plans/team+a.yaml", put.get("s3").get("object").get("key").asText(), "form-URL-encoded");
        assertEquals(etag.replace("\"", ""), put.get("s3").get("object").get("eTag").asText());
        assertEquals(5, put.get("s3").get("object").get("size").asInt());
        JsonNode removed = events.get(1).get("Records").get(0);
        assertEquals("ObjectRemoved:Delete", removed.get("eventName").asText());
        assertTrue(removed.get("s3").get("object").get("sequencer").asText()
                .compareTo(put.get("s3").get("object").get("sequencer").asText()) > 0, "later writes sort later");

        QueueConfiguration read = s3.getBucketNotificationConfiguration(b -> b.bucket(BUCKET))
                .queueConfigurations().get(0);
        assertEquals("arn:aws:sqs:us-east-1:000000000000:plan-events", read.queueArn());
        assertEquals(List.of("Prefix", "Suffix"), read.filter().key().filterRules().stream()
                .map(r -> r.nameAsString()).toList(), "S3 answers the rule names capitalised");
    }

    @Test
    void aQueueThatIsNotThereIsRefused() {
        S3Exception refused = assertThrows(S3Exception.class, () -> s3.putBucketNotificationConfiguration(b -> b
                .bucket(BUCKET).notificationConfiguration(NotificationConfiguration.builder().queueConfigurations(
                        QueueConfiguration.builder().queueArn("arn:aws:sqs:us-east-1:000000000000:nope")
                                .events(Event.S3_OBJECT_CREATED).build()).build())));
        assertEquals("InvalidArgument", refused.awsErrorDetails().errorCode());
        assertTrue(refused.awsErrorDetails().errorMessage().contains("Unable to validate the following destination"));
    }

    @Test
    void deliveriesCanComeLateTwiceOrNotAtAll() throws Exception {
        configure();
        drain(Duration.ofSeconds(1));
        cloud.setEventDelivery(new SandboxCloud.EventDelivery(Duration.ofMillis(700), 1.0, 0), 1);
        long before = System.nanoTime();
        s3.putObject(b -> b.bucket(BUCKET).key("plans/a.yaml"), RequestBody.fromString("x: 1\n"));
        assertEquals(List.of(), sqs.receiveMessage(b -> b.queueUrl(queueUrl)).messages(), "not yet");
        List<JsonNode> twice = drain(Duration.ofSeconds(3));
        assertEquals(2, twice.size(), "delivered twice");
        assertEquals(twice.get(0), twice.get(1));
        assertTrue((System.nanoTime() - before) / 1_000_000 >= 700);

        cloud.setEventDelivery(new SandboxCloud.EventDelivery(Duration.ZERO, 0, 1.0), 1);
        s3.putObject(b -> b.bucket(BUCKET).key("plans/b.yaml"), RequestBody.fromString("x: 2\n"));
        assertEquals(List.of(), drain(Duration.ofSeconds(1)), "lost");
        assertEquals(1L, cloud.calls().get("s3:event:lost"));
        assertEquals(1L, cloud.calls().get("s3:event:duplicated"));
    }

    @Test
    void debiansAwsCliSetsAndReadsTheConfiguration() throws Exception {
        Assumptions.assumeTrue(AwsCli.installed(), "the AWS CLI is installed by .ci/run");
        AwsCli cli = new AwsCli(cloud.endpoint(), Files.createDirectories(home.resolve("cli")));
        Path config = home.resolve("notification.json");
        Files.writeString(config, """
                {"QueueConfigurations": [{"Id": "plans", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:plan-events",
                  "Events": ["s3:ObjectCreated:*"],
                  "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "plans/"}]}}}]}
                """);
        cli.run("s3api", "put-bucket-notification-configuration", "--bucket", BUCKET,
                "--notification-configuration", "file://" + config);
        JsonNode read = JSON.readTree(cli.run("s3api", "get-bucket-notification-configuration", "--bucket", BUCKET));
        assertEquals("plans/", read.get("QueueConfigurations").get(0).get("Filter").get("Key").get("FilterRules")
                .get(0).get("Value").asText());
        cli.run("s3", "cp", config.toString(), "s3://" + BUCKET + "/plans/team.yaml");
        List<JsonNode> events = drain(Duration.ofSeconds(1));
        assertEquals("s3:TestEvent", events.get(0).get("Event").asText());
        assertEquals("plans/team.yaml", events.get(1).get("Records").get(0).get("s3").get("object").get("key")
                .asText());
    }
}
