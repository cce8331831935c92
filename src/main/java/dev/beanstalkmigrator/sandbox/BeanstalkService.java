package dev.beanstalkmigrator.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** AWS Elastic Beanstalk, Query protocol (form POST, Version 2010-12-01), in memory. Thread-safe: one lock. */
final class BeanstalkService {
    static final String NS = "http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/";
    static final String DEFAULT_PLATFORM =
            "arn:aws:elasticbeanstalk:us-east-1::platform/Docker running on 64bit Amazon Linux 2023/4.3.1";
    static final String DEFAULT_STACK = "64bit Amazon Linux 2023 v4.3.1 running Docker";
    /** Environment variables whose values are Secrets Manager secrets or SSM parameters, given by ARN. */
    static final String SECRETS_NAMESPACE = "aws:elasticbeanstalk:application:environmentsecrets";

    private static final class App {
        final String name;
        final Instant created;
        final List<AppVersion> versions = new ArrayList<>(); // oldest first

        App(String name, Instant created) {
            this.name = name;
            this.created = created;
        }
    }

    record AppVersion(String app, String label, String description, String bucket, String key, Instant created) {}

    private static final class Env {
        String name;
        String id;
        String app;
        String versionLabel;
        Map<String, String> variables = new LinkedHashMap<>();
        /** Namespace aws:elasticbeanstalk:application:environmentsecrets: variable name to secret or parameter ARN. */
        Map<String, String> secrets = new LinkedHashMap<>();
        Instant created;
        Instant updated;
        String platformArn;
        String solutionStack;
        Instant updatingUntil;
        String pendingVersion;
        /** A downstream action the caller lacks; with no operations role, UpdateEnvironment is refused. */
        String deployDenied;
        String operationsRole;
    }

    private final Map<String, App> apps = new TreeMap<>();
    private final Map<String, Env> envs = new TreeMap<>();
    private final String region;
    private final String account;
    private final Supplier<Duration> updateDuration;

    BeanstalkService(String region, String account, Supplier<Duration> updateDuration) {
        this.region = region;
        this.account = account;
        this.updateDuration = updateDuration;
    }

    // ------------------------------------------------------------ direct access (seed, test mutations)

    synchronized void createApplication(String name) {
        apps.computeIfAbsent(name, n -> new App(n, Instant.now()));
    }

    synchronized AppVersion addVersion(String app, String label, String description, String bucket, String key, Instant created) {
        App a = apps.computeIfAbsent(app, n -> new App(n, Instant.now()));
        if (a.versions.stream().anyMatch(v -> v.label().equals(label))) {
            throw new ServiceError(400, "InvalidParameterValue", "Application Version " + label + " already exists.");
        }
        AppVersion v = new AppVersion(app, label, description, bucket, key, created);
        a.versions.add(v);
        return v;
    }

    synchronized void createEnvironment(String app, String name, String version, Map<String, String> variables,
            String platformArn, String solutionStack, Instant created) {
        Env e = new Env();
        e.name = name;
        e.id = environmentId(name);
        e.app = app;
        e.versionLabel = version;
        e.variables.putAll(variables);
        e.created = created;
        e.updated = created;
        e.platformArn = platformArn == null ? DEFAULT_PLATFORM.replace("us-east-1", region) : platformArn;
        e.solutionStack = solutionStack == null ? DEFAULT_STACK : solutionStack;
        envs.put(name, e);
    }

    synchronized void setDeployAccess(String envName, String deployDenied, String operationsRole) {
        Env e = env(envName);
        e.deployDenied = deployDenied;
        e.operationsRole = operationsRole;
    }

    /** Sets the deployed version at once (Ready), as if a deployment had finished. */
    synchronized void setDeployedVersion(String envName, String label) {
        Env e = env(envName);
        e.versionLabel = label;
        e.updatingUntil = null;
        e.pendingVersion = null;
        e.updated = Instant.now();
    }

    synchronized void setVariable(String envName, String name, String value) {
        Env e = env(envName);
        if (value == null) {
            e.variables.remove(name);
        } else {
            e.variables.put(name, value);
        }
    }

