package dev.beanstalkmigrator.reconcile.decide;

import static dev.beanstalkmigrator.testing.Samples.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.observe.Observation;
import dev.beanstalkmigrator.testing.Samples;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The database as the unit: environments that share one take turns, and a version migrated through one is not
 * migrated again through another. One row per rule, on a blue/green pair (acme-blue, acme-green) sharing
 * db.internal:5432/shop, and a third environment (acme-other) on a database of its own.
 */
class DatabaseTurnsTest {

    static final String SHOP = "db.internal:5432/shop";
    static final Map<String, String> SHOP_URL = Map.of("DATABASE_URL", "postgres://shop:pw@db.internal:5432/shop");
    static final ContainerService.TaskDefinition BASE = PlannerFollowUpTest.BASE;
    static final ImageResolver.Resolved UNCHANGED = new ImageResolver.Resolved("acme:v41", ImageResolver.FROM_BASE,
            "not pinned");

    static EnvironmentSpec spec(String name, String version, String rerun, boolean suspend, String database) {
        EnvironmentSpec s = Samples.spec(version);
        return new EnvironmentSpec(name, s.application(), VersionRef.parse(version), suspend, rerun, s.cluster(),
                s.taskDefinition(), s.container(), s.command(), s.timeout(), s.launchType(), null, s.network(), "",
                AfterSuccess.NONE, database);
    }

    static EnvironmentSpec spec(String name, String version) {
        return spec(name, version, "", false, null);
    }

    /** A record of {@code environment}'s migration of {@code version} on {@code database}. */
    static MigrationRecord record(String environment, String version, Phase phase, String database) {
        MigrationRecord r = Samples.record(version, "", phase);
        return new MigrationRecord(version, "", phase, environment + "-" + version + "-" + phase, r.cluster(),
                r.container(), phase == Phase.Launching || phase == Phase.Pending ? null
                : "arn:task/" + environment + "/" + version, r.image(), r.imageSource(), r.taskDefinitionArn(),
                r.overrides(), r.command(), T, T, null, null, null, null, null).withDatabase(database);
    }

    static MigrationRecord rerun(MigrationRecord r, String rerun) {
        return new MigrationRecord(r.version(), rerun, r.phase(), r.launchId(), r.cluster(), r.container(),
                r.taskArn(), r.image(), r.imageSource(), r.taskDefinitionArn(), r.overrides(), r.command(),
                r.createdAt(), r.startedAt(), r.finishedAt(), r.exitCode(), r.reason(), r.logTail(), r.deployedAt())
                .withDatabase(r.database());
    }

    /** A Pending launch with its request (sent before, refused or placed nowhere), created at T + {@code seconds}. */
    static MigrationRecord sent(String environment, String version, String database, int seconds) {
        MigrationRecord r = record(environment, version, Phase.Pending, database);
        return new MigrationRecord(r.version(), r.rerun(), Phase.Pending, r.launchId(), r.cluster(), r.container(),
                null, r.image(), r.imageSource(), "arn:td/acme-web-migrate:3", r.overrides(), r.command(),
                T.plusSeconds(seconds), null, null, null, "waiting for capacity", null, null)
                .withPlacement(Launches.placement(spec(environment, version))).withDatabase(database);
    }

