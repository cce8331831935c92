package dev.beanstalkmigrator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.aws.AwsClientSettings;
import dev.beanstalkmigrator.aws.AwsClouds;
import dev.beanstalkmigrator.config.OperatorWiring;
import dev.beanstalkmigrator.model.Condition;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.plan.PlanLimits;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.port.Clouds;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.reconcile.EnvironmentClaims;
import dev.beanstalkmigrator.reconcile.Reconciler;
import dev.beanstalkmigrator.reconcile.RosterClaims;
import dev.beanstalkmigrator.reconcile.desired.DesiredState;
import dev.beanstalkmigrator.reconcile.desired.S3PlanSource;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.lease.LeaseElection;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import dev.beanstalkmigrator.reconcile.lease.MigrationLedger;
import dev.beanstalkmigrator.reconcile.lease.RosterKeeper;
import dev.beanstalkmigrator.sandbox.RunRecord;
import dev.beanstalkmigrator.sandbox.SandboxCloud;
import dev.beanstalkmigrator.sandbox.SandboxOptions;
import dev.beanstalkmigrator.sandbox.SandboxSeed;
import dev.beanstalkmigrator.testing.Plans;
import dev.beanstalkmigrator.testing.SandboxClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Accounts and Regions, through the real SDK against the sandbox: one plan names an environment in the operator's
 * own account and Region, one in its own account in another Region, one in another account through a role with an
 * external ID, and one through a role that refuses the operator. Each migration runs once, in its own account and
 * Region's ECS and nowhere else (as the sandbox saw it); the role is assumed once however many calls use it; the
 * refused role stalls its environment alone, naming the role and the trust policy it needs; the ledger names each
 * environment's account and Region. Across the plans of a prefix an environment is known by its name: one moved to
 * another plan and another account in one edit stays with the plan that held it until that plan lets it go, and the
 * other then runs nothing it ran.
 */
class AccountsOnSandboxIT {

    static final String BUCKET = "it-migrator";
    static final String PLAN_KEY = "plan.yaml";
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final String PARTNER_ROLE = "arn:aws:iam::222222222222:role/beanstalk-migrator";
    static final String LOCKED_ROLE = "arn:aws:iam::333333333333:role/beanstalk-migrator";

    /** One account's Elastic Beanstalk and ECS in one Region, with {@code environment} at v1, indented by {@code pad}. */
    static String world(String environment, String pad) {
        return """
                applications:
                  - name: shop
                    versions: [{label: v1}, {label: v2}, {label: v3}]
                    environments: [{name: %s, version: v1}]
                clusters: [shop-cluster]
                taskDefinitions:
                  - family: shop-app
                    networkMode: awsvpc
                    requiresCompatibilities: [FARGATE]
                    cpu: "256"
                    memory: "512"
                    containers: [{name: app, image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/shop:v1"}]
                """.formatted(environment).lines().map(line -> pad + line + "\n").reduce("", String::concat);
    }

    /**
     * The seed: the operator's own account (000000000000) in us-east-1 and us-west-2, a partner account whose role
     * asks for an external ID, and an account whose role does not trust the operator.
     */
    static final String SEED = "buckets: [it-migrator]\n"
            + "plan: {bucket: it-migrator, key: plan.yaml}\n"
            + world("shop-home", "")
            + "roles:\n"
            + "  - {arn: \"" + PARTNER_ROLE + "\", externalId: acme-42}\n"
            + "  - {arn: \"" + LOCKED_ROLE + "\", trusted: false}\n"
            + "tasks:\n"
            + "  default: {pending: 50ms, duration: 200ms, exitCode: 0}\n"
            + "worlds:\n"
            + "  - account: \"000000000000\"\n    region: us-west-2\n" + world("shop-west", "    ")
            + "  - account: \"222222222222\"\n    region: eu-west-1\n" + world("shop-partner", "    ")
            + "  - account: \"222222222222\"\n    region: us-east-1\n" + world("shop-partner-us", "    ")
            + "  - account: \"222222222222\"\n    region: us-west-2\n" + world("shop-home", "    ")
            + "  - account: \"333333333333\"\n    region: us-east-1\n" + world("shop-locked", "    ");

    /** Every environment at v2, in its own place; the image is the version's, found in its own account's versions. */
    static final String PLAN = Plans.plan("{name: shop-home, version: v2}",
            "{name: shop-west, version: v2, region: us-west-2}",
            "{name: shop-partner, version: v2, region: eu-west-1, roleArn: \"" + PARTNER_ROLE
                    + "\", externalId: acme-42}",
            "{name: shop-partner-us, version: v2, roleArn: \"" + PARTNER_ROLE + "\", externalId: acme-42}",
            "{name: shop-locked, version: v2, roleArn: \"" + LOCKED_ROLE + "\"}");

