package dev.beanstalkmigrator;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The package map as rules over the main classes: one arrow direction between packages, a pure core, the AWS
 * SDK in one package, the simulated cloud apart from the product, and no hand-made threads in the product.
 * Each rule is a test of its own, so that a failure names the rule and lists every offending dependency.
 */
class ArchitectureTest {

    /** The main classes only: tests may reach into anything. */
    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.beanstalkmigrator");

    static final String OURS = "dev.beanstalkmigrator..";
    static final String MODEL = "dev.beanstalkmigrator.model..";
    static final String PLAN = "dev.beanstalkmigrator.plan..";
    static final String PORT = "dev.beanstalkmigrator.port..";
    static final String RECONCILE = "dev.beanstalkmigrator.reconcile..";
    static final String AWS = "dev.beanstalkmigrator.aws..";
    static final String CONFIG = "dev.beanstalkmigrator.config..";
    static final String SANDBOX = "dev.beanstalkmigrator.sandbox..";
    static final String METRICS = "dev.beanstalkmigrator.metrics..";
    static final String MICROMETER = "io.micrometer..";
    static final String WEBHOOK = "dev.beanstalkmigrator.webhook..";
    static final String AWS_SDK = "software.amazon.awssdk..";

    static final ArchRule modelDependsOnNothingOfOurs = classes().that().resideInAPackage(MODEL)
            .should().onlyDependOnClassesThat(resideInAPackage(MODEL).or(resideOutsideOfPackage(OURS)))
            .because("plans, ledgers and conditions are plain records every package may use");

    static final ArchRule reconcileDependsOnlyOnModelPlanAndPort = classes().that().resideInAPackage(RECONCILE)
            .should().onlyDependOnClassesThat(resideInAnyPackage(RECONCILE, MODEL, PLAN, PORT)
                    .or(resideOutsideOfPackage(OURS)))
            .because("the core decides from values and reaches the outside world through ports only");

    static final ArchRule reconcileUsesNoAwsSdkAndNoRuntime = noClasses().that().resideInAPackage(RECONCILE)
            .should().dependOnClassesThat().resideInAnyPackage(AWS_SDK, "io.quarkus..", "jakarta..",
                    "io.smallrye..", "org.eclipse.microprofile..", "io.vertx..", MICROMETER, CONFIG)
            .because("the core is plain Java, testable without Quarkus or AWS; settings reach it as named values");

    static final ArchRule onlyAwsUsesTheAwsSdk = noClasses().that().resideOutsideOfPackage(AWS)
            .should().dependOnClassesThat().resideInAPackage(AWS_SDK)
            .because("the adapters in aws are the only code that knows the SDK; the rest sees ports and CloudError");

    static final ArchRule metricsReadOnlyTheCoreAndTheModel = classes().that().resideInAPackage(METRICS)
            .should().onlyDependOnClassesThat(resideInAnyPackage(METRICS, RECONCILE, MODEL)
                    .or(resideOutsideOfPackage(OURS)))
            .because("metrics are derived from the snapshots the core publishes; the scheduled job calls them");

    static final ArchRule onlyMetricsAndAwsUseMicrometer = noClasses().that().resideOutsideOfPackages(METRICS, AWS)
            .should().dependOnClassesThat().resideInAPackage(MICROMETER)
            .because("meters are kept at the edges: the cycle's in metrics, the AWS calls' in the adapters");

    static final ArchRule awsDoesNotDependOnConfig = noClasses().that().resideInAPackage(AWS)
            .should().dependOnClassesThat().resideInAPackage(CONFIG)
            .because("config builds the adapters from configuration; they get plain values, never the mapping");

    static final ArchRule webhookDependsOnlyOnPortAndModel = classes().that().resideInAPackage(WEBHOOK)
            .should().onlyDependOnClassesThat(resideInAnyPackage(WEBHOOK, PORT, MODEL)
                    .or(resideOutsideOfPackage(OURS)))
            .because("the webhook adapter gets plain values from config and implements a port, as the AWS adapters do");

