package dev.beanstalkmigrator.reconcile.desired;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.port.ObjectListing.Listed;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PlanCatalogTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "plans/shop.yaml, true",
            "plans/shop.yml, true",
            "plans/team-a/shop.YAML, true",
            "plans/shop.status.yaml, false",
            "plans/team-a/shop.status.yml, false",
            "plans/README.md, false",
            "plans/shop.yaml.bak, false",
            "plans/, false",
            "plans/team-a/, false",
            "other/shop.yaml, false",
            "plans-old/shop.yaml, false",
    })
    void aPlanIsAYamlFileUnderThePrefixButNotALedger(String key, boolean plan) {
        assertEquals(plan, PlanCatalog.isPlan("plans/", key));
    }

    @Test
    void aListingSaysWhichPlansAreNewChangedOrGoneAndOnlyThose() {
        Map<String, String> known = Map.of("plans/a.yaml", "\"1\"", "plans/b.yaml", "\"2\"", "plans/c.yaml", "\"3\"");
        PlanCatalog.Changes changes = PlanCatalog.changes("plans/", known, List.of(
                new Listed("plans/a.yaml", "\"1\"", 10),
                new Listed("plans/a.status.yaml", "\"9\"", 99),
                new Listed("plans/b.yaml", "\"2b\"", 10),
                new Listed("plans/d.yml", "\"4\"", 10)));
        assertEquals(List.of("plans/d.yml"), changes.added());
        assertEquals(List.of("plans/b.yaml"), changes.changed());
        assertEquals(List.of("plans/c.yaml"), changes.removed());
        assertEquals(Map.of("plans/a.yaml", "\"1\"", "plans/b.yaml", "\"2b\"", "plans/d.yml", "\"4\""), changes.now());
        assertTrue(PlanCatalog.changes("plans/", changes.now(), List.of(new Listed("plans/a.yaml", "\"1\"", 10),
                new Listed("plans/b.yaml", "\"2b\"", 10), new Listed("plans/d.yml", "\"4\"", 10))).none());
    }
}
