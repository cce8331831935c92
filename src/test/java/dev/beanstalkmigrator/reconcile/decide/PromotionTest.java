package dev.beanstalkmigrator.reconcile.decide;

import static dev.beanstalkmigrator.testing.Samples.T;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationKey;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.model.VersionRef;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.reconcile.observe.Observation;
import dev.beanstalkmigrator.testing.Samples;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Promotion order, one row per rule: acme-prod says after: [acme-staging] (and, in some rows, acme-qa too). */
class PromotionTest {

    static EnvironmentSpec spec(String name, String version, String rerun, List<String> after) {
        EnvironmentSpec s = Samples.spec(version);
        return new EnvironmentSpec(name, s.application(), VersionRef.parse(version), false, rerun, s.cluster(),
                s.taskDefinition(), s.container(), s.command(), s.timeout(), s.launchType(), null, s.network(), "",
                AfterSuccess.NONE, null, after);
    }

    static MigrationRecord record(String environment, String version, String rerun, Phase phase) {
        return new MigrationRecord(version, rerun, phase, environment + "-" + version + rerun, "acme-prod", "web",
                phase == Phase.Launching ? null : "arn:task/" + environment, "img", "template", "arn:td",
                "container-overrides", List.of("migrate"), T, T, null, phase == Phase.Failed ? 1 : null,
                phase == Phase.Failed ? "exit 1" : null, null, null);
    }

    static final Observation READY = new Observation(Map.of("acme", new Observation.Application(
            Stream.of("acme-staging", "acme-qa", "acme-prod").map(n -> new Beanstalk.Environment(n, "acme", "v41",
                    "Ready", T)).toList(), List.of(new Beanstalk.ApplicationVersion("acme", "v42", T, null, null)),
            null, T)));

    static Stream<Arguments> rules() {
        List<String> staging = List.of("acme-staging");
        List<String> both = List.of("acme-staging", "acme-qa");
        return Stream.of(
                Arguments.of("no after: launches", List.of(), "", List.of(), List.of(), "Prepare", null),
                Arguments.of("staging has not migrated it: waits", staging, "", List.of(), List.of(), "",
                        Reasons.WAITING_FOR_PROMOTION),
                Arguments.of("staging is migrating it: waits", staging, "",
                        List.of(record("acme-staging", "v42", "", Phase.Running)), List.of(), "",
                        Reasons.WAITING_FOR_PROMOTION),
                Arguments.of("staging succeeded with it: launches", staging, "",
                        List.of(record("acme-staging", "v42", "", Phase.Succeeded)), List.of(), "Prepare", null),
                Arguments.of("staging succeeded through its database's pair: launches", staging, "",
                        List.of(record("acme-staging", "v42", "", Phase.Succeeded).withThrough("acme-other")),
                        List.of(), "Prepare", null),
                Arguments.of("only staging's archived key is left: launches", staging, "", List.of(),
                        List.of(new MigrationKey("v42", "", Phase.Succeeded)), "Prepare", null),
                Arguments.of("staging failed it: blocked", staging, "",
                        List.of(record("acme-staging", "v42", "", Phase.Failed)), List.of(), "",
                        Reasons.PROMOTION_BLOCKED),
                Arguments.of("staging timed out with it: blocked", staging, "",
                        List.of(record("acme-staging", "v42", "", Phase.TimedOut)), List.of(), "",
                        Reasons.PROMOTION_BLOCKED),
                Arguments.of("staging succeeded only under an older rerun token: waits for the current one", staging,
                        "r2", List.of(record("acme-staging", "v42", "", Phase.Succeeded)), List.of(), "",
                        Reasons.WAITING_FOR_PROMOTION),
                Arguments.of("staging failed, then succeeded under its current token: launches", staging, "r2",
                        List.of(record("acme-staging", "v42", "r2", Phase.Succeeded),
                                record("acme-staging", "v42", "", Phase.Failed)), List.of(), "Prepare", null),
                Arguments.of("staging succeeded another version: waits", staging, "",
                        List.of(record("acme-staging", "v41", "", Phase.Succeeded)), List.of(), "",
                        Reasons.WAITING_FOR_PROMOTION),
                Arguments.of("one of two has it: waits for the other", both, "",
                        List.of(record("acme-staging", "v42", "", Phase.Succeeded)), List.of(), "",
                        Reasons.WAITING_FOR_PROMOTION));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void prodLaunchesAVersionOnlyAfterItsUpstreamsMigratedIt(String rule, List<String> after, String stagingRerun,
            List<MigrationRecord> stagingHistory, List<MigrationKey> stagingArchive, String expectedAction,
            String expectedHold) {
        List<EnvironmentStatus> environments = new ArrayList<>();
        environments.add(new EnvironmentStatus("acme-staging", "acme", null, null, null, List.of(), stagingHistory,
                stagingArchive));
        MigrationStatus ledger = new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme",
                "\"1\"", null, "me", null, environments);
        List<EnvironmentSpec> specs = List.of(spec("acme-staging", "v43", stagingRerun, List.of()),
                spec("acme-qa", "v43", "", List.of()), spec("acme-prod", "v42", "", after));
        Decision decision = Planner.plan(new Planner.Inputs(new MigrationPlan("acme", specs, List.of()), "\"1\"",
                ledger, READY, Map.of(), T, true, false, true, () -> "new-id")).decisions().stream()
                .filter(d -> d.environment().equals("acme-prod")).findFirst().orElseThrow();
        assertEquals(expectedAction, decision.actions().stream().map(a -> a.getClass().getSimpleName())
                .collect(Collectors.joining(", ")), rule);
        assertEquals(expectedHold, decision.hold() == null ? null : decision.hold().reason(), rule);
    }

    @org.junit.jupiter.api.Test
    void theHoldSaysWhatEachUpstreamIsDoing() {
        MigrationStatus ledger = new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme",
                "\"1\"", null, "me", null, List.of(new EnvironmentStatus("acme-staging", "acme", null, null, null,
                List.of(), List.of(record("acme-staging", "v42", "", Phase.Running)))));
        List<EnvironmentSpec> specs = List.of(spec("acme-staging", "v42", "", List.of()),
                spec("acme-qa", "v42", "", List.of()), spec("acme-prod", "v42", "", List.of("acme-staging", "acme-qa")));
        Planner.Inputs in = new Planner.Inputs(new MigrationPlan("acme", specs, List.of()), "\"1\"", ledger, READY,
                Map.of(), T, true, false, true, () -> "new-id");
        assertEquals("waiting for promotion of v42: acme-staging is migrating v42 (Running); acme-qa has not"
                + " migrated v42 yet", Promotion.hold(specs.get(2), "v42", in).message());

        MigrationStatus failed = new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme",
                "\"1\"", null, "me", null, List.of(new EnvironmentStatus("acme-staging", "acme", null, null, null,
                List.of(), List.of(record("acme-staging", "v42", "", Phase.Failed)))));
        Planner.Inputs blocked = new Planner.Inputs(new MigrationPlan("acme", specs.subList(0, 1), List.of()), "\"1\"",
                failed, READY, Map.of(), T, true, false, true, () -> "new-id");
        assertEquals("promotion of v42 blocked: acme-staging's migration of v42 failed (exit 1); it runs here once"
                + " that environment migrates it under a new rerun token",
                Promotion.hold(spec("acme-prod", "v42", "", List.of("acme-staging")), "v42", blocked).message());
    }
}
