package dev.beanstalkmigrator.cli;

import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanError;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The commands the artifact runs instead of the operator, for CI. Each writes what it found to {@code out},
 * usage problems to {@code err}, and answers with the process's exit code.
 *
 * <ul>
 *   <li>{@code validate FILE...}: reads each plan file offline, with the operator's own parser and limits, and
 *       prints {@code file:line:column: message} for every error; with {@code GITHUB_ACTIONS=true} also a GitHub
 *       Actions {@code ::error file=...,line=...,col=...::} annotation per error. Exit 0 when every file is a
 *       valid plan, 1 when any is not (or cannot be read), 2 on a usage error.</li>
 * </ul>
 */
public final class Commands {

    public static final int OK = 0;
    public static final int INVALID = 1;
    public static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: beanstalk-migrator                  run the operator (the container's default)
                   beanstalk-migrator validate FILE... check plan files offline; exit 1 on any error""";

    private Commands() {}

    /** Runs the command {@code args[0]} with the rest of {@code args}; answers the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> environment) {
        if (args.length == 0) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        return switch (args[0]) {
            case "validate" -> validate(rest, out, err, "true".equals(environment.get("GITHUB_ACTIONS")));
            case "help", "--help", "-h" -> {
                out.println(USAGE_TEXT);
                yield OK;
            }
            default -> {
                err.println("unknown command '" + args[0] + "'");
                err.println(USAGE_TEXT);
                yield USAGE;
            }
        };
    }

    static int validate(List<String> files, PrintStream out, PrintStream err, boolean githubAnnotations) {
        if (files.isEmpty()) {
            err.println("validate: name at least one plan file");
            err.println(USAGE_TEXT);
            return USAGE;
        }
        PlanParser parser = new PlanParser(PlanLimits.DEFAULTS);
        int invalid = 0;
        for (String file : files) {
            List<PlanError> errors;
            try {
                byte[] content = Files.readAllBytes(Path.of(file));
                ParseOutcome outcome = parser.parse(file, content);
                if (outcome instanceof ParseOutcome.Valid valid) {
                    out.println(file + ": valid plan " + valid.plan().name() + ", "
                            + valid.plan().environments().size() + " environment"
                            + (valid.plan().environments().size() == 1 ? "" : "s"));
                    continue;
                }
                errors = ((ParseOutcome.Invalid) outcome).errors();
            } catch (NoSuchFileException e) {
                errors = List.of(new PlanError(file, 1, 1, "", "no such file; name the plan file to check"));
            } catch (IOException e) {
                errors = List.of(new PlanError(file, 1, 1, "", "cannot be read: " + e.getMessage()));
            }
            invalid++;
            for (PlanError error : errors) {
                out.println(error.describe());
                if (githubAnnotations) {
                    out.println(annotation(error));
                }
            }
        }
        return invalid == 0 ? OK : INVALID;
    }

    /**
     * A GitHub Actions error annotation: {@code ::error file=F,line=L,col=C::message}, with the workflow command
     * escapes ({@code %}, CR and LF in the message; also {@code :} and {@code ,} in the properties).
     */
    static String annotation(PlanError error) {
        String message = (error.path() == null || error.path().isEmpty() ? "" : error.path() + ": ")
                + error.message();
        return "::error file=" + property(error.source()) + ",line=" + error.line() + ",col=" + error.column()
                + "::" + data(message);
    }

    private static String data(String value) {
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static String property(String value) {
        return data(value).replace(":", "%3A").replace(",", "%2C");
    }
}
