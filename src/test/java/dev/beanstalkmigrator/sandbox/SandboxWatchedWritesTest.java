package dev.beanstalkmigrator.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's record of accepted ledger writes, with the lease holder each names and the one before. */
class SandboxWatchedWritesTest {

    SandboxCloud cloud;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults());
        cloud.putObject("b", "other", new byte[0]);
        cloud.watchLedger("b", "p.status.yaml");
    }

    @AfterEach
    void stop() {
        cloud.close();
    }

    @Test
    void recordsAcceptedWritesWithTheLeaseHolderTheyNameAndTheOneBefore() throws Exception {
        assertEquals(200, put("p.status.yaml", "apiVersion: x\nleader: r9\n", null));
        assertEquals(200, put("p.status.yaml", "apiVersion: x\nlease:\n  holder: \"r1\"\n  leaseDurationSeconds: 3\n"
                + "environments:\n- name: e\n  holder: zz\n", null));
        assertEquals(200, put("p.status.yaml", "apiVersion: x\nleader: r2\nlease:\n  holder: r2\n", null));
        assertEquals(412, put("p.status.yaml", "lease:\n  holder: r3\n", "\"not-the-etag\""));
        assertEquals(200, put("other", "lease:\n  holder: r3\n", null));
        assertEquals(200, put("p.status.yaml", "lease:\n  holder: \"\"\n", null));

        List<ObjectWrite> writes = cloud.writes();
        assertEquals(4, writes.size(), writes::toString);
        ObjectWrite first = writes.get(0);
        assertEquals("", first.holder(), "no lease in it");
        assertNull(first.previousHolder());
        assertEquals(-1, first.sincePreviousNanos());
        assertFalse(first.takeover());
        assertEquals("r1", writes.get(1).holder(), "the lease's holder, not another block's");
        assertFalse(writes.get(1).takeover(), "the first lease in a ledger that had none");
        ObjectWrite third = writes.get(2);
        assertEquals("r2", third.holder());
        assertEquals("r1", third.previousHolder());
        assertTrue(third.sincePreviousNanos() >= 0);
        assertTrue(third.takeover());
        assertEquals(2, third.seq());
        assertEquals("", writes.get(3).holder(), "released");
        assertFalse(writes.get(3).takeover());
        assertEquals(List.of(third, writes.get(3)), cloud.writesSince(2));
    }

    private int put(String key, String body, String ifMatch) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(cloud.endpoint() + "/b/" + key))
                .PUT(HttpRequest.BodyPublishers.ofString(body));
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
