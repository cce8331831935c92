package dev.beanstalkmigrator.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.LogTarget;
import dev.beanstalkmigrator.reconcile.decide.Action;
import dev.beanstalkmigrator.reconcile.decide.Outcome;
import dev.beanstalkmigrator.reconcile.execute.ActionExecutor;
import dev.beanstalkmigrator.reconcile.execute.RunTaskPacer;
import dev.beanstalkmigrator.reconcile.image.ImageResolver;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.MutableClock;
import dev.beanstalkmigrator.testing.Samples;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A failed migration's log tail as the executor reads it: masked with the values the task ran with (its revision's,
 * its overrides'), whatever Elastic Beanstalk holds now, and short values named, never masked.
 */
class LogTailMaskingTest {

    static final String OLD = "postgres://acme:old-7b1e0c-password@db/acme";
    static final String NEW = "postgres://acme:new-52d8fa-password@db/acme";

    FakeCloud cloud;
    ActionExecutor executor;
    ContainerService.TaskDefinition base;

    @BeforeEach
    void world() {
        cloud = new FakeCloud();
        cloud.taskDefinition("acme-web", "web", "acme:v41", new LogTarget("/ecs/acme", "ecs", null));
        base = cloud.describeTaskDefinition("acme-web");
        // Rotated since the task started.
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", NEW));
        executor = new ActionExecutor(cloud, cloud, cloud, new ImageResolver(cloud), () -> true,
                new RunTaskPacer(), new MutableClock(Instant.parse("2026-11-25T10:00:00Z")), 5);
    }

    /** A failed migration of task {@code task} that ran {@code taskDefinition}, whose log holds {@code lines}. */
    MigrationRecord failed(String task, String taskDefinition, List<String> lines) {
        MigrationRecord record = Samples.record("v42", "", Phase.Launching).withTaskDefinition(taskDefinition)
                .running("arn:task/" + task, Samples.T);
        cloud.logStreams.put("/ecs/acme|ecs/web/" + task, lines);
        return record.finished(Phase.Failed, Samples.T, 1, "Essential container in task exited", null);
    }

    Outcome.Tailed tail(MigrationRecord record, Map<String, String> overridden,
                        Map<String, ContainerService.TaskDefinition> cycle) {
        return assertInstanceOf(Outcome.Tailed.class, executor.run(new Action.TailLog("acme-web-prod", "acme", record,
                overridden), cycle));
    }

    @Test
    void theValuesInTheRevisionTheTaskRanAreMaskedAndItIsDescribedOncePerCycle() {
        String revision = cloud.migrateRevision(base, "web", "acme:v42", Map.of("DATABASE_URL", OLD), null, null);
        Map<String, ContainerService.TaskDefinition> cycle = ActionExecutor.cycleCache();
        int before = cloud.calls("ecs:DescribeTaskDefinition");

        assertEquals(List.of("connecting to ***"),
                tail(failed("1", revision, List.of("connecting to " + OLD)), Map.of(), cycle).tail());
        assertEquals(List.of("connecting to ***"),
                tail(failed("2", revision, List.of("connecting to " + OLD)), Map.of(), cycle).tail());
        assertEquals(before + 1, cloud.calls("ecs:DescribeTaskDefinition"), "one describe of the revision per cycle");
    }

    @Test
    void theValuesRunTasksOverridesGaveTheTaskAreMasked() {
        // An intent from before placements were recorded: the base definition ran, the variables came as overrides.
        Outcome.Tailed tailed = tail(failed("1", base.arn(), List.of("connecting to " + OLD)),
                Map.of("DATABASE_URL", OLD), ActionExecutor.cycleCache());
        assertEquals(List.of("connecting to ***"), tailed.tail());
    }

    @Test
    void theCurrentValuesAreMaskedToo() {
        // ECS no longer knew the task, so its overrides are unknown: Elastic Beanstalk's values are what is left.
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", OLD));
        Outcome.Tailed tailed = tail(failed("1", base.arn(), List.of("connecting to " + OLD)), Map.of(),
                ActionExecutor.cycleCache());
        assertEquals(List.of("connecting to ***"), tailed.tail());
    }

