package dev.beanstalkmigrator.plan;

import dev.beanstalkmigrator.model.MigrationPlan;

/**
 * Reads a desired-state plan strictly and reports every problem with its line, column and field path.
 *
 * <h2>Format</h2>
 * <pre>{@code
 * apiVersion: beanstalk-migrator/v1
 * kind: MigrationPlan
 * metadata:
 *   name: acme
 * spec:
 *   defaults:            # any environment field except name
 *     cluster: acme-prod
 *     taskDefinition: acme-web
 *     container: web
 *     command: [python, manage.py, migrate, --noinput]
 *     network: {subnets: [subnet-1], securityGroups: [sg-1]}
 *   environments:
 *     - name: acme-web-prod
 *       application: acme
 *       version: v42
 * }</pre>
 *
 * <h2>Document rules</h2>
 * <ul>
 *   <li>Exactly one YAML document, UTF-8 (a leading byte order mark is allowed), only characters YAML
 *       calls printable, no line longer than 65,536 characters (SnakeYAML's time grows with the square
 *       of a token's length). An empty file, or one with only comments, is an error.</li>
 *   <li>Required: {@code apiVersion: beanstalk-migrator/v1}, {@code kind: MigrationPlan},
 *       {@code metadata.name} (non-blank text, at most 256 characters), {@code spec} and
 *       {@code spec.environments} (a list, which may be empty). {@code spec.defaults} is optional.</li>
 *   <li>When {@code apiVersion} or {@code kind} names something else, the file is taken for another
 *       kind of document: only that (and the top-level problems) is reported, not its spec.</li>
 *   <li>Unknown fields are errors, with a suggestion when a known field is within a small edit
 *       distance ({@code timout} - did you mean {@code timeout}?) or a hint when the field belongs
 *       elsewhere ({@code subnets} belongs under {@code network}). A key given twice in one mapping is
 *       an error at the second key, naming the line of the first; the first value is used for the
 *       remaining checks. Merge keys ({@code <<}) are not supported.</li>
 *   <li>Type tags ({@code !!str}, {@code !foo}, {@code !!python/object}) are errors. Anchors and
 *       aliases are allowed within {@link PlanLimits}. A problem with an aliased value as a whole is
 *       reported where the alias is written; a problem inside it, at the anchored original.</li>
 * </ul>
 *
 * <h2>Environments and defaults</h2>
 * Each environment is merged over {@code spec.defaults}, field by field; the environment's own value
 * wins and replaces the default entirely ({@code network} and {@code command} are not merged
 * deeper). Values are checked where they are written (a bad default is reported once, at
 * {@code spec.defaults}); requirements that depend on the merge are checked per environment and
 * reported at the environment's mapping. {@code launchType} and {@code capacityProviderStrategy} are one
 * choice: an environment that sets either ignores both defaults, and setting both in the same mapping
 * is an error. After merging, the rules that span fields: the required fields must be set ({@code name}
 * cannot be a default); environment names are unique, compared ignoring case, and a duplicate is
 * reported at the second name, naming the path and line of the first; {@code network} is required when
 * tasks run on Fargate (launch type {@code FARGATE}, the default unless a
 * {@code capacityProviderStrategy} is set, or a strategy using the {@code FARGATE} or
 * {@code FARGATE_SPOT} provider). Each field's type, check, default and whether it is required are
 * declared once, in {@link PlanFields}.
 *
 * <h2>Types</h2>
 * Plain scalars are typed by YAML 1.2's core schema: {@code null}/{@code ~}/empty are null,
 * {@code true}/{@code false} (any of the three cases YAML allows) are booleans, numbers are numbers,
 * everything else - and every quoted or block scalar - is text. Fields are strictly typed: a number or
 * boolean where text is expected is an error suggesting quotes (except {@code version} and
 * {@code rerun}), text where a list or boolean is expected is an error, and null where a value is
 * expected is an error. YAML 1.1's {@code yes}/{@code no}/{@code on}/{@code off} are text, so
 * {@code suspend: yes} is an error asking for {@code true} or {@code false}. Keywords are
 * case-sensitive; a near miss gets a "did you mean" suggestion.
 *
 * <h2>Errors</h2>
 * All problems are collected, sorted by line and column, and cut at {@link PlanLimits#maxErrors()}
 * (the last one then says how many were left out). Input over a limit, invalid UTF-8, control
 * characters, an overlong line, YAML syntax errors and a second document stop reading at once with a single error. The
 * parser never throws: anything unexpected is reported as an error too. It is stateless and may be
 * shared between threads.
 */
