package dev.beanstalkmigrator.sandbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.services.elasticbeanstalk.model.InsufficientPrivilegesException;

import dev.beanstalkmigrator.testing.SandboxClients;

/**
 * UpdateEnvironment needs rights downstream: a seed that says the caller lacks one gets InsufficientPrivileges,
 * unless the environment has an operations role (seeded, or associated through the API).
 */
class SandboxDeployAccessTest {
    static final String SEED = """
            applications:
              - name: acme
                versions: [{label: v1}, {label: v2}]
                environments:
                  - {name: denied, version: v1, deployDenied: "s3:CreateBucket"}
                  - {name: delegated, version: v1, deployDenied: "cloudformation:UpdateStack",
                     operationsRole: "arn:aws:iam::000000000000:role/eb-operations"}
                  - {name: open, version: v1}
            environmentUpdateDuration: 10ms
            """;
    static SandboxCloud cloud;
    static SandboxClients aws;

    @BeforeAll
    static void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse(SEED));
        aws = new SandboxClients(cloud.endpoint(), false);
    }

    @AfterAll
    static void stop() {
        aws.close();
        cloud.close();
    }

    @Test
    void anUpdateNeedingARightTheCallerLacksIsRefusedAsElasticBeanstalkRefusesIt() {
        InsufficientPrivilegesException e = assertThrows(InsufficientPrivilegesException.class,
                () -> aws.eb.updateEnvironment(b -> b.environmentName("denied").versionLabel("v2")));
        assertEquals(403, e.statusCode());
        assertEquals("You do not have permission to perform the 's3:CreateBucket' action. Verify that your S3 policies"
                + " and your ACLs allow you to perform these actions.", e.awsErrorDetails().errorMessage());
        assertEquals("v1", cloud.deployedVersion("denied"), "nothing changed");
        assertEquals("Updating", aws.eb.updateEnvironment(b -> b.environmentName("open").versionLabel("v2"))
                .statusAsString());
    }

    @Test
    void anOperationsRoleActsInsteadOfTheCaller() {
        assertEquals("arn:aws:iam::000000000000:role/eb-operations", aws.eb.describeEnvironments(
                b -> b.environmentNames("delegated")).environments().get(0).operationsRole());
        aws.eb.updateEnvironment(b -> b.environmentName("delegated").versionLabel("v2"));

        aws.eb.associateEnvironmentOperationsRole(b -> b.environmentName("denied")
                .operationsRole("arn:aws:iam::000000000000:role/eb-operations"));
        aws.eb.updateEnvironment(b -> b.environmentName("denied").versionLabel("v2"));
        aws.eb.disassociateEnvironmentOperationsRole(b -> b.environmentName("denied"));
        await().atMost(Duration.ofSeconds(5)).until(() -> "Ready".equals(cloud.environmentStatus("denied")));
        assertThrows(InsufficientPrivilegesException.class,
                () -> aws.eb.updateEnvironment(b -> b.environmentName("denied").versionLabel("v1")),
                "the caller's own rights again");
    }
}
