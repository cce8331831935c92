package dev.beanstalkmigrator.reconcile.decide;

import static dev.beanstalkmigrator.testing.Samples.T;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.AfterSuccess;
import dev.beanstalkmigrator.model.EnvironmentSpec;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.model.PreviewSpec;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.model.VersionRef;
import dev.beanstalkmigrator.port.Beanstalk;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.reconcile.observe.Observation;
import dev.beanstalkmigrator.testing.Samples;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The preview before a migration and its approval, one row per rule: acme-prod previews v42. */
class PreviewsTest {

    static final List<String> PLAN = List.of("python", "manage.py", "migrate", "--plan");
    static final List<String> SAFE = List.of("Planned operations:", "blog.0002_post_slug", "    Add field slug to post");
    static final List<String> RISKY = List.of("Planned operations:", "blog.0003_drop", "    Remove field body from post");
    static final String SAFE_DIGEST = Previews.digest(SAFE);
    static final String RISKY_DIGEST = Previews.digest(RISKY);

    static EnvironmentSpec spec(String name, PreviewSpec preview, List<String> approved) {
        EnvironmentSpec s = Samples.spec("v42");
        return new EnvironmentSpec(name, s.application(), VersionRef.parse("v42"), false, "", s.cluster(),
                s.taskDefinition(), s.container(), s.command(), s.timeout(), s.launchType(), null, s.network(), "",
                AfterSuccess.NONE, null, List.of(), preview, approved);
    }

    static MigrationRecord preview(Phase phase, List<String> output, String digest) {
        return new MigrationRecord("v42", "", phase, "preview-1", "acme-prod", "web",
                phase == Phase.Launching ? null : "arn:task/preview", "img", "template", "arn:td",
                "container-overrides", PLAN, T, T, phase.terminal() ? T : null,
                phase == Phase.Failed ? Integer.valueOf(1) : phase == Phase.Succeeded ? Integer.valueOf(0) : null,
                phase == Phase.Failed ? "Essential container in task exited" : null, output, null)
                .asPreview().withDigest(digest).withDatabase("db.example:5432/acme");
    }

    static final Observation READY = new Observation(Map.of("acme", new Observation.Application(
            Stream.of("acme-prod", "acme-green").map(n -> new Beanstalk.Environment(n, "acme", "v41", "Ready", T))
                    .toList(), List.of(new Beanstalk.ApplicationVersion("acme", "v42", T, null, null)), null, T)));

    static final PreviewSpec NEVER = new PreviewSpec(PLAN, PreviewSpec.Approval.NEVER, null);
    static final PreviewSpec ALWAYS = new PreviewSpec(PLAN, PreviewSpec.Approval.ALWAYS, null);
    static final PreviewSpec RISK = new PreviewSpec(PLAN, PreviewSpec.Approval.WHEN_MATCHES, "Remove field|Delete model");

