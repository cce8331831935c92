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
     * The environment's variables: option settings of namespace
     * {@code aws:elasticbeanstalk:application:environment} (DescribeConfigurationSettings). They hold
     * secrets: callers pass them to ECS and nowhere else.
     */
    Map<String, String> environmentVariables(String application, String environment);

    /** Deploys a version to an environment (UpdateEnvironment). */
    void deploy(String environment, String versionLabel);

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
