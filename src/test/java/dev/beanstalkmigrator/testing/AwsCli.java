package dev.beanstalkmigrator.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The AWS CLI ({@code /usr/bin/aws}) as a real client of a sandbox: the sandbox's endpoint, JSON output, no pager,
 * the test credentials, and a deadline of 60 s per call. Also the environment that gives any child process
 * (the packaged operator, a shell recipe) those credentials and none of the machine's own AWS configuration.
 */
public final class AwsCli {

    /** Where the CLI is expected; tests that need it are skipped where it is missing. */
    public static final Path AWS = Path.of("/usr/bin/aws");

    private final URI endpoint;
    private final Path dir;
    private final Path executable;
    private Boolean version2;

    /**
     * @param endpoint the sandbox
     * @param dir      a scratch directory: the (absent) AWS config files are named there, output is captured there
     */
    public AwsCli(URI endpoint, Path dir) {
        this(endpoint, dir, AWS);
    }

    /** The same, with another installation of the CLI (version 1 or 2). */
    public AwsCli(URI endpoint, Path dir, Path executable) {
        this.endpoint = endpoint;
        this.dir = dir;
        this.executable = executable;
    }

    /**
     * Every installation of the CLI on this machine: {@link #AWS} first, then each other {@code aws} on the
     * {@code PATH} (a CLI's service models date from its release, so an older one may lack a newer parameter).
     */
    public static List<Path> installations() {
        List<Path> found = new ArrayList<>();
        java.util.Set<Path> seen = new java.util.HashSet<>();
        List<Path> candidates = new ArrayList<>(List.of(AWS));
        for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                candidates.add(Path.of(entry, "aws"));
            }
        }
        for (Path candidate : candidates) {
            if (!Files.isExecutable(candidate)) {
                continue;
            }
            try {
                if (seen.add(candidate.toRealPath())) {
                    found.add(candidate);
                }
            } catch (IOException e) {
                // unreadable: not a usable installation
            }
        }
        return found;
    }

    /** The installation this runs. */
    public Path executable() {
        return executable;
    }

    /** Whether the CLI is installed. */
    public static boolean installed() {
        return Files.isExecutable(AWS);
    }

    /**
     * Runs {@code aws --endpoint-url <sandbox> --output json --no-cli-pager ARGS}; returns stdout. Throws an
     * {@link AssertionError} on a non-zero exit (with stderr) or when it does not finish in 60 s.
     */
    public String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--endpoint-url", endpoint.toString(),
                "--output", "json"));
        if (version2()) {
            command.add("--no-cli-pager"); // version 1 has no pager, and no such option
        }
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        useTestCredentials(builder.environment(), dir);
        Path out = Files.createTempFile(dir, "aws", ".out");
        Path err = Files.createTempFile(dir, "aws", ".err");
        Process cli = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!cli.waitFor(60, TimeUnit.SECONDS)) {
            cli.destroyForcibly();
            throw new AssertionError("aws " + String.join(" ", args) + " did not finish in 60 s");
        }
        if (cli.exitValue() != 0) {
            throw new AssertionError("aws " + String.join(" ", args) + " exited with " + cli.exitValue() + ": "
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private boolean version2() throws IOException, InterruptedException {
        if (version2 == null) {
            ProcessBuilder builder = new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true);
            useTestCredentials(builder.environment(), dir);
            Process cli = builder.start();
            String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!cli.waitFor(60, TimeUnit.SECONDS)) {
                cli.destroyForcibly();
                throw new AssertionError(executable + " --version did not finish in 60 s");
            }
            version2 = !out.startsWith("aws-cli/1.");
        }
        return version2;
    }

    /**
     * The environment variables for the sandbox: test credentials, us-east-1, no instance metadata, no pager,
     * and config and credentials files named in {@code dir} (which need not exist) so that the machine's own
     * are never read.
     */
    public static Map<String, String> testCredentials(Path dir) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("AWS_ACCESS_KEY_ID", "test");
        environment.put("AWS_SECRET_ACCESS_KEY", "test");
        environment.put("AWS_DEFAULT_REGION", "us-east-1");
        environment.put("AWS_CONFIG_FILE", dir.resolve("aws-config").toString());
        environment.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("aws-credentials").toString());
        environment.put("AWS_EC2_METADATA_DISABLED", "true");
        environment.put("AWS_PAGER", "");
        return environment;
    }

    /** Drops every inherited {@code AWS_*} variable from a child's environment and puts {@link #testCredentials}. */
    public static void useTestCredentials(Map<String, String> environment, Path dir) {
        environment.keySet().removeIf(k -> k.startsWith("AWS_"));
        environment.putAll(testCredentials(dir));
    }
}
