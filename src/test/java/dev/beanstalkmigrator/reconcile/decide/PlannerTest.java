package dev.beanstalkmigrator.reconcile.decide;

import static dev.beanstalkmigrator.testing.Samples.READY;
import static dev.beanstalkmigrator.testing.Samples.T;
import static dev.beanstalkmigrator.testing.Samples.ledger;
import static dev.beanstalkmigrator.testing.Samples.observed;
import static dev.beanstalkmigrator.testing.Samples.record;
import static dev.beanstalkmigrator.testing.Samples.spec;
import static dev.beanstalkmigrator.testing.Samples.zeroConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.reconcile.observe.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The planner's decisions, one row per situation: what is planned, and why nothing else is. */
class PlannerTest {

    static Stream<Arguments> situations() {
        return Stream.of(
                Arguments.of("new label launches", spec("v42"), ledger(), READY, false, "Prepare v42", null),
                Arguments.of("deployed resolves to Elastic Beanstalk's", spec("deployed"), ledger(), READY, false,
                        "Prepare v41", null),
                Arguments.of("latest resolves to the newest version", spec("latest"), ledger(), READY, false,
                        "Prepare v43", null),
                Arguments.of("succeeded is not launched again", spec("v42"),
                        ledger(record("v42", "", Phase.Succeeded)), READY, false, "", null),
                Arguments.of("failed waits for a new rerun token", spec("v42"),
                        ledger(record("v42", "", Phase.Failed)), READY, false, "", null),
                Arguments.of("a new rerun token launches again", spec("v42", false, "2", AfterSuccess.NONE),
                        ledger(record("v42", "", Phase.Failed)), READY, false, "Prepare v42", null),
                Arguments.of("suspended launches nothing", spec("v42", true, "", AfterSuccess.NONE), ledger(), READY,
                        false, "", "Suspended"),
                Arguments.of("dry-run previews", spec("v42"), ledger(), READY, true, "Preview v42", "DryRun"),
                Arguments.of("dry-run previews once", spec("v42"), ledger(record("v42", "", Phase.Pending)), READY, true,
                        "", "DryRun"),
                Arguments.of("a preview launches once dry-run is off", spec("v42"),
                        ledger(record("v42", "", Phase.Pending)), READY, false, "Prepare v42 (same launch)", null),
                Arguments.of("an intent is adopted, nothing new meanwhile", spec("v43"),
                        ledger(record("v42", "", Phase.Launching)), READY, false, "FindTask v42", "MigrationInFlight"),
                Arguments.of("a running task is watched even when the plan moved on", spec("v43"),
                        ledger(record("v42", "", Phase.Running)), READY, false, "Watch v42", "MigrationInFlight"),
                Arguments.of("a running task of the wanted version is watched", spec("v42"),
                        ledger(record("v42", "", Phase.Running)), READY, false, "Watch v42", null),
                Arguments.of("a stopping task is watched, and a rerun waits until ECS reports it STOPPED",
                        spec("v42", false, "2", AfterSuccess.NONE),
                        ledger(record("v42", "", Phase.Running).stopRequested(T)), READY, false, "Watch v42",
                        "MigrationInFlight"),
                Arguments.of("a stopping task holds a new version back too", spec("v43"),
                        ledger(record("v42", "", Phase.Running).stopRequested(T)), READY, false, "Watch v42",
                        "MigrationInFlight"),
                Arguments.of("a stopping task of the wanted version is watched", spec("v42"),
                        ledger(record("v42", "", Phase.Running).stopRequested(T)), READY, false, "Watch v42", null),
                Arguments.of("deploy after success", spec("v42", false, "", AfterSuccess.DEPLOY),
                        ledger(record("v42", "", Phase.Succeeded)), READY, false, "Deploy v42", null),
                Arguments.of("no deploy while the environment updates", spec("v42", false, "", AfterSuccess.DEPLOY),
                        ledger(record("v42", "", Phase.Succeeded)), observed("v41", "Updating", "v42"), false, "",
                        "EnvironmentBusy"),
                Arguments.of("no deploy when already deployed", spec("v42", false, "", AfterSuccess.DEPLOY),
                        ledger(record("v42", "", Phase.Succeeded)), observed("v42", "Ready", "v42"), false, "", null),
                Arguments.of("an unknown environment stalls", spec("v42"), ledger(),
                        new Observation(Map.of("acme", new Observation.Application(List.of(), List.of(), null, T))),
                        false, "", "EnvironmentNotFound"),
                Arguments.of("an unreadable application waits", spec("v42"), ledger(),
                        new Observation(Map.of("acme", new Observation.Application(null, null,
                                new CloudError.Transient("elasticbeanstalk:DescribeEnvironments", "Throttling", "slow",
                                        null), T))), false, "", "AwsUnavailable"),
                Arguments.of("access denied stalls", spec("v42"), ledger(),
                        new Observation(Map.of("acme", new Observation.Application(null, null,
                                new CloudError.Stalled("elasticbeanstalk:DescribeEnvironments", "AccessDenied", "no",
                                        "allow it", null), T))), false, "", "AccessDenied"),
                Arguments.of("cluster, task definition and container left out: prepared, where they are found",
                        zeroConfig("v42"), ledger(), READY, false, "Prepare v42", null),
                Arguments.of("latest with no versions waits", spec("latest"), ledger(), observed("v41", "Ready"), false,
                        "", "NoVersion"),
                Arguments.of("a Pending launch with its request (refused, or placed nowhere) is sent again as it was",
                        spec("v42"), ledger(prepared(spec("v42"))), READY, false, "Launch v42 (same launch)", null),
                Arguments.of("a Pending launch whose command the plan changed is prepared again, same launch id",
                        spec("v42"), ledger(prepared(spec("v43"))), READY, false, "Prepare v42 (same launch)",
                        null),
                Arguments.of("a Pending launch sent again waits for its retry time like any launch", spec("v42"),
                        ledger(prepared(spec("v42"))), READY, false, "", "ClientException"));
    }

