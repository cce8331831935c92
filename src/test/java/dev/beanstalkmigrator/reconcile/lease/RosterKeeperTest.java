package dev.beanstalkmigrator.reconcile.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.testing.FakeCloud;
import dev.beanstalkmigrator.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The roster of a prefix of plans: plans shared out, a replica gone judged on each replica's own monotonic clock, a
 * handover that waits a whole lease, claims of environments (first plan keeps), and each plan's ledger taken (and so
 * fenced) by its new holder.
 */
class RosterKeeperTest {

    static final ObjectLocation ROSTER = new ObjectLocation("plans", "teams/beanstalk-migrator.roster.json");
    static final LeaseElection.Timing TIMING = new LeaseElection.Timing(Duration.ofSeconds(60),
            Duration.ofSeconds(40), Duration.ofSeconds(10));
    static final Set<String> PLANS = IntStream.range(0, 30).mapToObj(i -> "teams/team-" + i + ".yaml")
            .collect(Collectors.toCollection(TreeSet::new));

    final FakeCloud s3 = new FakeCloud();
    final MutableClock wall = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    final List<Replica> replicas = new java.util.ArrayList<>();

    final class Replica {
        final AtomicLong nanos;
        final RosterKeeper keeper;
        final Map<String, PlanLeadership> leaderships = new HashMap<>();
        final Map<String, MigrationLedger> ledgers = new HashMap<>();
        boolean dead;

        Replica(String name, long clockOffset) {
            nanos = new AtomicLong(clockOffset);
            keeper = new RosterKeeper(s3, ROSTER, name, TIMING, nanos::get, wall);
            replicas.add(this);
        }

        /** A round: the roster, then the ledger of each plan the roster lets it lead and it has not taken. */
        void round(Set<String> listed) {
            keeper.round(listed);
            for (String plan : keeper.mine()) {
                MigrationLedger ledger = ledger(plan);
                if (keeper.mayLead(plan) && !leaderships.get(plan).holds()) {
                    ledger.elect();
                }
            }
        }

        MigrationLedger ledger(String plan) {
            return ledgers.computeIfAbsent(plan, p -> {
                PlanLeadership leadership = new PlanLeadership(keeper, p, wall);
                leaderships.put(p, leadership);
                return new MigrationLedger(s3, new ObjectLocation("plans", p.replace(".yaml", ".status.yaml")),
                        leadership);
            });
        }

        Set<String> leads() {
            return leaderships.entrySet().stream().filter(e -> e.getValue().isLeader()).map(Map.Entry::getKey)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Every live replica runs a round, and every clock moves on by {@code seconds}. */
    void rounds(int count, int seconds, Set<String> listed) {
        for (int i = 0; i < count; i++) {
            for (Replica replica : replicas) {
                if (!replica.dead) {
                    replica.round(listed);
                }
            }
            for (Replica replica : replicas) {
                replica.nanos.addAndGet(Duration.ofSeconds(seconds).toNanos());
            }
            wall.advance(Duration.ofSeconds(seconds));
        }
    }

    /** No plan is led by two replicas at once, judged by each one's own rules. */
    void oneLeaderPerPlan() {
        for (String plan : PLANS) {
            long leaders = replicas.stream().filter(r -> !r.dead && r.leaderships.containsKey(plan)
                    && r.leaderships.get(plan).isLeader()).count();
            assertTrue(leaders <= 1, plan + " led by " + leaders);
        }
    }

    @Test
    void threeReplicasShareThirtyPlansAndAKilledOnesPlansAreLedAgainWithinTheFailoverTime() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 5_000_000_000L);
        Replica c = new Replica("c", 77_000_000_000L);
        // a starts alone and takes every plan; b and c join: plans move over, each after a whole lease.
        b.dead = true;
        c.dead = true;
        rounds(2, 10, PLANS);
        assertEquals(30, a.leads().size());
        b.dead = false;
        c.dead = false;
        for (int i = 0; i < 12; i++) {
            rounds(1, 10, PLANS);
            oneLeaderPerPlan();
        }
        for (Replica r : replicas) {
            assertTrue(r.leads().size() <= 12, r.keeper.identity() + " leads " + r.leads().size());
            assertEquals(10, r.leads().size(), r.keeper.identity() + " leads " + r.leads());
        }
        // c is killed: a and b take its plans once they saw it not renew for a whole lease.
        Set<String> orphaned = c.leads();
        c.dead = true;
        int seconds = 0;
        while (a.leads().size() + b.leads().size() < 30) {
            rounds(1, 10, PLANS);
            seconds += 10;
            oneLeaderPerPlan();
            assertTrue(seconds <= 100, "failover took longer than 100 s");
        }
        assertTrue(seconds >= 60, "took over after only " + seconds + " s");
        assertTrue(a.leads().size() <= 15 && b.leads().size() <= 15);
        // Each orphaned plan's ledger now names its new holder: c's late write to it is refused.
        for (String plan : orphaned) {
            MigrationLedger late = c.ledgers.get(plan);
            assertThrows(CloudError.class, () -> late.write(new MigrationStatus("beanstalk-migrator/v1", "MigrationStatus", "late", "late", null, "c", null, List.of(), List.of())));
        }
    }

