package dev.beanstalkmigrator.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HaltingProbeTest {

    @Test
    void haltsOnlyAtTheChosenPoints() {
        AtomicInteger halts = new AtomicInteger();
        HaltingProbe probe = new HaltingProbe(EnumSet.of(LaunchProbe.Point.TASK_STARTED), 1.0, 1,
                halts::incrementAndGet);
        probe.reached(LaunchProbe.Point.INTENT_RECORDED, "e");
        probe.reached(LaunchProbe.Point.ARN_RECORDED, "e");
        probe.reached(LaunchProbe.Point.OUTCOME_RECORDED, "e");
        assertEquals(0, halts.get());
        probe.reached(LaunchProbe.Point.TASK_STARTED, "e");
        assertEquals(1, halts.get());
    }

    @Test
    void theSameSeedHaltsAtTheSameReaches() {
        assertEquals(reachesHalted(7), reachesHalted(7));
        int halted = reachesHalted(7).size();
        assertTrue(halted > 100 && halted < 400, "about a quarter of 1000 reaches halt: " + halted);
    }

    @Test
    void noPointsNeverHalts() {
        HaltingProbe probe = new HaltingProbe(Set.of(), 1.0, 1, () -> {
            throw new AssertionError("halted");
        });
        for (LaunchProbe.Point point : LaunchProbe.Point.values()) {
            probe.reached(point, "e");
        }
    }

    @Test
    void refusesAProbabilityOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class,
                () -> new HaltingProbe(Set.of(LaunchProbe.Point.TASK_STARTED), 1.5, 1, () -> { }));
    }

    private static java.util.List<Integer> reachesHalted(long seed) {
        java.util.List<Integer> halted = new java.util.ArrayList<>();
        int[] reach = {0};
        HaltingProbe probe = new HaltingProbe(EnumSet.allOf(LaunchProbe.Point.class), 0.25, seed,
                () -> halted.add(reach[0]));
        for (reach[0] = 0; reach[0] < 1000; reach[0]++) {
            probe.reached(LaunchProbe.Point.INTENT_RECORDED, "e");
        }
        return halted;
    }
}
