package dev.beanstalkmigrator.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.MigrationPlan;
import dev.beanstalkmigrator.model.NotificationChannel;
import dev.beanstalkmigrator.model.NotificationEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code spec.notifications}: channels read strictly, errors with line and column, a URL never echoed. */
class NotificationPlanTest {

    /** {@code channels} goes at line 17, column 7 on: after the environments, under spec. */
    static String plan(String... channels) {
        StringBuilder yaml = new StringBuilder(PlanParserTest.BASE).append("  notifications:\n");
        for (String channel : channels) {
            yaml.append("    - ").append(channel).append('\n');
        }
        return yaml.toString();
    }

    static List<PlanError> errors(String yaml) {
        return PlanParserTest.errors(yaml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void channelsAreReadWithTheirEventsAndTheDefaultEventsAreAllButSuccess() {
        MigrationPlan plan = PlanParserTest.valid(plan(
                "{name: team-slack, type: slack, urlFrom: SLACK_WEBHOOK_URL}",
                "{name: audit, type: webhook, urlFrom: AUDIT_HOOK_URL, events: [Succeeded, Failed, Failed]}"));
        assertEquals(List.of(
                new NotificationChannel("team-slack", NotificationChannel.Type.SLACK, "SLACK_WEBHOOK_URL",
                        List.of(NotificationEvent.Failed, NotificationEvent.TimedOut, NotificationEvent.LaunchLost,
                                NotificationEvent.Stalled, NotificationEvent.PlanRefused,
                                NotificationEvent.PromotionBlocked, NotificationEvent.ApprovalRequested)),
                new NotificationChannel("audit", NotificationChannel.Type.WEBHOOK, "AUDIT_HOOK_URL",
                        List.of(NotificationEvent.Succeeded, NotificationEvent.Failed))), plan.notifications());
        assertEquals(List.of(), PlanParserTest.valid(PlanParserTest.BASE).notifications(), "optional");
    }

    /** {@code at}: the text the error points at, on line 17 (the channel starts at column 7). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{name: t, type: slack, urlFrom: U, color: red}        | color       | unknown field `color`",
            "{name: t, type: teams, urlFrom: U}                    | teams       | type must be slack or webhook, not \"teams\"",
            "{name: t, type: slack, urlFrom: U, events: [Failure]} | Failure     | an event must be",
            "{name: t, type: slack, urlFrom: U, events: []}        | []          | events is empty",
            "{name: T_1, type: slack, urlFrom: U}                  | T_1         | is not a channel name",
            "{name: t, type: slack}                                | {           | missing required field `urlFrom`",
            "{name: t, type: slack, urlFrom: MIGRATOR_API_TOKEN}   | MIGRATOR_   | may not name the operator's own settings",
            "{name: t, type: slack, urlFrom: has space}            | has space   | is not a variable name",
    })
    void aWrongChannelIsAnErrorAtItsLineAndColumn(String channel, String at, String message) {
        List<PlanError> errors = errors(plan(channel));
        assertEquals(1, errors.size(), errors::toString);
        assertEquals(17, errors.get(0).line(), errors.get(0)::describe);
        assertEquals(7 + channel.indexOf(at), errors.get(0).column(), errors.get(0)::describe);
        assertTrue(errors.get(0).message().contains(message), errors.get(0)::describe);
    }

    @Test
    void twoChannelsOfOneNameAreAnError() {
        List<PlanError> errors = errors(plan("{name: t, type: slack, urlFrom: A}",
                "{name: t, type: webhook, urlFrom: B}"));
        assertEquals(1, errors.size(), errors::toString);
        assertEquals(18, errors.get(0).line());
        assertTrue(errors.get(0).message().contains("is used twice"), errors.get(0)::describe);
    }

    @Test
    void aWebhookUrlWrittenIntoThePlanIsRefusedWithoutRepeatingIt() {
        String url = "https://hooks.slack.com/services/T000/B000/canary-plan-url-6b2e";
        for (String channel : List.of("{name: t, type: slack, urlFrom: '" + url + "'}",
                "{name: t, type: slack, url: '" + url + "'}")) {
            List<PlanError> errors = errors(plan(channel));
            assertFalse(errors.isEmpty());
            errors.forEach(e -> assertFalse(e.describe().contains("canary-plan-url"), e.describe()));
            assertTrue(errors.stream().anyMatch(e -> e.message().contains("committed to git")), errors::toString);
        }
    }
}
