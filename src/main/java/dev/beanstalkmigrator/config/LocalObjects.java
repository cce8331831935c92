package dev.beanstalkmigrator.config;

import dev.beanstalkmigrator.model.Digests;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@link ObjectStore} on local files (the key is the path), for {@code file:} status URIs: the ETag is a
 * digest of the content and writes are compare-and-swap within this process, replaced atomically. Not across
 * processes: two of them could both pass the check before either renames, so a {@code file:} ledger serves one
 * operator process only (README, "Not yet").
 */
final class LocalObjects implements ObjectStore {

    @Override
    public synchronized Read get(ObjectLocation location, String ifNoneMatch) {
        try {
            byte[] body = Files.readAllBytes(Path.of(location.key()));
            String etag = etag(body);
            return etag.equals(ifNoneMatch) ? new Read.NotModified(etag) : new Read.Found(body, etag);
        } catch (NoSuchFileException e) {
            return new Read.Missing("no file " + location.key());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized String put(ObjectLocation location, byte[] body, String contentType, String ifMatch) {
        Path path = Path.of(location.key());
        Read current = get(location, null);
        boolean matches = ifMatch == null ? current instanceof Read.Missing
                : current instanceof Read.Found found && found.etag().equals(ifMatch);
        if (!matches) {
            throw new CloudError.Conflict("file:Write", "PreconditionFailed", path + " changed underneath", null);
        }
        try {
            Path parent = path.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, ".status", ".tmp");
            Files.write(temp, body);
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return etag(body);
    }

    private static String etag(byte[] body) {
        return "\"" + Digests.md5(body) + "\"";
    }
}
