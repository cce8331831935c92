package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beanstalkmigrator.testing.SandboxClients;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.elasticbeanstalk.model.EnvironmentDescription;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Accounts and Regions apart: a call reaches the Elastic Beanstalk and ECS of the account its credentials stand for
 * (a role's, once assumed) in the Region its signature names, and sees nothing of any other.
 */
class SandboxWorldsTest {

    static final String ROLE = "arn:aws:iam::222222222222:role/beanstalk-migrator";

    SandboxCloud cloud;
    StsClient sts;

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse("""
                applications:
                  - name: shop
                    versions: [{label: v1}]
                    environments: [{name: shop-us, version: v1}]
                clusters: [shop-us]
                roles:
                  - {arn: "%s"}
                worlds:
                  - account: "222222222222"
                    region: eu-west-1
                    applications:
                      - name: shop
                        versions: [{label: v7}]
                        environments: [{name: shop-eu, version: v7}]
                    clusters: [shop-eu]
                """.formatted(ROLE)));
        sts = StsClient.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(cloud.endpoint())
                .region(Region.US_EAST_1).credentialsProvider(SandboxClients.CREDENTIALS).build();
    }

    @AfterEach
    void stop() {
        sts.close();
        cloud.close();
    }

    ElasticBeanstalkClient beanstalk(Region region, AwsCredentialsProvider credentials) {
        return ElasticBeanstalkClient.builder().httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(cloud.endpoint()).region(region).credentialsProvider(credentials).build();
    }

    EcsClient ecs(Region region, AwsCredentialsProvider credentials) {
        return EcsClient.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(cloud.endpoint())
                .region(region).credentialsProvider(credentials).build();
    }

    static List<String> names(ElasticBeanstalkClient eb) {
        return eb.describeEnvironments().environments().stream().map(EnvironmentDescription::environmentName).toList();
    }

    @Test
    void aRolesCallsSeeItsAccountInTheRegionTheyAreSignedFor() {
        try (StsAssumeRoleCredentialsProvider role = StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                .refreshRequest(b -> b.roleArn(ROLE).roleSessionName("migrator")).build();
             ElasticBeanstalkClient own = beanstalk(Region.US_EAST_1, SandboxClients.CREDENTIALS);
             ElasticBeanstalkClient eu = beanstalk(Region.EU_WEST_1, role);
             ElasticBeanstalkClient roleInUs = beanstalk(Region.US_EAST_1, role);
             ElasticBeanstalkClient ownInEu = beanstalk(Region.EU_WEST_1, SandboxClients.CREDENTIALS);
             EcsClient ecsEu = ecs(Region.EU_WEST_1, role);
             EcsClient ecsUs = ecs(Region.US_EAST_1, SandboxClients.CREDENTIALS)) {
            assertEquals(List.of("shop-us"), names(own));
            assertEquals(List.of("shop-eu"), names(eu));
            assertEquals(List.of(), names(roleInUs), "the role's account has nothing in us-east-1");
            assertEquals(List.of(), names(ownInEu), "nor has the seed's in eu-west-1");
            assertEquals(List.of("arn:aws:ecs:eu-west-1:222222222222:cluster/shop-eu"),
                    ecsEu.listClusters().clusterArns());
            assertEquals(List.of("arn:aws:ecs:us-east-1:000000000000:cluster/shop-us"),
                    ecsUs.listClusters().clusterArns());
            assertEquals("arn:aws:elasticbeanstalk:eu-west-1:222222222222:environment/shop/shop-eu",
                    eu.describeEnvironments().environments().get(0).environmentArn());
        }
    }
}