    SandboxCloud cloud;
    SandboxAdapters aws;
    AwsClouds clouds;
    final ExecutorService workers = Executors.newFixedThreadPool(4);

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.builder().port(0).build(), SandboxSeed.parse(SEED));
        aws = new SandboxAdapters(cloud.endpoint());
        StsClient sts = StsClient.builder().httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(cloud.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(SandboxClients.CREDENTIALS).build();
        clouds = new AwsClouds(new Clouds.Cloud(aws.beanstalk, aws.ecs, aws.logs),
                AwsClientSettings.of(Optional.of("us-east-1"), Optional.of(cloud.endpoint())),
                new SimpleMeterRegistry(), aws.retrying, sts, Clock.systemUTC(), "it replica/1",
                SandboxClients.CREDENTIALS);
    }

    @AfterEach
    void stop() {
        if (clouds != null) {
            clouds.close();
        }
        if (aws != null) {
            aws.close();
        }
        workers.shutdownNow();
        if (cloud != null) {
            cloud.close();
        }
    }

    Reconciler operator() {
        return operator(PLAN_KEY, EnvironmentClaims.NONE);
    }

    /** The plan at {@code key}, its ledger beside it, claiming its environments through {@code claims}. */
    Reconciler operator(String key, EnvironmentClaims claims) {
        String planUri = "s3://" + BUCKET + "/" + key;
        DesiredState desired = new DesiredState(new S3PlanSource(aws.objects, ObjectLocation.parse(planUri)),
                new PlanParser(PlanLimits.DEFAULTS));
        MigrationLedger ledger = new MigrationLedger(aws.objects,
                ObjectLocation.parse(OperatorWiring.statusUriFor(planUri)));
        return new Reconciler(desired, ledger, clouds, new ImageResolver(aws.objects),
                SandboxAdapters.quickSettings("it").build(), Clock.systemUTC(), () -> 0, workers, null, claims);
    }

    MigrationStatus ledger() {
        return LedgerCodec.read(aws.s3Client.getObjectAsBytes(b -> b.bucket(BUCKET).key("plan.status.yaml"))
                .asUtf8String().getBytes(StandardCharsets.UTF_8));
    }

    static MigrationRecord record(MigrationStatus status, String environment) {
        EnvironmentStatus env = status.environment(environment);
        return env == null ? null : env.find("v2", "");
    }

    @Test
    void eachEnvironmentMigratesOnceInItsOwnAccountAndRegionAndARefusedRoleStallsOnlyItsOwn() {
        aws.s3Client.putObject(b -> b.bucket(BUCKET).key(PLAN_KEY),
                software.amazon.awssdk.core.sync.RequestBody.fromString(PLAN));
        Reconciler operator = operator();
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            operator.cycle(false);
            MigrationStatus status = operator.snapshot().status();
            EnvironmentStatus locked = status.environment("shop-locked");
            Condition ready = locked == null ? null : locked.condition(Condition.READY);
            return List.of("shop-home", "shop-west", "shop-partner", "shop-partner-us").stream().allMatch(e -> {
                MigrationRecord r = record(status, e);
                return r != null && r.phase() == Phase.Succeeded;
            }) && ready != null && Reasons.ROLE_NOT_ASSUMED.equals(ready.reason());
        });
        // A few more cycles: nothing runs twice, nothing runs in the locked account.
        for (int i = 0; i < 5; i++) {
            operator.cycle(true);
        }

        Map<String, List<RunRecord>> runs = Map.of(
                "shop-home", cloud.runs("000000000000", "us-east-1"),
                "shop-west", cloud.runs("000000000000", "us-west-2"),
                "shop-partner", cloud.runs("222222222222", "eu-west-1"),
                "shop-partner-us", cloud.runs("222222222222", "us-east-1"),
                "shop-locked", cloud.runs("333333333333", "us-east-1"));
        runs.forEach((environment, seen) -> {
            if (environment.equals("shop-locked")) {
                assertEquals(List.of(), seen, "nothing starts where the role cannot be assumed");
            } else {
                assertEquals(1, seen.size(), environment + ": one task, in its own account and Region: " + seen);
                assertEquals(environment, seen.get(0).tags().get("beanstalk-migrator:environment"));
            }
        });
        assertTrue(runs.get("shop-partner").get(0).taskArn().startsWith("arn:aws:ecs:eu-west-1:222222222222:task/"),
                runs.get("shop-partner").get(0).taskArn());

        Map<String, Long> calls = cloud.calls();
        assertEquals(1L, calls.getOrDefault("sts:AssumeRole:200", 0L),
                "one session for the partner role however many calls, in both its Regions, used it: " + calls);
        assertEquals(1L, calls.getOrDefault("sts:AssumeRole:403", 0L),
                "a refusal is asked again after a minute, not at every call: " + calls);

        MigrationStatus stored = ledger();
        assertEquals(List.of("000000000000/us-east-1", "000000000000/us-west-2", "222222222222/eu-west-1",
                        "222222222222/us-east-1", "333333333333/us-east-1"),
                List.of("shop-home", "shop-west", "shop-partner", "shop-partner-us", "shop-locked").stream()
                        .map(e -> stored.environment(e).account() + "/" + stored.environment(e).region()).toList());
        Condition locked = stored.environment("shop-locked").condition(Condition.READY);
        assertFalse(locked.holds());
        assertTrue(locked.message().contains("cannot assume role " + LOCKED_ROLE), locked.message());
        assertTrue(locked.message().contains("trust policy"), locked.message());
        assertEquals(1, stored.environment("shop-locked").conditions().stream()
                .filter(c -> c.type().equals(Condition.STALLED) && c.holds()).count(), stored.toString());
        assertEquals("eu-west-1", record(stored, "shop-partner").place().region());
        assertEquals(PARTNER_ROLE, record(stored, "shop-partner").place().roleArn());
        assertEquals(null, record(stored, "shop-home").place(), "the operator's own place is recorded as none");
    }

    /** One plan of the prefix {@code plans/}, claiming through {@code roster}; its ledger beside it. */
    Reconciler planOperator(String plan, RosterKeeper roster) {
        return operator(plan, new RosterClaims(roster, aws.objects, plan,
                other -> ObjectLocation.parse(OperatorWiring.statusUriFor("s3://" + BUCKET + "/" + other))));
    }

    void put(String key, String body) {
        aws.s3Client.putObject(b -> b.bucket(BUCKET).key(key),
                software.amazon.awssdk.core.sync.RequestBody.fromString(body));
    }

    /** The tasks the sandbox started for {@code environment} in one account and Region. */
    List<RunRecord> runsOf(String environment, String account, String region) {
        return cloud.runs(account, region).stream()
                .filter(r -> environment.equals(r.tags().get("beanstalk-migrator:environment"))).toList();
    }

    @Test
    void anEnvironmentMovedToAnotherPlanAndAccountInOneEditStaysWithTheFirstPlanUntilItLetsGo() {
        String partnerHome = "{name: shop-home, version: v2, region: us-west-2, roleArn: \"" + PARTNER_ROLE
                + "\", externalId: acme-42}";
        put("plans/a.yaml", Plans.plan(partnerHome));
        RosterKeeper roster = new RosterKeeper(aws.objects, new ObjectLocation(BUCKET,
                "plans/beanstalk-migrator.roster.json"), "it-replica", new LeaseElection.Timing(
                Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2)), System::nanoTime,
                Clock.systemUTC());
        roster.round(Set.of("plans/a.yaml", "plans/b.yaml"));
        Reconciler a = planOperator("plans/a.yaml", roster);
        Reconciler b = planOperator("plans/b.yaml", roster);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            MigrationRecord r = record(a.cycle(false).status(), "shop-home");
            return r != null && r.phase() == Phase.Succeeded;
        });
        assertEquals(1, runsOf("shop-home", "222222222222", "us-west-2").size());

        // One edit moves it to plan b and to the operator's own account; plan a has not read its new file yet and
        // still names it in the partner account. Plan b waits, naming plan a, and starts nothing.
        put("plans/b.yaml", Plans.plan("{name: shop-home, version: v2}"));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            EnvironmentStatus env = b.cycle(true).status().environment("shop-home");
            Condition ready = env == null ? null : env.condition(Condition.READY);
            return ready != null && Reasons.CLAIMED_BY_OTHER_PLAN.equals(ready.reason())
                    && ready.message().contains("plans/a.yaml");
        });
        for (int i = 0; i < 5; i++) {
            a.cycle(true);
            b.cycle(true);
        }
        assertEquals(List.of(), runsOf("shop-home", "000000000000", "us-east-1"), "nothing starts in plan b");

        // Plan a reads its new file and lets it go: plan b takes over what ran there, so v2 does not run again; v3,
        // new, runs once, at home.
        put("plans/a.yaml", Plans.plan("{name: shop-west, version: v1, region: us-west-2}"));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            a.cycle(false);
            EnvironmentStatus env = b.cycle(false).status().environment("shop-home");
            return env != null && env.archived().stream().anyMatch(k -> k.matches("v2", ""))
                    && !Reasons.CLAIMED_BY_OTHER_PLAN.equals(env.condition(Condition.READY).reason());
        });
        for (int i = 0; i < 5; i++) {
            b.cycle(true);
        }
        assertEquals(List.of(), runsOf("shop-home", "000000000000", "us-east-1"), "v2 ran once, in plan a");
        put("plans/b.yaml", Plans.plan("{name: shop-home, version: v3}"));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            EnvironmentStatus env = b.cycle(false).status().environment("shop-home");
            MigrationRecord r = env == null ? null : env.find("v3", "");
            return r != null && r.phase() == Phase.Succeeded;
        });
        assertEquals(1, runsOf("shop-home", "000000000000", "us-east-1").size());
        assertEquals(1, runsOf("shop-home", "222222222222", "us-west-2").size());
    }
}
