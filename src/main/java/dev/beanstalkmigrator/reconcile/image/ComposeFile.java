package dev.beanstalkmigrator.reconcile.image;

import static dev.beanstalkmigrator.reconcile.image.BundleText.image;
import static dev.beanstalkmigrator.reconcile.image.BundleText.list;
import static dev.beanstalkmigrator.reconcile.image.BundleText.quote;
import static dev.beanstalkmigrator.reconcile.image.BundleText.sanitize;

import dev.beanstalkmigrator.plan.PlanError;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.YamlNode;
import dev.beanstalkmigrator.plan.YamlReader;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.Found;
import dev.beanstalkmigrator.reconcile.image.BundleLookup.NotFound;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the image of a service from a {@code docker-compose.yml} (or {@code .yaml}): {@code services.<name>.image},
 * with the file's keys read as docker compose reads them: merge keys ({@code <<}) add what a mapping does not set
 * itself, and a key set twice is refused. A service that is only built ({@code build:}) has no image, and an image
 * using variable substitution ({@code ${TAG}}) is not resolved here, because Elastic Beanstalk resolves it from
 * environment properties at deploy time.
 *
 * <p><b>Limits.</b> The file is read with the plan's own YAML setup ({@link YamlReader#document}, within
 * {@link PlanLimits#DEFAULTS}: size, strict UTF-8, aliases, nesting, nodes, no type tags), so hostile input meets the
 * same bounds as a plan. Never throws on content: every failure is a {@link NotFound} whose reason says where and what
 * is wrong and names keys, never the text around them, which may hold a secret.
 */
final class ComposeFile {

    /** What a compose file is called in the YAML reader's messages. */
    private static final String KIND = "compose file";
    private static final String MERGE_KEY = "<<";
    private static final Pattern INTERPOLATION = Pattern.compile("\\$(\\{|[A-Za-z_])");

    private ComposeFile() {
    }

    /**
     * Looks up service {@code container} in a compose file.
     *
     * @param file the name reported in {@link Found#file()}
     * @param label how reasons name the file: a plain bundle is only presumed to be a compose file
     * @param note added to every reason, e.g. that a {@code Dockerrun.aws.json} beside the file is not used
     */
    static BundleLookup find(byte[] content, String file, String label, String container, String note) {
        YamlReader.Document document = YamlReader.document(file, KIND, content, PlanLimits.DEFAULTS);
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
}
