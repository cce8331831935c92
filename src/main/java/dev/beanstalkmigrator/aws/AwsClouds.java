package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.model.CloudPlace;
import dev.beanstalkmigrator.model.Reasons;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.Clouds;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * The ports of every place the plans name: the operator's own account and Region (the clients {@link AwsClients}
 * produces), and each other (Region, role) with clients of its own, made on first use and kept.
 *
 * <p><b>One credential cache per role.</b> A role is assumed through STS by one {@link StsAssumeRoleCredentialsProvider}
 * per (role, external ID), shared by every client of every Region and every plan that names it: it keeps the
 * session's credentials and asks STS again only before they expire (5 minutes before, the SDK's prefetch time), so
 * a role costs one {@code AssumeRole} an hour however many environments and calls use it, not one per call or per
 * cycle. <b>One client per (service, Region, role)</b>, each with its HTTP connections, made once.
 *
 * <p><b>A role that cannot be assumed</b> fails the calls made with it, and only those, as a {@link CloudError}
 * whose operation is {@code sts:AssumeRole}: a refusal stalls the environments that need the role, with a hint
 * naming the role and the trust policy it needs; the others go on.
 */
public final class AwsClouds implements Clouds, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AwsClouds.class);

    /** How long after a failed {@code GetCallerIdentity} the operator's own account is asked again. */
    static final Duration HOME_RETRY = Duration.ofMinutes(5);

    private final Cloud home;
    private final AwsClientSettings settings;
    private final MeterRegistry registry;
    private final Retrying retrying;
    private final StsClient sts;
    private final Clock clock;
    private final String sessionName;
    private final AwsCredentialsProvider own;
    private final Map<String, Cloud> places = new ConcurrentHashMap<>();
    private final Map<String, RoleCredentials> roles = new ConcurrentHashMap<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final String homeRegion;
    private volatile String homeAccount;
    private volatile Instant nextIdentity = Instant.MIN;

    /**
     * @param home the ports of the operator's own account and Region
     * @param sts the STS client roles are assumed with (the operator's own credentials, its Region); closed with this
     * @param sessionName names the role sessions (CloudTrail shows it): the replica's identity
     * @param own the operator's own credentials, for the places in its own account but another Region; null: the
     *     SDK's default provider chain, as the other clients
     */
    public AwsClouds(Cloud home, AwsClientSettings settings, MeterRegistry registry, Retrying retrying, StsClient sts,
                     Clock clock, String sessionName, AwsCredentialsProvider own) {
        this.own = own;
        this.sessionName = RoleCredentials.sessionName(sessionName);
        this.home = home;
        this.settings = settings;
        this.registry = registry;
        this.retrying = retrying;
        this.sts = sts;
        this.clock = clock;
        this.homeRegion = settings.region().filter(r -> !r.isBlank()).orElseGet(AwsClouds::defaultRegion);
    }

    private static String defaultRegion() {
        try {
            return new DefaultAwsRegionProviderChain().getRegion().id();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public Cloud at(CloudPlace place) {
        if (place.isHome()) {
            return home;
        }
        return places.computeIfAbsent(place.key(), key -> open(place));
    }

    /** The operator's own account (asked of STS once, {@code GetCallerIdentity}) and Region. */
    @Override
    public CloudPlace.Located home() {
        if (homeAccount == null && !clock.instant().isBefore(nextIdentity)) {
            nextIdentity = clock.instant().plus(HOME_RETRY);
            try {
                homeAccount = retrying.call("sts:GetCallerIdentity", () -> sts.getCallerIdentity().account());
            } catch (CloudError e) {
                LOG.warnf("cannot tell the operator's own AWS account (sts:GetCallerIdentity): %s; status names no"
                        + " account for its environments until it can (asked again in 5 minutes)", e.getMessage());
            }
        }
        return new CloudPlace.Located(homeAccount, homeRegion);
    }

    private synchronized Cloud open(CloudPlace place) {
        AwsCredentialsProvider credentials = place.roleArn() == null ? own
                : roles.computeIfAbsent(place.roleArn() + "|" + (place.externalId() == null ? "" : place.externalId()),
                        key -> new RoleCredentials(sts, place.roleArn(), place.externalId(), sessionName));
        Region region = Region.of(place.region() != null ? place.region() : homeRegion);
        EcsClient ecs = build(EcsClient.builder(), region, credentials, "ecs").build();
        ElasticBeanstalkClient beanstalk = build(ElasticBeanstalkClient.builder(), region, credentials,
                "elasticbeanstalk").build();
        CloudWatchLogsClient logs = build(CloudWatchLogsClient.builder(), region, credentials, "logs").build();
        closeables.addAll(List.of(ecs, beanstalk, logs));
        LOG.infof("reaching %s with clients of its own%s", place, place.roleArn() == null ? ""
                : "; credentials from sts:AssumeRole, kept until 5 minutes before they expire");
        return new Cloud(new AwsBeanstalk(beanstalk, retrying), new AwsContainerService(ecs, retrying),
                new AwsContainerLogs(logs, retrying));
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B build(
            B builder, Region region, AwsCredentialsProvider credentials, String service) {
        B configured = AwsClients.configure(builder, settings, new AwsCallMeter(registry, service));
        configured.region(region);
        if (credentials != null) {
            configured.credentialsProvider(credentials);
        }
        return configured;
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable closeable : closeables) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debugf(e, "closing a client");
            }
        }
        roles.values().forEach(RoleCredentials::close);
        sts.close();
    }

    /**
     * A role's credentials: the SDK's {@link StsAssumeRoleCredentialsProvider} (one session, refreshed before it
     * expires), with its failure turned into what a person can act on: the role, and the trust policy it needs.
     */
    static final class RoleCredentials implements AwsCredentialsProvider, AutoCloseable {
        /**
         * How long a refusal is answered from memory: a role that does not trust the operator is asked again about
         * once a minute (a fixed trust policy is noticed that soon), not at every call of every cycle.
         */
        static final Duration REFUSAL_KEPT = Duration.ofMinutes(1);

        private final String roleArn;
        private final String externalId;
        private final StsAssumeRoleCredentialsProvider provider;
        private volatile CloudError refusal;
        private volatile long refusedAtNanos;

        RoleCredentials(StsClient sts, String roleArn, String externalId, String sessionName) {
            this.roleArn = roleArn;
            this.externalId = externalId;
            this.provider = StsAssumeRoleCredentialsProvider.builder()
                    .stsClient(sts)
                    .refreshRequest(r -> {
                        r.roleArn(roleArn).roleSessionName(sessionName(sessionName));
                        if (externalId != null) {
                            r.externalId(externalId);
                        }
                    })
                    .build();
        }

        /** A session name STS takes: 2 to 64 of {@code [\w+=,.@-]}. */
        static String sessionName(String identity) {
            String name = (identity == null ? "beanstalk-migrator" : identity).replaceAll("[^\\w+=,.@-]", "-");
            name = name.length() > 64 ? name.substring(0, 64) : name;
            return name.length() < 2 ? "beanstalk-migrator" : name;
        }

        @Override
        public AwsCredentials resolveCredentials() {
            CloudError known = refusal;
            if (known != null && System.nanoTime() - refusedAtNanos < REFUSAL_KEPT.toNanos()) {
                throw known;
            }
            try {
                AwsCredentials credentials = provider.resolveCredentials();
                refusal = null;
                return credentials;
            } catch (RuntimeException e) {
                CloudError error = refused(AwsErrorClassifier.classify("sts:AssumeRole", e));
                if (error.policy() == CloudError.Policy.STALL) {
                    refusedAtNanos = System.nanoTime();
                    refusal = error;
                }
                throw error;
            }
        }

        /** A refusal, with the hint that fixes a refused {@code AssumeRole}; other errors as they are. */
        private CloudError refused(CloudError error) {
            if (error.policy() != CloudError.Policy.STALL) {
                return error;
            }
            return new CloudError.Stalled("sts:AssumeRole", Reasons.ROLE_NOT_ASSUMED, "cannot assume role " + roleArn
                    + " (" + error.code() + "): " + error.text(), "the role's trust policy must let the operator's own IAM role assume it"
                    + " (\"Action\": \"sts:AssumeRole\", \"Principal\": {\"AWS\": \"<the operator's role ARN>\"}"
                    + (externalId == null ? "" : ", with \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \""
                    + externalId + "\"}}") + "), and the operator's own policy must allow sts:AssumeRole on "
                    + roleArn + " (see config/iam-trust-policy.json)", error);
        }

        @Override
        public void close() {
            provider.close();
        }
    }
}