    static final ArchRule nothingDependsOnTheSandbox = noClasses().that().resideOutsideOfPackage(SANDBOX)
            .should().dependOnClassesThat().resideInAPackage(SANDBOX)
            .because("the simulated cloud starts itself in the dev and sandbox profiles; the product never needs it");

    static final ArchRule theStatusPageReadsTheSnapshotOnly = noClasses().that()
            .haveNameMatching("dev\\.beanstalkmigrator\\.api\\.StatusPage.*")
            .should().dependOnClassesThat().resideInAnyPackage(PORT, AWS, CONFIG, AWS_SDK)
            .orShould().dependOnClassesThat().haveNameMatching(".*\\.(Reconciler|MigrationLedger|DesiredState)")
            .because("the page renders the published snapshot, as the API does: a browser that refreshes every few"
                    + " seconds must not cost AWS calls or wait for a cycle");

    static final ArchRule noExecutorsOutsideTheSandbox = noClasses().that().resideOutsideOfPackage(SANDBOX)
            .should().callMethodWhere(DescribedPredicate.describe("Executors.new*(...)",
                    (JavaMethodCall call) -> call.getTargetOwner().isEquivalentTo(Executors.class)
                            && call.getName().startsWith("new")))
            .because("periodic work runs on Quarkus Scheduler and worker pools are managed beans");

    static final ArchRule noThreadsOutsideTheSandbox = noClasses().that().resideOutsideOfPackage(SANDBOX)
            .should().callConstructorWhere(DescribedPredicate.describe("new Thread(...)",
                    (JavaConstructorCall call) -> call.getTargetOwner().isAssignableTo(Thread.class)))
            .because("periodic work runs on Quarkus Scheduler and worker pools are managed beans");

    @Test
    void theRulesSeeTheMainClassesAndOnlyThem() {
        // Rules over an empty or wrong import would pass without checking anything.
        assertTrue(MAIN.contain("dev.beanstalkmigrator.aws.AwsClients"));
        assertTrue(MAIN.contain("dev.beanstalkmigrator.model.Backoff"));
        assertTrue(MAIN.contain("dev.beanstalkmigrator.metrics.ReconcileMeters"));
        assertFalse(MAIN.contain(ArchitectureTest.class.getName()));
    }

    /**
     * One arrow direction between packages: a package can be changed without its dependents. Checked on the
     * arrows between our top-level packages that {@link #packageArrows} reads from ArchUnit's class graph.
     */
    @Test
    void noPackageCycles() {
        Map<String, Map<String, Dependency>> arrows = packageArrows(MAIN);
        List<String> cycles = cycles(arrows);
        assertTrue(cycles.isEmpty(), () -> "package cycles: " + String.join("; ", cycles));
    }

    @Test
    void theCycleCheckFindsACycleAndNamesTheArrows() {
        Map<String, Map<String, Dependency>> arrows = new TreeMap<>();
        arrows.computeIfAbsent("config", k -> new TreeMap<>()).put("reconcile", null);
        arrows.computeIfAbsent("reconcile", k -> new TreeMap<>()).put("model", null);
        assertTrue(cycles(arrows).isEmpty());
        arrows.computeIfAbsent("reconcile", k -> new TreeMap<>()).put("config", null);
        assertEquals(List.of("config -> reconcile -> config"), cycles(arrows));
    }

    /**
     * The rooms of the core ({@code reconcile}'s sub-packages) and the rooms each may use. The driver at the root
     * ({@code Reconciler}) wires every room together; no room uses the root. A new room, or a new arrow, is added
     * here on purpose, with the README's Architecture section.
     */
    static final String ROOT_ROOM = "(driver)";

    static final Map<String, Set<String>> ROOMS = Map.of(
            "desired", Set.of(),
            "image", Set.of(),
            "notify", Set.of(),
            "observe", Set.of(),
            "lease", Set.of("notify"),
            "decide", Set.of("image", "observe"),
            "execute", Set.of("decide", "image", "observe"),
            "record", Set.of("decide", "desired", "image", "notify"),
            ROOT_ROOM, Set.of("desired", "image", "notify", "observe", "lease", "decide", "execute", "record"));


