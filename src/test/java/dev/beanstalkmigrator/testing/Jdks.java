package dev.beanstalkmigrator.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds an installed JDK of a given feature release, for what runs the container image's JVM on the host (the
 * Dockerfile's test, the benchmark) while the build itself runs on Java 17. For release N, in this order:
 *
 * <ol>
 *   <li>the system property {@code jdkN.home} ({@code -Djdk25.home=/opt/jdk-25});</li>
 *   <li>the environment variable {@code JAVAN_HOME} ({@code JAVA25_HOME});</li>
 *   <li>this JVM, if it is release N;</li>
 *   <li>the directories of {@code /usr/lib/jvm}, where Debian and Ubuntu packages (Temurin's among them) install
 *       JDKs, in name order.</li>
 * </ol>
 *
 * A JDK is a directory with {@code bin/java} and a {@code release} file whose {@code JAVA_VERSION} is N or N.x.
 * A property or variable that names anything else is an error, not a reason to look further.
 */
public final class Jdks {

    static final Path SYSTEM_JDKS = Path.of("/usr/lib/jvm");
    private static final Pattern VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    private Jdks() {}

    /** The home of a JDK of release {@code feature}, or empty where none is found. */
    public static Optional<Path> find(int feature) {
        String named = System.getProperty("jdk" + feature + ".home");
        if (named == null || named.isBlank()) {
            named = System.getenv("JAVA" + feature + "_HOME");
        }
        if (named != null && !named.isBlank()) {
            Path home = Path.of(named);
            if (release(home) != feature) {
                throw new IllegalStateException("jdk" + feature + ".home / JAVA" + feature + "_HOME names " + home
                        + ", which is not a JDK " + feature + " (no bin/java, or its release file says another)");
            }
            return Optional.of(home);
        }
        Path self = Path.of(System.getProperty("java.home"));
        if (release(self) == feature) {
            return Optional.of(self);
        }
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(SYSTEM_JDKS)) {
            try (Stream<Path> entries = Files.list(SYSTEM_JDKS)) {
                entries.sorted(Comparator.comparing(Path::toString)).forEach(candidates::add);
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return candidates.stream().filter(home -> release(home) == feature).findFirst();
    }

    /** Why none was found, for a skipped test or a benchmark row. */
    public static String howToName(int feature) {
        return "no JDK " + feature + " found: set -Djdk" + feature + ".home or JAVA" + feature + "_HOME, or install"
                + " one under " + SYSTEM_JDKS;
    }

    /** The {@code java} launcher of a JDK home. */
    public static Path java(Path home) {
        return home.resolve("bin").resolve("java");
    }

    /** The feature release of the JDK at {@code home}, or -1 if it is not one. */
    static int release(Path home) {
        if (!Files.isExecutable(java(home))) {
            return -1;
        }
        try {
            Matcher m = VERSION.matcher(Files.readString(home.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
