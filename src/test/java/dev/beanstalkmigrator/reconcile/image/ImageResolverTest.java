package dev.beanstalkmigrator.reconcile.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.Samples;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The image of a version from its source bundle in S3, read whole only when small: a large zip is read by ranges of
 * the version whose size was seen, and a large plain object is refused by its size.
 */
class ImageResolverTest {

    static final ObjectLocation BUNDLE = new ObjectLocation("bundles", "acme/v42.zip");
    static final String BASE_IMAGE = "acme:base";

    final FakeCloud cloud = new FakeCloud();
    EnvironmentSpec spec;
    ContainerService.TaskDefinition base;

    @BeforeEach
    void world() {
        cloud.version("acme", "v42", BUNDLE.bucket(), BUNDLE.key());
        cloud.taskDefinition("acme-web", "web", BASE_IMAGE, null);
        base = cloud.describeTaskDefinition("acme-web");
        ParseOutcome.Valid plan = (ParseOutcome.Valid) new PlanParser().parse("acme.yaml",
                Samples.PLAN.getBytes(UTF_8));
        spec = plan.plan().environments().get(0);
    }

    void upload(byte[] bundle) {
        cloud.objects.put(BUNDLE, bundle);
        cloud.versions.merge(BUNDLE, 1, Integer::sum);
    }

    @Test
    void aLargeZipIsReadByRangesNeverWhole() {
        byte[] zip = SampleBundles.largeZip(3 << 20, false);
        upload(zip);

        ImageResolver.Resolved resolved = new ImageResolver(cloud).resolve(spec, "v42", base, cloud);

        assertEquals(new ImageResolver.Resolved("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7",
                "source-bundle:app/Dockerrun.aws.json", null), resolved);
        assertEquals(2, cloud.calls("s3:GetObject"), "a GET that stops at the size, and the zip's tail");
        assertEquals(65_557, cloud.rangeBytes);
    }

    @Test
    void aLargePlainObjectIsRefusedByItsSize() {
        upload(("{\"AWSEBDockerrunVersion\": 1, \"Image\": {\"Name\": \"acme:v42\"}}" + " ".repeat(2 << 20))
                .getBytes(UTF_8));

        ImageResolver.Resolved resolved = new ImageResolver(cloud).resolve(spec, "v42", base, cloud);

        assertEquals(BASE_IMAGE, resolved.image());
        assertEquals(ImageResolver.FROM_BASE, resolved.source());
        assertTrue(resolved.warning().contains("the source bundle s3://bundles/acme/v42.zip is 2097211 bytes and has"
                + " no zip end of central directory"), resolved.warning());
        assertTrue(resolved.warning().contains("a plain Dockerrun.aws.json or docker-compose.yml is read up to 1048576"
                + " bytes"), resolved.warning());
    }

    @Test
    void aBundleReplacedWhileItIsReadIsReadAgainLater() {
        upload(SampleBundles.largeZip(3 << 20, false));
        byte[] replacement = SampleBundles.largeZip(2 << 20, true);
        ObjectStore replacing = new ObjectStore() {
            @Override
            public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
                return cloud.get(location, ifNoneMatch, maxBytes);
            }

            @Override
            public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
                if (cloud.objects.get(location) != replacement) {
                    upload(replacement);
                }
                return cloud.getRange(location, offset, length, ifMatch);
            }

            @Override
            public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
                throw new AssertionError("bundles are never written");
            }
        };
        ImageResolver resolver = new ImageResolver(replacing);

        CloudError.Transient changed = assertThrows(CloudError.Transient.class,
                () -> resolver.resolve(spec, "v42", base, cloud));
        assertEquals("source bundle s3://bundles/acme/v42.zip changed while it was read", changed.text());

        assertEquals("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", resolver.resolve(spec, "v42", base, cloud).image(),
                "nothing was remembered of the failed read");
    }
}
