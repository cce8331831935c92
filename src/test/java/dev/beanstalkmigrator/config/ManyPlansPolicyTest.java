package dev.beanstalkmigrator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Plans under a prefix and their events: the operator's policy may read the queue, the queue's policy lets the
 * bucket send to it, and the README's sections name the keys, the files and the set-up commands.
 */
class ManyPlansPolicyTest {

    static final Path QUEUE = Path.of("config/sqs-queue-policy.json");

    @Test
    void theOperatorsPolicyReadsHandsOnAndDeletesThePlanEvents() throws IOException {
        JsonNode events = DeployPolicyTest.statements(DeployPolicyTest.OPERATOR).stream()
                .filter(s -> "ReadPlanEvents".equals(s.path("Sid").asText())).findFirst().orElseThrow();
        assertEquals(List.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"),
                DeployPolicyTest.values(events.path("Action")));
        assertTrue(DeployPolicyTest.values(events.path("Resource")).stream().allMatch(r -> r.startsWith("arn:aws:sqs:")));
    }

    @Test
    void theQueuePolicyLetsOnlyThePlansBucketSend() throws IOException {
        List<JsonNode> statements = DeployPolicyTest.statements(QUEUE);
        assertEquals(1, statements.size());
        JsonNode send = statements.get(0);
        assertEquals("s3.amazonaws.com", send.path("Principal").path("Service").asText());
        assertEquals(List.of("sqs:SendMessage"), DeployPolicyTest.values(send.path("Action")));
        assertTrue(send.path("Condition").path("ArnEquals").path("aws:SourceArn").asText().startsWith("arn:aws:s3:::"));
    }

    @Test
    void theReadmeSaysHowToServeManyPlansAndSetUpTheirEvents() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("### Many plans"), readme.indexOf("## Reading status"));
        for (String must : List.of("ClaimedByOtherPlan", "beanstalk-migrator.roster.json", "/api/v1/plans",
                "migrator.desired-state.events", "full-listing-interval", "config/sqs-queue-policy.json",
                "aws sqs create-queue", "aws s3api put-bucket-notification-configuration", "ReadPlanEvents",
                "3 replicas: $2.54")) {
            assertTrue(section.contains(must), "the README's Many plans and Events should say " + must);
        }
    }
}
