package dev.beanstalkmigrator.plan;

import java.util.List;
import java.util.Objects;

/**
 * The grammar of a plan's {@code image} template, e.g. {@code 123.dkr.ecr.eu-west-1.amazonaws.com/app:{version}}:
 * text with the placeholders {@code {version}}, {@code {application}} and {@code {environment}}. No
 * other brace may appear: an image reference cannot hold one, so a stray {@code {} or {@code }} is a
 * mistake (a typo such as {@code {verison}}, or a shell-style {@code ${VERSION}}) that must be refused
 * when the plan is read, not turned into an image ECS cannot pull.
 */
public final class ImageTemplate {

    /** The placeholder names a template may use, each written in braces. */
    public static final List<String> PLACEHOLDERS = List.of("version", "application", "environment");

    /** Longest accepted template. */
    public static final int MAX_LENGTH = 1024;

    private static final String HOW = "placeholders are written {version}, {application} or {environment}";

    private ImageTemplate() {
    }

    /**
     * @return what is wrong with the template and how to fix it, or {@code null} when it is well formed
     */
    public static String problem(String template) {
        if (template.length() > MAX_LENGTH) {
            return "the image template is longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '}') {
                return "the image template has a `}` without a `{`; " + HOW;
            }
            if (c == '{') {
                int end = template.indexOf('}', i);
                if (end < 0) {
                    return "the image template has a `{` that is never closed; " + HOW;
                }
                String name = template.substring(i + 1, end);
                if (!PLACEHOLDERS.contains(name)) {
                    String guess = Texts.closest(name, PLACEHOLDERS);
                    return "the image template has an unknown placeholder {" + Texts.escape(name)
                            + "}; only {version}, {application} and {environment} are replaced"
                            + (guess == null ? "" : "; did you mean {" + guess + "}?");
                }
                i = end;
            }
        }
        return null;
    }

    /**
     * Replaces every placeholder in one pass: a value that itself contains a placeholder is inserted
     * literally, never expanded again. Values are inserted as given (no escaping or tag sanitising).
     *
     * @param template a template, not null
     * @param version the application version label; may be null only if the template does not use it
     * @param application the Elastic Beanstalk application name; may be null only if unused
     * @param environment the Elastic Beanstalk environment name; may be null only if unused
     * @return the expanded image reference
     * @throws IllegalArgumentException if the template breaks the grammar ({@link #problem}) or uses a
     *     placeholder whose value is null
     */
    public static String expand(String template, String version, String application, String environment) {
        Objects.requireNonNull(template, "template");
        String problem = problem(template);
        if (problem != null) {
            throw new IllegalArgumentException(problem + ": " + Texts.quote(template));
        }
        StringBuilder out = new StringBuilder(template.length() + 32);
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf('{', i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            int close = template.indexOf('}', open);
            String name = template.substring(open + 1, close);
            String value = switch (name) {
                case "version" -> version;
                case "application" -> application;
                default -> environment;
            };
            if (value == null) {
                throw new IllegalArgumentException("image template " + Texts.quote(template) + " uses {" + name
                        + "} but no value was given for it");
            }
            out.append(template, i, open).append(value);
            i = close + 1;
        }
        return out.toString();
    }
}
