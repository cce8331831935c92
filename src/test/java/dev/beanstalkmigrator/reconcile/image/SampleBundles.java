package dev.beanstalkmigrator.reconcile.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.reconcile.image.BundleLookup.Found;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Source bundles for the tests of {@link SourceBundleImage} and its parts: sample {@code Dockerrun.aws.json} and
 * compose files, zips made of them (as tools write them, or a large one), a bundle that counts its reads, and the
 * check of a table row ({@link #assertFinds}), so that each part's test keeps its own table.
 */
final class SampleBundles {

    static final String V1 = """
            {"AWSEBDockerrunVersion": "1",
             "Image": {"Name": "repo/app:1.2", "Update": "true"},
             "Ports": [{"ContainerPort": 8080}]}
            """;
    static final String V1_NUMERIC = """
            {"AWSEBDockerrunVersion": 1, "Image": {"Name": "repo/app:1.3"}}
            """;
    static final String V2 = """
            {"AWSEBDockerrunVersion": 2,
             "containerDefinitions": [
               {"name": "nginx", "image": "nginx:1.27", "essential": true},
               {"name": "web", "image": "123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "memory": 256}
             ]}
            """;
    static final String COMPOSE = """
            services:
              web:
                image: repo/web:compose
                ports: ["80:8080"]
                environment:
                  DB_PASSWORD: hunter2
              worker:
                build: ./worker
            """;
    static final String COMPOSE_OTHER = """
            services:
              api:
                image: repo/api:9
            """;

    static final String NAME = "s3://bundles/shop/v7.zip";

    record Expect(String image, String file, String[] reasonParts) {
        static Expect found(String image, String file) {
            return new Expect(image, file, null);
        }

        static Expect notFound(String... reasonParts) {
            return new Expect(null, null, reasonParts);
        }
    }

    private SampleBundles() {
    }

    static BundleLookup find(byte[] bundle, String container) {
        return SourceBundleImage.find(SourceBundleImage.Bundle.inMemory(NAME, bundle), container);
    }

    /**
     * The check of a table row: {@code bundle} gives {@code container} the expected image and file, or a reason that
     * holds every expected part.
     */
    static void assertFinds(byte[] bundle, String container, Expect expect) {
        BundleLookup result = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> find(bundle, container));
        if (expect.reasonParts() == null) {
            assertEquals(new Found(expect.image(), expect.file()), result);
        } else {
            NotFound notFound = assertInstanceOf(NotFound.class, result, () -> "got " + result);
            for (String part : expect.reasonParts()) {
                assertTrue(notFound.reason().contains(part),
                        () -> "reason '" + notFound.reason() + "' should contain '" + part + "'");
            }
        }
    }

    static Arguments c(String name, byte[] bundle, String container, Expect expect) {
        return Arguments.of(name, bundle, container, expect);
    }

    /** A bundle in memory that notes every read, as a bundle in S3 makes a ranged GET of each. */
    static class Counted implements SourceBundleImage.Bundle {
        final SourceBundleImage.Bundle bytes;
        final List<Integer> reads = new ArrayList<>();

        Counted(byte[] bytes) {
            this.bytes = SourceBundleImage.Bundle.inMemory(NAME, bytes);
        }

        @Override
        public String name() {
            return bytes.name();
        }

        @Override
        public long size() {
            return bytes.size();
        }

        @Override
        public byte[] read(long offset, int length) {
            reads.add(length);
            return bytes.read(offset, length);
        }

        long bytesRead() {
            return reads.stream().mapToLong(Integer::longValue).sum();
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    static Map<String, String> entries(String... namesAndContents) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndContents.length; i += 2) {
            map.put(namesAndContents[i], namesAndContents[i + 1]);
        }
        return map;
    }

    static byte[] zip(String name, String content) {
        return zip(entries(name, content));
    }

    @SafeVarargs
    static byte[] zip(Map<String, String>... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // ZipOutputStream refuses duplicate names, so a duplicate is written under another name, then patched.
        Set<String> seen = new HashSet<>();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map<String, String> part : parts) {
                for (Map.Entry<String, String> e : part.entrySet()) {
                    String name = seen.add(e.getKey()) ? e.getKey() : "Dockerrun.aws.jsoX";
                    zip.putNextEntry(new ZipEntry(name));
                    zip.write(e.getValue().getBytes(UTF_8));
                    zip.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return replaceAll(out.toByteArray(), bytes("Dockerrun.aws.jsoX"), bytes("Dockerrun.aws.json"));
    }

    /**
     * A zip of {@code largeBytes} of stored, incompressible bytes and an {@code app/Dockerrun.aws.json} before or
     * after them.
     */
    static byte[] largeZip(int largeBytes, boolean dockerrunFirst) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(largeBytes + 4096);
        byte[] large = new byte[largeBytes];
        new Random(3).nextBytes(large);
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            if (dockerrunFirst) {
                zip.putNextEntry(new ZipEntry("app/Dockerrun.aws.json"));
                zip.write(bytes(V2));
            }
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry("app/media.bin"));
            zip.write(large);
            zip.setLevel(Deflater.DEFAULT_COMPRESSION);
            if (!dockerrunFirst) {
                zip.putNextEntry(new ZipEntry("app/Dockerrun.aws.json"));
                zip.write(bytes(V2));
            }
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Text that deflate cannot shrink much. */
    static String randomText(int length) {
        Random random = new Random(11);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) (' ' + random.nextInt(95)));
        }
        return text.toString();
    }

    static byte[] junk(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        b[0] = (byte) 0xC3;
        b[1] = 0x28;
        return b;
    }

    static byte[] truncate(byte[] b, int length) {
        return Arrays.copyOf(b, length);
    }

    static byte[] replaceAll(byte[] haystack, byte[] from, byte[] to) {
        byte[] out = haystack.clone();
        for (int p = 0; p + from.length <= out.length; p++) {
            if (Arrays.equals(out, p, p + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, out, p, to.length);
            }
        }
        return out;
    }
}
