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

/** The sandbox's record of accepted lease and ledger writes, with the lease holder at each instant. */
class SandboxWatchedWritesTest {

    SandboxCloud cloud;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        cloud = SandboxCloud.start(SandboxOptions.defaults());
        cloud.putObject("b", "other", new byte[0]);
        cloud.watchLeaseAndLedger("b", "p.lease.yaml", "p.status.yaml");
    }

    @AfterEach
    void stop() {
        cloud.close();
    }

    @Test
    void recordsAcceptedWritesWithTheLeaseHolderOfTheirInstant() throws Exception {
        assertEquals(200, put("p.status.yaml", "apiVersion: x\nleader: r9\n", null));
        assertEquals(200, put("p.lease.yaml", "holder: \"r1\"\nleaseDurationSeconds: 3\n", null));
        assertEquals(200, put("p.status.yaml", "apiVersion: x\nleader: r1\nenvironments: []\n", null));
        assertEquals(412, put("p.status.yaml", "leader: r2\n", "\"not-the-etag\""));
        assertEquals(200, put("other", "leader: r2\n", null));

        List<ObjectWrite> writes = cloud.writes();
        assertEquals(3, writes.size(), writes::toString);
        ObjectWrite first = writes.get(0);
        assertFalse(first.lease());
        assertEquals("r9", first.writer());
        assertNull(first.leaseHolder());
        assertEquals(-1, first.leaseAgeNanos());
        assertTrue(writes.get(1).lease());
        assertEquals("r1", writes.get(1).writer());
        ObjectWrite third = writes.get(2);
        assertEquals("r1", third.writer());
        assertEquals("r1", third.leaseHolder());
        assertTrue(third.leaseAgeNanos() >= 0);
        assertEquals(2, third.seq());
        assertEquals(List.of(third), cloud.writesSince(2));
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
