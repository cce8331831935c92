package dev.beanstalkmigrator.reconcile.observe;

import dev.beanstalkmigrator.model.CloudPlace;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What Elastic Beanstalk said, per application.
 *
 * @param applications by {@link #key}: the application's name, after its place's key when it is not the operator's
 *     own account and Region
 */
public record Observation(Map<String, Application> applications) {

    public Observation {
        applications = Map.copyOf(applications);
    }

    public Application application(String key) {
        return applications.get(key);
    }

    /** What the observation of {@code spec}'s application is kept under. */
    public static String key(EnvironmentSpec spec) {
        return key(spec.place(), spec.application());
    }

    /** What the observation of {@code application} at {@code place} is kept under. */
    public static String key(CloudPlace place, String application) {
        return place.isHome() ? application : place.key() + "\n" + application;
    }

    /**
     * Whether Elastic Beanstalk said the same in both, read without error: the same environments and versions,
     * whenever they were read.
     */
    public boolean sameAs(Observation other) {
        if (other == null || !applications.keySet().equals(other.applications.keySet())) {
            return false;
        }
        for (Map.Entry<String, Application> entry : applications.entrySet()) {
            Application mine = entry.getValue();
            Application theirs = other.applications.get(entry.getKey());
            if (mine.error() != null || theirs.error() != null
                    || !java.util.Objects.equals(mine.environments(), theirs.environments())
                    || !java.util.Objects.equals(mine.versions(), theirs.versions())) {
                return false;
            }
        }
        return true;
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
