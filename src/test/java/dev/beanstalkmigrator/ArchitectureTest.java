package dev.beanstalkmigrator;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
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
    static final String AWS_SDK = "software.amazon.awssdk..";

    static final ArchRule noPackageCycles = slices().matching("dev.beanstalkmigrator.(*)..")
            .should().beFreeOfCycles()
            .because("one arrow direction between packages: a package can be changed without its dependents");

    static final ArchRule modelDependsOnNothingOfOurs = classes().that().resideInAPackage(MODEL)
            .should().onlyDependOnClassesThat(resideInAPackage(MODEL).or(resideOutsideOfPackage(OURS)))
            .because("plans, ledgers and conditions are plain records every package may use");

    static final ArchRule reconcileDependsOnlyOnModelPlanAndPort = classes().that().resideInAPackage(RECONCILE)
            .should().onlyDependOnClassesThat(resideInAnyPackage(RECONCILE, MODEL, PLAN, PORT)
                    .or(resideOutsideOfPackage(OURS)))
            .because("the core decides from values and reaches the outside world through ports only");

    static final ArchRule reconcileUsesNoAwsSdkAndNoRuntime = noClasses().that().resideInAPackage(RECONCILE)
            .should().dependOnClassesThat().resideInAnyPackage(AWS_SDK, "io.quarkus..", "jakarta..",
                    "io.smallrye..", "org.eclipse.microprofile..", "io.vertx..", CONFIG)
            .because("the core is plain Java, testable without Quarkus or AWS; settings reach it as named values");

    static final ArchRule onlyAwsUsesTheAwsSdk = noClasses().that().resideOutsideOfPackage(AWS)
            .should().dependOnClassesThat().resideInAPackage(AWS_SDK)
            .because("the adapters in aws are the only code that knows the SDK; the rest sees ports and CloudError");

    static final ArchRule awsDoesNotDependOnConfig = noClasses().that().resideInAPackage(AWS)
            .should().dependOnClassesThat().resideInAPackage(CONFIG)
            .because("config builds the adapters from configuration; they get plain values, never the mapping");

    static final ArchRule nothingDependsOnTheSandbox = noClasses().that().resideOutsideOfPackage(SANDBOX)
            .should().dependOnClassesThat().resideInAPackage(SANDBOX)
            .because("the simulated cloud starts itself in the dev and sandbox profiles; the product never needs it");

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
        assertFalse(MAIN.contain(ArchitectureTest.class.getName()));
    }

    @Test
    void noPackageCycles() {
        noPackageCycles.check(MAIN);
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
    void awsDoesNotDependOnConfig() {
        awsDoesNotDependOnConfig.check(MAIN);
    }

    @Test
    void nothingDependsOnTheSandbox() {
        nothingDependsOnTheSandbox.check(MAIN);
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
