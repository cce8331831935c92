package dev.beanstalkmigrator.reconcile.desired;

import dev.beanstalkmigrator.model.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A plan in a local file ({@code file:/path}). Its revision is a digest of its content. A file larger than the
 * parser takes is not read at all: its revision is then its size and modification time.
 */
public final class FilePlanSource implements PlanSource {

    private final Path path;

    public FilePlanSource(Path path) {
        this.path = path;
    }

    @Override
    public String name() {
        return path.toUri().toString();
    }

    @Override
    public Fetch fetch(String knownRevision, long maxBytes) {
        byte[] content;
        try {
            long size = Files.size(path);
            if (size > maxBytes) {
                String revision = "size:" + size + ",modified:" + Files.getLastModifiedTime(path).toInstant();
                return revision.equals(knownRevision) ? new Fetch.Unchanged() : new Fetch.TooLarge(size, revision);
            }
            content = Files.readAllBytes(path);
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
