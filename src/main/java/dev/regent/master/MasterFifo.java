package dev.regent.master;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code master-fifo}: named pipes (mode 0600) whose every byte is a command. One small daemon
 * thread reads the selected FIFO and only posts {@link Event.FifoCommand}s; the master loop acts.
 * The digits 0-9 select which of the configured FIFOs is read from then on (uWSGI's multi-FIFO
 * trick: a deploy script can switch to a fresh FIFO); the reader handles them itself.
 *
 * <p>The FIFO is opened read-write: a read-only open would block until a writer appears and
 * would see EOF each time a writer ({@code echo r > fifo}) closes, so uWSGI reopens on EOF.
 * Holding a write end ourselves means neither happens; should a read still end (the file was
 * replaced), the FIFO is recreated and reopened.
 */
final class MasterFifo implements AutoCloseable {
    private final List<Path> paths;
    private final Consumer<Event> events;
    private final Consumer<String> log;
    private final Thread thread;
    private volatile FileChannel channel;
    private volatile boolean closed;
    private int selected;

    private MasterFifo(List<Path> paths, Consumer<Event> events, Consumer<String> log) {
        this.paths = paths;
        this.events = events;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon().name("regent-master-fifo").unstarted(this::run);
    }

    /** Creates every FIFO (replacing stale ones) and starts reading the first; null when {@code files} is empty. */
    static MasterFifo start(List<String> files, Consumer<Event> events, Consumer<String> log) throws IOException {
        if (files.isEmpty()) {
            return null;
        }
        List<Path> paths = files.stream().map(Path::of).toList();
        for (Path p : paths) {
            create(p);
        }
        MasterFifo fifo = new MasterFifo(paths, events, log);
        fifo.thread.start();
        return fifo;
    }

    /** mkfifo with mode 0600; an existing FIFO at the path (left by a killed master) is replaced. */
    private static void create(Path path) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!isFifo(path)) {
                throw new IOException("master-fifo: " + path + " (expected: a FIFO or nothing at that path)");
            }
            Files.delete(path);
        }
        // Java has no mkfifo; mkfifo(1) is in coreutils, present wherever Regent runs.
        Process p = new ProcessBuilder("mkfifo", "-m", "600", path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("master-fifo: cannot create " + path + ": " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("master-fifo: interrupted creating " + path);
        }
        // mkfifo -m is not subject to the umask, but make sure of 0600 whatever mkfifo did.
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }

    private static boolean isFifo(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer m && (m & 0170000) == 0010000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(64);
        while (!closed) {
            Path path = paths.get(selected);
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                channel = ch;
                log.accept("master-fifo: reading " + path);
                int switchTo = -1;
                while (!closed && switchTo < 0) {
                    buf.clear();
                    if (ch.read(buf) < 0) {
                        break;
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        char c = (char) (buf.get() & 0xff);
                        if (c >= '0' && c <= '9') {
                            switchTo = select(c - '0');
                        } else if (c > ' ') {
                            events.accept(new Event.FifoCommand(c));
                        }
                    }
                }
                if (switchTo >= 0) {
                    selected = switchTo;
                }
            } catch (ClosedByInterruptException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                log.accept("master-fifo: " + path + ": " + e.getMessage() + "; recreating it");
                try {
                    create(path);
                } catch (IOException again) {
                    log.accept(again.getMessage() + "; the master FIFO is off");
                    return;
                }
            }
        }
    }

    /** The FIFO index to read next after digit {@code n}, or -1 to stay (no such FIFO). */
    private int select(int n) {
        if (n >= paths.size()) {
            log.accept("master-fifo: no FIFO number " + n + " (" + paths.size() + " configured); staying on "
                    + paths.get(selected));
            return -1;
        }
        return n == selected ? -1 : n;
    }

    /** Stops the reader (closing the channel wakes its blocked read) and removes the FIFOs. */
    @Override
    public void close() {
        closed = true;
        FileChannel ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Closing is best effort; the thread is a daemon.
            }
        }
        thread.interrupt();
        for (Path p : paths) {
            try {
                if (isFifo(p)) {
                    Files.delete(p);
                }
            } catch (IOException ignored) {
                // Another process may have replaced it; leave that alone.
            }
        }
    }
}