    /** Sets (or, with a null ARN, removes) an environment secret: the ARN only, as Elastic Beanstalk keeps it. */
    synchronized void setSecret(String envName, String name, String arn) {
        Env e = env(envName);
        if (arn == null) {
            e.secrets.remove(name);
        } else {
            e.secrets.put(name, arn);
        }
    }

    synchronized String deployedVersion(String envName) {
        Env e = env(envName);
        settle(e, Instant.now());
        return e.versionLabel;
    }

    /** The environment id ({@code e-...}) Elastic Beanstalk gave the environment. */
    synchronized String id(String envName) {
        return env(envName).id;
    }

    /** Whether this account and Region has the environment. */
    synchronized boolean hasEnvironment(String envName) {
        return envs.containsKey(envName);
    }

    /** Whether this account and Region has the application. */
    synchronized boolean hasApplication(String name) {
        return apps.containsKey(name);
    }

    synchronized String status(String envName) {
        Env e = env(envName);
        settle(e, Instant.now());
        return status(e);
    }

    private Env env(String name) {
        Env e = envs.get(name);
        if (e == null) {
            throw new ServiceError(400, "InvalidParameterValue", "No Environment found for EnvironmentName = '" + name + "'.");
        }
        return e;
    }

    private static void settle(Env e, Instant now) {
        if (e.updatingUntil != null && !now.isBefore(e.updatingUntil)) {
            e.versionLabel = e.pendingVersion;
            e.updated = e.updatingUntil;
            e.updatingUntil = null;
            e.pendingVersion = null;
        }
    }

    private static String status(Env e) {
        return e.updatingUntil != null ? "Updating" : "Ready";
    }

