package dev.beanstalkmigrator.reconcile.lease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The roster of a prefix of plans, one small S3 object beside them: the replicas that serve the plans (each with a
 * counter it moves on at every renewal), which replica leads each plan, and which plan each environment belongs to.
 * Every write is a compare-and-swap on it, so a replica judged gone by another is removed, and its plans handed on,
 * only if it has not renewed since it was last seen.
 *
 * @param members by identity
 * @param plans by plan key: who leads it
 * @param claims by environment ({@link dev.beanstalkmigrator.reconcile.EnvironmentClaims#key}): the plan that recorded
 *     it first
 * @param released by environment no plan claims now: the plan that held it last, whose ledger holds what ran there
 *     (the next plan to claim it takes that over first)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Roster(String kind, Map<String, Member> members, Map<String, Assignment> plans,
                     Map<String, String> claims, Map<String, String> released) {

    public static final String KIND = "BeanstalkMigratorRoster";
    public static final Roster EMPTY = new Roster(KIND, Map.of(), Map.of(), Map.of(), Map.of());

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    public Roster {
        kind = KIND;
        members = members == null ? Map.of() : Map.copyOf(members);
        plans = plans == null ? Map.of() : Map.copyOf(plans);
        claims = claims == null ? Map.of() : Map.copyOf(claims);
        released = released == null ? Map.of() : Map.copyOf(released);
    }

    /**
     * A replica serving the plans.
     *
     * @param renewals how many times it renewed its membership: a number that stays the same for a whole lease means
     *     the replica is gone
     * @param renewTime when it last renewed, by its wall clock (for people; never compared)
     * @param leaseSeconds the lease it keeps
     */
    public record Member(long renewals, String renewTime, long leaseSeconds) {}

    /**
     * Who leads a plan.
     *
     * @param holder the identity of the replica that leads it
     * @param handover the plan was handed over from a replica still serving: its new holder waits a whole lease before
     *     acting, by which time the old one has stopped
     */
    public record Assignment(String holder, boolean handover) {}

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(new Roster(kind, new TreeMap<>(members), new TreeMap<>(plans),
                    new TreeMap<>(claims), new TreeMap<>(released)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException when {@code json} is not a roster */
    public static Roster fromJson(byte[] json) {
        try {
            Roster roster = JSON.readValue(json, Roster.class);
            if (roster == null) {
                throw new IllegalArgumentException("empty");
            }
            return roster;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a roster: " + e.getMessage(), e);
        }
    }
}
