package dev.beanstalkmigrator.aws;

import dev.beanstalkmigrator.port.Beanstalk;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;
import software.amazon.awssdk.services.elasticbeanstalk.model.ApplicationVersionDescription;
import software.amazon.awssdk.services.elasticbeanstalk.model.ConfigurationOptionSetting;
import software.amazon.awssdk.services.elasticbeanstalk.model.ConfigurationSettingsDescription;
import software.amazon.awssdk.services.elasticbeanstalk.model.DescribeApplicationVersionsResponse;
import software.amazon.awssdk.services.elasticbeanstalk.model.DescribeEnvironmentsResponse;
import software.amazon.awssdk.services.elasticbeanstalk.model.EnvironmentDescription;

/** {@link Beanstalk} on the Elastic Beanstalk API. */
public final class AwsBeanstalk implements Beanstalk {

    /** The namespace whose option settings are the environment's variables. */
    static final String ENVIRONMENT_NAMESPACE = "aws:elasticbeanstalk:application:environment";
    /** The namespace whose option settings are variables given as secret or parameter ARNs. */
    static final String SECRETS_NAMESPACE = "aws:elasticbeanstalk:application:environmentsecrets";

    private final ElasticBeanstalkClient client;
    private final Retrying retrying;

    public AwsBeanstalk(ElasticBeanstalkClient client, Retrying retrying) {
        this.client = client;
        this.retrying = retrying;
    }

    @Override
    public List<Environment> environments(String application) {
        List<Environment> environments = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            DescribeEnvironmentsResponse page = retrying.call("elasticbeanstalk:DescribeEnvironments",
                    () -> client.describeEnvironments(r -> r.applicationName(application).includeDeleted(false)
                            .nextToken(next)));
            for (EnvironmentDescription e : page.environments()) {
                environments.add(new Environment(e.environmentName(), e.applicationName(), e.versionLabel(),
                        e.statusAsString(), e.dateUpdated(), e.environmentId()));
            }
            token = page.nextToken();
        } while (token != null && !token.isEmpty());
        return environments;
    }

    @Override
    public List<ApplicationVersion> versions(String application, List<String> labels) {
        List<ApplicationVersion> versions = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            DescribeApplicationVersionsResponse page = retrying.call("elasticbeanstalk:DescribeApplicationVersions",
                    () -> client.describeApplicationVersions(r -> {
                        r.applicationName(application).nextToken(next);
                        if (!labels.isEmpty()) {
                            r.versionLabels(labels);
                        }
                    }));
            for (ApplicationVersionDescription v : page.applicationVersions()) {
                versions.add(new ApplicationVersion(v.applicationName(), v.versionLabel(), v.dateCreated(),
                        v.sourceBundle() == null ? null : v.sourceBundle().s3Bucket(),
                        v.sourceBundle() == null ? null : v.sourceBundle().s3Key()));
            }
            token = page.nextToken();
        } while (token != null && !token.isEmpty());
        versions.sort(Comparator.comparing(ApplicationVersion::created,
                Comparator.nullsLast(Comparator.reverseOrder())));
        return versions;
    }

    @Override
    public Configuration configuration(String application, String environment) {
        List<ConfigurationSettingsDescription> settings = retrying.call(
                "elasticbeanstalk:DescribeConfigurationSettings",
                () -> client.describeConfigurationSettings(r -> r.applicationName(application)
                        .environmentName(environment)).configurationSettings());
        Map<String, String> variables = new LinkedHashMap<>();
        Map<String, String> secrets = new LinkedHashMap<>();
        for (ConfigurationSettingsDescription description : settings) {
            for (ConfigurationOptionSetting option : description.optionSettings()) {
                if (option.optionName() == null) {
                    continue;
                }
                if (ENVIRONMENT_NAMESPACE.equals(option.namespace())) {
                    variables.put(option.optionName(), option.value() == null ? "" : option.value());
                } else if (SECRETS_NAMESPACE.equals(option.namespace()) && option.value() != null
                        && !option.value().isEmpty()) {
                    secrets.put(option.optionName(), option.value());
                }
            }
        }
        return new Configuration(variables, secrets);
    }

    @Override
    public void deploy(String environment, String versionLabel) {
        retrying.call("elasticbeanstalk:UpdateEnvironment",
                () -> client.updateEnvironment(r -> r.environmentName(environment).versionLabel(versionLabel)));
    }
}
