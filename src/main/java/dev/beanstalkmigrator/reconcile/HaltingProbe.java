package dev.beanstalkmigrator.reconcile;

import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

/**
 * FOR TESTING ONLY: a {@link LaunchProbe} that kills the whole JVM at chosen points of the launch protocol,
 * with {@code Runtime.halt(137)}, as {@code kill -9} would: no shutdown hook, no lease release, no flush. Fault
 * suites use it to crash a packaged replica exactly between two steps of a launch. Selected by
 * {@code migrator.fault-injection.*}; off unless {@code halt-at} names a point. Never configure it in
 * production.
 */
public final class HaltingProbe implements LaunchProbe {

    /** The exit status of a process killed by SIGKILL (128 + 9). */
    public static final int EXIT_STATUS = 137;

    private final Set<Point> points;
    private final double probability;
    private final Random random;
    private final Runnable halt;

    /**
     * @param points      where the JVM may halt
     * @param probability the chance, at each of those points reached, that it halts there (0..1)
     * @param seed        seed of the Random that decides, so that a run can be replayed
     * @param halt        what halting does; {@link #haltJvm()} outside unit tests
     */
    public HaltingProbe(Set<Point> points, double probability, long seed, Runnable halt) {
        if (probability < 0 || probability > 1) {
            throw new IllegalArgumentException("halt probability must be within 0..1, not " + probability);
        }
        this.points = points.isEmpty() ? EnumSet.noneOf(Point.class) : EnumSet.copyOf(points);
        this.probability = probability;
        this.random = new Random(seed);
        this.halt = halt;
    }

    /** Halts the JVM at once with status {@value #EXIT_STATUS}, after one line on standard error. */
    public static Runnable haltJvm() {
        return () -> Runtime.getRuntime().halt(EXIT_STATUS);
    }

    @Override
    public synchronized void reached(Point point, String environment) {
        if (!points.contains(point) || random.nextDouble() >= probability) {
            return;
        }
        System.err.println("fault-injection: halting at " + point + " (" + environment + ")");
        System.err.flush();
        halt.run();
    }
}
