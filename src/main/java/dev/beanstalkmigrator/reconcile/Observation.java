package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What Elastic Beanstalk said, per application.
 *
 * @param applications by application name
 */
public record Observation(Map<String, Application> applications) {

    public Observation {
        applications = Map.copyOf(applications);
    }

    public Application application(String name) {
        return applications.get(name);
    }

    /**
     * One application's environments and, when some environment follows {@code latest}, its versions.
     *
     * @param error why it could not be read, or null
     */
    public record Application(List<Beanstalk.Environment> environments, List<Beanstalk.ApplicationVersion> versions,
                              CloudError error, Instant observedAt) {

        public Beanstalk.Environment environment(String name) {
            return environments == null ? null
                    : environments.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
        }
    }
}
