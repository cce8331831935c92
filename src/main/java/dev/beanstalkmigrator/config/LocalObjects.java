package dev.beanstalkmigrator.config;

import dev.beanstalkmigrator.model.Digests;
import dev.beanstalkmigrator.port.CloudError;
import dev.beanstalkmigrator.port.ObjectLocation;
import dev.beanstalkmigrator.port.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@link ObjectStore} on local files (the key is the path), for {@code file:} status URIs: the ETag is a
 * digest of the content and writes are compare-and-swap within this process, replaced atomically. Not across
 * processes: two of them could both pass the check before either renames, so a {@code file:} ledger serves one
 * operator process only (README, "Not yet"). A file larger than a bounded read takes is digested a block at a
 * time, never held.
 */
final class LocalObjects implements ObjectStore {

    @Override
    public synchronized Read get(ObjectLocation location, String ifNoneMatch, long maxBytes) {
        Path path = Path.of(location.key());
        try {
            long size = Files.size(path);
            if (size > maxBytes) {
                String etag = etag(path);
                return etag.equals(ifNoneMatch) ? new Read.NotModified(etag) : new Read.TooLarge(size, etag);
            }
            byte[] body = Files.readAllBytes(path);
            String etag = etag(body);
            return etag.equals(ifNoneMatch) ? new Read.NotModified(etag) : new Read.Found(body, etag);
        } catch (NoSuchFileException e) {
            return new Read.Missing("no file " + location.key());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized byte[] getRange(ObjectLocation location, long offset, int length, String ifMatch) {
        Path path = Path.of(location.key());
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
            if (!etag(path).equals(ifMatch)) {
                throw new CloudError.Conflict("file:Read", "PreconditionFailed", path + " changed underneath", null);
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.max(0, Math.min(length, file.size() - offset)));
            while (buffer.hasRemaining()) {
                if (file.read(buffer, offset + buffer.position()) < 0) {
                    break;
                }
            }
            return buffer.array();
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

    /** {@link #etag(byte[])} of a file, read a block at a time. */
    private static String etag(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return "\"" + Digests.md5(in) + "\"";
        }
    }

    private static String etag(byte[] body) {
        return "\"" + Digests.md5(body) + "\"";
    }
}
