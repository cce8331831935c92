package dev.beanstalkmigrator.reconcile.image;

import static dev.beanstalkmigrator.reconcile.image.BundleText.image;
import static dev.beanstalkmigrator.reconcile.image.BundleText.list;
import static dev.beanstalkmigrator.reconcile.image.BundleText.quote;
import static dev.beanstalkmigrator.reconcile.image.BundleText.utf8;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads the image of a container from a {@code Dockerrun.aws.json}: version 1 ({@code Image.Name}, one container, so
 * any container name takes its image) and version 2 ({@code containerDefinitions[].image} by {@code name});
 * {@code AWSEBDockerrunVersion} may be a string or a number. A version 1 file without {@code Image.Name} builds its
 * image from a Dockerfile on the instances, so it names none.
 *
 * <p><b>Limits.</b> The file is strict UTF-8 JSON (see {@link BundleText#utf8}), one value with nothing after it,
 * nested at most {@value #MAX_NESTING} deep; its size is bounded by whoever read it
 * ({@link SourceBundleImage#MAX_ENTRY_BYTES}). Never throws on content: every failure is a {@link NotFound} whose
 * reason gives the line and column of a syntax error and the names involved, never the text around them.
 */
final class Dockerrun {

    private static final int MAX_NESTING = 64;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Dockerrun() {
    }

    /**
     * Looks up {@code container} in a {@code Dockerrun.aws.json} file of a zip.
     *
     * @param file the file's path in the bundle, for {@link BundleLookup.Found#file()} and reasons
     */
    static BundleLookup read(byte[] content, String file, String container) {
        String text = utf8(content);
        if (text == null) {
            return new NotFound(file + " is not UTF-8 text");
        }
        JsonNode root;
        try {
            root = parse(text.strip());
        } catch (JsonProcessingException e) {
            return new NotFound(file + " is not valid JSON" + where(e));
        }
        return find(root, file, container);
    }

    /** The JSON value of {@code text}, within this file's limits; null if there is none. */
    static JsonNode parse(String text) throws JsonProcessingException {
        return JSON.readTree(text);
    }

    /** Whether the JSON says it is a {@code Dockerrun.aws.json}: it has {@code AWSEBDockerrunVersion}. */
    static boolean declaresVersion(JsonNode root) {
        return root != null && root.has("AWSEBDockerrunVersion");
    }

    /** Where the JSON is not valid, for a reason: " (line 3, column 7)", or "" if Jackson does not say. */
    static String where(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        return location == null || location.getLineNr() < 1 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /** Looks up {@code container} in a parsed {@code Dockerrun.aws.json}, named {@code file}. */
    static BundleLookup find(JsonNode root, String file, String container) {
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
}
