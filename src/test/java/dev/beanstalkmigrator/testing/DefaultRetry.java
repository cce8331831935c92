package dev.beanstalkmigrator.testing;

import dev.beanstalkmigrator.aws.Retrying;
import dev.beanstalkmigrator.config.MigratorConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;

/**
 * The retry policy of an operator run with default settings, read from the defaults of {@code migrator.retry.*}
 * (so that tests building the AWS adapters by hand retry exactly as the packaged operator does).
 */
public final class DefaultRetry {

    private DefaultRetry() {
    }

    /** {@link MigratorConfig} with nothing but {@code values} and the required plan URI set. */
    public static MigratorConfig config(Map<String, String> values) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(MigratorConfig.class)
                // Quarkus's own reading of durations ("200ms", "5s"), as the application has it.
                .withConverter(Duration.class, 200, new DurationConverter())
                .withDefaultValue("migrator.desired-state.uri", "file:/unused/plan.yaml")
                .withDefaultValues(values)
                .build();
        return config.getConfigMapping(MigratorConfig.class);
    }

    /** The default policy, really sleeping between attempts. */
    public static Retrying retrying() {
        return new Retrying(config(Map.of()).retry().backoff(), Retrying.Sleeper.THREAD);
    }
}
