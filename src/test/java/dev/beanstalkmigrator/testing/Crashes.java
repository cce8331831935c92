package dev.beanstalkmigrator.testing;

import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationRecord;
import dev.beanstalkmigrator.model.MigrationStatus;
import dev.beanstalkmigrator.model.Phase;
import dev.beanstalkmigrator.port.ContainerService;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import dev.beanstalkmigrator.reconcile.lease.LedgerCodec;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Crashes an operator from outside, at the instants of the launch protocol where a crash is most dangerous:
 * decorators of the ports that let the real call happen and then throw {@link Crash}, as if the process had died
 * the moment the call returned. Each decorator fires once; the operator that saw the crash is thrown away and a
 * new one, built from what is stored, takes over.
 */
public final class Crashes {

    /** What the decorators throw once the call they watch has happened: the process "dies" there. */
    public static final class Crash extends RuntimeException {
        public Crash(String instant) {
            super("crashed " + instant);
        }
    }

    /** The instants between the steps of a launch. */
    public enum Instant {
        /** The intent (a Launching record without task ARN) is in the ledger; RunTask not called yet. */
        INTENT_RECORDED,
        /** RunTask answered with a task ARN; the ARN is not in the ledger yet. */
        TASK_STARTED,
        /** The task ARN is in the ledger. */
        ARN_RECORDED,
        /** The migration's outcome (Succeeded, Failed, TimedOut) is in the ledger. */
        OUTCOME_RECORDED
    }

    /** The ECS tag that names a migrate task's environment. */
    static final String TAG_ENVIRONMENT = "beanstalk-migrator:environment";

    private Crashes() {}

    /**
     * The object store, crashing right after the write of {@code ledger} that first records {@code instant}
     * (one of the three ledger instants) for {@code environment}.
     */
    public static ObjectStore afterLedgerWrite(ObjectStore store, ObjectLocation ledger, String environment,
                                               Instant instant) {
        Predicate<MigrationRecord> reached = switch (instant) {
            case INTENT_RECORDED -> r -> r.phase() == Phase.Launching && r.taskArn() == null;
            case ARN_RECORDED -> r -> r.taskArn() != null;
            case OUTCOME_RECORDED -> r -> r.phase().terminal() && r.phase() != Phase.Pending;
            case TASK_STARTED -> throw new IllegalArgumentException("TASK_STARTED is an ECS instant: "
                    + "use afterRunTask");
        };
        AtomicBoolean fired = new AtomicBoolean();
        return new ObjectStore() {
            @Override
            public Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
                return store.get(location, ifNoneMatch, maxBytes);
            }

            @Override
            public byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
                return store.getRange(location, offset, length, ifMatch);
            }

            @Override
            public String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
                String etag = store.put(location, body, contentType, ifMatch);
                if (location.equals(ledger) && records(body, environment).stream().anyMatch(reached)
                        && fired.compareAndSet(false, true)) {
                    throw new Crash("after the ledger write at " + instant + " of " + environment);
                }
                return etag;
            }
        };
    }

    /** The container service, crashing right after RunTask started the migrate task of {@code environment}. */
    public static ContainerService afterRunTask(ContainerService ecs, String environment) {
        return afterRunTask(ecs, environment, arn -> {
            throw new Crash("after RunTask started " + arn + " for " + environment);
        });
    }

    /**
     * The container service, running {@code then} (given the task's ARN) once the first RunTask that started a
     * migrate task of {@code environment} has, before it answers: what happens meanwhile (a renewal), or what it
     * throws in place of the answer (a crash, or an answer lost and then a refusal).
     */
    public static ContainerService afterRunTask(ContainerService ecs, String environment,
                                                java.util.function.Consumer<String> then) {
        AtomicBoolean fired = new AtomicBoolean();
        return new ContainerService() {
            @Override
            public TaskDefinition describeTaskDefinition(String reference) {
                return ecs.describeTaskDefinition(reference);
            }

            @Override
            public String migrateRevision(TaskDefinition base, String container, String image,
                                          java.util.Map<String, String> variables,
                                          java.util.Map<String, String> secrets, List<String> command) {
                return ecs.migrateRevision(base, container, image, variables, secrets, command);
            }

            @Override
            public LaunchResult runTask(TaskLaunch launch, java.util.function.BooleanSupplier allowed) {
                LaunchResult result = ecs.runTask(launch, allowed);
                if (result.taskArn() != null && environment.equals(launch.tags().get(TAG_ENVIRONMENT))
                        && fired.compareAndSet(false, true)) {
                    then.accept(result.taskArn());
                }
                return result;
            }

            @Override
            public List<TaskState> describeTasks(String cluster, Collection<String> taskArns) {
                return ecs.describeTasks(cluster, taskArns);
            }

            @Override
            public List<String> findTasks(String cluster, String startedBy) {
                return ecs.findTasks(cluster, startedBy);
            }

            @Override
            public void stopTask(String cluster, String taskArn, String reason) {
                ecs.stopTask(cluster, taskArn, reason);
            }

            @Override
            public List<Cluster> clusters() {
                return ecs.clusters();
            }

            @Override
            public List<RunningTask> runningTasks(String cluster) {
                return ecs.runningTasks(cluster);
            }
        };
    }

    private static List<MigrationRecord> records(byte[] ledger, String environment) {
        MigrationStatus status = LedgerCodec.read(ledger);
        EnvironmentStatus of = status.environment(environment);
        return of == null ? List.of() : of.history();
    }
}
