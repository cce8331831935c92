package dev.beanstalkmigrator.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an environment lives, as the plan says: its AWS Region and the IAM role the operator assumes to reach it.
 * Every field null is {@link #HOME}: the operator's own Region and credentials.
 *
 * @param region the Region (e.g. {@code eu-west-1}); null: the operator's
 * @param roleArn the role assumed (STS {@code AssumeRole}) for every call about the environment; null: the operator's
 *     own credentials
 * @param externalId the external ID the role's trust policy requires ({@code sts:ExternalId}); null when none.
 *     AWS documents it as not secret: it is kept in the ledger, so that a task in flight is followed with it after
 *     the plan dropped the environment.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CloudPlace(String region, String roleArn, String externalId) {

    /** The operator's own Region and credentials. */
    public static final CloudPlace HOME = new CloudPlace(null, null, null);

    /** An IAM role ARN: its partition and account. */
    public static final Pattern ROLE_ARN = Pattern.compile(
            "arn:(aws[a-z-]*):iam::([0-9]{12}):role/[A-Za-z0-9+=,.@_/-]{1,512}");

    /** A Region name, e.g. {@code us-east-1}, {@code eu-central-2}, {@code us-gov-west-1}. */
    public static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");

    /** The place {@code region}, {@code roleArn}, {@code externalId} name, {@link #HOME} when none is set. */
    public static CloudPlace of(String region, String roleArn, String externalId) {
        return region == null && roleArn == null && externalId == null ? HOME
                : new CloudPlace(region, roleArn, externalId);
    }

    /** Whether this is the operator's own Region and credentials. */
    @JsonIgnore
    public boolean isHome() {
        return region == null && roleArn == null;
    }

    /** The account of the role, or null when the operator's own credentials are used. */
    @JsonIgnore
    public String account() {
        if (roleArn == null) {
            return null;
        }
        Matcher arn = ROLE_ARN.matcher(roleArn);
        return arn.matches() ? arn.group(2) : null;
    }

    /**
     * This place with what it leaves to the operator filled in from {@code home} (the operator's own Region and
     * account, as far as known): the account and Region a person reads in status.
     */
    public Located in(CloudPlace.Located home) {
        String account = roleArn != null ? account() : home == null ? null : home.account();
        String inRegion = region != null ? region : home == null ? null : home.region();
        return new Located(account, inRegion);
    }

    /**
     * A key that tells places apart, the same for equal places: {@code ""} for {@link #HOME}, so that what is keyed
     * by it for the operator's own account reads as before.
     */
    @JsonIgnore
    public String key() {
        return isHome() ? "" : (region == null ? "" : region) + "|" + (roleArn == null ? "" : roleArn) + "|"
                + (externalId == null ? "" : externalId);
    }

    @Override
    public String toString() {
        if (isHome()) {
            return "the operator's own account and Region";
        }
        return (roleArn == null ? "the operator's own account" : "role " + roleArn)
                + (region == null ? "" : " in " + region);
    }

    /** An account and Region as a person reads them; either may be null when not known. */
    public record Located(String account, String region) {}
}
