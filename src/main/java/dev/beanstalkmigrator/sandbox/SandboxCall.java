package dev.beanstalkmigrator.sandbox;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A call the sandbox has carried out and is about to answer: what a test sees in {@link SandboxCloud#holdNext} and
 * {@link SandboxCloud#watchCalls}. By then the call has taken effect (an object is stored, a task started) and its
 * answer is decided but not yet sent.
 *
 * @param operation       service and operation, as the call counts name them ({@code s3:PutObject}, {@code ecs:RunTask})
 * @param status          the HTTP status the answer will carry
 * @param client          the caller's address: on one machine, its port names the caller's socket (and so the
 *                        process that owns it)
 * @param bucket          for an accepted object write (PutObject, CompleteMultipartUpload), its bucket; otherwise
 *                        null
 * @param key             for an accepted object write, its key; otherwise null
 * @param previousContent for an accepted object write, the bytes the object held before (null when it was new);
 *                        otherwise null
 * @param content         for an accepted object write, the bytes it stored; otherwise null
 * @param ledgerWrite     for an accepted object write of the ledger named in {@link SandboxCloud#watchLedger}, its
 *                        record there; otherwise null
 * @param tasksStarted    for a RunTask, the tasks this call started (none when ECS refused it, and none when it
 *                        replayed a client token: the tasks it answers with were started by the first call)
 * @param atNanos         when the sandbox, the effect done, came to answer it (sandbox monotonic clock,
 *                        {@link System#nanoTime()})
 */
public record SandboxCall(String operation, int status, InetSocketAddress client, String bucket, String key,
                          byte[] previousContent, byte[] content, ObjectWrite ledgerWrite, List<RunRecord> tasksStarted,
                          long atNanos) {

    public SandboxCall {
        tasksStarted = List.copyOf(tasksStarted);
    }

    /** Whether this is an accepted write of the watched ledger. */
    public boolean isLedgerWrite() {
        return ledgerWrite != null;
    }

    @Override
    public String toString() {
        return operation + " " + status + " from " + client + (key == null ? "" : " " + bucket + "/" + key)
                + (ledgerWrite == null ? "" : " ledger write #" + ledgerWrite.seq())
                + (tasksStarted.isEmpty() ? "" : " started " + tasksStarted.stream().map(RunRecord::taskArn).toList());
    }
}
