package dev.beanstalkmigrator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The deploy permissions ship as their own policy, cover every service Elastic Beanstalk changes for an update
 * made with the caller's rights, and the README's IAM section says both ways (those rights, or an operations
 * role) and names the file the Stalled condition points to.
 */
class DeployPolicyTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path DEPLOY = Path.of("config/iam-policy-deploy.json");
    static final Path OPERATOR = Path.of("config/iam-policy.json");

    static List<JsonNode> statements(Path policy) throws IOException {
        JsonNode root = JSON.readTree(Files.readString(policy));
        assertEquals("2012-10-17", root.path("Version").asText(), policy + " Version");
        List<JsonNode> out = new ArrayList<>();
        root.path("Statement").forEach(out::add);
        return out;
    }

    static List<String> values(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }

    @Test
    void theDeployPolicyCoversWhatAnUpdateChangesDownstream() throws IOException {
        Set<String> services = new TreeSet<>();
        for (JsonNode statement : statements(DEPLOY)) {
            assertTrue(statement.path("Sid").asText().startsWith("Deploy"), statement::toString);
            assertEquals("Allow", statement.path("Effect").asText());
            for (String action : values(statement.path("Action"))) {
                services.add(action.substring(0, action.indexOf(':')));
                if (action.startsWith("cloudformation:")) {
                    assertTrue(values(statement.path("Resource")).stream().allMatch(r -> r.contains(":stack/awseb-")
                            || r.contains(":stack/eb-")), "CloudFormation only on Elastic Beanstalk's stacks");
                }
            }
        }
        assertTrue(services.containsAll(Set.of("cloudformation", "autoscaling", "ec2", "elasticloadbalancing", "s3",
                "iam")), () -> "services: " + services);
    }

    @Test
    void bothWaysStillNeedUpdateEnvironmentFromTheOperatorsPolicy() throws IOException {
        assertTrue(statements(OPERATOR).stream().anyMatch(s -> values(s.path("Action"))
                .contains("elasticbeanstalk:UpdateEnvironment")));
    }

    @Test
    void theReadmeSaysBothWays() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String iam = readme.substring(readme.indexOf("## Deploying on AWS"), readme.indexOf("2. **Container**"));
        for (String must : List.of("config/iam-policy-deploy.json", "AdministratorAccess-AWSElasticBeanstalk",
                "associate-environment-operations-role", "AssociateEnvironmentOperationsRole",
                "only `elasticbeanstalk:UpdateEnvironment`")) {
            assertTrue(iam.contains(must), "the README's IAM section should say " + must);
        }
    }
}