    @Test
    void aPausedReplicaStopsActingBeforeItsPlansAreTakenAndItsLateWritesAreRefused() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        rounds(12, 10, PLANS);
        Set<String> aPlans = a.leads();
        assertEquals(15, aPlans.size());
        // a is paused (SIGSTOP): its clock runs on, it does nothing.
        a.dead = true;
        for (int i = 0; i < 12; i++) {
            rounds(1, 10, PLANS);
            oneLeaderPerPlan();
            if (!a.leads().isEmpty()) {
                assertTrue(b.leads().stream().noneMatch(aPlans::contains), "b leads a plan a still acts on");
            }
        }
        assertEquals(30, b.leads().size());
        assertTrue(a.leads().isEmpty(), "a's renew deadline passed long ago");
        // a wakes up: it is no longer in the roster, leads nothing, and joins again.
        a.dead = false;
        rounds(1, 10, PLANS);
        assertTrue(a.leads().isEmpty());
        for (int i = 0; i < 10; i++) {
            rounds(1, 10, PLANS);
            oneLeaderPerPlan();
        }
        assertEquals(15, a.leads().size());
    }

    Map<String, String> claim(Replica r, String plan, Map<String, String> keys) {
        return r.keeper.claim(plan, keys, Set.of()).elsewhere();
    }

    @Test
    void whatAPlanLetsGoAmongManyIsRememberedAsItsOwnNotItsNeighbours() {
        Replica a = new Replica("a", 0);
        rounds(2, 10, Set.of("teams/team-0.yaml", "teams/team-1.yaml"));
        Map<String, String> all = new java.util.TreeMap<>();
        for (int i = 0; i < 12; i++) {
            all.put("e" + i, "e" + i);
        }
        assertEquals(Map.of(), claim(a, "teams/team-0.yaml", all));
        // team-0 lets every other one go (keys all through the claims): team-1 must take over what ran for each of
        // those there first, and finds the others still team-0's.
        Map<String, String> kept = new java.util.TreeMap<>();
        Map<String, String> inherit = new java.util.TreeMap<>();
        all.forEach((name, key) -> {
            if (Integer.parseInt(name.substring(1)) % 2 == 0) {
                kept.put(name, key);
            } else {
                inherit.put(name, "teams/team-0.yaml");
            }
        });
        assertEquals(Map.of(), claim(a, "teams/team-0.yaml", kept));
        RosterKeeper.Claimed claimed = a.keeper.claim("teams/team-1.yaml", all, Set.of());
        assertEquals(inherit, new java.util.TreeMap<>(claimed.inherit()));
        assertEquals(kept.keySet(), claimed.elsewhere().keySet());
    }

    @Test
    void anEnvironmentBelongsToThePlanThatClaimedItFirstUntilThatPlanLetsItGo() {
        Replica a = new Replica("a", 0);
        rounds(2, 10, Set.of("teams/team-0.yaml", "teams/team-1.yaml"));
        assertEquals(Map.of(), claim(a, "teams/team-0.yaml", Map.of("web", "web")));
        assertEquals(Map.of("web", "teams/team-0.yaml"),
                claim(a, "teams/team-1.yaml", Map.of("web", "web", "api", "api")));
        // team-0 drops it: team-1 must first take over what ran for it in team-0, and claims it once it says so.
        assertEquals(Map.of(), claim(a, "teams/team-0.yaml", Map.of()));
        RosterKeeper.Claimed first = a.keeper.claim("teams/team-1.yaml",
                Map.of("web", "web", "api", "api"), Set.of());
        assertEquals(Map.of("web", "teams/team-0.yaml"), first.inherit());
        assertEquals(Map.of("web", "teams/team-0.yaml"), a.keeper.claim("teams/team-1.yaml",
                Map.of("web", "web", "api", "api"), Set.of()).inherit(), "asked until taken over");
        RosterKeeper.Claimed taken = a.keeper.claim("teams/team-1.yaml",
                Map.of("web", "web", "api", "api"), Set.of("web"));
        assertEquals(Map.of(), taken.elsewhere());
        assertEquals(Map.of(), taken.inherit());
        assertEquals(Map.of("web", "teams/team-1.yaml"), claim(a, "teams/team-0.yaml", Map.of("web", "web")));
        // A plan this replica does not lead claims nothing.
        assertThrows(CloudError.Conflict.class, () -> a.keeper.claim("teams/team-9.yaml", Map.of("x", "k"), Set.of()));
        // A plan that left lets its claims go: the next claimant takes over from its ledger first.
        a.keeper.left("teams/team-1.yaml");
        rounds(1, 10, Set.of("teams/team-0.yaml"));
        assertEquals(Map.of("web", "teams/team-1.yaml"),
                a.keeper.claim("teams/team-0.yaml", Map.of("web", "web"), Set.of()).inherit());
        assertEquals(Set.of("teams/team-0.yaml"), a.keeper.holders().keySet());
    }

    @Test
    void anOrderlyShutdownHandsThePlansOnAtTheNextRound() {
        Replica a = new Replica("a", 0);
        Replica b = new Replica("b", 0);
        rounds(12, 10, PLANS);
        for (String plan : a.leads()) {
            a.ledgers.get(plan).release(Map.of());
        }
        a.keeper.leave();
        a.dead = true;
        rounds(2, 10, PLANS);
        assertEquals(30, b.leads().size());
    }

    @Test
    void theShareIsThePlansOverTheReplicasRoundedUp() {
        Map<String, Roster.Assignment> before = new HashMap<>();
        PLANS.forEach(p -> before.put(p, new Roster.Assignment("a", false)));
        Map<String, Roster.Assignment> after = RosterKeeper.assign(PLANS, before, Set.of("a", "b", "c", "d"));
        Map<String, Long> counts = after.values().stream()
                .collect(Collectors.groupingBy(Roster.Assignment::holder, Collectors.counting()));
        assertEquals(8L, counts.get("a"));
        assertTrue(counts.values().stream().allMatch(n -> n >= 7 && n <= 8), counts.toString());
        assertTrue(after.values().stream().filter(x -> !x.holder().equals("a")).allMatch(Roster.Assignment::handover));
        assertFalse(after.values().stream().filter(x -> x.holder().equals("a")).anyMatch(Roster.Assignment::handover));
    }
}
