package dev.beanstalkmigrator.reconcile;

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
import dev.beanstalkmigrator.reconcile.BundleLookup.Found;
import dev.beanstalkmigrator.reconcile.BundleLookup.NotFound;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * <p><b>Hostile input.</b> Bundles are attacker-influenced. This class never throws on bundle content
 * (every failure is a {@link NotFound} with a reason), reads the zip's central directory and inflates only
 * the candidate files, caps each of them at {@value #MAX_ENTRY_BYTES} bytes uncompressed and the zip at
 * {@value #MAX_ENTRIES} entries, reads compose files with the plan's own YAML setup ({@link YamlReader}, within
 * {@link PlanLimits#DEFAULTS}: size, aliases, nesting, nodes, no type tags), and never quotes file content in
 * reasons (only names).
 */
public final class SourceBundleImage {

    /**
     * Largest candidate file (and largest plain bundle) read, uncompressed: 1 MiB, the size a plan may have, since a
     * compose file is read within the plan's limits.
     */
    public static final int MAX_ENTRY_BYTES = 1024 * 1024;
    /** Most entries a zip bundle may have. */
    public static final int MAX_ENTRIES = 10_000;

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
     * Looks up the image the bundle gives {@code container}.
     *
     * @param bundle the source bundle's bytes (zip or plain file); junk gives {@link NotFound}
     * @param container the container (Dockerrun v2) or service (compose) name; ignored by Dockerrun v1,
     *     which has a single container
     * @return {@link Found} with the image and the file it came from, or {@link NotFound} with a reason
     */
    public static BundleLookup find(byte[] bundle, String container) {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(container, "container");
        try {
            if (bundle.length == 0) {
                return new NotFound("the source bundle is empty");
            }
            if (isZip(bundle)) {
                return fromZip(bundle, container);
            }
            return fromPlain(bundle, container);
        } catch (RuntimeException e) {
            // Belt and braces: parsers may fail in ways not anticipated below; junk is an answer, not a crash.
            return new NotFound("the source bundle could not be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    // ---- plain bundles ------------------------------------------------------------------------------

    private static BundleLookup fromPlain(byte[] bundle, String container) {
        if (bundle.length > MAX_ENTRY_BYTES) {
            return new NotFound("the source bundle is not a zip and is larger than " + MAX_ENTRY_BYTES
                    + " bytes, too large for a " + DOCKERRUN + " or " + COMPOSE_YML);
        }
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

    private static BundleLookup fromZip(byte[] bundle, String container) {
        ZipReader.Directory directory;
        try {
            directory = ZipReader.centralDirectory(bundle);
        } catch (ZipReader.BadZip e) {
            return new NotFound("the source bundle is a zip that cannot be read: " + e.getMessage());
        }
        Map<String, ZipReader.Entry> entries = directory.entries();
        if (entries.isEmpty()) {
            return new NotFound("the source bundle is an empty zip");
        }
        for (String duplicate : directory.duplicates()) {
            String base = duplicate.substring(duplicate.lastIndexOf('/') + 1);
            if (base.equals(DOCKERRUN) || base.equals(COMPOSE_YML) || base.equals(COMPOSE_YAML)) {
                // Which copy an unzip tool keeps differs between tools; refuse to guess.
                return new NotFound("the zip holds " + quote(duplicate) + " more than once");
            }
        }
        String prefix = layoutPrefix(entries.keySet());
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
                content = ZipReader.read(bundle, compose);
            } catch (ZipReader.BadZip e) {
                return new NotFound(compose.name() + " " + e.getMessage() + note);
            }
            return compose(content, compose.name(), compose.name(), container, note);
        }
        if (dockerrun != null) {
            byte[] content;
            try {
                content = ZipReader.read(bundle, dockerrun);
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

    /**
     * "" if the bundle's files are at the root (or a candidate is), else "folder/" when every entry that
     * matters lives under one top-level folder.
     */
    private static String layoutPrefix(Set<String> names) {
        if (names.contains(DOCKERRUN) || names.contains(COMPOSE_YML) || names.contains(COMPOSE_YAML)) {
            return "";
        }
        String folder = null;
        for (String name : names) {
            if (ignored(name)) {
                continue;
            }
            int slash = name.indexOf('/');
            if (slash <= 0) {
                return "";
            }
            String top = name.substring(0, slash + 1);
            if (folder == null) {
                folder = top;
            } else if (!folder.equals(top)) {
                return "";
            }
        }
        return folder == null ? "" : folder;
    }

    private static boolean ignored(String name) {
        return name.startsWith("__MACOSX/") || name.equals(".DS_Store") || name.endsWith("/.DS_Store");
    }

    /**
     * Reads a zip held in memory from its central directory, so that only the few candidate entries are
     * ever inflated (a huge unrelated entry costs nothing) and each is inflated under a hard cap.
     */
    static final class ZipReader {

        record Directory(Map<String, Entry> entries, Set<String> duplicates) {
        }

        record Entry(String name, int method, int flags, long compressedSize, long size, long localOffset) {
            boolean directory() {
                return name.endsWith("/");
            }
        }

        static final class BadZip extends Exception {
            BadZip(String message) {
                super(message, null, false, false);
            }
        }

        private static final int EOCD = 0x06054b50;
        private static final int ZIP64_LOCATOR = 0x07064b50;
        private static final int ZIP64_EOCD = 0x06064b50;
        private static final int CENTRAL = 0x02014b50;
        private static final int LOCAL = 0x04034b50;
        private static final long FFFF = 0xFFFFL;
        private static final long FFFFFFFF = 0xFFFFFFFFL;

        private ZipReader() {
        }

        /** Entries by normalised name (the first of a duplicated name), and the names seen more than once. */
        static Directory centralDirectory(byte[] zip) throws BadZip {
            int eocd = findEndOfCentralDirectory(zip);
            long count = u16(zip, eocd + 10);
            long cdSize = u32(zip, eocd + 12);
            long cdOffset = u32(zip, eocd + 16);
            if (count == FFFF || cdSize == FFFFFFFF || cdOffset == FFFFFFFF) {
                int locator = eocd - 20;
                if (locator < 0 || i32(zip, locator) != ZIP64_LOCATOR) {
                    throw new BadZip("it marks ZIP64 sizes but has no ZIP64 locator");
                }
                long record = u64(zip, locator + 8);
                if (record < 0 || record > zip.length - 56 || i32(zip, (int) record) != ZIP64_EOCD) {
                    throw new BadZip("its ZIP64 end of central directory is missing");
                }
                count = u64(zip, (int) record + 32);
                cdSize = u64(zip, (int) record + 40);
                cdOffset = u64(zip, (int) record + 48);
            }
            if (count > MAX_ENTRIES) {
                throw new BadZip("it has more than " + MAX_ENTRIES + " entries");
            }
            if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > zip.length) {
                throw new BadZip("its central directory lies outside the file");
            }
            Map<String, Entry> entries = new LinkedHashMap<>();
            Set<String> duplicates = new LinkedHashSet<>();
            int p = (int) cdOffset;
            long end = cdOffset + cdSize;
            for (long i = 0; i < count; i++) {
                if (p + 46 > end || i32(zip, p) != CENTRAL) {
                    throw new BadZip("its central directory is corrupt");
                }
                int flags = u16(zip, p + 8);
                int method = u16(zip, p + 10);
                long compressed = u32(zip, p + 20);
                long size = u32(zip, p + 24);
                int nameLength = u16(zip, p + 28);
                int extraLength = u16(zip, p + 30);
                int commentLength = u16(zip, p + 32);
                long local = u32(zip, p + 42);
                int nameStart = p + 46;
                int extraStart = nameStart + nameLength;
                int next = extraStart + extraLength + commentLength;
                if (next > end) {
                    throw new BadZip("its central directory is corrupt");
                }
                // ZIP64 extra field: 8-byte values for exactly the fields saturated in the header, in order.
                if (size == FFFFFFFF || compressed == FFFFFFFF || local == FFFFFFFF) {
                    int q = extraStart;
                    boolean seen = false;
                    while (q + 4 <= extraStart + extraLength) {
                        int id = u16(zip, q);
                        int length = u16(zip, q + 2);
                        int data = q + 4;
                        if (data + length > extraStart + extraLength) {
                            break;
                        }
                        if (id == 1) {
                            int r = data;
                            if (size == FFFFFFFF && r + 8 <= data + length) {
                                size = u64(zip, r);
                                r += 8;
                            }
                            if (compressed == FFFFFFFF && r + 8 <= data + length) {
                                compressed = u64(zip, r);
                                r += 8;
                            }
                            if (local == FFFFFFFF && r + 8 <= data + length) {
                                local = u64(zip, r);
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
                String raw = new String(zip, nameStart, nameLength,
                        utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
                String name = normalise(raw);
                if (entries.putIfAbsent(name, new Entry(name, method, flags, compressed, size, local)) != null) {
                    duplicates.add(name);
                }
                p = next;
            }
            return new Directory(entries, duplicates);
        }

        private static String normalise(String name) {
            String n = name.replace('\\', '/');
            while (n.startsWith("./") || n.startsWith("/")) {
                n = n.startsWith("./") ? n.substring(2) : n.substring(1);
            }
            return n;
        }

        private static int findEndOfCentralDirectory(byte[] zip) throws BadZip {
            // The record is 22 bytes plus a comment of at most 65535 bytes, so it starts in the last 64 KiB.
            int lowest = Math.max(0, zip.length - 22 - 0xFFFF);
            for (int p = zip.length - 22; p >= lowest; p--) {
                if (i32(zip, p) == EOCD && p + 22 + u16(zip, p + 20) <= zip.length) {
                    return p;
                }
            }
            throw new BadZip("it has no end of central directory (truncated or not a zip)");
        }

        /** The entry's content, uncompressed, or BadZip if it is larger than the cap, encrypted or corrupt. */
        static byte[] read(byte[] zip, Entry entry) throws BadZip {
            if ((entry.flags() & 1) != 0) {
                throw new BadZip("is encrypted");
            }
            if (entry.size() > MAX_ENTRY_BYTES) {
                throw new BadZip("is larger than " + MAX_ENTRY_BYTES + " bytes uncompressed");
            }
            long local = entry.localOffset();
            if (local < 0 || local + 30 > zip.length || i32(zip, (int) local) != LOCAL) {
                throw new BadZip("has a corrupt local header");
            }
            long data = local + 30 + u16(zip, (int) local + 26) + u16(zip, (int) local + 28);
            long compressed = entry.compressedSize();
            if (data + compressed > zip.length) {
                throw new BadZip("runs past the end of the zip");
            }
            int start = (int) data;
            int length = (int) compressed;
            return switch (entry.method()) {
                case 0 -> {
                    if (length > MAX_ENTRY_BYTES) {
                        throw new BadZip("is larger than " + MAX_ENTRY_BYTES + " bytes uncompressed");
                    }
                    byte[] out = new byte[length];
                    System.arraycopy(zip, start, out, 0, length);
                    yield out;
                }
                case 8 -> inflate(zip, start, length);
                default -> throw new BadZip("uses unsupported compression method " + entry.method());
            };
        }

        private static byte[] inflate(byte[] zip, int start, int length) throws BadZip {
            Inflater inflater = new Inflater(true);
            try {
                inflater.setInput(zip, start, length);
                ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(MAX_ENTRY_BYTES, 64 * 1024));
                byte[] buffer = new byte[64 * 1024];
                // The declared size may lie: the cap is enforced on what actually comes out.
                while (!inflater.finished()) {
                    int n = inflater.inflate(buffer);
                    if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
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
            // Anything beyond an int cannot address a byte array; report it as out of range.
            return v < 0 ? Long.MAX_VALUE : v;
        }

        private static void check(byte[] b, int p, int n) throws BadZip {
            if (p < 0 || p > b.length - n) {
                throw new BadZip("it is truncated");
            }
        }
    }
}
