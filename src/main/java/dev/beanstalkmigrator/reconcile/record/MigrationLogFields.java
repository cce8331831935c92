package dev.beanstalkmigrator.reconcile.record;

import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.reconcile.decide.Action;
import org.jboss.logging.MDC;

/**
 * The fields that name a migration on the log lines written while it is open: {@code environment},
 * {@code version} and {@code launchId}, in the logging MDC (the JSON log of the production profile shows them in
 * its {@code mdc} object, so that a log search finds every line of one migration). Closing puts back what was
 * there before, so scopes nest; a field without a value is left out.
 */
final class MigrationLogFields implements AutoCloseable {

    static final String ENVIRONMENT = "environment";
    static final String VERSION = "version";
    static final String LAUNCH_ID = "launchId";
    private static final String[] KEYS = {ENVIRONMENT, VERSION, LAUNCH_ID};

    private final Object[] previous = new Object[KEYS.length];

    private MigrationLogFields(String... values) {
        for (int i = 0; i < KEYS.length; i++) {
            previous[i] = MDC.get(KEYS[i]);
            set(KEYS[i], values[i]);
        }
    }

    /** A migration's record: its environment, version and launch id. */
    static MigrationLogFields of(String environment, MigrationRecord record) {
        return new MigrationLogFields(environment, record.version(), record.launchId());
    }

    /**
     * What an action is about: the migration of its environment, or nothing for a batch of several (a
     * DescribeTasks of a cluster), whose lines must not name one environment of the batch.
     */
    static MigrationLogFields of(Action action) {
        if (action instanceof Action.DescribeTasks) {
            return new MigrationLogFields(null, null, null);
        }
        if (action instanceof Action.Prepare prepare) {
            return new MigrationLogFields(action.environment(), prepare.version(), prepare.launchId());
        }
        MigrationRecord record = recordOf(action);
        return record == null ? new MigrationLogFields(action.environment(), null, null) : of(action.environment(),
                record);
    }

    private static MigrationRecord recordOf(Action action) {
        if (action instanceof Action.RegisterRevision register) {
            return register.intent();
        } else if (action instanceof Action.Launch launch) {
            return launch.intent();
        } else if (action instanceof Action.FindTask find) {
            return find.intent();
        } else if (action instanceof Action.Relaunch relaunch) {
            return relaunch.intent();
        } else if (action instanceof Action.StopTask stop) {
            return stop.record();
        } else if (action instanceof Action.TailLog tail) {
            return tail.record();
        } else if (action instanceof Action.Deploy deploy) {
            return deploy.record();
        }
        return null;
    }

    private static void set(String key, Object value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < KEYS.length; i++) {
            set(KEYS[i], previous[i]);
        }
    }
}
