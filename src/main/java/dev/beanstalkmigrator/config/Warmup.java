package dev.beanstalkmigrator.config;

import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.plan.PlanParser;
import dev.beanstalkmigrator.reconcile.LedgerCodec;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticbeanstalk.ElasticBeanstalkClient;

/**
 * At start, on threads of their own, builds what the first cycles need besides the S3 client: the YAML of plan
 * and ledger, and the Elastic Beanstalk, ECS and CloudWatch Logs clients. Each costs hundreds of milliseconds
 * of class loading; done here it overlaps the first S3 round trips (and Quarkus's own start) instead of
 * queueing behind them on the loop thread. Nothing here talks to AWS.
 */
@ApplicationScoped
public class Warmup {

    private static final Logger LOG = Logger.getLogger(Warmup.class);
    private static final byte[] PLAN = """
            apiVersion: beanstalk-migrator/v1
            kind: MigrationPlan
            metadata: {name: warm-up}
            spec:
              environments:
                - name: warm-up
                  application: warm-up
                  version: v1
                  cluster: c
                  taskDefinition: t
                  container: web
                  command: [migrate]
                  launchType: EC2
            """.getBytes(StandardCharsets.UTF_8);

    @Inject
    PlanParser parser;

    @Inject
    ElasticBeanstalkClient beanstalk;

    @Inject
    EcsClient ecs;

    @Inject
    CloudWatchLogsClient logs;

    void start(@Observes StartupEvent event) {
        run("warm-up-yaml", () -> {
            LedgerCodec.read(LedgerCodec.write(MigrationStatus.empty()));
            parser.parse("warm-up.yaml", PLAN);
        });
        run("warm-up-clients", () -> {
            // A call on a client proxy builds the client behind it.
            beanstalk.serviceName();
            ecs.serviceName();
            logs.serviceName();
        });
    }

    private static void run(String name, Runnable work) {
        Thread thread = new Thread(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.debugf("%s: %s", name, e);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }
}
