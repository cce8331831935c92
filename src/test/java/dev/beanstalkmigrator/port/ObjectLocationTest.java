package dev.beanstalkmigrator.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ObjectLocationTest {

    @Test
    void anS3ObjectReadsAsItsUri() {
        assertEquals("s3://plans/acme.status.yaml", ObjectLocation.parse("s3://plans/acme.status.yaml").toString());
    }

    @Test
    void aLocalLedgerReadsAsAFileUriNotAnEmptyBucket() {
        assertEquals("file:/srv/acme.status.yaml", new ObjectLocation("", "/srv/acme.status.yaml").toString());
    }

    @Test
    void aUriWithoutKeySaysHowToWriteOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ObjectLocation.parse("s3://plans/"));
        assertEquals("no object key in s3://plans/; write s3://bucket/key", e.getMessage());
    }
}
