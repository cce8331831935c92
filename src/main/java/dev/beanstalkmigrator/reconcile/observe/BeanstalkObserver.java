package dev.beanstalkmigrator.reconcile.observe;

import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.VersionRef;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.CloudError;
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

    private final Beanstalk beanstalk;
    private final Executor workers;

    public BeanstalkObserver(Beanstalk beanstalk, Executor workers) {
        this.beanstalk = beanstalk;
        this.workers = workers;
    }

    public Observation observe(MigrationPlan plan, Instant now) {
        Map<String, Boolean> applications = new LinkedHashMap<>();
        for (EnvironmentSpec spec : plan.environments()) {
            applications.merge(spec.application(), spec.version().mode() == VersionRef.Mode.LATEST, Boolean::logicalOr);
        }
        List<CompletableFuture<Map.Entry<String, Observation.Application>>> reads = new ArrayList<>();
        applications.forEach((application, needsVersions) -> reads.add(CompletableFuture.supplyAsync(
                () -> Map.entry(application, read(application, needsVersions, now)), workers)));
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

    private Observation.Application read(String application, boolean needsVersions, Instant now) {
        try {
            List<Beanstalk.Environment> environments = beanstalk.environments(application);
            List<Beanstalk.ApplicationVersion> versions = needsVersions ? beanstalk.versions(application, List.of())
                    : null;
            return new Observation.Application(environments, versions, null, now);
        } catch (CloudError e) {
            LOG.warnf("cannot read application %s: %s", application, e.getMessage());
            return new Observation.Application(null, null, e, now);
        }
    }
}