    @Test
    void anEnvironmentAnotherPlanClaimedFirstStallsAndOnlyItsTaskInFlightIsFollowed() {
        Map<String, String> claimed = Map.of(spec("v42").name(), "teams/payments.yaml");
        Decision fresh = Planner.plan(new Planner.Inputs(new MigrationPlan("acme", List.of(spec("v42")), List.of()),
                "\"1\"", ledger(), READY, Map.of(), T, true, false, true, () -> "new-id", claimed)).decisions().get(0);
        assertEquals("", describe(fresh));
        assertEquals("ClaimedByOtherPlan", fresh.hold().reason());
        assertTrue(fresh.hold().message().contains("teams/payments.yaml"), fresh.hold().message());
        Decision running = Planner.plan(new Planner.Inputs(new MigrationPlan("acme", List.of(spec("v43")), List.of()),
                "\"1\"", ledger(record("v42", "", Phase.Running)), READY, Map.of(), T, true, false, true,
                () -> "new-id", claimed)).decisions().get(0);
        assertEquals("Watch v42", describe(running));
        assertEquals("ClaimedByOtherPlan", running.hold().reason());
    }

    /** A Pending launch with a prepared request (a task definition and a placement), made from {@code as}. */
    static MigrationRecord prepared(EnvironmentSpec as) {
        MigrationRecord r = record("v42", "", Phase.Pending);
        return new MigrationRecord(r.version(), r.rerun(), r.phase(), r.launchId(), r.cluster(), r.container(), null,
                r.image(), r.imageSource(), "arn:td/acme-web-migrate:3", r.overrides(),
                as.version().label().equals("v42") ? as.command() : List.of("other"), T, null, null, null,
                "RunTask refused", null, null).withPlacement(Launches.placement(as));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("situations")
    void decides(String situation, EnvironmentSpec spec, MigrationStatus ledger, Observation observation,
                 boolean dryRun, String expectedActions, String expectedHold) {
        Map<String, Requeues.Retry> retries = "ClientException".equals(expectedHold)
                ? Map.of(spec.name(), new Requeues.Retry(T.plusSeconds(60), 1, Hold.stalled("ClientException",
                        "refused"), "\"1\"")) : Map.of();
        List<Decision> decisions = Planner.plan(new Planner.Inputs(new MigrationPlan("acme", List.of(spec), List.of()), "\"1\"",
                ledger, observation, retries, T, true, dryRun, true, () -> "new-id")).decisions();
        assertEquals(1, decisions.size());
        Decision decision = decisions.get(0);
        assertEquals(expectedActions, describe(decision), situation);
        assertEquals(expectedHold, decision.hold() == null ? null : decision.hold().reason(), situation);
    }

    @org.junit.jupiter.api.Test
    void aRerunHeldByAStoppingTaskSaysWhatItWaitsFor() {
        MigrationStatus ledger = ledger(record("v42", "", Phase.Running).stopRequested(T));
        Decision decision = Planner.plan(inputs(new MigrationPlan("acme", List.of(spec("v42", false, "2",
                AfterSuccess.NONE)), List.of()), ledger, READY, false)).decisions().get(0);
        assertEquals("stopping: waiting for ECS to stop task arn:task/v42 (stop requested at " + T
                + ") before migrating v42", decision.hold().message());
    }

    @org.junit.jupiter.api.Test
    void environmentsLeftOutOfThePlanKeepTheirInFlightMigrationsWatched() {
        MigrationStatus ledger = ledger(record("v42", "", Phase.Running));
        List<Decision> decisions = Planner.plan(inputs(new MigrationPlan("acme", List.of(), List.of()), ledger, READY, false))
                .decisions();
        assertEquals(1, decisions.size());
        assertEquals("Watch v42", describe(decisions.get(0)));
    }

    static Planner.Inputs inputs(MigrationPlan plan, MigrationStatus ledger, Observation observation, boolean dryRun) {
        return new Planner.Inputs(plan, "\"1\"", ledger, observation, Map.of(), T, true, dryRun, true, () -> "new-id");
    }

    /** What a decision does, in words: its actions, watches and records. */
    static String describe(Decision decision) {
        List<String> words = new ArrayList<>();
        for (Action action : decision.actions()) {
            String version = action instanceof Action.Prepare prepare ? prepare.version()
                    + (prepare.launchId().equals("new-id") ? "" : " (same launch)")
                    : action instanceof Action.Launch launch ? launch.intent().version()
                    + (launch.intent().launchId().equals("new-id") ? "" : " (same launch)")
                    : action instanceof Action.FindTask find ? find.intent().version()
                    : ((Action.Deploy) action).record().version();
            words.add(action.getClass().getSimpleName() + " " + version);
        }
        decision.watches().forEach(w -> words.add("Watch " + w.record().version()));
        decision.records().forEach(r -> words.add((r.phase() == Phase.Pending ? "Preview " : "Record ") + r.version()));
        return words.stream().collect(Collectors.joining(", "));
    }
}