    static Stream<Arguments> rules() {
        MigrationRecord risky = preview(Phase.Succeeded, RISKY, RISKY_DIGEST);
        MigrationRecord safe = preview(Phase.Succeeded, SAFE, SAFE_DIGEST);
        return Stream.of(
                Arguments.of("no preview in the plan: the migration is prepared", null, List.of(), null, "Prepare",
                        null),
                Arguments.of("no preview yet: the preview is prepared first", ALWAYS, List.of(), null, "Prepare",
                        Reasons.PREVIEWING),
                Arguments.of("the preview runs: waits", ALWAYS, List.of(), preview(Phase.Running, null, null),
                        "", Reasons.PREVIEWING),
                Arguments.of("the preview is being found: waits", ALWAYS, List.of(),
                        preview(Phase.Launching, null, null), "FindTask", Reasons.PREVIEWING),
                Arguments.of("succeeded, output not read yet: reads it", ALWAYS, List.of(),
                        preview(Phase.Succeeded, null, null), "TailLog", Reasons.PREVIEWING),
                Arguments.of("approval never: the migration goes on", NEVER, List.of(), risky, "Prepare", null),
                Arguments.of("approval always, not approved: ApprovalPending", ALWAYS, List.of(), safe, "",
                        Reasons.APPROVAL_PENDING),
                Arguments.of("approval always, its digest approved: goes on", ALWAYS, List.of(SAFE_DIGEST), safe,
                        "Prepare", null),
                Arguments.of("another digest approves nothing", ALWAYS, List.of(RISKY_DIGEST), safe, "",
                        Reasons.APPROVAL_PENDING),
                Arguments.of("whenMatches, output matches: ApprovalPending", RISK, List.of(), risky, "",
                        Reasons.APPROVAL_PENDING),
                Arguments.of("whenMatches, output does not match: goes on", RISK, List.of(), safe, "Prepare", null),
                Arguments.of("whenMatches, matching output approved: goes on", RISK, List.of(RISKY_DIGEST), risky,
                        "Prepare", null),
                Arguments.of("whenMatches, output withheld (secrets): approval needed", RISK, List.of(),
                        preview(Phase.Succeeded, List.of("withheld"), SAFE_DIGEST).withSecrets(List.of("DB_PASSWORD")),
                        "", Reasons.APPROVAL_PENDING),
                Arguments.of("whenMatches, output cut (too long): approval needed", RISK, List.of(),
                        preview(Phase.Succeeded, Previews.kept(java.util.stream.IntStream.range(0, Previews.LINES + 1)
                                .mapToObj(i -> "    Add field f" + i + " to post").toList(), "g", "s"), SAFE_DIGEST),
                        "", Reasons.APPROVAL_PENDING),
                Arguments.of("whenMatches, a line cut (too wide): approval needed", RISK, List.of(),
                        preview(Phase.Succeeded, Previews.kept(List.of("x".repeat(Previews.LINE + 1)), "g", "s"),
                                SAFE_DIGEST), "", Reasons.APPROVAL_PENDING),
                Arguments.of("output unreadable (no awslogs), approval needed: stalled", ALWAYS, List.of(),
                        preview(Phase.Succeeded, List.of("no awslogs"), null), "", Reasons.APPROVAL_PENDING),
                Arguments.of("output unreadable, approval never: goes on", NEVER, List.of(),
                        preview(Phase.Succeeded, List.of("no awslogs"), null), "Prepare", null),
                Arguments.of("the preview failed: the version failed, nothing launched", ALWAYS, List.of(),
                        preview(Phase.Failed, List.of("boom"), Previews.digest(List.of("boom"))), "", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void theMigrationWaitsForItsPreviewAndItsApproval(String rule, PreviewSpec previewSpec, List<String> approved,
                                                      MigrationRecord preview, String expectedAction,
                                                      String expectedHold) {
        Decision decision = decide(spec("acme-prod", previewSpec, approved), preview, List.of());
        assertEquals(expectedAction, decision.actions().stream().map(a -> a.getClass().getSimpleName())
                .collect(Collectors.joining(", ")), rule);
        assertEquals(expectedHold, decision.hold() == null ? null : decision.hold().reason(), rule);
        decision.actions().stream().filter(a -> a instanceof Action.Prepare).map(a -> (Action.Prepare) a)
                .forEach(p -> assertEquals(Reasons.PREVIEWING.equals(expectedHold), p.preview(), rule));
    }

    @Test
    void anOutputThatDoesNotFitKeepsItsLastLinesAfterALineSayingWhereAllOfItIs() {
        List<String> printed = java.util.stream.IntStream.range(0, Previews.LINES + 1).mapToObj(i -> "line " + i)
                .toList();
        List<String> kept = Previews.kept(printed, "/ecs/acme", "ecs/web/t1");
        assertEquals(Previews.LINES + 1, kept.size());
        assertTrue(kept.get(0).startsWith(Previews.CUT + " the output is longer than 500 lines"), kept.get(0));
        assertTrue(kept.get(0).contains("group /ecs/acme, stream ecs/web/t1"), kept.get(0));
        assertEquals("line 1", kept.get(1), "the first line printed is the one cut");
        assertEquals(SAFE, Previews.kept(SAFE, "g", "s"), "an output that fits is kept as it is");
    }

    @Test
    void aFailedPreviewRecordsTheVersionAsFailedWithoutATask() {
        MigrationRecord failed = preview(Phase.Failed, List.of("boom"), Previews.digest(List.of("boom")));
        Decision decision = decide(spec("acme-prod", ALWAYS, List.of()), failed, List.of());
        assertEquals(1, decision.records().size());
        MigrationRecord record = decision.records().get(0);
        assertEquals(Phase.Failed, record.phase());
        assertNull(record.taskArn());
        assertNull(record.kind());
        assertEquals("the preview failed (task arn:task/preview) with exit code 1: Essential container in task exited;"
                + " not migrated; change rerun to preview and migrate it again", record.reason());
    }

    @Test
    void theApprovalPendingHoldNamesTheDigestAndTheLineToCommit() {
        Decision decision = decide(spec("acme-prod", RISK, List.of()), preview(Phase.Succeeded, RISKY, RISKY_DIGEST),
                List.of());
        assertEquals("the preview of v42 (task arn:task/preview) needs approval (its output matches Remove field|Delete"
                + " model); review its output, then commit approved: [" + RISKY_DIGEST + "] to acme-prod or"
                + " spec.defaults", decision.hold().message());
    }

    @Test
    void aVersionItsDatabaseRanThroughAnotherEnvironmentNeedsNoApproval() {
        MigrationRecord blue = new MigrationRecord("v42", "", Phase.Succeeded, "blue-1", "acme-prod", "web",
                "arn:task/blue", "img", "template", "arn:td", "container-overrides", List.of("migrate"), T, T, T, 0,
                null, null, null).withDatabase("db.example:5432/acme");
        Decision decision = decide(spec("acme-prod", ALWAYS, List.of()), preview(Phase.Succeeded, SAFE, SAFE_DIGEST),
                List.of(new EnvironmentStatus("acme-green", "acme", null, null, null, List.of(), List.of(blue))));
        assertEquals("Prepare", decision.actions().get(0).getClass().getSimpleName());
        assertNull(decision.hold());
    }

    @Test
    void thePreviewIsPreparedWithItsCommandAndRecordedAsAPreviewTaggedForECS() {
        EnvironmentSpec spec = spec("acme-prod", ALWAYS, List.of());
        Action.Prepare prepare = (Action.Prepare) decide(spec, null, List.of()).actions().get(0);
        assertEquals(PLAN, prepare.spec().command());
        Planner.Inputs in = inputs(spec, ledger(spec, null, List.of()));
        ContainerService.TaskDefinition base = new ContainerService.TaskDefinition("arn:td", "acme", 1, "awsvpc",
                List.of(new ContainerService.Container("web", "img", null, true, Map.of())));
        Planner.FollowUp followUp = Planner.next(new Outcome.Prepared(prepare, base,
                new ImageResolver.Resolved("img", "base-task-definition", null),
                new Beanstalk.Configuration(Map.of("DATABASE_URL", "postgres://u:p@db.example:5432/acme"), Map.of()),
                prepare.spec(), Map.of()), in);
        MigrationRecord intent = followUp.records().get(0).record();
        assertTrue(intent.preview());
        assertEquals(PLAN, intent.command());
        assertEquals("db.example:5432/acme", intent.database());
        Action.Launch launch = (Action.Launch) followUp.actions().get(0);
        assertEquals(PLAN, launch.launch().command());
        assertEquals(Launches.TASK_PREVIEW, launch.launch().tags().get(Launches.TAG_TASK));
    }

    @Test
    void aFinishedPreviewHasItsOutputReadEvenWhenItSucceededAndTailsAreOff() {
        EnvironmentSpec spec = spec("acme-prod", ALWAYS, List.of());
        MigrationRecord running = preview(Phase.Running, null, null);
        Planner.Inputs in = new Planner.Inputs(new MigrationPlan("acme", List.of(spec), List.of()), "\"1\"",
                ledger(spec, running, List.of()), READY, Map.of(), T, true, false, false, () -> "new-id");
        Action.Watch watch = new Action.Watch("acme-prod", running);
        Planner.FollowUp followUp = Planner.next(new Outcome.Described(new Action.DescribeTasks("acme-prod",
                List.of(watch)), Map.of("arn:task/preview", new ContainerService.TaskState("arn:task/preview",
                false, "STOPPED", "Essential container in task exited", "EssentialContainerExited", T, T, T, List.of(
                new ContainerService.ContainerState("web", 0, null, Map.of()))))), in);
        assertEquals(Phase.Succeeded, followUp.records().get(0).record().phase());
        assertEquals("TailLog", followUp.actions().get(0).getClass().getSimpleName());
    }

    static Decision decide(EnvironmentSpec spec, MigrationRecord preview, List<EnvironmentStatus> others) {
        return Planner.plan(inputs(spec, ledger(spec, preview, others))).decisions().stream()
                .filter(d -> d.environment().equals(spec.name())).findFirst().orElseThrow();
    }

    static MigrationStatus ledger(EnvironmentSpec spec, MigrationRecord preview, List<EnvironmentStatus> others) {
        List<EnvironmentStatus> environments = new ArrayList<>(others);
        environments.add(new EnvironmentStatus(spec.name(), "acme", null, null, null, List.of(), List.of(), List.of(),
                preview == null ? List.of() : List.of(preview)));
        return new MigrationStatus(MigrationStatus.API_VERSION, MigrationStatus.KIND, "acme", "\"1\"", null, "me", null,
                environments);
    }

    static Planner.Inputs inputs(EnvironmentSpec spec, MigrationStatus ledger) {
        return new Planner.Inputs(new MigrationPlan("acme", List.of(spec), List.of()), "\"1\"", ledger, READY, Map.of(),
                T, true, false, true, () -> "new-id");
    }
}
