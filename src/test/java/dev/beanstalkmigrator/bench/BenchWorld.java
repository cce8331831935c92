package dev.beanstalkmigrator.bench;

import dev.beanstalkmigrator.sandbox.SandboxSeed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's generated world: {@code n} Elastic Beanstalk environments spread over applications of
 * {@code perApplication} environments each, every one running {@code v1}; versions {@code v1}, {@code v2},
 * {@code v3} and {@code lat01..latNN} (for detection-latency trials), each with a source bundle naming its own
 * image, so a migration's image differs from the base task definition's and a migrate revision is needed.
 * The plan is written one environment per line, so the manual recipe can read it with sed.
 */
public final class BenchWorld {

    static final String BUCKET = "bench-migrator";
    static final String PLAN_KEY = "plan.yaml";
    static final String STATUS_KEY = "plan.status.yaml";
    static final String MANUAL_PLAN_KEY = "manual/plan.yaml";
    static final String BUNDLES = "bench-bundles";
    static final String CLUSTER = "bench-cluster";
    static final String FAMILY = "bench-app";
    static final String CONTAINER = "app";
    static final String REGISTRY = "111122223333.dkr.ecr.us-east-1.amazonaws.com/bench";

    final int n;
    final int perApplication;
    final int latencyVersions;
    /** environment name to application, in plan order */
    final Map<String, String> applicationOf = new LinkedHashMap<>();

    public BenchWorld(int n, int perApplication, int latencyVersions) {
        this.n = n;
        this.perApplication = perApplication;
        this.latencyVersions = latencyVersions;
        for (int i = 1; i <= n; i++) {
            applicationOf.put(environment(i), application((i - 1) / perApplication + 1));
        }
    }

    int applications() {
        return (n + perApplication - 1) / perApplication;
    }

    static String environment(int i) {
        return String.format("bench-e%04d", i);
    }

    static String application(int a) {
        return String.format("bench-a%02d", a);
    }

    static String latencyVersion(int trial) {
        return String.format("lat%02d", trial);
    }

    public List<String> environments() {
        return List.copyOf(applicationOf.keySet());
    }

    public SandboxSeed seed() {
        List<String> labels = new ArrayList<>(List.of("v1", "v2", "v3"));
        for (int t = 1; t <= latencyVersions; t++) {
            labels.add(latencyVersion(t));
        }
        List<SandboxSeed.Application> applications = new ArrayList<>();
        for (int a = 1; a <= applications(); a++) {
            String app = application(a);
            List<SandboxSeed.Version> versions = new ArrayList<>();
            for (String label : labels) {
                versions.add(new SandboxSeed.Version(label, null, new SandboxSeed.Bundle(BUNDLES,
                        app + "/" + label + ".zip", "zip", Map.of("Dockerrun.aws.json",
                        "{\"AWSEBDockerrunVersion\": 2, \"containerDefinitions\": [{\"name\": \"" + CONTAINER
                                + "\", \"image\": \"" + REGISTRY + ":" + label + "\"}]}"))));
            }
            List<SandboxSeed.Environment> environments = new ArrayList<>();
            applicationOf.forEach((environment, application) -> {
                if (application.equals(app)) {
                    Map<String, String> variables = new LinkedHashMap<>();
                    // A database of its own: environments that share one would take turns.
                    variables.put("DATABASE_URL", "postgres://bench:" + environment + "-pw@db.internal:5432/"
                            + environment.replace('-', '_'));
                    variables.put("DJANGO_SETTINGS_MODULE", "bench.settings");
                    variables.put("DJANGO_SECRET_KEY", "not-a-real-key-" + environment);
                    environments.add(new SandboxSeed.Environment(environment, "v1", variables, null, null, null, null,
                            null, null));
                }
            });
            applications.add(new SandboxSeed.Application(app, versions, environments));
        }
        SandboxSeed.Container container = new SandboxSeed.Container(CONTAINER, REGISTRY + ":v0",
                List.of("gunicorn", "bench.wsgi"), null, true, "/ecs/" + FAMILY, null, null, null);
        SandboxSeed.TaskDefinition definition = new SandboxSeed.TaskDefinition(FAMILY, "awsvpc", List.of("FARGATE"),
                "256", "512", "arn:aws:iam::000000000000:role/bench-execution",
                "arn:aws:iam::000000000000:role/bench-task", List.of(container), Map.of());
        SandboxSeed.TaskBehaviours tasks = new SandboxSeed.TaskBehaviours(new SandboxSeed.Behaviour(
                java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(200), 0, null,
                List.of("Operations to perform:", "  No migrations to apply.")), List.of());
        return new SandboxSeed("us-east-1", "000000000000", List.of(BUCKET, BUNDLES), applications,
                List.of(CLUSTER), List.of(definition), tasks, java.time.Duration.ofMillis(300), null,
                new SandboxSeed.PlanLocation(BUCKET, PLAN_KEY), null, null);
    }

    /** The plan with every environment at {@code versions.get(name)}, else {@code fallback}. */
    String plan(Map<String, String> versions, String fallback) {
        return plan("bench", applicationOf.keySet(), versions, fallback);
    }

    /**
     * A plan named {@code name} of {@code environments} only (a team's, among the plans under a prefix), each at
     * {@code versions.get(name)}, else {@code fallback}.
     */
    public String plan(String name, java.util.Collection<String> environments, Map<String, String> versions,
                       String fallback) {
        StringBuilder yaml = new StringBuilder(64 * n + 512).append("""
                apiVersion: beanstalk-migrator/v1
                kind: MigrationPlan
                metadata: {name: %s}
                spec:
                  defaults:
                    cluster: %s
                    taskDefinition: %s
                    container: %s
                    command: [python, manage.py, migrate, --noinput]
                    timeout: 5m
                    launchType: FARGATE
                    network: {subnets: [subnet-0aa11bb22], securityGroups: [sg-0cc33dd44], assignPublicIp: false}
                  environments:
                """.formatted(name, CLUSTER, FAMILY, CONTAINER));
        for (String environment : environments) {
            yaml.append("    - {name: ").append(environment).append(", application: ")
                    .append(applicationOf.get(environment)).append(", version: ")
                    .append(versions.getOrDefault(environment, fallback)).append("}\n");
        }
        return yaml.toString();
    }
}
