package dev.beanstalkmigrator.reconcile.image;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.plan.PlanError;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.YamlNode;
import dev.beanstalkmigrator.plan.YamlReader;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.Found;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Finds the image an Elastic Beanstalk application version runs for a given container, by reading the
 * version's source bundle the way Elastic Beanstalk's Docker platforms do.
 *
 * <p>A source bundle is either a zip or a single plain file:
 * <ul>
 *   <li>A zip holds {@code Dockerrun.aws.json}, {@code docker-compose.yml} or {@code docker-compose.yaml}
 *       at its root, or inside a single top-level folder (zips made by "compress folder"). macOS
 *       {@code __MACOSX/} metadata and {@code .DS_Store} files are ignored.</li>
 *   <li>A plain bundle is a {@code Dockerrun.aws.json} if it is a JSON object with
 *       {@code AWSEBDockerrunVersion}, otherwise it is read as a {@code docker-compose.yml}.</li>
 * </ul>
 *
 * <p><b>Precedence.</b> When a bundle holds both files, Elastic Beanstalk runs docker-compose.yml and
 * ignores Dockerrun.aws.json (Dockerrun then only carries settings such as registry authentication), so
 * this class does the same: the compose file decides, even if it lacks the container. Between the two
 * compose spellings, {@code docker-compose.yml} wins over {@code docker-compose.yaml}.
 *
 * <p><b>Formats.</b> Dockerrun.aws.json version 1 ({@code Image.Name}, one container, so any container
 * name takes its image) and version 2 ({@code containerDefinitions[].image} by {@code name});
 * {@code AWSEBDockerrunVersion} may be a string or a number. Compose: {@code services.<name>.image};
 * a service that is only built ({@code build:}) has no image, and an image using variable substitution
 * ({@code ${TAG}}) is not resolved here because Elastic Beanstalk resolves it from environment properties
 * at deploy time.
 *
 * <p><b>Size.</b> Elastic Beanstalk takes bundles of up to 500 MB; none is held whole. A bundle of at most
 * {@value #MAX_ENTRY_BYTES} bytes is read whole (one request); a larger one can only be a zip, and is read by
 * {@link Bundle#read ranges}: its last 65,557 bytes (the end of central directory record, which holds a comment of
 * up to 64 KiB, and usually the central directory), the central directory if it lies before them, and the local
 * header and compressed bytes of the one entry that names the image. ZIP64 (more than 65,535 entries, or offsets and sizes
 * past 4 GiB) is read too; entries with data descriptors are read by the central directory's sizes.
 *
 * <p><b>Hostile input.</b> Bundles are attacker-influenced. This class never throws on bundle content
 * (every failure is a {@link NotFound} with a reason; only a failure to read, a {@link CloudError}, passes
 * through), reads the zip's central directory and inflates only the candidate files, caps each of them at
 * {@value #MAX_ENTRY_BYTES} bytes uncompressed, the zip at {@value #MAX_ENTRIES} entries and its central
 * directory at {@value #MAX_DIRECTORY_BYTES} bytes, reads compose files with the plan's own YAML setup
 * ({@link YamlReader}, within {@link PlanLimits#DEFAULTS}: size, aliases, nesting, nodes, no type tags), and never
 * quotes file content in reasons (only names).
 */
public final class SourceBundleImage {

    /**
     * Largest candidate file (and largest plain bundle) read, uncompressed: 1 MiB, the size a plan may have, since a
     * compose file is read within the plan's limits.
     */
    public static final int MAX_ENTRY_BYTES = 1024 * 1024;
    /** Most entries a zip bundle may have. */
    public static final int MAX_ENTRIES = 10_000;
    /** Largest central directory read: 10,000 entries with names of 800 bytes. */
    public static final int MAX_DIRECTORY_BYTES = 8 * 1024 * 1024;

    static final String DOCKERRUN = "Dockerrun.aws.json";
    static final String COMPOSE_YML = "docker-compose.yml";
    static final String COMPOSE_YAML = "docker-compose.yaml";
    private static final String PLAIN_COMPOSE = "the source bundle (read as " + COMPOSE_YML + ")";
    /** What a compose file is called in the YAML reader's messages. */
    private static final String COMPOSE_KIND = "compose file";
    private static final String MERGE_KEY = "<<";

    private static final int MAX_NESTING = 64;
    private static final int MAX_NAME_CHARS = 80;
    private static final int MAX_LISTED_NAMES = 20;
    private static final int MAX_IMAGE_CHARS = 1024;
    private static final Pattern INTERPOLATION = Pattern.compile("\\$(\\{|[A-Za-z_])");

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SourceBundleImage() {
    }

    /**
     * A source bundle's bytes, read by offset: held in memory, or read from S3 with ranged GETs, so that a bundle
     * of hundreds of megabytes costs only the parts that are read.
     */
    public interface Bundle {

        /** Where the bundle is, for reasons, e.g. {@code s3://bucket/key}. */
        String name();

        /** Its size in bytes. */
        long size();

        /**
         * {@code length} bytes from {@code offset} (below {@link #size()}), fewer only where the bundle ends first.
         *
         * @throws CloudError if the bundle cannot be read; {@link #find} passes it on, since a failure to read says
         *     nothing about the bundle
         */
        byte[] read(long offset, int length);

        /** A bundle held in memory: one small enough to have been read whole. */
        static Bundle inMemory(String name, byte[] bytes) {
            return new Held(name, bytes);
        }
    }

    private record Held(String name, byte[] bytes) implements Bundle {
        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public byte[] read(long offset, int length) {
            return Arrays.copyOfRange(bytes, (int) offset, (int) Math.min(bytes.length, offset + length));
        }
    }

    /**
     * Looks up the image the bundle gives {@code container}.
     *
     * @param bundle the source bundle (zip or plain file); junk gives {@link NotFound}
     * @param container the container (Dockerrun v2) or service (compose) name; ignored by Dockerrun v1,
     *     which has a single container
     * @return {@link Found} with the image and the file it came from, or {@link NotFound} with a reason
     * @throws CloudError if the bundle could not be read (S3 failed, or the object changed while it was read)
     */
    public static BundleLookup find(Bundle bundle, String container) {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(container, "container");
        try {
            long size = bundle.size();
            if (size == 0) {
                return new NotFound("the source bundle is empty");
            }
            if (size > MAX_ENTRY_BYTES) {
                // Too large to be a plain Dockerrun.aws.json or compose file: a zip, read in parts, or nothing.
                return fromZip(bundle, container);
            }
            byte[] whole = bundle.read(0, (int) size);
            if (isZip(whole)) {
                return fromZip(Bundle.inMemory(bundle.name(), whole), container);
            }
            return fromPlain(whole, container);
        } catch (CloudError e) {
            throw e;
        } catch (RuntimeException e) {
            // Belt and braces: parsers may fail in ways not anticipated below; junk is an answer, not a crash.
            return new NotFound("the source bundle could not be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    // ---- plain bundles ------------------------------------------------------------------------------

    private static BundleLookup fromPlain(byte[] bundle, String container) {
        String text = utf8(bundle);
        if (text == null) {
            return new NotFound("the source bundle is neither a zip nor UTF-8 text, so it is not a "
                    + DOCKERRUN + " or " + COMPOSE_YML);
        }
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return new NotFound("the source bundle is blank");
        }
        if (trimmed.charAt(0) == '{') {
            JsonNode root;
            try {
                root = JSON.readTree(trimmed);
            } catch (JsonProcessingException e) {
                return new NotFound("the source bundle is not a zip and not valid JSON" + where(e.getLocation())
                        + ", so it is not a " + DOCKERRUN);
            }
            if (root != null && root.has("AWSEBDockerrunVersion")) {
                return dockerrun(root, DOCKERRUN, container);
            }
            if (root != null && root.has("services")) {
                // JSON is YAML: a compose file written as JSON is still a compose file.
                return compose(bundle, COMPOSE_YML, PLAIN_COMPOSE, container, "");
            }
            return new NotFound("the source bundle is a JSON object with neither AWSEBDockerrunVersion (as in "
                    + DOCKERRUN + ") nor services (as in " + COMPOSE_YML + ")");
        }
        return compose(bundle, COMPOSE_YML, PLAIN_COMPOSE, container, "");
    }

    // ---- Dockerrun.aws.json -------------------------------------------------------------------------

    private static BundleLookup fromDockerrun(byte[] content, String file, String container) {
        String text = utf8(content);
        if (text == null) {
            return new NotFound(file + " is not UTF-8 text");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text.strip());
        } catch (JsonProcessingException e) {
            return new NotFound(file + " is not valid JSON" + where(e.getLocation()));
        }
        return dockerrun(root, file, container);
    }

    private static BundleLookup dockerrun(JsonNode root, String file, String container) {
        if (root == null || !root.isObject()) {
            return new NotFound(file + " is not a JSON object");
        }
        JsonNode versionNode = root.get("AWSEBDockerrunVersion");
        String version = versionNode == null ? null
                : versionNode.isIntegralNumber() ? versionNode.asText()
                : versionNode.isTextual() ? versionNode.textValue().strip()
                : null;
        if (versionNode == null) {
            return new NotFound(file + " has no AWSEBDockerrunVersion");
        }
        if ("1".equals(version)) {
            JsonNode image = root.path("Image");
            if (!image.isObject() || !image.has("Name")) {
                return new NotFound(file + " v1 has no Image.Name: the image is built from a Dockerfile on the"
                        + " instances, so it has no name to run");
            }
            return image(image.get("Name").isTextual() ? image.get("Name").textValue() : null,
                    file, file + " v1 Image.Name");
        }
        if ("2".equals(version)) {
            JsonNode definitions = root.get("containerDefinitions");
            if (definitions == null || !definitions.isArray()) {
                return new NotFound(file + " v2 has no containerDefinitions list");
            }
            Set<String> names = new LinkedHashSet<>();
            for (JsonNode definition : definitions) {
                JsonNode name = definition.get("name");
                if (name == null || !name.isTextual()) {
                    continue;
                }
                if (container.equals(name.textValue())) {
                    JsonNode image = definition.get("image");
                    if (image == null || image.isNull()) {
                        return new NotFound(file + " v2 container " + quote(container) + " has no image");
                    }
                    return image(image.isTextual() ? image.textValue() : null, file,
                            file + " v2 container " + quote(container) + " image");
                }
                names.add(name.textValue());
            }
            return new NotFound(file + " v2 has no container named " + quote(container) + " (it has: "
                    + list(names) + ")");
        }
        return new NotFound(file + " has unsupported AWSEBDockerrunVersion "
                + (version == null ? "(not a string or integer)" : quote(version)) + "; expected 1 or 2");
    }

    // ---- docker-compose.yml -------------------------------------------------------------------------

    /**
     * @param file the name reported in {@link Found#file()}
     * @param label how reasons name the file: a plain bundle is only presumed to be a compose file
     */
    private static BundleLookup compose(byte[] content, String file, String label, String container, String note) {
        YamlReader.Document document = YamlReader.document(file, COMPOSE_KIND, content, PlanLimits.DEFAULTS);
        if (!document.errors().isEmpty()) {
            // The reader says where and what is wrong, never the text around it, which may hold a secret.
            PlanError first = document.errors().get(0);
            return new NotFound(label + " cannot be read at line " + first.line() + ", column " + first.column()
                    + ": " + sanitize(first.message(), 300) + note);
        }
        try {
            if (!(document.root() instanceof YamlNode.Mapping top)) {
                return new NotFound(label + " is not a YAML mapping" + note);
            }
            if (!(keys(top, label).get("services") instanceof YamlNode.Mapping servicesMapping)) {
                return new NotFound(label + " has no services mapping" + note);
            }
            Map<String, YamlNode> services = keys(servicesMapping, label + " services");
            if (!services.containsKey(container)) {
                return new NotFound(label + " has no service named " + quote(container) + " (it has: "
                        + list(services.keySet()) + ")" + note);
            }
            if (!(services.get(container) instanceof YamlNode.Mapping serviceMapping)) {
                return new NotFound(label + " service " + quote(container) + " is not a mapping" + note);
            }
            Map<String, YamlNode> definition = keys(serviceMapping, label + " service " + quote(container));
            YamlNode image = definition.get("image");
            if (image == null || image instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.NULL) {
                return new NotFound(label + " service " + quote(container) + (definition.containsKey("build")
                        ? " has no image: it is built from source (build:), so it has no name to run"
                        : " has no image") + note);
            }
            String text = image instanceof YamlNode.Scalar s && s.kind() == YamlNode.Kind.STRING ? s.text() : null;
            if (text != null && INTERPOLATION.matcher(text).find()) {
                return new NotFound(label + " service " + quote(container) + " image " + quote(text)
                        + " uses variable substitution, which Elastic Beanstalk resolves from environment"
                        + " properties at deploy time; set an image template instead" + note);
            }
            BundleLookup found = image(text, file, label + " service " + quote(container) + " image");
            return found instanceof NotFound nf ? new NotFound(nf.reason() + note) : found;
        } catch (Refused refused) {
            return new NotFound(refused.getMessage() + note);
        }
    }

    /**
     * A mapping's values by key, as docker compose reads it: merge keys ({@code <<: *base}, or a list of them)
     * add the keys the mapping does not set itself, the earlier of two merged mappings winning; a key set twice
     * is refused, as compose refuses it.
     */
    private static Map<String, YamlNode> keys(YamlNode.Mapping mapping, String what) throws Refused {
        Map<String, YamlNode> values = new LinkedHashMap<>();
        List<YamlNode.Mapping> merged = new ArrayList<>();
        for (YamlNode.Entry entry : mapping.entries()) {
            if (!(entry.key() instanceof YamlNode.Scalar key)) {
                continue; // a complex key names nothing compose looks up
            }
            if (key.plain() && key.text().equals(MERGE_KEY)) {
                List<YamlNode> sources = entry.value() instanceof YamlNode.Sequence list ? list.items()
                        : List.of(entry.value());
                for (YamlNode source : sources) {
                    if (!(source instanceof YamlNode.Mapping m)) {
                        throw new Refused(what + " has a merge key (<<) at line " + key.line()
                                + " that merges something other than a mapping");
                    }
                    merged.add(m);
                }
            } else if (values.putIfAbsent(key.text(), entry.value()) != null) {
                throw new Refused(what + " sets " + quote(key.text()) + " twice (again at line " + key.line() + ")");
            }
        }
        for (YamlNode.Mapping source : merged) {
            keys(source, what).forEach(values::putIfAbsent);
        }
        return values;
    }

    /** Why a compose file gives no answer, found deep in its structure. */
    private static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    // ---- common -------------------------------------------------------------------------------------

    private static BundleLookup image(String image, String file, String what) {
        if (image == null) {
            return new NotFound(what + " is not a string");
        }
        String trimmed = image.strip();
        if (trimmed.isEmpty()) {
            return new NotFound(what + " is empty");
        }
        if (trimmed.length() > MAX_IMAGE_CHARS || !trimmed.codePoints().allMatch(c -> c > 0x20 && c != 0x7f)) {
            return new NotFound(what + " is not a valid image reference (too long, or has spaces or control"
                    + " characters)");
        }
        return new Found(trimmed, file);
    }

    private static String utf8(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            if (text.indexOf('\0') >= 0) {
                return null;
            }
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String where(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /** Names come from the bundle: bound their length and drop control characters before they reach a status. */
    static String quote(String name) {
        return "'" + sanitize(name, MAX_NAME_CHARS) + "'";
    }

    private static String sanitize(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max + 3));
        text.codePoints().limit(max).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        if (text.codePointCount(0, text.length()) > max) {
            out.append("...");
        }
        return out.toString();
    }

    private static String list(Set<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        List<String> shown = new ArrayList<>();
        for (String name : names) {
            if (shown.size() == MAX_LISTED_NAMES) {
                shown.add("and " + (names.size() - MAX_LISTED_NAMES) + " more");
                break;
            }
            shown.add(sanitize(name, MAX_NAME_CHARS));
        }
        return String.join(", ", shown);
    }

    // ---- zip bundles --------------------------------------------------------------------------------

    static boolean isZip(byte[] b) {
        // Local file header, empty archive (end of central directory only), spanned-archive marker.
        return b.length >= 4 && b[0] == 'P' && b[1] == 'K'
                && ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6) || (b[2] == 7 && b[3] == 8));
    }

    private static BundleLookup fromZip(Bundle bundle, String container) {
        ZipReader.Directory directory;
        try {
            directory = ZipReader.centralDirectory(bundle);
        } catch (ZipReader.BadZip e) {
            if (e.noDirectory() && bundle.size() > MAX_ENTRY_BYTES) {
                return new NotFound("the source bundle " + bundle.name() + " is " + bundle.size() + " bytes and has no"
                        + " zip end of central directory in its last " + ZipReader.TAIL_BYTES + " bytes (it is"
                        + " truncated, or not a zip); a plain " + DOCKERRUN + " or " + COMPOSE_YML + " is read up to "
                        + MAX_ENTRY_BYTES + " bytes");
            }
            return new NotFound("the source bundle is a zip that cannot be read: " + e.getMessage());
        }
        Map<String, ZipReader.Entry> entries = directory.entries();
        if (directory.count() == 0) {
            return new NotFound("the source bundle is an empty zip");
        }
        for (String duplicate : directory.duplicates()) {
            String base = duplicate.substring(duplicate.lastIndexOf('/') + 1);
            if (base.equals(DOCKERRUN) || base.equals(COMPOSE_YML) || base.equals(COMPOSE_YAML)) {
                // Which copy an unzip tool keeps differs between tools; refuse to guess.
                return new NotFound("the zip holds " + quote(duplicate) + " more than once");
            }
        }
        String prefix = directory.prefix();
        String where = prefix.isEmpty() ? "at the root of the zip"
                : "in the zip's single top-level folder " + quote(prefix);
        ZipReader.Entry yml = file(entries, prefix + COMPOSE_YML);
        ZipReader.Entry yaml = file(entries, prefix + COMPOSE_YAML);
        ZipReader.Entry dockerrun = file(entries, prefix + DOCKERRUN);
        ZipReader.Entry compose = yml != null ? yml : yaml;
        if (compose != null) {
            String note = dockerrun == null ? ""
                    : "; Elastic Beanstalk uses " + compose.name() + " over " + dockerrun.name()
                    + " when both exist";
            byte[] content;
            try {
                content = ZipReader.read(directory.zip(), compose);
            } catch (ZipReader.BadZip e) {
                return new NotFound(compose.name() + " " + e.getMessage() + note);
            }
            return compose(content, compose.name(), compose.name(), container, note);
        }
        if (dockerrun != null) {
            byte[] content;
            try {
                content = ZipReader.read(directory.zip(), dockerrun);
            } catch (ZipReader.BadZip e) {
                return new NotFound(dockerrun.name() + " " + e.getMessage());
            }
            return fromDockerrun(content, dockerrun.name(), container);
        }
        String reason = "the zip has no " + DOCKERRUN + ", " + COMPOSE_YML + " or " + COMPOSE_YAML + " " + where;
        if (file(entries, prefix + "Dockerfile") != null) {
            reason += "; it has a Dockerfile, so the image is built on the instances and has no name to run";
        }
        return new NotFound(reason);
    }

    private static ZipReader.Entry file(Map<String, ZipReader.Entry> entries, String name) {
        ZipReader.Entry entry = entries.get(name);
        return entry == null || entry.directory() ? null : entry;
    }

    private static boolean ignored(String name) {
        return name.startsWith("__MACOSX/") || name.equals(".DS_Store") || name.endsWith("/.DS_Store");
    }

    /**
     * Reads a zip by ranges, from its central directory, so that only the few candidate entries are ever read
     * and inflated (a huge unrelated entry costs nothing), each under a hard cap. The central directory is read
     * front to back a chunk at a time, and only the entries that may be a bundle's files are kept.
     */
    static final class ZipReader {

        /**
         * What the central directory says.
         *
         * @param zip the zip, to read entries from: its tail, already read, is not asked for again
         * @param count how many entries the zip has
         * @param entries the entries that may be a bundle's files (a candidate or a Dockerfile, at the root or one
         *     folder down), by normalised name, the first of a duplicated name
         * @param duplicates those of them named more than once
         * @param prefix "" if the bundle's files are at the root (or a candidate is), else "folder/" when every
         *     entry that matters lives under one top-level folder
         */
        record Directory(Bundle zip, long count, Map<String, Entry> entries, Set<String> duplicates, String prefix) {
        }

        record Entry(String name, int method, int flags, long compressedSize, long size, long localOffset) {
            boolean directory() {
                return name.endsWith("/");
            }
        }

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

        /** The end of central directory record is 22 bytes plus a comment of at most 65535: it is in these. */
        static final int TAIL_BYTES = 22 + 0xFFFF;
        /** How much of a central directory or an entry one read asks for. */
        static final int CHUNK_BYTES = 256 * 1024;
        /**
         * Largest compressed candidate: deflate adds a few bytes per block to what it cannot compress, so a file
         * of at most {@link #MAX_ENTRY_BYTES} never takes more than this.
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

        private ZipReader() {
        }

        static Directory centralDirectory(Bundle zip) throws BadZip {
            long size = zip.size();
            long tailStart = Math.max(0, size - TAIL_BYTES);
            byte[] tail = read(zip, tailStart, (int) (size - tailStart));
            // Whatever lies in the tail (usually the central directory, often the entry too) is not read again.
            Bundle cached = new TailCached(zip, tailStart, tail);
            int eocd = findEndOfCentralDirectory(tail);
            long count = u16(tail, eocd + 10);
            long cdSize = u32(tail, eocd + 12);
            long cdOffset = u32(tail, eocd + 16);
            if (count == FFFF || cdSize == FFFFFFFF || cdOffset == FFFFFFFF) {
                long locator = tailStart + eocd - 20;
                byte[] locatorBytes = locator < 0 ? new byte[0] : read(cached, locator, 20);
                if (locatorBytes.length < 20 || i32(locatorBytes, 0) != ZIP64_LOCATOR) {
                    throw new BadZip("it marks ZIP64 sizes but has no ZIP64 locator");
                }
                long record = u64(locatorBytes, 8);
                if (record > size - 56) {
                    throw new BadZip("its ZIP64 end of central directory is missing");
                }
                byte[] recordBytes = read(cached, record, 56);
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
            return layout.directory(cached);
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
        static byte[] read(Bundle zip, Entry entry) throws BadZip {
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
            byte[] header = read(zip, local, 30);
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
                    yield compressed == 0 ? new byte[0] : read(zip, data, (int) compressed);
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
        private static byte[] read(Bundle zip, long offset, int length) throws BadZip {
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
                chunk = read(bundle, next, length);
                next += length;
                used = 0;
                return true;
            }
        }

        /** Keeps, entry by entry, what the central directory says about where a bundle's files are. */
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
                return base.equals(DOCKERRUN) || base.equals(COMPOSE_YML) || base.equals(COMPOSE_YAML)
                        || base.equals("Dockerfile");
            }

            Directory directory(Bundle zip) {
                boolean candidateAtRoot = entries.containsKey(DOCKERRUN) || entries.containsKey(COMPOSE_YML)
                        || entries.containsKey(COMPOSE_YAML);
                String prefix = candidateAtRoot || rootFile || severalFolders || folder == null ? "" : folder;
                return new Directory(zip, count, entries, duplicates, prefix);
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
}
