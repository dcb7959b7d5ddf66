package dev.regent.logging;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where log lines go: stderr or the {@code logto} file, written by one background thread so that
 * a slow disk or a full pipe never blocks request handling. The queue is bounded; when it is
 * full, lines are dropped, counted, and the count is reported as soon as there is room.
 *
 * <p>Rotation ({@code log-maxsize}) and reopening (SIGHUP with {@code log-reopen}, master-fifo
 * {@code l} and {@code L}) happen on the writer thread between two batches, so no line is ever
 * written to a closed file or lost between the old file and the new one.
 */
public final class LogSink implements AutoCloseable {
    private static final String STOP = new String("stop");
    /** Queued requests, carried out in order with the lines around them. */
    private static final String REOPEN = new String("reopen");
    private static final String ROTATE = new String("rotate");

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(16384);
    private final AtomicLong dropped = new AtomicLong();
    private final LogFile file;
    private final PrintStream stderr;
    private final Thread writer;
    private volatile boolean reopenRequested;
    private volatile boolean rotateRequested;

    public LogSink(String logto) throws IOException {
        this(logto, 0, null);
    }

    /**
     * @param logto      file to append to, or null for stderr
     * @param maxSize    rotate the file when it grows past this many bytes (0: never)
     * @param backupName the rotated file's name, or null for {@code <logto>.<epoch>}
     */
    public LogSink(String logto, long maxSize, String backupName) throws IOException {
        this.file = logto == null ? null : new LogFile(logto, maxSize, backupName);
        this.stderr = logto == null ? new PrintStream(new FileOutputStream(java.io.FileDescriptor.err), false) : null;
        this.writer = Thread.ofPlatform().daemon().name("regent-log").start(this::drain);
    }

    /** Queues one line (without its newline). Never blocks. */
    public void line(String text) {
        if (!queue.offer(text)) {
            dropped.incrementAndGet();
        }
    }

    /** Reopens the logto file by name (after an external rename); no effect on stderr. Thread-safe. */
    public void reopen() {
        if (!queue.offer(REOPEN)) {
            // the queue is full: done after the next batch instead
            reopenRequested = true;
        }
    }

    /** Rotates the logto file now, as if it had reached log-maxsize. Thread-safe. */
    public void rotate() {
        if (!queue.offer(ROTATE)) {
            rotateRequested = true;
        }
    }

    /** Lines dropped because the queue was full and not yet reported (for tests and stats). */
    public long pendingDropped() {
        return dropped.get();
    }

    private void drain() {
        StringBuilder batch = new StringBuilder(8192);
        try {
            while (true) {
                String first = queue.poll(1, TimeUnit.SECONDS);
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    batch.append("*** log buffer full: ").append(lost).append(" lines dropped ***\n");
                }
                boolean stop = false;
                String line = first;
                while (line != null) {
                    if (line == STOP) {
                        stop = true;
                        break;
                    }
                    if (line == REOPEN || line == ROTATE) {
                        flush(batch);
                        if (file != null) {
                            if (line == REOPEN) {
                                file.reopen();
                            } else {
                                file.rotate();
                            }
                        }
                    } else {
                        batch.append(line).append('\n');
                    }
                    if (batch.length() >= 65536) {
                        break;
                    }
                    line = queue.poll();
                }
                flush(batch);
                maintain();
                if (stop) {
                    close(file);
                    return;
                }
            }
        } catch (InterruptedException e) {
            flush(batch);
            close(file);
        }
    }

    /** Rotation and reopening, between batches. */
    private void maintain() {
        if (file == null) {
            reopenRequested = false;
            rotateRequested = false;
            return;
        }
        if (rotateRequested) {
            rotateRequested = false;
            file.rotate();
        } else if (file.tooBig()) {
            file.rotate();
        }
        if (reopenRequested) {
            reopenRequested = false;
            file.reopen();
        }
    }

    private void flush(StringBuilder batch) {
        if (batch.isEmpty()) {
            return;
        }
        byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
        batch.setLength(0);
        if (file != null) {
            file.write(bytes);
            return;
        }
        stderr.write(bytes, 0, bytes.length);
        stderr.flush();
    }

    private static void close(LogFile file) {
        if (file != null) {
            file.close();
        }
    }

    /** Writes everything queued so far, then stops the writer thread. */
    @Override
    public void close() {
        try {
            queue.put(STOP);
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
