package dev.beanstalkmigrator.port;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The Elastic Beanstalk calls the operator needs. Failures are {@link CloudError}s. */
public interface Beanstalk {

    /** Every live environment of an application, in one call (DescribeEnvironments). */
    List<Environment> environments(String application);

    /**
     * Application versions (DescribeApplicationVersions), newest first.
     *
     * @param labels restrict to these labels; empty for all versions
     */
    List<ApplicationVersion> versions(String application, List<String> labels);

    /**
     * The environment's variables, in one call (DescribeConfigurationSettings): the plain ones (namespace
     * {@code aws:elasticbeanstalk:application:environment}, name to value) and the secret ones (namespace
     * {@code aws:elasticbeanstalk:application:environmentsecrets}, name to the ARN of a Secrets Manager secret or
     * SSM parameter; the values are never read).
     */
    Configuration configuration(String application, String environment);

    /** The plain variables of {@link #configuration}. */
    default Map<String, String> environmentVariables(String application, String environment) {
        return configuration(application, environment).variables();
    }

    /** Deploys a version to an environment (UpdateEnvironment). */
    void deploy(String environment, String versionLabel);

    /**
     * An environment's variables. Plain values may hold credentials too: callers pass them to ECS and nowhere else.
     *
     * @param variables plain variables, name to value
     * @param secrets secret variables, name to the ARN ECS reads the value from ({@code valueFrom})
     */
    record Configuration(Map<String, String> variables, Map<String, String> secrets) {
        public static final Configuration EMPTY = new Configuration(Map.of(), Map.of());

        public Configuration {
            variables = Map.copyOf(variables);
            secrets = Map.copyOf(secrets);
        }

        /** Whether the environment has no variables at all. */
        public boolean isEmpty() {
            return variables.isEmpty() && secrets.isEmpty();
        }
    }

    /** An environment as Elastic Beanstalk reports it; {@code id} is its environment id ({@code e-...}), if read. */
    record Environment(String name, String application, String versionLabel, String status, Instant updated,
                       String id) {
        public Environment(String name, String application, String versionLabel, String status, Instant updated) {
            this(name, application, versionLabel, status, updated, null);
        }

        public boolean ready() {
            return "Ready".equals(status);
        }
    }

    /** A registered application version and where its source bundle lies (null bucket when none). */
    record ApplicationVersion(String application, String label, Instant created, String bundleBucket, String bundleKey) {}
}
