package dev.beanstalkmigrator.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The container image as {@code src/main/docker/Dockerfile.jvm} builds and starts it, read from the file, so that
 * its steps can run on a host without a Docker engine: the tests and the benchmark stage its {@code COPY} steps into
 * a directory that stands for the image's {@code WORKDIR}, run its {@code RUN} steps there with the host's JDK of the
 * {@code FROM} line's release, and start its {@code ENTRYPOINT}. Knows the few instructions the file uses.
 */
public final class ContainerImage {

    public static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");

    /** A {@code COPY} step: paths in the build context (the repository), and where they go in the image. */
    public record Copy(List<String> sources, String destination) {}

    private static final Pattern TEMURIN = Pattern.compile("^eclipse-temurin:(\\d+)");

    private final String from;
    private final String workdir;
    private final List<Copy> copies;
    private final List<String> runs;
    private final List<String> entrypoint;

    private ContainerImage(String from, String workdir, List<Copy> copies, List<String> runs, List<String> entrypoint) {
        this.from = from;
        this.workdir = workdir;
        this.copies = copies;
        this.runs = runs;
        this.entrypoint = entrypoint;
    }

    /** The image of {@link #DOCKERFILE}. */
    public static ContainerImage read() {
        try {
            return parse(Files.readString(DOCKERFILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ContainerImage parse(String dockerfile) {
        String from = null;
        String workdir = "/";
        List<Copy> copies = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        List<String> entrypoint = null;
        for (String instruction : instructions(dockerfile)) {
            String[] parts = instruction.split("\\s+", 2);
            String argument = parts.length > 1 ? parts[1].trim() : "";
            switch (parts[0]) {
                case "FROM" -> from = argument;
                case "WORKDIR" -> workdir = argument;
                case "COPY" -> {
                    List<String> words = List.of(argument.split("\\s+"));
                    copies.add(new Copy(words.subList(0, words.size() - 1), words.get(words.size() - 1)));
                }
                case "RUN" -> runs.add(argument);
                case "ENTRYPOINT" -> {
                    try {
                        entrypoint = new ObjectMapper().readValue(argument, new TypeReference<List<String>>() {});
                    } catch (IOException e) {
                        throw new IllegalArgumentException("ENTRYPOINT is not a JSON array: " + argument, e);
                    }
                }
                case "EXPOSE" -> { }
                default -> throw new IllegalArgumentException("an instruction this reading does not know: " + instruction);
            }
        }
        if (from == null || entrypoint == null) {
            throw new IllegalArgumentException("the Dockerfile needs FROM and ENTRYPOINT");
        }
        return new ContainerImage(from, workdir, List.copyOf(copies), List.copyOf(runs), List.copyOf(entrypoint));
    }

    /** The instructions, one string each: comments dropped, continued lines joined. */
    static List<String> instructions(String dockerfile) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : dockerfile.lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.isEmpty() && current.isEmpty()) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            out.add(current.toString().replaceAll("\\s+", " ").trim());
            current.setLength(0);
        }
        return out;
    }

    /** The base image, as written. */
    public String from() {
        return from;
    }

    /** The Java release of the base image ({@code eclipse-temurin:25-jre}: 25). */
    public int jdkRelease() {
        Matcher m = TEMURIN.matcher(from);
        if (!m.find()) {
            throw new IllegalStateException("not an eclipse-temurin base image: " + from);
        }
        return Integer.parseInt(m.group(1));
    }

    public List<Copy> copies() {
        return copies;
    }

    /** The {@code RUN} steps, continued lines joined, as {@code /bin/sh -c} receives them. */
    public List<String> runs() {
        return runs;
    }

    /** The {@code ENTRYPOINT}, word by word. */
    public List<String> entrypoint() {
        return entrypoint;
    }

    /** The JVM options of the {@code ENTRYPOINT}: what comes between {@code java} and {@code -jar}. */
    public List<String> jvmOptions() {
        int jar = entrypoint.indexOf("-jar");
        if (!"java".equals(entrypoint.get(0)) || jar < 0) {
            throw new IllegalStateException("the ENTRYPOINT is not java OPTIONS -jar JAR: " + entrypoint);
        }
        return entrypoint.subList(1, jar);
    }

    /** The jar the {@code ENTRYPOINT} runs, relative to the {@code WORKDIR}. */
    public String jar() {
        return entrypoint.get(entrypoint.indexOf("-jar") + 1);
    }

    /** The value of a {@code -XX:NAME=value} option of the {@code ENTRYPOINT}, or null. */
    public String option(String name) {
        String prefix = "-XX:" + name + "=";
        return jvmOptions().stream().filter(o -> o.startsWith(prefix)).map(o -> o.substring(prefix.length()))
                .findFirst().orElse(null);
    }

    /**
     * Stages the image's {@code WORKDIR} in {@code directory} (emptied first): every {@code COPY} whose destination lies
     * under the {@code WORKDIR}, from the build context {@code context}. A source ending in {@code /} is a directory
     * whose content is copied, as Docker does; file times are kept.
     */
    public void stage(Path context, Path directory) throws IOException {
        deleteTree(directory);
        Files.createDirectories(directory);
        String root = workdir.endsWith("/") ? workdir : workdir + "/";
        for (Copy copy : copies) {
            String destination = copy.destination();
            if (!(destination + "/").startsWith(root)) {
                throw new IllegalStateException("a COPY outside the WORKDIR " + workdir + ": " + copy);
            }
            Path target = directory.resolve(destination.substring(Math.min(root.length(), destination.length())));
            for (String source : copy.sources()) {
                Path from = context.resolve(source);
                if (Files.isDirectory(from)) {
                    copyTree(from, target);
                } else {
                    Files.createDirectories(target);
                    Files.copy(from, target.resolve(from.getFileName().toString()), StandardCopyOption.COPY_ATTRIBUTES,
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * Runs the {@code RUN} steps in a {@link #stage staged} directory as {@code docker build} runs them, through
     * {@code /bin/sh -c}, with the JDK at {@code jdkHome} first on the {@code PATH} (the image's {@code java}), no
     * {@code MIGRATOR_*}, {@code QUARKUS_*} or {@code AWS_*} variable of this process (the image sets none), and
     * {@code environment} added. Returns the exit code of the first step that fails, else 0.
     */
    public int build(Path directory, Path jdkHome, Map<String, String> environment, Path log, long timeoutMinutes)
            throws IOException, InterruptedException {
        for (String run : runs) {
            ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", run).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(n -> n.startsWith("MIGRATOR_") || n.startsWith("QUARKUS_") || n.startsWith("AWS_"));
            env.put("PATH", jdkHome.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
            env.putAll(environment);
            Process step = builder.start();
            if (!step.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                step.descendants().forEach(ProcessHandle::destroyForcibly);
                step.destroyForcibly();
                throw new IllegalStateException("'RUN " + run + "' did not end within " + timeoutMinutes + " minutes");
            }
            if (step.exitValue() != 0) {
                return step.exitValue();
            }
        }
        return 0;
    }

    /** Copies a directory's content into {@code to}, keeping file times. */
    public static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Deletes a directory and everything in it, if it exists. */
    public static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Override
    public String toString() {
        return "FROM " + from + ", WORKDIR " + workdir + ", COPY " + copies + ", RUN " + runs + ", ENTRYPOINT "
                + String.join(" ", entrypoint);
    }
}