    @Test
    void theCoresRoomsUseOnlyTheirAllowedRooms() {
        Map<String, Map<String, Dependency>> arrows = roomArrows(MAIN);
        assertTrue(arrows.containsKey("decide") && arrows.containsKey(ROOT_ROOM), "the rooms are seen: " + arrows.keySet());
        List<String> wrong = forbidden(arrows, ROOMS);
        assertTrue(wrong.isEmpty(), () -> "arrows between the core's rooms that ROOMS does not allow:\n"
                + String.join("\n", wrong));
    }

    @Test
    void aPlantedArrowBetweenRoomsIsNamedWithTheDependencyBehindIt() {
        Map<String, Map<String, Dependency>> arrows = new TreeMap<>();
        arrows.computeIfAbsent("execute", k -> new TreeMap<>()).put("decide", null);
        arrows.computeIfAbsent("decide", k -> new TreeMap<>()).put("image", null);
        assertEquals(List.of(), forbidden(arrows, ROOMS));
        arrows.get("decide").put("execute", null);
        arrows.computeIfAbsent("decide", k -> new TreeMap<>()).put(ROOT_ROOM, null);
        arrows.computeIfAbsent("billing", k -> new TreeMap<>()).put("decide", null);
        assertEquals(List.of("billing is not a room of ROOMS", "decide -> (driver)", "decide -> execute"),
                forbidden(arrows, ROOMS));
    }

