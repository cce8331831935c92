package dev.beanstalkmigrator.sandbox;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * AWS STS, Query protocol (form POST, Version 2011-06-15, XML answers), as the AWS SDK for Java v2 and the AWS CLI
 * speak it: {@code AssumeRole} of the seed's roles and {@code GetCallerIdentity}. The credentials it mints are
 * remembered, so the sandbox knows who calls with them ({@link #identity}). Thread-safe.
 *
 * <p>A role is assumed as IAM does once its trust policy lets the caller: a role the seed does not know, one whose
 * trust policy names another caller ({@code trusted: false}), or an {@code ExternalId} other than the one its trust
 * policy requires are all the same {@code 403 AccessDenied}, as STS answers them (it does not say which).
 */
final class StsService {
    static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";
    static final Duration DEFAULT_DURATION = Duration.ofHours(1);
    /** A role's ARN: its account, and its name (after its path). */
    private static final Pattern ROLE_ARN = Pattern.compile(
            "arn:aws[a-z-]*:iam::(\\d{12}):role/(?:[\\w+=,.@/-]*/)?([\\w+=,.@-]{1,64})");
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /** Who a minted access key is: the role's account, the assumed-role ARN and id, and when it expires. */
    record Identity(String account, String roleArn, String arn, String userId, Instant expiration) {}

    private final String account;
    private final Map<String, SandboxSeed.Role> roles = new ConcurrentHashMap<>();
    private final Map<String, Identity> minted = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    StsService(String account, List<SandboxSeed.Role> roles) {
        this.account = account;
        roles.forEach(this::putRole);
    }

    /** Adds or replaces a role (its trust policy, as the seed writes it). */
    void putRole(SandboxSeed.Role role) {
        roles.put(role.arn(), role);
    }

    /** The caller an access key stands for, or null for a key STS did not mint (the seed account's own). */
    Identity identity(String accessKeyId) {
        return accessKeyId == null ? null : minted.get(accessKeyId);
    }

    static String operation(Map<String, List<String>> form) {
        List<String> a = form.get("Action");
        return a == null || a.isEmpty() ? "Unknown" : a.get(0);
    }

    SandboxResponse handle(SandboxRequest r, Map<String, List<String>> form, String accessKeyId) {
        return switch (r.operation) {
            case "AssumeRole" -> assumeRole(r, form, accessKeyId);
            case "GetCallerIdentity" -> callerIdentity(r, accessKeyId);
            default -> throw new ServiceError(400, "InvalidAction",
                    "The action " + r.operation + " is not valid for this web service (sandbox).");
        };
    }

    private SandboxResponse assumeRole(SandboxRequest r, Map<String, List<String>> form, String accessKeyId) {
        String roleArn = required(form, "RoleArn");
        String session = required(form, "RoleSessionName");
        if (!SESSION_NAME.matcher(session).matches()) {
            throw new ServiceError(400, "ValidationError", "1 validation error detected: Value '" + session
                    + "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression"
                    + " pattern: [\\w+=,.@-]*");
        }
        String externalId = first(form, "ExternalId");
        if (externalId != null && !EXTERNAL_ID.matcher(externalId).matches()) {
            throw new ServiceError(400, "ValidationError", "1 validation error detected: Value at 'externalId'"
                    + " failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*");
        }
        Duration duration = DEFAULT_DURATION;
        String seconds = first(form, "DurationSeconds");
        if (seconds != null) {
            long s;
            try {
                s = Long.parseLong(seconds);
            } catch (NumberFormatException e) {
                s = -1;
            }
            if (s < 900 || s > 43_200) {
                throw new ServiceError(400, "ValidationError", "1 validation error detected: Value '" + seconds
                        + "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than"
                        + " or equal to 900");
            }
            duration = Duration.ofSeconds(s);
        }
        SandboxSeed.Role role = roles.get(roleArn);
        var arn = ROLE_ARN.matcher(roleArn);
        if (role == null || !arn.matches() || Boolean.FALSE.equals(role.trusted())
                || role.externalId() != null && !role.externalId().equals(externalId)) {
            throw new ServiceError(403, "AccessDenied", "User: " + callerArn(accessKeyId)
                    + " is not authorized to perform: sts:AssumeRole on resource: " + roleArn);
        }
        Duration max = role.maxSessionDuration() == null ? DEFAULT_DURATION : role.maxSessionDuration();
        if (duration.compareTo(max) > 0) {
            throw new ServiceError(400, "ValidationError", "The requested DurationSeconds exceeds the"
                    + " MaxSessionDuration set for this role.");
        }
        String key = "ASIA" + random(UPPER, 16);
        String roleId = "AROA" + random(UPPER, 17);
        Identity identity = new Identity(arn.group(1), roleArn, "arn:aws:sts::" + arn.group(1) + ":assumed-role/"
                + arn.group(2) + "/" + session, roleId + ":" + session,
                Instant.now().plus(duration).truncatedTo(ChronoUnit.SECONDS));
        minted.put(key, identity);
        Xml x = new Xml().start("AssumeRoleResponse", NS).start("AssumeRoleResult")
                .start("Credentials").el("AccessKeyId", key).el("SecretAccessKey", random(SECRET, 40))
                .el("SessionToken", "sandbox-session-" + random(SECRET, 64)).el("Expiration", identity.expiration()
                        .toString()).end()
                .start("AssumedRoleUser").el("Arn", identity.arn()).el("AssumedRoleId", identity.userId()).end()
                .end().start("ResponseMetadata").el("RequestId", r.requestId).end();
        return SandboxResponse.of(200, x.bytes(), "text/xml");
    }

    private SandboxResponse callerIdentity(SandboxRequest r, String accessKeyId) {
        Identity identity = identity(accessKeyId);
        Xml x = new Xml().start("GetCallerIdentityResponse", NS).start("GetCallerIdentityResult")
                .el("Arn", callerArn(accessKeyId))
                .el("UserId", identity != null ? identity.userId() : "AIDASANDBOXUSER0000000")
                .el("Account", identity != null ? identity.account() : account)
                .end().start("ResponseMetadata").el("RequestId", r.requestId).end();
        return SandboxResponse.of(200, x.bytes(), "text/xml");
    }

    private String callerArn(String accessKeyId) {
        Identity identity = identity(accessKeyId);
        return identity != null ? identity.arn() : "arn:aws:iam::" + account + ":user/sandbox";
    }

    private String random(String alphabet, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> v = form.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static String required(Map<String, List<String>> form, String name) {
        String v = first(form, name);
        if (v == null || v.isEmpty()) {
            throw new ServiceError(400, "ValidationError", "1 validation error detected: Value null at '"
                    + Character.toLowerCase(name.charAt(0)) + name.substring(1) + "' failed to satisfy constraint:"
                    + " Member must not be null");
        }
        return v;
    }

    static SandboxResponse error(SandboxRequest r, ServiceError e) {
        Xml x = new Xml().start("ErrorResponse", NS).start("Error")
                .el("Type", e.status >= 500 ? "Receiver" : "Sender").el("Code", e.code).el("Message", e.getMessage())
                .end().el("RequestId", r.requestId);
        return SandboxResponse.of(e.status, x.bytes(), "text/xml");
    }
}
