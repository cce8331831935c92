package dev.beanstalkmigrator.reconcile;

import dev.beanstalkmigrator.model.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A plan in a local file ({@code file:/path}). Its revision is a digest of its content. Files larger than
 * {@code maxBytes} are not read whole: the parser reports them as too large.
 */
public final class FilePlanSource implements PlanSource {

    private final Path path;
    private final long maxBytes;

    public FilePlanSource(Path path, long maxBytes) {
        this.path = path;
        this.maxBytes = maxBytes;
    }

    @Override
    public String name() {
        return path.toUri().toString();
    }

    @Override
    public Fetch fetch(String knownRevision) {
        byte[] content;
        try {
            long size = Files.size(path);
            if (size > maxBytes) {
                // Enough for the parser to see that the cap is exceeded, without holding a huge file.
                try (var in = Files.newInputStream(path)) {
                    content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                }
            } else {
                content = Files.readAllBytes(path);
            }
        } catch (NoSuchFileException e) {
            return new Fetch.Missing("no file " + path);
        } catch (IOException e) {
            return new Fetch.Missing("cannot read " + path + ": " + e.getMessage());
        }
        String revision = digest(content);
        return revision.equals(knownRevision) ? new Fetch.Unchanged() : new Fetch.Changed(content, revision);
    }

    static String digest(byte[] content) {
        return "sha256:" + Digests.sha256(content);
    }
}
