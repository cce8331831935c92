package dev.beanstalkmigrator.reconcile.observe;

import dev.beanstalkmigrator.model.CloudPlace;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.VersionRef;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.Clouds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * Reads what Elastic Beanstalk says of the plan's applications: one batched call per application (and its
 * versions when an environment follows {@code latest}), all applications at once, so that with ten
 * applications a plan change is not ten round trips away from its first launch. An application that cannot be
 * read is observed with its error; the others go on.
 */
public final class BeanstalkObserver {

    private static final Logger LOG = Logger.getLogger(BeanstalkObserver.class);

    private final Clouds clouds;
    private final Executor workers;
    /** What each application's last read failed with, by {@link Observation#key}: logged once per change. */
    private final Map<String, String> failing = new java.util.concurrent.ConcurrentHashMap<>();

    public BeanstalkObserver(Clouds clouds, Executor workers) {
        this.clouds = clouds;
        this.workers = workers;
    }

    public Observation observe(MigrationPlan plan, Instant now) {
        Map<String, Boolean> applications = new LinkedHashMap<>();
        Map<String, EnvironmentSpec> first = new LinkedHashMap<>();
        for (EnvironmentSpec spec : plan.environments()) {
            String key = Observation.key(spec);
            applications.merge(key, spec.version().mode() == VersionRef.Mode.LATEST, Boolean::logicalOr);
            first.putIfAbsent(key, spec);
        }
        // An application the plan no longer reads (or reads at another place) is no longer failing.
        failing.keySet().retainAll(applications.keySet());
        List<CompletableFuture<Map.Entry<String, Observation.Application>>> reads = new ArrayList<>();
        applications.forEach((key, needsVersions) -> reads.add(CompletableFuture.supplyAsync(
                () -> Map.entry(key, read(key, first.get(key).place(), first.get(key).application(), needsVersions,
                        now)),
                workers)));
        Map<String, Observation.Application> seen = new LinkedHashMap<>();
        join(reads).forEach(entry -> seen.put(entry.getKey(), entry.getValue()));
        return new Observation(seen);
    }

    /**
     * What the reads running in parallel answered, in order; the first that failed is thrown as it was (a {@link
     * dev.beanstalkmigrator.port.CloudError} stays one). The reconciler's rounds of actions join the same way.
     */
    public static <T> List<T> join(List<CompletableFuture<T>> futures) {
        List<T> results = new ArrayList<>();
        for (CompletableFuture<T> future : futures) {
            try {
                results.add(future.join());
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
            }
        }
        return results;
    }

    private Observation.Application read(String key, CloudPlace place, String application, boolean needsVersions,
                                         Instant now) {
        try {
            Beanstalk beanstalk = clouds.at(place).beanstalk();
            List<Beanstalk.Environment> environments = beanstalk.environments(application);
            List<Beanstalk.ApplicationVersion> versions = needsVersions ? beanstalk.versions(application, List.of())
                    : null;
            if (failing.remove(key) != null) {
                LOG.infof("application %s%s is read again", application, place.isHome() ? "" : " (" + place + ")");
            }
            return new Observation.Application(environments, versions, null, now);
        } catch (CloudError e) {
            if (!e.getMessage().equals(failing.put(key, e.getMessage()))) {
                LOG.warnf("cannot read application %s%s: %s", application, place.isHome() ? "" : " (" + place + ")",
                        e.getMessage());
            }
            return new Observation.Application(null, null, e, now);
        }
    }
}
