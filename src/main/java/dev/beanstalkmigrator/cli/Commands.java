package dev.beanstalkmigrator.cli;

import dev.beanstalkmigrator.aws.AwsClientSettings;
import dev.beanstalkmigrator.aws.S3Connection;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.model.Backoff;
import dev.beanstalkmigrator.plan.Durations;
import dev.beanstalkmigrator.plan.ParseOutcome;
import dev.beanstalkmigrator.plan.PlanError;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The commands the artifact runs instead of the operator, for CI. Each writes what it found to {@code out},
 * usage problems to {@code err}, and answers with the process's exit code ({@link #USAGE_TEXT} lists them).
 *
 * <ul>
 *   <li>{@code validate FILE...}: reads each plan file offline, with the operator's own parser and limits, and
 *       prints {@code file:line:column: message} for every error; with {@code GITHUB_ACTIONS=true} also a GitHub
 *       Actions {@code ::error file=...,line=...,col=...::} annotation per error. Exit 0 when every file is a
 *       valid plan, 1 when any is not (or cannot be read), 2 on a usage error.</li>
 *   <li>{@code wait --plan s3://B/K --environment NAME [--version V] [--timeout 30m]}: reads the plan and then the
 *       ledger in S3 with the caller's AWS credentials until the migration of that environment's version (and
 *       rerun token) ends, a line per change; exit 0 when it Succeeded, else the code of its outcome
 *       ({@link WaitCommand}).</li>
 *   <li>{@code status --plan s3://B/K}: the ledger as a table of environments ({@link StatusCommand}).</li>
 * </ul>
 *
 * <p>{@code wait} and {@code status} find the ledger where the operator writes it for that plan
 * ({@link OperatorWiring#statusUriFor}), or at {@code --status}. They reach S3 as the AWS CLI would: credentials
 * from the SDK's default chain; region from {@code --region}, else {@code AWS_REGION}, else
 * {@code AWS_DEFAULT_REGION}, else the SDK's chain; endpoint from {@code --endpoint-url}, else
 * {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL} (unless {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS}
 * is true).
 */
public final class Commands {

    public static final int OK = 0;
    /** An invalid plan file (validate), or what a command needs cannot be read or does not exist. */
    public static final int INVALID = 1;
    public static final int USAGE = 2;
    /** wait: the migration ended Failed (its container exited non-zero, or never ran). */
    public static final int MIGRATION_FAILED = 3;
    /** wait: the migration ran past its timeout and was stopped. */
    public static final int MIGRATION_TIMED_OUT = 4;
    /** wait: ECS lost the task (Failed with reason LaunchLost): whether it ran is unknown. */
    public static final int LAUNCH_LOST = 5;
    /** wait: the uploaded plan is invalid, so the operator refuses it. */
    public static final int PLAN_REFUSED = 6;
    /** wait: its own --timeout passed before the migration ended. */
    public static final int WAIT_TIMED_OUT = 7;
    /** wait --approval exit: the migration waits for a person to approve its preview. */
    public static final int AWAITING_APPROVAL = 8;

    static final String USAGE_TEXT = """
            usage: beanstalk-migrator                  run the operator (the container's default)
                   beanstalk-migrator validate FILE... check plan files offline; exit 1 on any error
                   beanstalk-migrator wait --plan s3://BUCKET/KEY --environment NAME [--version V]
                                      [--timeout 30m] [--poll-interval 5s] [--approval wait|exit]
                                      [AWS options]
                                                     wait until the environment's migration ends
                   beanstalk-migrator status --plan s3://BUCKET/KEY [AWS options]
                                                     print the ledger as a table of environments
            AWS options: --status s3://BUCKET/KEY (the ledger; default: the plan's key with .status.yaml)
                         --region REGION  --endpoint-url URL  (credentials: the AWS SDK's default chain)
            exit codes: 0 ok (wait: Succeeded)  1 invalid or unreadable  2 usage
                        3 Failed  4 TimedOut  5 LaunchLost  6 plan refused  7 wait's own --timeout passed
                        8 waiting for approval of its preview (wait --approval exit)""";

    static final List<String> WAIT_OPTIONS = List.of("--plan", "--environment", "--version", "--timeout",
            "--poll-interval", "--approval", "--status", "--region", "--endpoint-url");
    static final List<String> STATUS_OPTIONS = List.of("--plan", "--status", "--region", "--endpoint-url");

    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    static final Duration SHORTEST_POLL_INTERVAL = Duration.ofMillis(100);

    /**
     * The operator's default AWS retry policy ({@code migrator.retry.*}: 4 attempts, 200 ms doubling to 5 s, full
     * jitter): a CI command rides out the same throttling and 5xx as the operator.
     */
    static final Backoff RETRIES = Backoff.of(Duration.ofMillis(200), Duration.ofSeconds(5), 4);

    /** Waits between two looks at the ledger. */
    @FunctionalInterface
    interface Pause {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** Opens the object store the commands read, for the given region and endpoint. */
    @FunctionalInterface
    interface ObjectStores {
        ObjectStore open(AwsClientSettings settings);
    }

    /**
     * What the commands reach outside the process: S3, the time and a way to wait.
     *
     * @param stores opens S3 ({@link S3Connection} for the artifact); closed after the command if closable
     */
    record Outside(ObjectStores stores, Clock clock, Pause pause) {

        /** The real ones: S3 with the SDK's credentials, the system clock, {@link Thread#sleep}. */
        static Outside real() {
            return new Outside(settings -> S3Connection.open(settings, RETRIES), Clock.systemUTC(),
                    duration -> Thread.sleep(duration.toMillis()));
        }
    }

    private Commands() {}

    /** Runs the command {@code args[0]} with the rest of {@code args}; answers the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> environment) {
        return run(args, out, err, environment, Outside.real());
    }

    /** {@link #run(String[], PrintStream, PrintStream, Map)}, reaching S3 and the time through {@code outside}. */
    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> environment,
                   Outside outside) {
        if (args.length == 0) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        return switch (args[0]) {
            case "validate" -> validate(rest, out, err, "true".equals(environment.get("GITHUB_ACTIONS")));
            case "wait", "status" -> onS3(args[0], rest, out, err, environment, outside);
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

    private static int onS3(String command, List<String> args, PrintStream out, PrintStream err,
                            Map<String, String> environment, Outside outside) {
        boolean waiting = command.equals("wait");
        Options options;
        ObjectLocation plan;
        ObjectLocation ledger;
        AwsClientSettings aws;
        WaitCommand.Settings settings = null;
        try {
            options = Options.parse(command, args, waiting ? WAIT_OPTIONS : STATUS_OPTIONS);
            String planUri = options.required("--plan", "s3://acme-deploy/migrator/acme.yaml");
            plan = location(command, "--plan", planUri);
            ledger = location(command, "--status", Optional.ofNullable(options.get("--status"))
                    .orElseGet(() -> OperatorWiring.statusUriFor(planUri)));
            aws = awsSettings(command, options, environment);
            if (waiting) {
                settings = new WaitCommand.Settings(options.required("--environment", "acme-web-prod"),
                        options.get("--version"),
                        duration(command, options, "--timeout", DEFAULT_TIMEOUT, Duration.ofSeconds(1)),
                        duration(command, options, "--poll-interval", DEFAULT_POLL_INTERVAL, SHORTEST_POLL_INTERVAL),
                        "true".equals(environment.get("GITHUB_ACTIONS")), approvalExits(command, options));
            }
        } catch (Options.UsageError e) {
            err.println(e.getMessage());
            err.println(USAGE_TEXT);
            return USAGE;
        }
        ObjectStore store = outside.stores().open(aws);
        try {
            PlanObjects objects = new PlanObjects(store, plan, ledger);
            return waiting ? new WaitCommand(objects, outside.clock(), outside.pause(), out).run(settings)
                    : new StatusCommand(objects, outside.clock(), out).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println(command + ": interrupted");
            return INVALID;
        } finally {
            if (store instanceof AutoCloseable closable) {
                try {
                    closable.close();
                } catch (Exception ignored) {
                    // the answer is given; a client that does not close cleanly changes nothing
                }
            }
        }
    }

    /** {@code --approval exit}: a wait for approval ends the command (exit 8); {@code wait} (the default) waits on. */
    private static boolean approvalExits(String command, Options options) {
        String value = options.get("--approval");
        if (value == null || value.equals("wait")) {
            return false;
        }
        if (value.equals("exit")) {
            return true;
        }
        throw new Options.UsageError(command + ": --approval is wait or exit, not '" + value + "'; with exit the"
                + " command ends with exit code " + AWAITING_APPROVAL + " once the migration waits for approval");
    }

    private static ObjectLocation location(String command, String option, String uri) {
        try {
            return ObjectLocation.parse(uri);
        } catch (IllegalArgumentException e) {
            throw new Options.UsageError(command + ": " + option + " " + uri + " is not an S3 object; write "
                    + option + " s3://BUCKET/KEY");
        }
    }

    private static Duration duration(String command, Options options, String option, Duration otherwise,
                                     Duration shortest) {
        String text = options.get(option);
        if (text == null) {
            return otherwise;
        }
        try {
            Duration duration = Durations.parse(text);
            if (duration.compareTo(shortest) < 0) {
                throw new Options.UsageError(command + ": " + option + " " + text + " is too short; at least "
                        + Durations.format(shortest));
            }
            return duration;
        } catch (IllegalArgumentException e) {
            throw new Options.UsageError(command + ": " + option + ": " + e.getMessage());
        }
    }

    /** Region and endpoint as the AWS CLI takes them: the options first, then its environment variables. */
    static AwsClientSettings awsSettings(String command, Options options, Map<String, String> environment) {
        Optional<String> region = first(options.get("--region"), environment.get("AWS_REGION"),
                environment.get("AWS_DEFAULT_REGION"));
        boolean ignoreConfigured = "true".equalsIgnoreCase(environment.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
        Optional<String> endpoint = ignoreConfigured ? Optional.ofNullable(options.get("--endpoint-url"))
                : first(options.get("--endpoint-url"), environment.get("AWS_ENDPOINT_URL_S3"),
                        environment.get("AWS_ENDPOINT_URL"));
        Optional<URI> endpointUri;
        try {
            endpointUri = endpoint.map(URI::create);
            if (endpointUri.isPresent() && (endpointUri.get().getScheme() == null
                    || endpointUri.get().getHost() == null)) {
                throw new IllegalArgumentException("no scheme or host");
            }
        } catch (IllegalArgumentException e) {
            throw new Options.UsageError(command + ": endpoint " + endpoint.get()
                    + " is not a URL; write e.g. --endpoint-url https://s3.eu-west-1.amazonaws.com");
        }
        return AwsClientSettings.of(region, endpointUri);
    }

    private static Optional<String> first(String... values) {
        return Arrays.stream(values).filter(v -> v != null && !v.isBlank()).findFirst();
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

    static String data(String value) {
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static String property(String value) {
        return data(value).replace(":", "%3A").replace(",", "%2C");
    }
}