    @Test
    void valuesShorterThanFourCharactersAreLeftAsTheyAreAndNamed() {
        String revision = cloud.migrateRevision(base, "web", "acme:v42",
                Map.of("DATABASE_URL", OLD, "DB_SCHEMA", "app", "DB_PORT", "5432", "EMPTY", ""), null, null);
        cloud.variables.put("acme-web-prod", Map.of("DATABASE_URL", NEW, "DEBUG", "on"));
        Outcome.Tailed tailed = tail(failed("1", revision, List.of("schema app on port 5432, debug on")),
                Map.of(), ActionExecutor.cycleCache());
        assertEquals(List.of("schema app on port ***, debug on"), tailed.tail());
        assertEquals(List.of("DB_SCHEMA", "DEBUG"), tailed.unmasked(), "names, sorted; an empty value hides nothing");
    }

    @Test
    void noLineCopiedNamesNothing() {
        String revision = cloud.migrateRevision(base, "web", "acme:v42", Map.of("DB_SCHEMA", "app"), null, null);
        assertEquals(List.of(), tail(failed("1", revision, List.of()), Map.of(), ActionExecutor.cycleCache())
                .unmasked());
        MigrationRecord withSecrets = failed("2", revision, List.of("schema app")).withSecrets(List.of("STRIPE_KEY"));
        Outcome.Tailed withheld = tail(withSecrets, Map.of(), ActionExecutor.cycleCache());
        assertEquals(1, withheld.tail().size(), withheld.tail().toString());
        assertEquals(List.of(), withheld.unmasked(), "a withheld tail copies no line");
    }

    @Test
    void aPreviewsOutputIsReadWholeMaskedAndDigestedEvenWhenItSucceeded() {
        String revision = cloud.migrateRevision(base, "web", "acme:v42", Map.of("DATABASE_URL", OLD), null, null);
        List<String> printed = List.of("Planned operations:", "  using " + OLD, "    Remove field x from y");
        MigrationRecord preview = failed("p1", revision, printed).asPreview()
                .finished(Phase.Succeeded, Samples.T, 0, null, null);
        Outcome.Tailed read = tail(preview, Map.of(), ActionExecutor.cycleCache());
        List<String> masked = List.of("Planned operations:", "  using ***", "    Remove field x from y");
        assertEquals(masked, read.tail(), "all of it (the executor's tail size is 5 lines), masked");
        assertEquals(dev.beanstalkmigrator.reconcile.decide.Previews.digest(masked), read.digest(),
                "the digest is of what is kept");
    }

    @Test
    void aPreviewLongerThanWhatIsKeptIsCutWithALineSayingSo() {
        String revision = cloud.migrateRevision(base, "web", "acme:v42", Map.of(), null, null);
        List<String> printed = java.util.stream.IntStream.range(0, 600).mapToObj(i -> "op " + i).toList();
        MigrationRecord preview = failed("p2", revision, printed).asPreview();
        Outcome.Tailed read = tail(preview, Map.of(), ActionExecutor.cycleCache());
        assertEquals(501, read.tail().size());
        assertEquals(true, read.tail().get(0).startsWith(dev.beanstalkmigrator.reconcile.decide.Previews.CUT),
                read.tail().get(0));
        assertEquals("op 100", read.tail().get(1));
        assertEquals("op 599", read.tail().get(500));
    }

    @Test
    void aPreviewOfATaskWithSecretsIsWithheldButDigestedAsPrinted() {
        String revision = cloud.migrateRevision(base, "web", "acme:v42", Map.of(), null, null);
        List<String> printed = List.of("Planned operations:", "    Remove field x from y");
        MigrationRecord preview = failed("p3", revision, printed).asPreview().withSecrets(List.of("STRIPE_KEY"));
        Outcome.Tailed read = tail(preview, Map.of(), ActionExecutor.cycleCache());
        assertEquals(1, read.tail().size());
        assertEquals(true, read.tail().get(0).contains("withheld"), read.tail().get(0));
        assertEquals(dev.beanstalkmigrator.reconcile.decide.Previews.digest(printed), read.digest());
    }
}
