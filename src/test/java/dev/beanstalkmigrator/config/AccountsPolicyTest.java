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
 * Environments in other accounts: the operator's policy may assume their roles, the trust policy example lets it
 * (with the external ID condition), and the README's section names both files, as the RoleNotAssumed hint does.
 */
class AccountsPolicyTest {

    static final Path TRUST = Path.of("config/iam-trust-policy.json");

    @Test
    void theOperatorsPolicyMayAssumeRolesOfOtherAccounts() throws IOException {
        assertTrue(DeployPolicyTest.statements(DeployPolicyTest.OPERATOR).stream()
                .anyMatch(s -> DeployPolicyTest.values(s.path("Action")).contains("sts:AssumeRole")
                        && DeployPolicyTest.values(s.path("Resource")).stream().allMatch(r -> r.contains(":role/"))));
    }

    @Test
    void theTrustPolicyLetsTheOperatorsRoleAssumeTheRoleWithItsExternalId() throws IOException {
        List<JsonNode> statements = DeployPolicyTest.statements(TRUST);
        assertEquals(1, statements.size());
        JsonNode trust = statements.get(0);
        assertEquals("Allow", trust.path("Effect").asText());
        assertEquals(List.of("sts:AssumeRole"), DeployPolicyTest.values(trust.path("Action")));
        assertTrue(trust.path("Principal").path("AWS").asText().matches("arn:aws:iam::\\d{12}:role/.+"));
        assertTrue(trust.path("Condition").path("StringEquals").has("sts:ExternalId"));
    }

    @Test
    void theReadmeSaysWhereTheRoleAndItsTrustPolicyComeFrom() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("### Accounts and regions"), readme.indexOf("## Reading status"));
        for (String must : List.of("config/iam-trust-policy.json", "AssumeRolesOfOtherAccounts", "externalId",
                "RoleNotAssumed", "StsAssumeRoleCredentialsProvider")) {
            assertTrue(section.contains(must), "the README's Accounts and regions should say " + must);
        }
    }
}