    /** Between the rooms of {@code reconcile}: each room's arrows to the others, with one dependency behind each. */
    static Map<String, Map<String, Dependency>> roomArrows(JavaClasses classes) {
        Map<String, Map<String, Dependency>> arrows = new TreeMap<>();
        for (JavaClass origin : classes) {
            String from = room(origin);
            if (from == null) {
                continue;
            }
            arrows.computeIfAbsent(from, k -> new TreeMap<>());
            for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                String to = room(dependency.getTargetClass());
                if (to != null && !to.equals(from)) {
                    arrows.get(from).putIfAbsent(to, dependency);
                }
            }
        }
        return arrows;
    }

    /** {@code decide} for {@code dev.beanstalkmigrator.reconcile.decide.Planner}; the root room for the driver. */
    static String room(JavaClass type) {
        String name = type.getPackageName();
        String core = "dev.beanstalkmigrator.reconcile";
        if (name.equals(core)) {
            return ROOT_ROOM;
        }
        if (!name.startsWith(core + ".")) {
            return null;
        }
        String rest = name.substring(core.length() + 1);
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** Each arrow the allowed map does not have, and each room it does not name, sorted. */
    static List<String> forbidden(Map<String, Map<String, Dependency>> arrows, Map<String, Set<String>> allowed) {
        List<String> wrong = new ArrayList<>();
        arrows.forEach((from, targets) -> {
            if (!allowed.containsKey(from)) {
                wrong.add(from + " is not a room of ROOMS");
                return;
            }
            targets.forEach((to, why) -> {
                if (!allowed.get(from).contains(to)) {
                    wrong.add(from + " -> " + to + (why == null ? "" : " (" + why.getDescription() + ")"));
                }
            });
        });
        wrong.sort(null);
        return wrong;
    }

    /**
     * For each of our top-level packages, the packages its classes use, each with one dependency that shows it.
     */
    static Map<String, Map<String, Dependency>> packageArrows(JavaClasses classes) {
        Map<String, Map<String, Dependency>> arrows = new TreeMap<>();
        for (JavaClass origin : classes) {
            String from = topLevelPackage(origin);
            if (from == null) {
                continue;
            }
            for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                String to = topLevelPackage(dependency.getTargetClass());
                if (to != null && !to.equals(from)) {
                    arrows.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, dependency);
                }
            }
        }
        return arrows;
    }

    /** {@code reconcile} for {@code dev.beanstalkmigrator.reconcile.decide.Planner}; null outside our packages. */
    static String topLevelPackage(JavaClass type) {
        String name = type.getPackageName();
        String root = "dev.beanstalkmigrator.";
        if (!name.startsWith(root)) {
            return null;
        }
        String rest = name.substring(root.length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /**
     * Each arrow {@code a -> b} from which {@code a} can be reached again, as the shortest path back, with the
     * dependency behind each arrow where one is known; each cycle once.
     */
    static List<String> cycles(Map<String, Map<String, Dependency>> arrows) {
        Set<String> seen = new TreeSet<>();
        List<String> found = new ArrayList<>();
        arrows.forEach((from, targets) -> targets.keySet().forEach(to -> {
            List<String> back = shortestPath(arrows, to, from);
            if (back == null) {
                return;
            }
            List<String> cycle = new ArrayList<>(List.of(from));
            cycle.addAll(back);
            if (seen.add(new TreeSet<>(cycle).toString())) {
                StringBuilder text = new StringBuilder(String.join(" -> ", cycle));
                for (int i = 0; i + 1 < cycle.size(); i++) {
                    Dependency why = arrows.get(cycle.get(i)).get(cycle.get(i + 1));
                    if (why != null) {
                        text.append(i == 0 ? " (" : ", ").append(why.getDescription());
                    }
                }
                found.add(text.append(text.indexOf(" (") >= 0 ? ")" : "").toString());
            }
        }));
        return found;
    }

    /** The packages from {@code start} to {@code goal}, both included, along the arrows; null if none. */
    private static List<String> shortestPath(Map<String, Map<String, Dependency>> arrows, String start, String goal) {
        Map<String, String> previous = new LinkedHashMap<>();
        previous.put(start, null);
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String at = queue.poll();
            if (at.equals(goal)) {
                List<String> path = new ArrayList<>();
                for (String step = goal; step != null; step = previous.get(step)) {
                    path.add(0, step);
                }
                return path;
            }
            for (String next : arrows.getOrDefault(at, Map.of()).keySet()) {
                if (!previous.containsKey(next)) {
                    previous.put(next, at);
                    queue.add(next);
                }
            }
        }
        return null;
    }

    @Test
    void modelDependsOnNothingOfOurs() {
        modelDependsOnNothingOfOurs.check(MAIN);
    }

    @Test
    void reconcileDependsOnlyOnModelPlanAndPort() {
        reconcileDependsOnlyOnModelPlanAndPort.check(MAIN);
    }

    @Test
    void reconcileUsesNoAwsSdkAndNoRuntime() {
        reconcileUsesNoAwsSdkAndNoRuntime.check(MAIN);
    }

    @Test
    void onlyAwsUsesTheAwsSdk() {
        onlyAwsUsesTheAwsSdk.check(MAIN);
    }

    @Test
    void metricsReadOnlyTheCoreAndTheModel() {
        metricsReadOnlyTheCoreAndTheModel.check(MAIN);
    }

    @Test
    void onlyMetricsAndAwsUseMicrometer() {
        onlyMetricsAndAwsUseMicrometer.check(MAIN);
    }

    @Test
    void awsDoesNotDependOnConfig() {
        awsDoesNotDependOnConfig.check(MAIN);
    }

    @Test
    void webhookDependsOnlyOnPortAndModel() {
        webhookDependsOnlyOnPortAndModel.check(MAIN);
    }

    @Test
    void nothingDependsOnTheSandbox() {
        nothingDependsOnTheSandbox.check(MAIN);
    }

    @Test
    void theStatusPageReadsTheSnapshotOnly() {
        theStatusPageReadsTheSnapshotOnly.check(MAIN);
    }

    @Test
    void noExecutorsOutsideTheSandbox() {
        noExecutorsOutsideTheSandbox.check(MAIN);
    }

    @Test
    void noThreadsOutsideTheSandbox() {
        noThreadsOutsideTheSandbox.check(MAIN);
    }
}
