package dev.beanstalkmigrator.reconcile.image;

import static dev.beanstalkmigrator.reconcile.image.SampleBundles.COMPOSE;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.NAME;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.V1;
import static dev.beanstalkmigrator.reconcile.image.SampleBundles.V1_NUMERIC;
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
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.reconcile.image.BundleLookup.Found;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import dev.beanstalkmigrator.reconcile.image.SampleBundles.Counted;
import dev.beanstalkmigrator.reconcile.image.SampleBundles.Expect;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ZipBundle}: where a zip's files are found (root, one top-level folder, macOS metadata, Windows separators),
 * its limits and flaws (ZIP64, caps, corrupt directories, encryption), and how a large zip is read: by ranges, only
 * the tail, the directory and the one entry.
 */
class ZipBundleTest {

    static Stream<Arguments> cases() {
        return Stream.of(
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

                // junk and hostile input
                c("zip magic then junk", concat(new byte[] {'P', 'K', 3, 4}, junk(500, 2)), "web",
                        Expect.notFound("zip that cannot be read")),
                c("truncated zip", truncate(zip("Dockerrun.aws.json", V1), 40), "web",
                        Expect.notFound("zip that cannot be read")),
                c("empty zip", zip(new LinkedHashMap<>()), "web", Expect.notFound("empty zip")),
                c("entry over the cap", zip("Dockerrun.aws.json", V1 + " ".repeat(SourceBundleImage.MAX_ENTRY_BYTES)),
                        "web", Expect.notFound("Dockerrun.aws.json is larger than 1048576 bytes")),
                c("entry over the cap with a lying size", lieAboutSizes(zip("docker-compose.yml",
                        COMPOSE + "#".repeat(SourceBundleImage.MAX_ENTRY_BYTES))), "web",
                        Expect.notFound("docker-compose.yml is larger than 1048576 bytes")),
                c("too many entries", manyEntries(ZipBundle.MAX_ENTRIES + 1), "web",
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
        assertFinds(bundle, container, expect);
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
    void aHugeUnrelatedEntryIsNeverInflated() {
        byte[] bundle = zip(entries("Dockerrun.aws.json", V1), Map.of("assets/huge.bin",
                new String(new char[64 * 1024 * 1024])));
        BundleLookup result = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> find(bundle, "web"));
        assertEquals(new Found("repo/app:1.2", "Dockerrun.aws.json"), result);
    }

    // ---- builders -----------------------------------------------------------------------------------

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

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
