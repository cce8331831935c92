package dev.beanstalkmigrator.sandbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The active injected faults; decides per call with a seeded Random. Thread-safe. */
final class Faults {
    private static final class Active {
        final Fault fault;
        int remaining;

        Active(Fault fault) {
            this.fault = fault;
            this.remaining = fault.times();
        }
    }

    /** What happens to one call: extra latency, then maybe an error kind (null = answer normally). */
    record Decision(Duration latency, FaultKind failure) {}

    private final List<Active> active = new ArrayList<>();
    private final Random random;
    private volatile Duration globalLatency = Duration.ZERO;

    Faults(long seed) {
        this.random = new Random(seed);
    }

    synchronized void add(Fault f) {
        active.add(new Active(f));
    }

    synchronized void clear() {
        active.clear();
    }

    synchronized List<Fault> list() {
        List<Fault> out = new ArrayList<>();
        for (Active a : active) {
            out.add(new Fault(a.fault.operation(), a.fault.kind(), a.remaining, a.fault.probability(), a.fault.latency()));
        }
        return out;
    }

    void setGlobalLatency(Duration d) {
        globalLatency = d == null || d.isNegative() ? Duration.ZERO : d;
    }

    synchronized Decision decide(String key, String service) {
        Duration latency = globalLatency;
        FaultKind failure = null;
        for (var it = active.iterator(); it.hasNext();) {
            Active a = it.next();
            Fault f = a.fault;
            if (!f.matches(key)) {
                continue;
            }
            if ((f.kind() == FaultKind.CONFLICT || f.kind() == FaultKind.PRECONDITION) && !service.equals("s3")) {
                continue;
            }
            if (f.kind() != FaultKind.LATENCY && failure != null) {
                continue;
            }
            if (f.probability() < 1.0 && random.nextDouble() >= f.probability()) {
                continue;
            }
            if (f.kind() == FaultKind.LATENCY) {
                latency = latency.plus(f.latency());
            } else {
                failure = f.kind();
            }
            if (a.remaining > 0 && --a.remaining == 0) {
                it.remove();
            }
        }
        return new Decision(latency, failure);
    }
}
