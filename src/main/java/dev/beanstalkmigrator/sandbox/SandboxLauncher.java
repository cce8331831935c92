package dev.beanstalkmigrator.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import jakarta.inject.Inject;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts the sandbox cloud inside the application when {@code migrator.sandbox.enabled=true} (dev and sandbox
 * profiles), before any other startup observer may call AWS, and stops it at shutdown.
 */
@ApplicationScoped
public class SandboxLauncher {
    private static final Logger LOG = Logger.getLogger(SandboxLauncher.class.getName());

    @Inject
    SandboxConfig config;

    private volatile SandboxCloud cloud;

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        String plan = config.plan();
        String seed = config.seed();
        // The sandbox does not check signatures, but the SDK's default credentials chain still needs some
        // credentials: give it static "test" ones through the system properties unless set already.
        if (System.getProperty("aws.accessKeyId") == null && System.getProperty("aws.secretAccessKey") == null) {
            System.setProperty("aws.accessKeyId", "test");
            System.setProperty("aws.secretAccessKey", "test");
        }
        Path planPath = plan == null || plan.isBlank() ? null : Path.of(plan);
        if (planPath != null && !Files.isRegularFile(planPath)) {
            LOG.warning("sandbox: plan file " + planPath + " not found; no plan is uploaded until it appears");
        }
        EcsThrottles throttles = EcsThrottles.named(config.ecsThrottling()).scaled(config.ecsThrottlingScale());
        SandboxOptions options = SandboxOptions.builder()
                .port(config.port())
                .seed(Path.of(seed))
                .plan(planPath)
                .build();
        cloud = SandboxCloud.start(options);
        cloud.setEcsThrottling(throttles);
        LOG.info("sandbox: simulated AWS (S3, Elastic Beanstalk, ECS, Logs) listening on " + cloud.endpoint()
                + " (seed " + seed + ", plan s3://" + cloud.planBucket() + "/" + cloud.planKey() + ", ECS throttling "
                + throttles + ")");
    }

    void onStop(@Observes ShutdownEvent event) {
        SandboxCloud c = cloud;
        if (c != null) {
            c.close();
            cloud = null;
        }
    }
}
