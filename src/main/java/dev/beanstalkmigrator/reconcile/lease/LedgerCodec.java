package dev.beanstalkmigrator.reconcile.lease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.beanstalkmigrator.model.EnvironmentStatus;
import dev.beanstalkmigrator.model.MigrationStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Reads and writes the status ledger as YAML. */
public final class LedgerCodec {

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            // A record's maps (what was discovered, and how) are written in one order whatever map holds them.
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The ledger without its environments: its head, small and cheap to write or read. */
    private static final ObjectMapper HEAD = YAML.copy().addMixIn(MigrationStatus.class, OmitEmptyEnvironments.class);
    private static final byte[] ENVIRONMENTS_KEY = "environments:\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ENVIRONMENTS_HEAD = "\nenvironments:".getBytes(StandardCharsets.UTF_8);

    private abstract static class OmitEmptyEnvironments {
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        abstract List<EnvironmentStatus> environments();
    }

    private LedgerCodec() {}

    /**
     * Writes ledgers, remembering the YAML of the last environments it wrote: renewing the lease writes the same
     * environments with a new head, and with 1,000 environments serializing them again would cost tens of
     * milliseconds every retry period. The bytes are those of {@link LedgerCodec#write}.
     */
    static final class Writer {
        private List<EnvironmentStatus> environments;
        private byte[] environmentsYaml;

        byte[] write(MigrationStatus status) {
            try {
                if (status.environments().isEmpty()) {
                    return YAML.writeValueAsBytes(status);
                }
                byte[] head = HEAD.writeValueAsBytes(status.withEnvironments(List.of()));
                if (status.environments() != environments) {
                    environmentsYaml = YAML.writeValueAsBytes(status.environments());
                    environments = status.environments();
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + ENVIRONMENTS_KEY.length
                        + environmentsYaml.length);
                out.writeBytes(head);
                out.writeBytes(ENVIRONMENTS_KEY);
                out.writeBytes(environmentsYaml);
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Takes {@code environments}, just read from {@code document}, as written: their YAML is the document's own
         * bytes after {@code environments:}, so the next write of them (the lease taken or renewed on a ledger this
         * replica has only read) serializes the head alone. Nothing is taken unless those bytes hold the
         * environments and nothing else: a block sequence to the end of the document, every line of it indented or
         * an item (a ledger edited by hand may have put a key, a comment or a document marker after them).
         *
         * @return whether they were taken
         */
        boolean seed(List<EnvironmentStatus> environments, byte[] document) {
            int at = indexOf(document, ENVIRONMENTS_HEAD);
            if (environments.isEmpty() || at < 0 || indexOf(document, ENVIRONMENTS_HEAD, at + 1) >= 0) {
                return false;
            }
            int start = at + 1 + ENVIRONMENTS_KEY.length;
            if (!startsWith(document, at + 1, ENVIRONMENTS_KEY) || !onlySequenceLines(document, start)) {
                return false;
            }
            this.environments = environments;
            this.environmentsYaml = Arrays.copyOfRange(document, start, document.length);
            return true;
        }

        /** Whether every line from {@code start} is indented or a sequence item ({@code "- "}), and the last ends. */
        private static boolean onlySequenceLines(byte[] yaml, int start) {
            if (start >= yaml.length || yaml[yaml.length - 1] != '\n') {
                return false;
            }
            for (int i = start; i < yaml.length; i++) {
                if (i == start || yaml[i - 1] == '\n') {
                    byte b = yaml[i];
                    boolean item = b == '-' && i + 1 < yaml.length && (yaml[i + 1] == ' ' || yaml[i + 1] == '\n');
                    if (b != ' ' && !item) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    private static boolean startsWith(byte[] haystack, int at, byte[] prefix) {
        if (at + prefix.length > haystack.length) {
            return false;
        }
        for (int j = 0; j < prefix.length; j++) {
            if (haystack[at + j] != prefix[j]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads only the head of a ledger (everything before {@code environments:}, which the operator writes
     * last): its leader and lease, without the cost of parsing every environment.
     *
     * @throws IllegalArgumentException if the bytes are not a ledger
     */
    public static MigrationStatus readHead(byte[] yaml) {
        int end = indexOf(yaml, ENVIRONMENTS_HEAD);
        if (end < 0) {
            return read(yaml);
        }
        byte[] head = new byte[end + 1];
        System.arraycopy(yaml, 0, head, 0, end + 1);
        return read(head);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle, 0);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

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
