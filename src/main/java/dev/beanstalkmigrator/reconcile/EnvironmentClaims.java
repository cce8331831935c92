package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.CloudPlace;
import java.util.Map;

/**
 * Which plan an environment belongs to when several plans are served at once (a prefix of plans): the plan that
 * recorded it first keeps it, and another plan naming it is told which (see README, "Many plans").
 */
public interface EnvironmentClaims {

    /** One plan alone: every environment it names is its own. */
    EnvironmentClaims NONE = keys -> Map.of();

    /**
     * Claims for this plan every environment of {@code keysByName} that no plan holds, lets go of the ones it held and
     * no longer names, and answers which of them another plan holds.
     *
     * @param keysByName the environments this plan names or still follows a task of, by name: each one's
     *     {@link #key}
     * @return by name, the plan that holds each environment another plan holds; the others are this plan's
     * @throws dev.beanstalkmigrator.port.CloudError when the claims could not be read or written (the cycle is
     *     tried again)
     */
    Map<String, String> claim(Map<String, String> keysByName);

    /**
     * What tells an environment apart from every other one: the account (of its role, else the operator's own), its
     * Region (else the operator's own) and its name.
     */
    static String key(CloudPlace place, String environment) {
        String account = place.account() == null ? "home" : place.account();
        String region = place.region() == null ? "home" : place.region();
        return account + "/" + region + "/" + environment;
    }
}
