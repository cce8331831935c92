package dev.beanstalkmigrator.reconcile.decide;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationKey;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.VersionRef;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The database an environment's migrations change, as a key that names it by host, port and name only: what the
 * plan says ({@code database:}), else what Elastic Beanstalk tells the application: the {@code RDS_HOSTNAME},
 * {@code RDS_PORT} and {@code RDS_DB_NAME} of an attached RDS instance, else {@code DATABASE_URL}.
 *
 * <p>A key never holds a user or a password. Of {@code DATABASE_URL} everything up to the last {@code @} is dropped
 * unread (a password may hold {@code @}, {@code /} or {@code :}), the options after {@code ?} too, and what is left
 * is taken only if host, port and name are each of the characters they can have; a URL whose last {@code @} comes
 * after a {@code ?} or {@code #} cannot be split safely and gives none. Otherwise the database is unknown, never
 * guessed.
 *
 * <p>The database is the unit of a migration: environments that share one take turns ({@link #holder}), and a
 * version migrated through one is not migrated again through another ({@link #ranThrough}).
 */
public final class Databases {

    /** A migration of {@code environment} that has the database, or migrated it. */
    public record Holder(String environment, MigrationRecord record) {

        /** How a person reads it: the environment, the version and the task or launch. */
        public String describe() {
            return environment + "'s migration of " + record.version()
                    + (record.rerun().isEmpty() ? "" : " (rerun " + record.rerun() + ")")
                    + (record.taskArn() != null ? ", task " + record.taskArn()
                    : record.phase() == Phase.Pending ? ", launch " + record.launchId() + " waiting to be sent again"
                    : ", launch " + record.launchId());
        }
    }

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?"
            + "|\\[[0-9A-Fa-f:.]{2,45}\\]");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$][A-Za-z0-9_$.-]{0,127}");
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]{0,31}");
    /** Schemes whose database is a file of the container, not something environments can share. */
    private static final Pattern LOCAL_SCHEME = Pattern.compile("(?i)sqlite.*|spatialite|memory");
    /** The ports a URL implies when it names none. */
    private static final Map<String, String> DEFAULT_PORTS = Map.ofEntries(
            Map.entry("postgres", "5432"), Map.entry("postgresql", "5432"), Map.entry("pgsql", "5432"),
            Map.entry("postgis", "5432"), Map.entry("psql", "5432"), Map.entry("mysql", "3306"),
            Map.entry("mysql2", "3306"), Map.entry("mysqlgis", "3306"), Map.entry("mariadb", "3306"),
            Map.entry("oracle", "1521"), Map.entry("mssql", "1433"), Map.entry("sqlserver", "1433"),
            Map.entry("redshift", "5439"), Map.entry("cockroach", "26257"), Map.entry("cockroachdb", "26257"));

    private Databases() {}

    /**
     * The key of the database {@code spec}'s migrations change, with the variables Elastic Beanstalk has for the
     * environment; null when it has none ({@code database: none}) or it is not known.
     */
    public static String of(EnvironmentSpec spec, Map<String, String> variables) {
        if (spec.database() != null) {
            return EnvironmentSpec.NO_DATABASE.equals(spec.database()) ? null : spec.database();
        }
        return found(variables);
    }

    /**
     * The migration of another environment that has {@code database} now, which a migration of {@code environment}
     * must wait for: one whose task may be running (Launching, Running), else the oldest launch waiting to be sent
     * again (Pending with its request: a task may exist, and the same request goes again) that the plan still wants
     * sent (its environment planned, not suspended, at that version and rerun token), if it was created before
     * {@code mine} (this environment's own such launch; null when it has none). Pending launches are ordered by creation, then environment name: two of them never
     * wait for each other.
     *
     * @param environments the ledger as it stands (with the records this pass has written so far)
     * @param plan the plan's entry of an environment, or null
     */
    public static Holder holder(String database, String environment, MigrationRecord mine,
                                Iterable<EnvironmentStatus> environments, Function<String, EnvironmentSpec> plan) {
        if (database == null) {
            return null;
        }
        Holder waiting = null;
        for (EnvironmentStatus other : environments) {
            if (other.name().equals(environment)) {
                continue;
            }
            // Indexed, not iterated: this runs for every prepared launch over every environment, and a burst of a
            // thousand launches would otherwise make millions of iterators.
            List<MigrationRecord> history = other.history();
            for (int i = 0; i < history.size(); i++) {
                MigrationRecord r = history.get(i);
                if (!database.equals(r.database())) {
                    continue;
                }
                if (r.phase() == Phase.Launching || r.phase() == Phase.Running) {
                    return new Holder(other.name(), r);
                }
                if (r.phase() == Phase.Pending && sent(r) && wanted(r, plan.apply(other.name()))
                        && (mine == null || before(r, other.name(), mine, environment))
                        && (waiting == null || before(r, other.name(), waiting.record(), waiting.environment()))) {
                    waiting = new Holder(other.name(), r);
                }
            }
        }
        return waiting;
    }

    /**
     * How a migration of the database ran through another environment: where, to what end, and with which task (null
     * when it ran through yet another, or only its archived key is left).
     */
    public record Ran(String environment, Phase phase, String taskArn) {}

    /**
     * The migration of {@code database} to {@code version} with {@code rerun} that another environment ran to its end
     * (Succeeded, Failed or TimedOut there, itself or through yet another; its record, or its archived key), or null.
     * It is not run again through {@code environment}: the database has that version, or that version failed on it
     * and runs again only under a new rerun token, as in the environment that ran it.
     */
    public static Ran ranThrough(String database, String version, String rerun, String environment,
                                 Iterable<EnvironmentStatus> environments) {
        if (database == null) {
            return null;
        }
        for (EnvironmentStatus other : environments) {
            if (other.name().equals(environment)) {
                continue;
            }
            List<MigrationRecord> history = other.history();
            for (int i = 0; i < history.size(); i++) {
                MigrationRecord r = history.get(i);
                if (r.phase().terminal() && database.equals(r.database()) && r.matches(version, rerun)) {
                    return new Ran(r.through() != null ? r.through() : other.name(), r.phase(),
                            r.through() != null ? null : r.taskArn());
                }
            }
            List<MigrationKey> archived = other.archived();
            for (int i = 0; i < archived.size(); i++) {
                MigrationKey key = archived.get(i);
                if (key.phase().terminal() && database.equals(key.database()) && key.matches(version, rerun)) {
                    return new Ran(other.name(), key.phase(), null);
                }
            }
        }
        return null;
    }

    /** A Pending launch with a request (RunTask was asked, refused or placed nothing): it goes again as it was. */
    static boolean sent(MigrationRecord pending) {
        return pending.taskDefinitionArn() != null && pending.placement() != null;
    }

    /**
     * Whether the plan still wants {@code pending} sent: its environment is in the plan, not suspended, and asks for
     * that migration (its label and rerun token; an environment that follows {@code deployed} or {@code latest}, its
     * rerun token). A launch the plan moved on from is never sent again, so it holds nothing.
     */
    private static boolean wanted(MigrationRecord pending, EnvironmentSpec spec) {
        if (spec == null || spec.suspend() || !pending.rerun().equals(spec.rerun())) {
            return false;
        }
        return spec.version().mode() != VersionRef.Mode.LABEL || spec.version().label().equals(pending.version());
    }

    private static final Comparator<MigrationRecord> CREATED = Comparator.comparing(MigrationRecord::createdAt,
            Comparator.nullsLast(Comparator.naturalOrder()));

    private static boolean before(MigrationRecord a, String aEnvironment, MigrationRecord b, String bEnvironment) {
        int byTime = CREATED.compare(a, b);
        return byTime != 0 ? byTime < 0 : aEnvironment.compareTo(bEnvironment) < 0;
    }

    /** The key the variables give: an attached RDS instance's, else {@code DATABASE_URL}'s; null if neither. */
    static String found(Map<String, String> variables) {
        String rds = variables.get("RDS_HOSTNAME");
        if (rds != null && !rds.isBlank()) {
            return key(rds.trim(), variables.get("RDS_PORT"), variables.get("RDS_DB_NAME"));
        }
        String url = variables.get("DATABASE_URL");
        return url == null ? null : fromUrl(url.trim());
    }

    /**
     * {@code scheme://[user[:password]@]host[:port][/name][?options]}, as dj-database-url and Rails read it; null for
     * anything else, a database file, or a part that does not look like what it must be.
     */
    static String fromUrl(String url) {
        int colon = url.indexOf("://");
        if (colon <= 0 || !SCHEME.matcher(url.substring(0, colon)).matches()) {
            return null;
        }
        String scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
        if (LOCAL_SCHEME.matcher(scheme).matches()) {
            return null;
        }
        String rest = url.substring(colon + 3);
        int at = rest.lastIndexOf('@');
        int options = indexOfAny(rest, "?#");
        if (at >= 0 && options >= 0 && at > options) {
            // An @ after a ? or #: in the options (which may hold a password, ?password=p@ss), or in a password
            // that holds ? or # itself. Which one cannot be told, so nothing is taken.
            return null;
        }
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        int end = indexOfAny(rest, "?#");
        if (end >= 0) {
            rest = rest.substring(0, end);
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String name = slash < 0 ? null : rest.substring(slash + 1);
        String host = authority;
        String port = null;
        int portColon = authority.lastIndexOf(':');
        if (portColon >= 0 && authority.indexOf(']', portColon) < 0) {
            host = authority.substring(0, portColon);
            port = authority.substring(portColon + 1);
        }
        String base = scheme.contains("+") ? scheme.substring(0, scheme.indexOf('+')) : scheme;
        return key(host, port == null || port.isEmpty() ? DEFAULT_PORTS.get(base) : port, name);
    }

    /** host:port/name of parts that pass their patterns (port and name may be absent); null otherwise. */
    private static String key(String host, String port, String name) {
        if (!HOST.matcher(host).matches()) {
            return null;
        }
        String p = port == null || port.isBlank() ? null : port.trim();
        String n = name == null || name.isBlank() ? null : name.trim();
        if (p != null && !PORT.matcher(p).matches() || n != null && !NAME.matcher(n).matches()) {
            return null;
        }
        StringBuilder key = new StringBuilder(host.toLowerCase(Locale.ROOT));
        if (p != null) {
            key.append(':').append(Integer.parseInt(p));
        }
        if (n != null) {
            key.append('/').append(n);
        }
        return key.toString();
    }

    private static int indexOfAny(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
