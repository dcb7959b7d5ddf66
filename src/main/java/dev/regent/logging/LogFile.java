package dev.regent.logging;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The {@code logto} file, owned by the log writer thread: appends, counts its size, rotates it
 * ({@code log-maxsize}, {@code log-backupname}) and reopens it by name. Failures are reported
 * into the log itself when possible and never stop the writer.
 */
final class LogFile {
    private static final Set<StandardOpenOption> APPEND =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

    private final Path path;
    private final long maxSize;
    private final String backupName;
    private FileChannel channel;
    private long size;

    LogFile(String logto, long maxSize, String backupName) throws IOException {
        this.path = Path.of(logto);
        this.maxSize = maxSize;
        this.backupName = backupName;
        open();
    }

    private void open() throws IOException {
        // 0640 like uWSGI (the umask may remove more)
        channel = FileChannel.open(path, APPEND,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
        size = channel.size();
    }

    void write(byte[] bytes) {
        if (channel == null) {
            return;
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            while (buf.hasRemaining()) {
                size += channel.write(buf);
            }
        } catch (IOException e) {
            // The log itself is broken; there is nowhere better to say so.
        }
    }

    boolean tooBig() {
        return maxSize > 0 && size > maxSize;
    }

    /** Renames the file to its backup name and starts a new one under the old name. */
    void rotate() {
        Path target = backupPath();
        note("logsize: " + size + ", triggering rotation to " + target + "...");
        try {
            if (backupName == null) {
                // Two rotations within one second must not overwrite each other's file.
                Files.move(path, target);
            } else {
                Files.move(path, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            note("unable to rotate log: " + e);
            return;
        }
        reopenQuietly();
    }

    /** Closes and opens the file by name again (someone else moved it away). */
    void reopen() {
        reopenQuietly();
        note(path + " reopened");
    }

    private void reopenQuietly() {
        closeChannel();
        try {
            open();
        } catch (IOException e) {
            // Keep running without a log rather than stopping the server over it.
            System.err.println("cannot reopen the log " + path + ": " + e);
        }
    }

    private Path backupPath() {
        if (backupName != null) {
            return Path.of(backupName);
        }
        String base = path + "." + System.currentTimeMillis() / 1000;
        Path candidate = Path.of(base);
        for (int n = 1; Files.exists(candidate); n++) {
            candidate = Path.of(base + "." + n);
        }
        return candidate;
    }

    private void note(String message) {
        write((RequestLog.Logger.stamp() + message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void close() {
        closeChannel();
    }

    private void closeChannel() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // Everything written has already reached the kernel; nothing is lost.
        }
        channel = null;
    }
}
