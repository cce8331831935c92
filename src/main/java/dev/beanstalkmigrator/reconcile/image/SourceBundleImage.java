package dev.beanstalkmigrator.reconcile.image;

import static dev.beanstalkmigrator.reconcile.image.BundleText.quote;
import static dev.beanstalkmigrator.reconcile.image.BundleText.utf8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.Found;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * Finds the image an Elastic Beanstalk application version runs for a given container, by reading the
 * version's source bundle the way Elastic Beanstalk's Docker platforms do: this class decides which file of the
 * bundle answers, and its parts read them ({@link ZipBundle}, {@link Dockerrun}, {@link ComposeFile}).
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
 * compose spellings, {@code docker-compose.yml} wins over {@code docker-compose.yaml}. A zip that holds one of
 * these files more than once is refused: which copy an unzip tool keeps differs between tools.
 *
 * <p><b>Formats.</b> Dockerrun.aws.json version 1 and 2 ({@link Dockerrun}); compose's
 * {@code services.<name>.image} ({@link ComposeFile}). An image that is built on the instances, or that uses variable
 * substitution (resolved by Elastic Beanstalk at deploy time), is no answer here.
 *
 * <p><b>Size.</b> Elastic Beanstalk takes bundles of up to 500 MB; none is held whole. A bundle of at most
 * {@value #MAX_ENTRY_BYTES} bytes is read whole (one request); a larger one can only be a zip, and is read by
 * {@link Bundle#read ranges}: its tail, its central directory and the one entry that names the image
 * ({@link ZipBundle} says which bytes and its limits).
 *
 * <p><b>Hostile input.</b> Bundles are attacker-influenced. This class never throws on bundle content
 * (every failure is a {@link NotFound} with a reason; only a failure to read, a {@link CloudError}, passes
 * through), inflates only the candidate files, caps each of them and a plain bundle at {@value #MAX_ENTRY_BYTES}
 * bytes uncompressed, and never quotes file content in reasons, only names ({@link BundleText}). Each part states
 * its own limits.
 */
public final class SourceBundleImage {

    /**
     * Largest candidate file (and largest plain bundle) read, uncompressed: 1 MiB, the size a plan may have, since a
     * compose file is read within the plan's limits.
     */
    public static final int MAX_ENTRY_BYTES = 1024 * 1024;

    static final String DOCKERRUN = "Dockerrun.aws.json";
    static final String COMPOSE_YML = "docker-compose.yml";
    static final String COMPOSE_YAML = "docker-compose.yaml";
    /** The names of the files that can name the image, at the root of a zip or in its one top-level folder. */
    static final Set<String> BUNDLE_FILES = Set.of(DOCKERRUN, COMPOSE_YML, COMPOSE_YAML);
    private static final String PLAIN_COMPOSE = "the source bundle (read as " + COMPOSE_YML + ")";

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
            if (ZipBundle.isZip(whole)) {
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
                root = Dockerrun.parse(trimmed);
            } catch (JsonProcessingException e) {
                return new NotFound("the source bundle is not a zip and not valid JSON" + Dockerrun.where(e)
                        + ", so it is not a " + DOCKERRUN);
            }
            if (Dockerrun.declaresVersion(root)) {
                return Dockerrun.find(root, DOCKERRUN, container);
            }
            if (root != null && root.has("services")) {
                // JSON is YAML: a compose file written as JSON is still a compose file.
                return ComposeFile.find(bundle, COMPOSE_YML, PLAIN_COMPOSE, container, "");
            }
            return new NotFound("the source bundle is a JSON object with neither AWSEBDockerrunVersion (as in "
                    + DOCKERRUN + ") nor services (as in " + COMPOSE_YML + ")");
        }
        return ComposeFile.find(bundle, COMPOSE_YML, PLAIN_COMPOSE, container, "");
    }

    private static BundleLookup fromZip(Bundle bundle, String container) {
        ZipBundle zip;
        try {
            zip = ZipBundle.open(bundle);
        } catch (ZipBundle.BadZip e) {
            if (e.noDirectory() && bundle.size() > MAX_ENTRY_BYTES) {
                return new NotFound("the source bundle " + bundle.name() + " is " + bundle.size() + " bytes and has no"
                        + " zip end of central directory in its last " + ZipBundle.TAIL_BYTES + " bytes (it is"
                        + " truncated, or not a zip); a plain " + DOCKERRUN + " or " + COMPOSE_YML + " is read up to "
                        + MAX_ENTRY_BYTES + " bytes");
            }
            return new NotFound("the source bundle is a zip that cannot be read: " + e.getMessage());
        }
        if (zip.count() == 0) {
            return new NotFound("the source bundle is an empty zip");
        }
        for (String duplicate : zip.duplicates()) {
            if (BUNDLE_FILES.contains(duplicate.substring(duplicate.lastIndexOf('/') + 1))) {
                // Which copy an unzip tool keeps differs between tools; refuse to guess.
                return new NotFound("the zip holds " + quote(duplicate) + " more than once");
            }
        }
        String prefix = zip.prefix();
        String where = prefix.isEmpty() ? "at the root of the zip"
                : "in the zip's single top-level folder " + quote(prefix);
        ZipBundle.Entry yml = zip.file(prefix + COMPOSE_YML);
        ZipBundle.Entry yaml = zip.file(prefix + COMPOSE_YAML);
        ZipBundle.Entry dockerrun = zip.file(prefix + DOCKERRUN);
        ZipBundle.Entry compose = yml != null ? yml : yaml;
        if (compose != null) {
            String note = dockerrun == null ? ""
                    : "; Elastic Beanstalk uses " + compose.name() + " over " + dockerrun.name()
                    + " when both exist";
            byte[] content;
            try {
                content = zip.read(compose);
            } catch (ZipBundle.BadZip e) {
                return new NotFound(compose.name() + " " + e.getMessage() + note);
            }
            return ComposeFile.find(content, compose.name(), compose.name(), container, note);
        }
        if (dockerrun != null) {
            byte[] content;
            try {
                content = zip.read(dockerrun);
            } catch (ZipBundle.BadZip e) {
                return new NotFound(dockerrun.name() + " " + e.getMessage());
            }
            return Dockerrun.read(content, dockerrun.name(), container);
        }
        String reason = "the zip has no " + DOCKERRUN + ", " + COMPOSE_YML + " or " + COMPOSE_YAML + " " + where;
        if (zip.file(prefix + "Dockerfile") != null) {
            reason += "; it has a Dockerfile, so the image is built on the instances and has no name to run";
        }
        return new NotFound(reason);
    }
}