public final class PlanParser {

    private static final String DEFAULT_SOURCE = "desired-state.yaml";

    private final PlanLimits limits;

    public PlanParser() {
        this(PlanLimits.DEFAULTS);
    }

    public PlanParser(PlanLimits limits) {
        if (limits == null) {
            throw new IllegalArgumentException("limits are required");
        }
        this.limits = limits;
    }

    public PlanLimits limits() {
        return limits;
    }

    /**
     * Parses and validates one plan file.
     *
     * @param sourceName the name shown in errors, e.g. {@code desired-state.yaml}; a null or empty
     *     name is shown as {@code desired-state.yaml}
     * @param content the raw bytes of the file
     * @return {@link ParseOutcome.Valid} with the plan, or {@link ParseOutcome.Invalid} with every error
     */
    public ParseOutcome parse(String sourceName, byte[] content) {
        String source = sourceName == null || sourceName.isEmpty() ? DEFAULT_SOURCE : sourceName;
        Problems problems = new Problems(source);
        try {
            MigrationPlan plan = read(content, problems);
            if (plan != null && problems.isEmpty()) {
                return new ParseOutcome.Valid(plan);
            }
        } catch (RuntimeException | StackOverflowError e) {
            problems.at(1, 1, "", "could not read the plan (" + e.getClass().getSimpleName() + ": "
                    + Texts.escape(String.valueOf(e.getMessage())) + "); please report this as a bug");
        }
        if (problems.isEmpty()) {
            problems.at(1, 1, "", "the plan could not be read");
        }
        return new ParseOutcome.Invalid(problems.sorted(limits.maxErrors()));
    }

    private MigrationPlan read(byte[] content, Problems problems) {
        if (content == null) {
            problems.at(1, 1, "", "no content was given; a plan starts with apiVersion: "
                    + PlanFields.API_VERSION_VALUE);
            return null;
        }
        if (content.length > limits.maxBytes()) {
            problems.at(1, 1, "", tooLarge("the plan", content.length));
            return null;
        }
        YamlReader reader = new YamlReader(limits, problems);
        String text = reader.decode(content);
        if (text == null) {
            return null;
        }
        YamlNode root = reader.read(text);
        if (root == null && !problems.isEmpty()) {
            return null;
        }
        return new PlanValidator(problems).validate(root);
    }

    /**
     * What {@link #parse} answers for a plan of {@code size} bytes, more than {@link PlanLimits#maxBytes()}, for a
     * caller that learnt the size without reading the plan (an S3 object's {@code Content-Length}, a file's size).
     *
     * @param sourceName the name shown in the error, as for {@link #parse}
     * @param location where the plan is (its URI), named in the message: it was never read
     * @throws IllegalArgumentException if {@code size} is within the limit: such a plan is to be parsed
     */
    public ParseOutcome.Invalid oversized(String sourceName, String location, long size) {
        if (size <= limits.maxBytes()) {
            throw new IllegalArgumentException(size + " bytes are within the limit of " + limits.maxBytes());
        }
        Problems problems = new Problems(sourceName == null || sourceName.isEmpty() ? DEFAULT_SOURCE : sourceName);
        problems.at(1, 1, "", tooLarge("the plan " + location, size));
        return new ParseOutcome.Invalid(problems.sorted(limits.maxErrors()));
    }

    private String tooLarge(String plan, long size) {
        return plan + " is " + size + " bytes, more than the limit of " + size(limits.maxBytes())
                + "; a plan is a short YAML file, so check that this is the right file; the operator's limit is"
                + " migrator.desired-state.max-bytes";
    }

    private static String size(int bytes) {
        if (bytes % (1024 * 1024) == 0) {
            return bytes + " bytes (" + bytes / (1024 * 1024) + " MiB)";
        }
        if (bytes % 1024 == 0) {
            return bytes + " bytes (" + bytes / 1024 + " KiB)";
        }
        return bytes + " bytes";
    }
}
