package dev.beanstalkmigrator.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What an S3 Event Notification says changed, as S3 writes it (the key URL-encoded, a space as {@code +}). */
class S3EventHintsTest {

    @Test
    void aPutAndADeleteNameTheirObjectsWithTheKeyDecoded() {
        String body = """
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
                  "s3":{"bucket":{"name":"acme-deploy"},"object":{"key":"migrator/search+team/web%C3%A9.yaml","eTag":"abc"}}},
                 {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"acme-deploy"},
                  "object":{"key":"migrator/payments.yaml"}}}]}""";
        assertEquals(List.of(new S3EventHints.Change("acme-deploy", "migrator/search team/webé.yaml", false),
                new S3EventHints.Change("acme-deploy", "migrator/payments.yaml", true)), S3EventHints.parse(body));
    }

    @Test
    void aTestEventOrAnythingElseSaysNothing() {
        assertEquals(List.of(), S3EventHints.parse("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\"}"));
        assertEquals(List.of(), S3EventHints.parse("not json"));
        assertEquals(List.of(), S3EventHints.parse("{\"Records\":[{\"eventName\":\"s3:ReducedRedundancyLostObject\"}]}"));
    }
}