    private String environmentId(String name) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        java.util.Random r = new java.util.Random(name.hashCode());
        StringBuilder b = new StringBuilder("e-");
        for (int i = 0; i < 10; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    // ------------------------------------------------------------ wire protocol

    static String operation(SandboxRequest r, Map<String, List<String>> form) {
        List<String> a = form.get("Action");
        return a == null || a.isEmpty() ? "Unknown" : a.get(0);
    }

    SandboxResponse handle(SandboxRequest r, Map<String, List<String>> form) {
        Params p = new Params(form);
        return switch (r.operation) {
            case "DescribeEnvironments" -> describeEnvironments(r, p);
            case "DescribeApplicationVersions" -> describeApplicationVersions(r, p);
            case "DescribeApplications" -> describeApplications(r, p);
            case "DescribeConfigurationSettings" -> describeConfigurationSettings(r, p);
            case "UpdateEnvironment" -> updateEnvironment(r, p);
            case "CreateApplicationVersion" -> createApplicationVersion(r, p);
            case "AssociateEnvironmentOperationsRole" -> operationsRole(r, p, true);
            case "DisassociateEnvironmentOperationsRole" -> operationsRole(r, p, false);
            default -> throw new ServiceError(400, "InvalidAction",
                    "The action " + r.operation + " is not valid for this web service (sandbox).");
        };
    }

    private record Params(Map<String, List<String>> form) {
        String get(String name) {
            List<String> v = form.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        List<String> members(String name) {
            List<String> out = new ArrayList<>();
            for (int i = 1; get(name + ".member." + i) != null; i++) {
                out.add(get(name + ".member." + i));
            }
            return out;
        }

        String required(String name) {
            String v = get(name);
            if (v == null || v.isEmpty()) {
                throw new ServiceError(400, "MissingParameter",
                        "The request must contain the parameter " + name + ".");
            }
            return v;
        }
    }

    private synchronized SandboxResponse describeEnvironments(SandboxRequest r, Params p) {
        Instant now = Instant.now();
        String app = p.get("ApplicationName");
        String version = p.get("VersionLabel");
        List<String> names = p.members("EnvironmentNames");
        List<String> ids = p.members("EnvironmentIds");
        Xml x = start("DescribeEnvironments");
        x.start("Environments");
        for (Env e : envs.values()) {
            settle(e, now);
            if ((app != null && !app.equals(e.app)) || (version != null && !version.equals(e.versionLabel))
                    || (!names.isEmpty() && !names.contains(e.name)) || (!ids.isEmpty() && !ids.contains(e.id))) {
                continue;
            }
            x.start("member");
            environment(x, e);
            x.end();
        }
        x.end();
        return finish(x, r);
    }

    private void environment(Xml x, Env e) {
        String status = status(e);
        x.el("EnvironmentName", e.name).el("EnvironmentId", e.id).el("ApplicationName", e.app)
                .el("VersionLabel", e.versionLabel).el("SolutionStackName", e.solutionStack)
                .el("PlatformArn", e.platformArn)
                .el("EndpointURL", "awseb-" + e.id + "-stack-1234567890." + region + ".elb.amazonaws.com")
                .el("CNAME", e.name + "." + region + ".elasticbeanstalk.com")
                .el("DateCreated", e.created).el("DateUpdated", e.updated)
                .el("Status", status)
                .el("AbortableOperationInProgress", status.equals("Updating"))
                .el("Health", status.equals("Ready") ? "Green" : "Grey")
                .el("HealthStatus", status.equals("Ready") ? "Ok" : status.equals("Updating") ? "Info" : "Unknown");
        x.start("Tier").el("Name", "WebServer").el("Type", "Standard").el("Version", "1.0").end();
        x.el("EnvironmentArn", "arn:aws:elasticbeanstalk:" + region + ":" + account + ":environment/" + e.app + "/" + e.name);
        if (e.operationsRole != null) {
            x.el("OperationsRole", e.operationsRole);
        }
        x.start("EnvironmentLinks").end();
    }

    private synchronized SandboxResponse describeApplicationVersions(SandboxRequest r, Params p) {
        String app = p.get("ApplicationName");
        List<String> labels = p.members("VersionLabels");
        int max = p.get("MaxRecords") == null ? 1000 : Integer.parseInt(p.get("MaxRecords"));
        if (max < 1 || max > 1000) {
            throw new ServiceError(400, "InvalidParameterValue", "MaxRecords must be between 1 and 1000.");
        }
        List<AppVersion> all = new ArrayList<>();
        for (App a : apps.values()) {
            if (app == null || app.equals(a.name)) {
                all.addAll(a.versions);
            }
        }
        all.removeIf(v -> !labels.isEmpty() && !labels.contains(v.label()));
        all.sort((a, b) -> {
            int c = b.created().compareTo(a.created());
            return c != 0 ? c : b.label().compareTo(a.label());
        });
        int from = 0;
        if (p.get("NextToken") != null) {
            try {
                from = Integer.parseInt(new String(Base64.getDecoder().decode(p.get("NextToken")), StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                throw new ServiceError(400, "InvalidParameterValue", "Invalid NextToken.");
            }
        }
        int to = (int) Math.min(all.size(), (long) from + max);
        Xml x = start("DescribeApplicationVersions");
        x.start("ApplicationVersions");
        for (AppVersion v : all.subList(Math.min(from, all.size()), to)) {
            x.start("member");
            version(x, v);
            x.end();
        }
        x.end();
        if (to < all.size()) {
            x.el("NextToken", Base64.getEncoder().encodeToString(String.valueOf(to).getBytes(StandardCharsets.UTF_8)));
        }
        return finish(x, r);
    }

    private void version(Xml x, AppVersion v) {
        x.el("ApplicationVersionArn", "arn:aws:elasticbeanstalk:" + region + ":" + account + ":applicationversion/"
                + v.app() + "/" + v.label());
        x.el("ApplicationName", v.app()).el("Description", v.description()).el("VersionLabel", v.label());
        if (v.bucket() != null) {
            x.start("SourceBundle").el("S3Bucket", v.bucket()).el("S3Key", v.key()).end();
        }
        x.el("DateCreated", v.created()).el("DateUpdated", v.created()).el("Status", "PROCESSED");
    }

    private synchronized SandboxResponse describeApplications(SandboxRequest r, Params p) {
        List<String> names = p.members("ApplicationNames");
        Xml x = start("DescribeApplications");
        x.start("Applications");
        for (App a : apps.values()) {
            if (!names.isEmpty() && !names.contains(a.name)) {
                continue;
            }
            x.start("member").el("ApplicationName", a.name).el("DateCreated", a.created).el("DateUpdated", a.created);
            x.start("Versions");
            for (int i = a.versions.size() - 1; i >= 0; i--) {
                x.el("member", a.versions.get(i).label());
            }
            x.end();
            x.el("ApplicationArn", "arn:aws:elasticbeanstalk:" + region + ":" + account + ":application/" + a.name);
            x.end();
        }
        x.end();
        return finish(x, r);
    }

    private synchronized SandboxResponse describeConfigurationSettings(SandboxRequest r, Params p) {
        String app = p.required("ApplicationName");
        String envName = p.get("EnvironmentName");
        if (envName == null) {
            throw new ServiceError(400, "InvalidParameterCombination",
                    "You must specify either this parameter or a TemplateName, but not both (sandbox supports EnvironmentName only).");
        }
        Env e = envs.get(envName);
        if (e == null || !e.app.equals(app)) {
            throw new ServiceError(400, "InvalidParameterValue", "No Environment found for EnvironmentName = '" + envName + "'.");
        }
        settle(e, Instant.now());
        Xml x = start("DescribeConfigurationSettings");
        x.start("ConfigurationSettings").start("member");
        x.el("SolutionStackName", e.solutionStack).el("PlatformArn", e.platformArn).el("ApplicationName", e.app)
                .el("EnvironmentName", e.name).el("DeploymentStatus", "deployed")
                .el("DateCreated", e.created).el("DateUpdated", e.updated);
        x.start("OptionSettings");
        option(x, "AWSEBAutoScalingGroup", "aws:autoscaling:asg", "MinSize", "1");
        option(x, "AWSEBAutoScalingGroup", "aws:autoscaling:asg", "MaxSize", "4");
        option(x, null, "aws:elasticbeanstalk:environment", "EnvironmentType", "LoadBalanced");
        option(x, null, "aws:elasticbeanstalk:environment", "ServiceRole", "aws-elasticbeanstalk-service-role");
        for (Map.Entry<String, String> v : e.variables.entrySet()) {
            option(x, null, "aws:elasticbeanstalk:application:environment", v.getKey(), v.getValue());
        }
        for (Map.Entry<String, String> v : e.secrets.entrySet()) {
            option(x, null, SECRETS_NAMESPACE, v.getKey(), v.getValue());
        }
        option(x, null, "aws:elasticbeanstalk:command", "DeploymentPolicy", "Rolling");
        option(x, "AWSEBLoadBalancer", "aws:elb:loadbalancer", "CrossZone", "true");
        x.end();
        x.end().end();
        return finish(x, r);
    }

    private static void option(Xml x, String resource, String ns, String name, String value) {
        x.start("member").el("ResourceName", resource).el("Namespace", ns).el("OptionName", name).el("Value", value).end();
    }

    private synchronized SandboxResponse updateEnvironment(SandboxRequest r, Params p) {
        String name = p.get("EnvironmentName");
        String id = p.get("EnvironmentId");
        Env e = null;
        if (name != null) {
            e = envs.get(name);
            if (e == null) {
                throw new ServiceError(400, "InvalidParameterValue", "No Environment found for EnvironmentName = '" + name + "'.");
            }
        } else if (id != null) {
            e = envs.values().stream().filter(v -> v.id.equals(id)).findFirst().orElseThrow(() ->
                    new ServiceError(400, "InvalidParameterValue", "No Environment found for EnvironmentId = '" + id + "'."));
        } else {
            throw new ServiceError(400, "MissingParameter", "You must specify either EnvironmentName or EnvironmentId.");
        }
        Instant now = Instant.now();
        settle(e, now);
        String label = p.get("VersionLabel");
        App a = apps.get(e.app);
        if (label != null && (a == null || a.versions.stream().noneMatch(v -> v.label().equals(label)))) {
            throw new ServiceError(400, "InvalidParameterValue", "No Application Version named '" + label + "' found.");
        }
        if (e.updatingUntil != null) {
            throw new ServiceError(400, "InvalidParameterValue",
                    "Environment named " + e.name + " is in an invalid state for this operation. Must be Ready.");
        }
        if (e.deployDenied != null && e.operationsRole == null) {
            // Without an operations role Elastic Beanstalk acts downstream with the caller's own rights.
            throw new ServiceError(403, "InsufficientPrivilegesException", "You do not have permission to perform the '"
                    + e.deployDenied + "' action. Verify that your " + serviceWord(e.deployDenied)
                    + " policies and your ACLs allow you to perform these actions.");
        }
        for (int i = 1; p.get("OptionSettings.member." + i + ".OptionName") != null; i++) {
            String ns = p.get("OptionSettings.member." + i + ".Namespace");
            if ("aws:elasticbeanstalk:application:environment".equals(ns)) {
                e.variables.put(p.get("OptionSettings.member." + i + ".OptionName"),
                        p.get("OptionSettings.member." + i + ".Value") == null ? "" : p.get("OptionSettings.member." + i + ".Value"));
            } else if (SECRETS_NAMESPACE.equals(ns) && p.get("OptionSettings.member." + i + ".Value") != null) {
                e.secrets.put(p.get("OptionSettings.member." + i + ".OptionName"),
                        p.get("OptionSettings.member." + i + ".Value"));
            }
        }
        e.pendingVersion = label == null ? e.versionLabel : label;
        e.updatingUntil = now.plus(updateDuration.get());
        e.updated = now;
        Xml x = start("UpdateEnvironment");
        environment(x, e);
        return finish(x, r);
    }

    /** "s3:CreateBucket" -> "S3", as AWS words its InsufficientPrivileges message. */
    private static String serviceWord(String action) {
        String service = action.contains(":") ? action.substring(0, action.indexOf(':')) : action;
        return switch (service) {
            case "s3" -> "S3";
            case "cloudformation" -> "AWS CloudFormation";
            case "autoscaling" -> "Auto Scaling";
            case "ec2" -> "EC2";
            case "elasticloadbalancing" -> "Elastic Load Balancing";
            default -> service;
        };
    }

    private synchronized SandboxResponse operationsRole(SandboxRequest r, Params p, boolean associate) {
        Env e = envs.get(p.required("EnvironmentName"));
        if (e == null) {
            throw new ServiceError(400, "InvalidParameterValue",
                    "No Environment found for EnvironmentName = '" + p.get("EnvironmentName") + "'.");
        }
        e.operationsRole = associate ? p.required("OperationsRole") : null;
        Xml x = new Xml().start((associate ? "Associate" : "Disassociate") + "EnvironmentOperationsRoleResponse", NS);
        x.start("ResponseMetadata").el("RequestId", r.requestId).end();
        return SandboxResponse.of(200, x.bytes(), "text/xml");
    }

    private synchronized SandboxResponse createApplicationVersion(SandboxRequest r, Params p) {
        String app = p.required("ApplicationName");
        String label = p.required("VersionLabel");
        if (!apps.containsKey(app)) {
            if ("true".equalsIgnoreCase(p.get("AutoCreateApplication"))) {
                createApplication(app);
            } else {
                throw new ServiceError(400, "InvalidParameterValue", "No Application named '" + app + "' found.");
            }
        }
        AppVersion v = addVersion(app, label, p.get("Description"), p.get("SourceBundle.S3Bucket"),
                p.get("SourceBundle.S3Key"), Instant.now());
        Xml x = start("CreateApplicationVersion");
        x.start("ApplicationVersion");
        version(x, v);
        x.end();
        return finish(x, r);
    }

    private static Xml start(String action) {
        return new Xml().start(action + "Response", NS).start(action + "Result");
    }

    private static SandboxResponse finish(Xml x, SandboxRequest r) {
        x.end(); // Result
        x.start("ResponseMetadata").el("RequestId", r.requestId).end();
        return SandboxResponse.of(200, x.bytes(), "text/xml");
    }

    static SandboxResponse error(SandboxRequest r, ServiceError e) {
        Xml x = new Xml().start("ErrorResponse", NS).start("Error")
                .el("Type", e.status >= 500 ? "Receiver" : "Sender").el("Code", e.code).el("Message", e.getMessage())
                .end().el("RequestId", r.requestId);
        return SandboxResponse.of(e.status, x.bytes(), "text/xml");
    }
}