    /** With blue's archive holding v42 as Succeeded on the shop database, where blue's history is empty. */
    static MigrationStatus ledger(Map<String, List<MigrationRecord>> histories) {
        List<EnvironmentStatus> environments = new ArrayList<>();
        histories.forEach((name, history) -> environments.add(new EnvironmentStatus(name, "acme", null, null, null,
                List.of(), history, history.isEmpty() && name.equals("acme-blue")
                ? List.of(new MigrationKey("v42", "", Phase.Succeeded, SHOP)) : List.of())));
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme", "\"1\"", null, "me",
                null, environments);
    }

    static Map<String, List<MigrationRecord>> histories(Object... nameThenRecords) {
        Map<String, List<MigrationRecord>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenRecords.length; i += 2) {
            m.put((String) nameThenRecords[i], Arrays.asList((MigrationRecord[]) nameThenRecords[i + 1]));
        }
        return m;
    }

    static MigrationRecord[] of(MigrationRecord... records) {
        return records;
    }

    static final Observation READY = new Observation(Map.of("acme", new Observation.Application(
            Stream.of("acme-blue", "acme-green", "acme-other").map(n -> new Beanstalk.Environment(n, "acme", "v41",
                    "Ready", T)).toList(), List.of(new Beanstalk.ApplicationVersion("acme", "v42", T, null, null)),
            null, T)));

    static Planner.Inputs inputs(List<EnvironmentSpec> specs, MigrationStatus ledger) {
        return new Planner.Inputs(new MigrationPlan("acme", specs, List.of()), "\"1\"", ledger, READY, Map.of(), T,
                true, false, true, () -> "new-id");
    }

    static Outcome prepared(EnvironmentSpec spec, String launchId, Map<String, String> variables) {
        return new Outcome.Prepared(new Action.Prepare(spec, spec.version().label(), launchId), BASE, UNCHANGED,
                new Beanstalk.Configuration(variables, Map.of()));
    }

    static String describe(Planner.FollowUp followUp) {
        List<String> parts = new ArrayList<>();
        followUp.records().forEach(r -> parts.add("Record " + r.environment() + " " + r.record().phase()
                + (r.record().through() == null ? "" : " through " + r.record().through())));
        followUp.actions().forEach(a -> parts.add(a.getClass().getSimpleName() + " " + a.environment()));
        followUp.holds().forEach((environment, hold) -> parts.add("Hold " + environment + " " + hold.reason()));
        return String.join(", ", parts);
    }

    /** Rules at the moment a launch of acme-green is prepared (its database known from its variables). */
    static Stream<Arguments> prepared() {
        return Stream.of(
                Arguments.of("nobody else on the database: launch", histories(),
                        "Record acme-green Launching, Launch acme-green"),
                Arguments.of("the other environment's task runs on it: wait, Pending with the database",
                        histories("acme-blue", of(record("acme-blue", "v42", Phase.Running, SHOP))),
                        "Record acme-green Pending, Hold acme-green WaitingForDatabase"),
                Arguments.of("its launch is unanswered (Launching): wait",
                        histories("acme-blue", of(record("acme-blue", "v43", Phase.Launching, SHOP))),
                        "Record acme-green Pending, Hold acme-green WaitingForDatabase"),
                Arguments.of("its launch waits to be sent again (a task may exist): wait",
                        histories("acme-blue", of(sent("acme-blue", "v43", SHOP, 0))),
                        "Record acme-green Pending, Hold acme-green WaitingForDatabase"),
                Arguments.of("a task on another database: launch",
                        histories("acme-other", of(record("acme-other", "v42", Phase.Running, "db.internal:5432/other"))),
                        "Record acme-green Launching, Launch acme-green"),
                Arguments.of("the other environment merely waits itself (Pending, no request): launch",
                        histories("acme-blue", of(record("acme-blue", "v42", Phase.Pending, SHOP))),
                        "Record acme-green Launching, Launch acme-green"),
                Arguments.of("the same version already succeeded through it: Succeeded here without a task",
                        histories("acme-blue", of(record("acme-blue", "v42", Phase.Succeeded, SHOP))),
                        "Record acme-green Succeeded through acme-blue"),
                Arguments.of("a success through a third counts, naming the one that ran it",
                        histories("acme-other", of(record("acme-other", "v42", Phase.Succeeded, SHOP)
                                .withThrough("acme-blue"))),
                        "Record acme-green Succeeded through acme-blue"),
                Arguments.of("another version succeeded there: launch",
                        histories("acme-blue", of(record("acme-blue", "v41", Phase.Succeeded, SHOP))),
                        "Record acme-green Launching, Launch acme-green"),
                Arguments.of("the same version failed there: Failed here too, until the rerun token changes",
                        histories("acme-blue", of(record("acme-blue", "v42", Phase.Failed, SHOP))),
                        "Record acme-green Failed through acme-blue"),
                Arguments.of("it timed out there: TimedOut here",
                        histories("acme-blue", of(record("acme-blue", "v42", Phase.TimedOut, SHOP))),
                        "Record acme-green TimedOut through acme-blue"),
                Arguments.of("only its archived key is left there: it still counts",
                        Map.of("acme-blue", List.<MigrationRecord>of()), "Record acme-green Succeeded through acme-blue"),
                Arguments.of("the same version under another rerun token there: launch",
                        histories("acme-blue", of(rerun(record("acme-blue", "v42", Phase.Succeeded, SHOP), "2"))),
                        "Record acme-green Launching, Launch acme-green"),
                Arguments.of("its own earlier success of another rerun is not another environment's",
                        histories("acme-green", of(record("acme-green", "v41", Phase.Succeeded, SHOP))),
                        "Record acme-green Launching, Launch acme-green"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prepared")
    void whenALaunchIsPrepared(String rule, Map<String, List<MigrationRecord>> histories, String expected) {
        EnvironmentSpec green = spec("acme-green", "v42");
        Planner.Inputs in = inputs(List.of(spec("acme-blue", "v43"), green, spec("acme-other", "v42")),
                ledger(histories));
        Planner.FollowUp followUp = Planner.next(prepared(green, "L1", SHOP_URL), in);
        assertEquals(expected, describe(followUp), rule);
        followUp.records().forEach(r -> assertEquals(SHOP, r.record().database(), rule));
    }

    @Test
    void theWaitSaysWhoHasTheDatabaseAndTheSuccessSaysWhoRanIt() {
        Planner.Inputs in = inputs(List.of(spec("acme-blue", "v42"), spec("acme-green", "v42")),
                ledger(histories("acme-blue", of(record("acme-blue", "v42", Phase.Running, SHOP)))));
        Planner.FollowUp waiting = Planner.next(prepared(spec("acme-green", "v42"), "L1", SHOP_URL), in);
        assertEquals("waiting for database " + SHOP + ": acme-blue's migration of v42, task arn:task/acme-blue/v42"
                + " has it; migrating v42 once it has finished", waiting.holds().get("acme-green").message());
        MigrationRecord pending = waiting.records().get(0).record();
        assertEquals("L1", pending.launchId(), "the launch id is kept for when it goes");
        assertNull(pending.taskDefinitionArn(), "no request: nothing was sent");

        Planner.Inputs after = inputs(List.of(spec("acme-blue", "v42"), spec("acme-green", "v42")),
                ledger(histories("acme-blue", of(record("acme-blue", "v42", Phase.Succeeded, SHOP)))));
        MigrationRecord through = Planner.next(prepared(spec("acme-green", "v42"), "L1", SHOP_URL), after)
                .records().get(0).record();
        assertEquals(Phase.Succeeded, through.phase());
        assertEquals("acme-blue", through.through());
        assertNull(through.taskArn(), "no task of its own");
        assertEquals("succeeded through acme-blue: the migration of " + SHOP + " to v42 ran there (task"
                + " arn:task/acme-blue/v42); not run again here", through.reason());
        assertEquals(through.finishedAt(), T, "now");
    }

    @Test
    void twoEnvironmentsPreparedInOnePassLaunchOneAtATime() {
        EnvironmentSpec blue = spec("acme-blue", "v42");
        EnvironmentSpec green = spec("acme-green", "v42");
        Planner.Inputs in = inputs(List.of(blue, green), ledger(histories()));
        Planner.FollowUp first = Planner.next(prepared(blue, "L-blue", SHOP_URL), in, List.of());
        assertEquals("Record acme-blue Launching, Launch acme-blue", describe(first));
        // The pass has written blue's intent: green, prepared in the same round, sees it.
        List<EnvironmentStatus> drafted = List.of(new EnvironmentStatus("acme-blue", "acme", null, null, null,
                List.of(), List.of(first.records().get(0).record())));
        assertEquals("Record acme-green Pending, Hold acme-green WaitingForDatabase",
                describe(Planner.next(prepared(green, "L-green", SHOP_URL), in, drafted)));
    }

    /** Rules at the start of a pass, for an acme-green that already has a Pending record with its database. */
    static Stream<Arguments> pending() {
        return Stream.of(
                Arguments.of("waiting, and blue still runs: hold, nothing prepared", record("acme-green", "v42",
                        Phase.Pending, SHOP), histories("acme-blue", of(record("acme-blue", "v43", Phase.Running,
                        SHOP))), List.of(), "", Reasons.WAITING_FOR_DATABASE),
                Arguments.of("waiting, and blue has finished: prepared again (its variables may have changed)",
                        record("acme-green", "v42", Phase.Pending, SHOP), histories("acme-blue", of(record("acme-blue",
                                "v43", Phase.Failed, SHOP))), List.of(), "Prepare", null),
                Arguments.of("to be sent again, and blue's task runs: hold, not sent", sent("acme-green", "v42", SHOP,
                        0), histories("acme-blue", of(record("acme-blue", "v43", Phase.Running, SHOP))), List.of(), "",
                        Reasons.WAITING_FOR_DATABASE),
                Arguments.of("to be sent again, blue's older one too: blue goes first", sent("acme-green", "v42", SHOP,
                        5), histories("acme-blue", of(sent("acme-blue", "v43", SHOP, 0))), List.of(), "",
                        Reasons.WAITING_FOR_DATABASE),
                Arguments.of("to be sent again, blue's newer one: green goes first", sent("acme-green", "v42", SHOP,
                        0), histories("acme-blue", of(sent("acme-blue", "v43", SHOP, 5))), List.of(), "Launch", null),
                Arguments.of("blue's older one, but blue is suspended: green goes", sent("acme-green", "v42", SHOP, 5),
                        histories("acme-blue", of(sent("acme-blue", "v43", SHOP, 0))), List.of("suspend acme-blue"),
                        "Launch", null),
                Arguments.of("blue's older one, but blue left the plan: green goes", sent("acme-green", "v42", SHOP,
                        5), histories("acme-blue", of(sent("acme-blue", "v43", SHOP, 0))), List.of("drop acme-blue"),
                        "Launch", null),
                Arguments.of("blue's older one, but blue's plan moved to another version: green goes",
                        sent("acme-green", "v42", SHOP, 5), histories("acme-blue", of(sent("acme-blue", "v41", SHOP,
                                0))), List.of(), "Launch", null),
                Arguments.of("database: none in the plan: a plain Pending launch", record("acme-green", "v42",
                        Phase.Pending, null), histories("acme-blue", of(record("acme-blue", "v43", Phase.Running,
                        SHOP))), List.of(), "Prepare", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pending")
    void atTheStartOfAPass(String rule, MigrationRecord green, Map<String, List<MigrationRecord>> others,
                           List<String> edits, String expectedAction, String expectedHold) {
        Map<String, List<MigrationRecord>> histories = new LinkedHashMap<>(others);
        histories.put("acme-green", List.of(green));
        List<EnvironmentSpec> specs = new ArrayList<>();
        if (!edits.contains("drop acme-blue")) {
            specs.add(spec("acme-blue", "v43", "", edits.contains("suspend acme-blue"), null));
        }
        specs.add(spec("acme-green", "v42"));
        Decision decision = Planner.plan(inputs(specs, ledger(histories))).decisions().stream()
                .filter(d -> d.environment().equals("acme-green")).findFirst().orElseThrow();
        assertEquals(expectedAction, decision.actions().stream().map(a -> a.getClass().getSimpleName())
                .collect(Collectors.joining(", ")), rule);
        assertEquals(expectedHold, decision.hold() == null ? null : decision.hold().reason(), rule);
        if (expectedHold != null) {
            assertTrue(decision.hold().message().startsWith("waiting for database " + SHOP + ": acme-blue's"),
                    decision.hold().message());
        }
    }

    @Test
    void twoLaunchesWaitingToBeSentAgainNeverWaitForEachOther() {
        for (int[] times : new int[][] {{0, 5}, {5, 0}, {0, 0}}) {
            Map<String, List<MigrationRecord>> histories = histories(
                    "acme-blue", of(sent("acme-blue", "v43", SHOP, times[0])),
                    "acme-green", of(sent("acme-green", "v42", SHOP, times[1])));
            List<Decision> decisions = Planner.plan(inputs(List.of(spec("acme-blue", "v43"), spec("acme-green", "v42")),
                    ledger(histories))).decisions();
            long launching = decisions.stream().filter(d -> d.actions().stream()
                    .anyMatch(a -> a instanceof Action.Launch)).count();
            assertEquals(1, launching, Arrays.toString(times));
        }
    }
}
