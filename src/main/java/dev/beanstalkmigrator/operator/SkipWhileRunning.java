package dev.beanstalkmigrator.operator;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What {@code @Scheduled(concurrentExecution = SKIP)} promises, kept for a job that also runs once outside the
 * scheduler (at start): a run that comes while another is going on is skipped, never queued behind it. The
 * scheduler's own guard knows only the runs it started.
 */
final class SkipWhileRunning {

    private final AtomicBoolean running = new AtomicBoolean();

    /** Runs {@code job} unless a run is going on; returns whether it ran. */
    boolean run(Runnable job) {
        if (!running.compareAndSet(false, true)) {
            return false;
        }
        try {
            job.run();
            return true;
        } finally {
            running.set(false);
        }
    }
}
