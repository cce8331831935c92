package dev.beanstalkmigrator.reconcile;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.beanstalkmigrator.model.MigrationStatus;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Reads and writes the status ledger as YAML. */
public final class LedgerCodec {

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private LedgerCodec() {}

    public static byte[] write(MigrationStatus status) {
        try {
            return YAML.writeValueAsBytes(status);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a ledger. Unknown fields are ignored so that an older operator can read a newer ledger during a
     * rolling upgrade.
     *
     * @throws IllegalArgumentException if the bytes are not a ledger
     */
    public static MigrationStatus read(byte[] yaml) {
        try {
            MigrationStatus status = YAML.readValue(yaml, MigrationStatus.class);
            if (status == null || !MigrationStatus.KIND.equals(status.kind())) {
                throw new IllegalArgumentException("not a " + MigrationStatus.KIND + " document");
            }
            return status;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the status ledger is not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
