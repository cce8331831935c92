package dev.beanstalkmigrator.testing;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.NetworkSpec;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.VersionRef;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.reconcile.observe.Observation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The core's test samples: one environment ({@code acme-web-prod}), its specs, records, ledgers and observations. */
public final class Samples {

    private Samples() {}

    /** A valid plan of {@code acme-web-prod} at v42: cluster, task definition, container and network as defaults. */
    public static final String PLAN = """
            apiVersion: beanstalk-migrator/v1
            kind: MigrationPlan
            metadata: {name: acme}
            spec:
              defaults: {cluster: acme-prod, taskDefinition: acme-web, container: web, command: [migrate],
                         network: {subnets: [subnet-1]}}
              environments:
                - {name: acme-web-prod, application: acme, version: v42}
            """;

    public static final Instant T = Instant.parse("2026-11-25T10:00:00Z");

    public static EnvironmentSpec spec(String version, boolean suspend, String rerun, AfterSuccess afterSuccess) {
        return new EnvironmentSpec("acme-web-prod", "acme", VersionRef.parse(version), suspend, rerun, "acme-prod",
                "acme-web", "web", List.of("migrate"), Duration.ofMinutes(30), "FARGATE", null,
                new NetworkSpec(List.of("subnet-1"), List.of(), false), "", afterSuccess);
    }

    /** An environment whose plan leaves cluster, task definition and container to be found. */
    public static EnvironmentSpec zeroConfig(String version) {
        EnvironmentSpec full = spec(version);
        return new EnvironmentSpec(full.name(), full.application(), full.version(), false, "", null, null, null,
                full.command(), full.timeout(), full.launchType(), null, full.network(), "", AfterSuccess.NONE);
    }

    public static EnvironmentSpec spec(String version) {
        return spec(version, false, "", AfterSuccess.NONE);
    }

    public static MigrationRecord record(String version, String rerun, Phase phase) {
        return new MigrationRecord(version, rerun, phase, "id-" + version + "-" + phase, "acme-prod", "web",
                phase == Phase.Launching ? null : "arn:task/" + version, "img", "template", "arn:td", "container-overrides",
                List.of("migrate"), T, T, null, null, null, null, null);
    }

    public static MigrationStatus ledger(MigrationRecord... history) {
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme", "\"1\"", null, "me", null,
                List.of(new EnvironmentStatus("acme-web-prod", "acme", null, null, null, List.of(), List.of(history))));
    }

    public static Observation observed(String deployed, String status, String... versionsNewestFirst) {
        List<Beanstalk.ApplicationVersion> versions = Stream.of(versionsNewestFirst)
                .map(v -> new Beanstalk.ApplicationVersion("acme", v, T, null, null)).toList();
        return new Observation(Map.of("acme", new Observation.Application(
                List.of(new Beanstalk.Environment("acme-web-prod", "acme", deployed, status, T)), versions, null, T)));
    }

    public static final Observation READY = observed("v41", "Ready", "v43", "v42", "v41");
}
