package dev.beanstalkmigrator.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;

class AwsClientSettingsTest {

    static final AwsRegionProvider NO_REGION = () -> {
        throw SdkClientException.create("Unable to load region from any of the providers in the chain");
    };

    @Test
    void aConfiguredRegionNeedsNoChain() {
        assertNull(AwsClientSettings.of(Optional.of("eu-west-1"), Optional.empty()).regionProblem(NO_REGION));
    }

    @Test
    void theChainsRegionIsEnough() {
        assertNull(AwsClientSettings.of(Optional.empty(), Optional.empty()).regionProblem(() -> Region.US_EAST_1));
    }

    @Test
    void noRegionAnywhereNamesTheSettingsThatGiveOne() {
        assertEquals("no AWS region: set migrator.aws.region (environment variable MIGRATOR_AWS_REGION) or"
                        + " AWS_REGION (an ECS task has AWS_REGION set for it)",
                AwsClientSettings.of(Optional.empty(), Optional.empty()).regionProblem(NO_REGION));
        assertEquals(AwsClientSettings.of(Optional.of(" "), Optional.empty()).regionProblem(NO_REGION),
                AwsClientSettings.of(Optional.empty(), Optional.empty()).regionProblem(NO_REGION),
                "a blank region is no region");
    }
}
