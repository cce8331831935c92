package dev.beanstalkmigrator.reconcile.image;

import static dev.beanstalkmigrator.reconcile.image.SampleBundles.COMPOSE;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.COMPOSE_OTHER;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.NAME;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.V1;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.V2;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.assertFinds;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.bytes;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.c;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.entries;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.find;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.junk;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.largeZip;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.randomText;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.truncate;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.zip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import dev.beanstalkmigrator.reconcile.image.SampleBundles.Counted;
import dev.beanstalkmigrator.reconcile.image.SampleBundles.Expect;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SourceBundleImage#find}: which file of a bundle answers (compose over Dockerrun, {@code .yml} over
 * {@code .yaml}, no guess between duplicates), plain bundles that are no file at all, and its contract: junk is an
 * answer, never an exception, and a failure to read passes through.
 */
class SourceBundleImageTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // both files: Elastic Beanstalk runs docker-compose.yml
                c("both files present, compose wins", zip(entries("Dockerrun.aws.json", V1,
                        "docker-compose.yml", COMPOSE)), "web", Expect.found("repo/web:compose", "docker-compose.yml")),
                c("both files present, compose lacks the service", zip(entries("Dockerrun.aws.json", V1,
                        "docker-compose.yml", COMPOSE_OTHER)), "web",
                        Expect.notFound("docker-compose.yml has no service named 'web'",
                                "Elastic Beanstalk uses docker-compose.yml over Dockerrun.aws.json")),
                c("both files present in a folder", zip(entries("app/Dockerrun.aws.json", V1,
                        "app/docker-compose.yaml", COMPOSE)), "web",
                        Expect.found("repo/web:compose", "app/docker-compose.yaml")),
                c("compose .yml wins over .yaml",
                        zip(entries("docker-compose.yaml", COMPOSE_OTHER, "docker-compose.yml", COMPOSE)), "web",
                        Expect.found("repo/web:compose", "docker-compose.yml")),
                c("duplicate candidate name", zip(entries("Dockerrun.aws.json", V1), entries("Dockerrun.aws.json", V2)),
                        "web", Expect.notFound("holds 'Dockerrun.aws.json' more than once")),

                // junk and hostile input
                c("empty bundle", new byte[0], "web", Expect.notFound("empty")),
                c("blank bundle", bytes(" \n\t"), "web", Expect.notFound("blank")),
                c("junk bytes", junk(4096, 1), "web", Expect.notFound("neither a zip nor UTF-8 text")),
                c("plain bundle over the cap", bytes(V1 + " ".repeat(SourceBundleImage.MAX_ENTRY_BYTES)), "web",
                        Expect.notFound("the source bundle " + NAME + " is " + (V1.length() + 1048576) + " bytes and"
                                + " has no zip end of central directory in its last 65557 bytes (it is truncated, or"
                                + " not a zip); a plain Dockerrun.aws.json or docker-compose.yml is read up to 1048576"
                                + " bytes")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void finds(String name, byte[] bundle, String container, Expect expect) {
        assertFinds(bundle, container, expect);
    }

    @Test
    void aLargeZipWithoutTheFilesSaysWhatItHas() {
        byte[] zip = zip(Map.of("app/media.bin", randomText(2 << 20)), Map.of("app/Dockerfile", "FROM scratch"));
        NotFound notFound = assertInstanceOf(NotFound.class, find(zip, "web"));
        assertEquals("the zip has no Dockerrun.aws.json, docker-compose.yml or docker-compose.yaml in the zip's"
                + " single top-level folder 'app/'; it has a Dockerfile, so the image is built on the instances and has"
                + " no name to run", notFound.reason());
    }

    @Test
    void aFailureToReadIsNoAnswer() {
        SourceBundleImage.Bundle failing = new Counted(largeZip(2 << 20, false)) {
            @Override
            public byte[] read(long offset, int length) {
                throw new CloudError.Transient("s3:GetObject", "SlowDown", "Please reduce your request rate", null);
            }
        };
        CloudError.Transient error = assertThrows(CloudError.Transient.class,
                () -> SourceBundleImage.find(failing, "web"));
        assertEquals("SlowDown", error.code());
    }

    @Test
    void randomJunkNeverThrows() {
        Random random = new Random(42);
        byte[] valid = zip(entries("Dockerrun.aws.json", V2, "docker-compose.yml", COMPOSE));
        for (int i = 0; i < 2000; i++) {
            byte[] mutated = valid.clone();
            for (int j = 0; j < 1 + random.nextInt(8); j++) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            byte[] bundle = random.nextInt(4) == 0 ? truncate(mutated, random.nextInt(mutated.length)) : mutated;
            assertInstanceOf(BundleLookup.class, find(bundle, "web"));
        }
    }
}
