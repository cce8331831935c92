package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.testing.SandboxClients;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/** The sandbox's STS through the real SDK client: roles assumed as their trust policies say, and who is calling. */
class SandboxStsTest {

    static final String ROLE = "arn:aws:iam::222222222222:role/platform/beanstalk-migrator";
    static final String WITH_EXTERNAL_ID = "arn:aws:iam::333333333333:role/beanstalk-migrator";
    static final String UNTRUSTING = "arn:aws:iam::444444444444:role/beanstalk-migrator";

    SandboxCloud cloud;
    StsClient sts;

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults(), SandboxSeed.parse("""
                roles:
                  - {arn: "%s"}
                  - {arn: "%s", externalId: acme-platform-7f3a}
                  - {arn: "%s", trusted: false}
                """.formatted(ROLE, WITH_EXTERNAL_ID, UNTRUSTING)));
        sts = client(SandboxClients.CREDENTIALS);
    }

    StsClient client(software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials) {
        return StsClient.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(cloud.endpoint())
                .region(Region.US_EAST_1).credentialsProvider(credentials).build();
    }

    @AfterEach
    void stop() {
        sts.close();
        cloud.close();
    }

    @Test
    void aRoleIsAssumedAndItsCredentialsSayWhoCalls() {
        assertEquals("000000000000", sts.getCallerIdentity().account());
        assertEquals("arn:aws:iam::000000000000:user/sandbox", sts.getCallerIdentity().arn());

        AssumeRoleResponse assumed = sts.assumeRole(b -> b.roleArn(ROLE).roleSessionName("beanstalk-migrator")
                .durationSeconds(900));
        assertTrue(assumed.credentials().accessKeyId().startsWith("ASIA"), assumed.credentials().accessKeyId());
        assertEquals("arn:aws:sts::222222222222:assumed-role/beanstalk-migrator/beanstalk-migrator",
                assumed.assumedRoleUser().arn());
        Duration left = Duration.between(Instant.now(), assumed.credentials().expiration());
        assertTrue(left.compareTo(Duration.ofSeconds(890)) > 0 && left.compareTo(Duration.ofSeconds(901)) < 0,
                "expires after the duration asked: " + left);

        try (StsAssumeRoleCredentialsProvider provider = StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                .refreshRequest(b -> b.roleArn(ROLE).roleSessionName("migrator")).build();
             StsClient asRole = client(provider)) {
            GetCallerIdentityResponse who = asRole.getCallerIdentity();
            assertEquals("222222222222", who.account());
            assertEquals("arn:aws:sts::222222222222:assumed-role/beanstalk-migrator/migrator", who.arn());
            assertTrue(who.userId().endsWith(":migrator"), who.userId());
        }
        assertEquals(2, cloud.calls().getOrDefault("sts:AssumeRole", 0L).intValue());
    }

    @Test
    void aRoleWhoseTrustPolicyDoesNotLetTheCallerInIsDeniedAndSoIsAWrongExternalId() {
        for (Runnable call : new Runnable[] {
                () -> sts.assumeRole(b -> b.roleArn(UNTRUSTING).roleSessionName("migrator")),
                () -> sts.assumeRole(b -> b.roleArn(WITH_EXTERNAL_ID).roleSessionName("migrator")),
                () -> sts.assumeRole(b -> b.roleArn(WITH_EXTERNAL_ID).roleSessionName("migrator").externalId("other")),
                () -> sts.assumeRole(b -> b.roleArn("arn:aws:iam::555555555555:role/unknown").roleSessionName("mi"))}) {
            StsException denied = assertThrows(StsException.class, call::run);
            assertEquals(403, denied.statusCode());
            assertEquals("AccessDenied", denied.awsErrorDetails().errorCode());
            assertTrue(denied.awsErrorDetails().errorMessage().startsWith("User: arn:aws:iam::000000000000:user/sandbox"
                    + " is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::"),
                    denied.awsErrorDetails().errorMessage());
        }
        AssumeRoleResponse ok = sts.assumeRole(b -> b.roleArn(WITH_EXTERNAL_ID).roleSessionName("migrator")
                .externalId("acme-platform-7f3a"));
        assertEquals("arn:aws:sts::333333333333:assumed-role/beanstalk-migrator/migrator", ok.assumedRoleUser().arn());
    }

    @Test
    void badParametersAreValidationErrors() {
        StsException shortName = assertThrows(StsException.class,
                () -> sts.assumeRole(b -> b.roleArn(ROLE).roleSessionName("m")));
        assertEquals("ValidationError", shortName.awsErrorDetails().errorCode());
        StsException tooLong = assertThrows(StsException.class,
                () -> sts.assumeRole(b -> b.roleArn(ROLE).roleSessionName("migrator").durationSeconds(7200)));
        assertEquals("ValidationError", tooLong.awsErrorDetails().errorCode());
        assertNotEquals(null, tooLong.awsErrorDetails().errorMessage());
    }
}
