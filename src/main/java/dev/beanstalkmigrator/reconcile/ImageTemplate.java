package dev.beanstalkmigrator.reconcile;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands an image template from the plan, e.g. {@code 123.dkr.ecr.eu-west-1.amazonaws.com/app:{version}},
 * for versions whose source bundle names no image (or when the plan prefers a template).
 */
public final class ImageTemplate {

    /** Placeholders a template may use. */
    public static final String VERSION = "{version}";
    public static final String APPLICATION = "{application}";
    public static final String ENVIRONMENT = "{environment}";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_-]*)}");

    private ImageTemplate() {
    }

    /**
     * Replaces every {@code {version}}, {@code {application}} and {@code {environment}} in one pass: a
     * value that itself contains a placeholder is inserted literally, never expanded again. Values are
     * inserted as given (no escaping or tag sanitising). Braces that do not form a placeholder name are
     * kept as they are.
     *
     * @param template the template, not null
     * @param version the application version label; may be null only if the template does not use it
     * @param application the Elastic Beanstalk application name; may be null only if unused
     * @param environment the Elastic Beanstalk environment name; may be null only if unused
     * @return the expanded image reference
     * @throws IllegalArgumentException if the template uses an unknown placeholder (a typo such as
     *     {@code {verison}} must not silently become part of an image name) or a placeholder whose value is null
     */
    public static String expand(String template, String version, String application, String environment) {
        Objects.requireNonNull(template, "template");
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 32);
        while (m.find()) {
            String value = switch (m.group()) {
                case VERSION -> required(version, VERSION, template);
                case APPLICATION -> required(application, APPLICATION, template);
                case ENVIRONMENT -> required(environment, ENVIRONMENT, template);
                default -> throw new IllegalArgumentException("image template '" + template
                        + "' uses unknown placeholder " + m.group() + " (known: " + VERSION + ", "
                        + APPLICATION + ", " + ENVIRONMENT + ")");
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String required(String value, String placeholder, String template) {
        if (value == null) {
            throw new IllegalArgumentException("image template '" + template + "' uses " + placeholder
                    + " but no value was given for it");
        }
        return value;
    }
}
