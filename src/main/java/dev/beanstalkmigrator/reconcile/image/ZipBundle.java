package dev.beanstalkmigrator.reconcile.image;

import static dev.beanstalkmigrator.reconcile.image.SourceBundleImage.BUNDLE_FILES;
import static dev.beanstalkmigrator.reconcile.image.SourceBundleImage.MAX_ENTRY_BYTES;

import dev.beanstalkmigrator.reconcile.image.SourceBundleImage.Bundle;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A source bundle that is a zip, read by ranges from its central directory, so that only the few entries that may
 * name the image are ever read and inflated (a huge unrelated entry costs nothing), each under a hard cap.
 *
 * <p><b>What is read.</b> The zip's last {@value #TAIL_BYTES} bytes (the end of central directory record, which holds
 * a comment of up to 64 KiB, and usually the central directory); the ZIP64 locator and end of central directory when
 * the record defers to them (more than 65,535 entries, or offsets and sizes past 4 GiB); the central directory if it
 * lies before the tail, front to back, {@value #CHUNK_BYTES} bytes at a time; and, when asked, the local header and
 * compressed bytes of one entry. Entries with data descriptors are read by the central directory's sizes. Names are
 * normalised ({@code \} becomes {@code /}, a leading {@code ./} or {@code /} goes), UTF-8 where the entry says so,
 * else ISO-8859-1.
 *
 * <p><b>What is kept.</b> Of the central directory, only the entries that may be a bundle's files
 * ({@link SourceBundleImage#BUNDLE_FILES} or a {@code Dockerfile}, at the root or one folder down), the names among
 * them given more than once, and where the bundle's files are: at the root, or inside a single top-level folder
 * (zips made by "compress folder"), macOS {@code __MACOSX/} metadata and {@code .DS_Store} files aside.
 *
 * <p><b>Limits.</b> At most {@value #MAX_ENTRIES} entries and a central directory of at most
 * {@value #MAX_DIRECTORY_BYTES} bytes; an entry of at most {@link SourceBundleImage#MAX_ENTRY_BYTES} bytes
 * uncompressed, counted on what inflates (a declared size may lie), and {@value #MAX_DEFLATED_BYTES} compressed;
 * only the stored and deflate methods, no encryption. A zip that breaks any of these, or is truncated or corrupt, is
 * a {@link BadZip} whose message says which (never the zip's content); a failure to read the bundle, a
 * {@code CloudError}, passes through.
 */
final class ZipBundle {

    /** Most entries a zip may have. */
    static final int MAX_ENTRIES = 10_000;
    /** Largest central directory read: 10,000 entries with names of 800 bytes. */
    static final int MAX_DIRECTORY_BYTES = 8 * 1024 * 1024;
    /** The end of central directory record is 22 bytes plus a comment of at most 65535: it is in these. */
    static final int TAIL_BYTES = 22 + 0xFFFF;
    /** How much of a central directory or an entry one read asks for. */
    static final int CHUNK_BYTES = 256 * 1024;
    /**
     * Largest compressed candidate: deflate adds a few bytes per block to what it cannot compress, so a file
     * of at most {@link SourceBundleImage#MAX_ENTRY_BYTES} never takes more than this.
     */
    static final long MAX_DEFLATED_BYTES = MAX_ENTRY_BYTES + MAX_ENTRY_BYTES / 8;

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final long FFFF = 0xFFFFL;
    private static final long FFFFFFFF = 0xFFFFFFFFL;
    private static final String CORRUPT_DIRECTORY = "its central directory is corrupt";

    /** One entry of the central directory, as it says: {@code size} is the uncompressed size. */
    record Entry(String name, int method, int flags, long compressedSize, long size, long localOffset) {
        boolean directory() {
            return name.endsWith("/");
        }
    }

    /** Why the zip gives no answer: a flaw of the zip, in words that never quote its content. */
    static final class BadZip extends Exception {
        private final boolean noDirectory;

        BadZip(String message) {
            this(message, false);
        }

        BadZip(String message, boolean noDirectory) {
            super(message, null, false, false);
            this.noDirectory = noDirectory;
        }

        /** No end of central directory: truncated, or not a zip at all. */
        boolean noDirectory() {
            return noDirectory;
        }
    }

    /** The zip, to read entries from: its tail, already read, is not asked for again. */
    private final Bundle zip;
    private final long count;
    private final Map<String, Entry> entries;
    private final Set<String> duplicates;
    private final String prefix;

    private ZipBundle(Bundle zip, long count, Map<String, Entry> entries, Set<String> duplicates, String prefix) {
        this.zip = zip;
        this.count = count;
        this.entries = entries;
        this.duplicates = duplicates;
        this.prefix = prefix;
    }

    /** Whether {@code b} starts as a zip does: a local file header, an empty archive or a spanned-archive marker. */
    static boolean isZip(byte[] b) {
        return b.length >= 4 && b[0] == 'P' && b[1] == 'K'
                && ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6) || (b[2] == 7 && b[3] == 8));
    }

    /**
     * Reads the zip's central directory (its tail, and the directory's own bytes where they lie before the tail).
     *
     * @throws BadZip if the zip is truncated, corrupt or over a limit
     */
    static ZipBundle open(Bundle zip) throws BadZip {
        long size = zip.size();
        long tailStart = Math.max(0, size - TAIL_BYTES);
        byte[] tail = readExactly(zip, tailStart, (int) (size - tailStart));
        // Whatever lies in the tail (usually the central directory, often the entry too) is not read again.
        Bundle cached = new TailCached(zip, tailStart, tail);
        int eocd = findEndOfCentralDirectory(tail);
        long count = u16(tail, eocd + 10);
        long cdSize = u32(tail, eocd + 12);
        long cdOffset = u32(tail, eocd + 16);
        if (count == FFFF || cdSize == FFFFFFFF || cdOffset == FFFFFFFF) {
            long locator = tailStart + eocd - 20;
            byte[] locatorBytes = locator < 0 ? new byte[0] : readExactly(cached, locator, 20);
            if (locatorBytes.length < 20 || i32(locatorBytes, 0) != ZIP64_LOCATOR) {
                throw new BadZip("it marks ZIP64 sizes but has no ZIP64 locator");
            }
            long record = u64(locatorBytes, 8);
            if (record > size - 56) {
                throw new BadZip("its ZIP64 end of central directory is missing");
            }
            byte[] recordBytes = readExactly(cached, record, 56);
            if (i32(recordBytes, 0) != ZIP64_EOCD) {
                throw new BadZip("its ZIP64 end of central directory is missing");
            }
            count = u64(recordBytes, 32);
            cdSize = u64(recordBytes, 40);
            cdOffset = u64(recordBytes, 48);
        }
        if (count > MAX_ENTRIES) {
            throw new BadZip("it has more than " + MAX_ENTRIES + " entries");
        }
        if (cdOffset > size || cdSize > size - cdOffset) {
            throw new BadZip("its central directory lies outside the file");
        }
        if (cdSize > MAX_DIRECTORY_BYTES) {
            throw new BadZip("its central directory is " + cdSize + " bytes, more than " + MAX_DIRECTORY_BYTES);
        }
        Span directory = new Span(cached, cdOffset, cdOffset + cdSize);
        Layout layout = new Layout();
        for (long i = 0; i < count; i++) {
            byte[] header = directory.take(46, CORRUPT_DIRECTORY);
            if (i32(header, 0) != CENTRAL) {
                throw new BadZip(CORRUPT_DIRECTORY);
            }
            int flags = u16(header, 8);
            int method = u16(header, 10);
            long compressed = u32(header, 20);
            long uncompressed = u32(header, 24);
            byte[] rawName = directory.take(u16(header, 28), CORRUPT_DIRECTORY);
            byte[] extra = directory.take(u16(header, 30), CORRUPT_DIRECTORY);
            directory.take(u16(header, 32), CORRUPT_DIRECTORY);
            long local = u32(header, 42);
            // ZIP64 extra field: 8-byte values for exactly the fields saturated in the header, in order.
            if (uncompressed == FFFFFFFF || compressed == FFFFFFFF || local == FFFFFFFF) {
                int q = 0;
                boolean seen = false;
                while (q + 4 <= extra.length) {
                    int id = u16(extra, q);
                    int length = u16(extra, q + 2);
                    int data = q + 4;
                    if (data + length > extra.length) {
                        break;
                    }
                    if (id == 1) {
                        int r = data;
                        if (uncompressed == FFFFFFFF && r + 8 <= data + length) {
                            uncompressed = u64(extra, r);
                            r += 8;
                        }
                        if (compressed == FFFFFFFF && r + 8 <= data + length) {
                            compressed = u64(extra, r);
                            r += 8;
                        }
                        if (local == FFFFFFFF && r + 8 <= data + length) {
                            local = u64(extra, r);
                        }
                        seen = true;
                        break;
                    }
                    q = data + length;
                }
                if (!seen) {
                    throw new BadZip("an entry marks ZIP64 sizes but has no ZIP64 field");
                }
            }
            boolean utf8 = (flags & 0x800) != 0;
            String name = normalise(new String(rawName,
                    utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
            layout.add(new Entry(name, method, flags, compressed, uncompressed, local));
        }
        return layout.bundle(cached);
    }

    /** How many entries the zip has, all of them counted. */
    long count() {
        return count;
    }

    /** The names of the kept entries (see {@link Layout}) that the zip holds more than once. */
    Set<String> duplicates() {
        return duplicates;
    }

    /**
     * "" if the bundle's files are at the root (or a candidate is), else "folder/" when every entry that matters
     * lives under one top-level folder.
     */
    String prefix() {
        return prefix;
    }

    /** The file (not a folder) of that normalised name, the first of a duplicated name, or null. */
    Entry file(String name) {
        Entry entry = entries.get(name);
        return entry == null || entry.directory() ? null : entry;
    }

    private static String normalise(String name) {
        String n = name.replace('\\', '/');
        while (n.startsWith("./") || n.startsWith("/")) {
            n = n.startsWith("./") ? n.substring(2) : n.substring(1);
        }
        return n;
    }

    /** Where in {@code tail} (a zip's last bytes) its end of central directory record starts. */
    private static int findEndOfCentralDirectory(byte[] tail) throws BadZip {
        for (int p = tail.length - 22; p >= 0; p--) {
            if (i32(tail, p) == EOCD && p + 22 + u16(tail, p + 20) <= tail.length) {
                return p;
            }
        }
        throw new BadZip("it has no end of central directory (truncated or not a zip)", true);
    }

    /** The entry's content, uncompressed, or BadZip if it is larger than the cap, encrypted or corrupt. */
    byte[] read(Entry entry) throws BadZip {
        if ((entry.flags() & 1) != 0) {
            throw new BadZip("is encrypted");
        }
        if (entry.size() > MAX_ENTRY_BYTES) {
            throw new BadZip("is larger than " + MAX_ENTRY_BYTES + " bytes uncompressed");
        }
        long local = entry.localOffset();
        if (local > zip.size() - 30) {
            throw new BadZip("has a corrupt local header");
        }
        byte[] header = readExactly(zip, local, 30);
        if (i32(header, 0) != LOCAL) {
            throw new BadZip("has a corrupt local header");
        }
        long data = local + 30 + u16(header, 26) + u16(header, 28);
        long compressed = entry.compressedSize();
        if (data > zip.size() || compressed > zip.size() - data) {
            throw new BadZip("runs past the end of the zip");
        }
        return switch (entry.method()) {
            case 0 -> {
                if (compressed > MAX_ENTRY_BYTES) {
                    throw new BadZip("is larger than " + MAX_ENTRY_BYTES + " bytes uncompressed");
                }
                yield compressed == 0 ? new byte[0] : readExactly(zip, data, (int) compressed);
            }
            case 8 -> {
                if (compressed > MAX_DEFLATED_BYTES) {
                    throw new BadZip("is " + compressed + " bytes compressed, so larger than " + MAX_ENTRY_BYTES
                            + " bytes uncompressed");
                }
                yield inflate(new Span(zip, data, data + compressed));
            }
            default -> throw new BadZip("uses unsupported compression method " + entry.method());
        };
    }

    private static byte[] inflate(Span compressed) throws BadZip {
        Inflater inflater = new Inflater(true);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
            byte[] buffer = new byte[64 * 1024];
            boolean padded = false;
            // The declared size may lie: the cap is enforced on what actually comes out.
            while (!inflater.finished()) {
                if (inflater.needsInput()) {
                    byte[] input = compressed.chunk();
                    if (input == null && !padded) {
                        // A raw deflate stream may need one byte past its end to finish, as ZipFile gives it.
                        input = new byte[1];
                        padded = true;
                    } else if (input == null) {
                        throw new BadZip("is truncated or corrupt");
                    }
                    inflater.setInput(input);
                }
                int n = inflater.inflate(buffer);
                if (n == 0 && inflater.needsDictionary()) {
                    throw new BadZip("is truncated or corrupt");
                }
                if (out.size() + n > MAX_ENTRY_BYTES) {
                    throw new BadZip("is larger than " + MAX_ENTRY_BYTES + " bytes uncompressed");
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new BadZip("is corrupt (bad deflate data)");
        } finally {
            inflater.end();
        }
    }

    /** {@code length} bytes of the bundle from {@code offset}, or BadZip if it ends first. */
    private static byte[] readExactly(Bundle zip, long offset, int length) throws BadZip {
        byte[] bytes = zip.read(offset, length);
        if (bytes.length != length) {
            throw new BadZip("it is truncated");
        }
        return bytes;
    }

    /** The bundle, answering reads within its tail (already read) from memory. */
    private record TailCached(Bundle bundle, long start, byte[] tail) implements Bundle {
        @Override
        public String name() {
            return bundle.name();
        }

        @Override
        public long size() {
            return bundle.size();
        }

        @Override
        public byte[] read(long offset, int length) {
            if (offset < start) {
                return bundle.read(offset, length);
            }
            int from = (int) (offset - start);
            return Arrays.copyOfRange(tail, from, (int) Math.min(tail.length, (long) from + length));
        }
    }

    /** Bytes {@code [next, end)} of a bundle, read front to back, {@link #CHUNK_BYTES} at a time. */
    private static final class Span {
        private final Bundle bundle;
        private final long end;
        private long next;
        private byte[] chunk = new byte[0];
        private int used;

        Span(Bundle bundle, long start, long end) {
            this.bundle = bundle;
            this.next = start;
            this.end = end;
        }

        /** The next {@code n} bytes, or BadZip({@code overrun}) if the span ends first. */
        byte[] take(int n, String overrun) throws BadZip {
            byte[] out = new byte[n];
            int filled = 0;
            while (filled < n) {
                if (used == chunk.length && !refill()) {
                    throw new BadZip(overrun);
                }
                int k = Math.min(n - filled, chunk.length - used);
                System.arraycopy(chunk, used, out, filled, k);
                used += k;
                filled += k;
            }
            return out;
        }

        /** The bytes not taken yet of the current chunk, else the next chunk; null at the end. */
        byte[] chunk() throws BadZip {
            if (used == chunk.length && !refill()) {
                return null;
            }
            byte[] rest = used == 0 ? chunk : Arrays.copyOfRange(chunk, used, chunk.length);
            used = chunk.length;
            return rest;
        }

        private boolean refill() throws BadZip {
            if (next >= end) {
                return false;
            }
            int length = (int) Math.min(CHUNK_BYTES, end - next);
            chunk = readExactly(bundle, next, length);
            next += length;
            used = 0;
            return true;
        }
    }

    /**
     * Keeps, entry by entry, what the central directory says about where a bundle's files are: only the entries that
     * may be a bundle's files (a candidate or a Dockerfile, at the root or one folder down), by normalised name, the
     * first of a duplicated name; the names given twice; and whether the files that matter live in one top-level
     * folder, macOS metadata aside.
     */
    private static final class Layout {
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Set<String> duplicates = new LinkedHashSet<>();
        private long count;
        private boolean rootFile;
        private String folder;
        private boolean severalFolders;

        void add(Entry entry) {
            count++;
            String name = entry.name();
            if (!ignored(name)) {
                int slash = name.indexOf('/');
                if (slash <= 0) {
                    rootFile = true;
                } else if (folder == null) {
                    folder = name.substring(0, slash + 1);
                } else if (!name.startsWith(folder)) {
                    severalFolders = true;
                }
            }
            if (mayBeABundleFile(name) && entries.putIfAbsent(name, entry) != null) {
                duplicates.add(name);
            }
        }

        /** A candidate or a Dockerfile, at the root or one folder down: nothing deeper is ever looked at. */
        private static boolean mayBeABundleFile(String name) {
            int slash = name.indexOf('/');
            if (slash != name.lastIndexOf('/')) {
                return false;
            }
            String base = name.substring(slash + 1);
            return BUNDLE_FILES.contains(base) || base.equals("Dockerfile");
        }

        ZipBundle bundle(Bundle zip) {
            boolean candidateAtRoot = BUNDLE_FILES.stream().anyMatch(entries::containsKey);
            String prefix = candidateAtRoot || rootFile || severalFolders || folder == null ? "" : folder;
            return new ZipBundle(zip, count, entries, duplicates, prefix);
        }

        private static boolean ignored(String name) {
            return name.startsWith("__MACOSX/") || name.equals(".DS_Store") || name.endsWith("/.DS_Store");
        }
    }

    private static int u16(byte[] b, int p) throws BadZip {
        check(b, p, 2);
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int p) throws BadZip {
        return i32(b, p) & FFFFFFFF;
    }

    private static int i32(byte[] b, int p) throws BadZip {
        check(b, p, 4);
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
    }

    private static long u64(byte[] b, int p) throws BadZip {
        long v = u32(b, p) | u32(b, p + 4) << 32;
        // Beyond 2^63 is past any real object: out of range, like any offset past the end.
        return v < 0 ? Long.MAX_VALUE : v;
    }

    private static void check(byte[] b, int p, int n) throws BadZip {
        if (p < 0 || p > b.length - n) {
            throw new BadZip("it is truncated");
        }
    }
}
