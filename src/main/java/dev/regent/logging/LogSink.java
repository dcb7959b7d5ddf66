package dev.regent.logging;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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
 */
public final class LogSink implements AutoCloseable {
    private static final String STOP = new String("stop");

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(16384);
    private final AtomicLong dropped = new AtomicLong();
    private final OutputStream out;
    private final Thread writer;

    public LogSink(String logto) throws IOException {
        this.out = logto == null ? new PrintStream(new FileOutputStream(java.io.FileDescriptor.err), false)
                : new FileOutputStream(logto, true);
        this.writer = Thread.ofPlatform().daemon().name("regent-log").start(this::drain);
    }

    /** Queues one line (without its newline). Never blocks. */
    public void line(String text) {
        if (!queue.offer(text)) {
            dropped.incrementAndGet();
        }
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
                if (first == null) {
                    flush(batch);
                    continue;
                }
                String line = first;
                boolean stop = false;
                do {
                    if (line == STOP) {
                        stop = true;
                        break;
                    }
                    batch.append(line).append('\n');
                } while (batch.length() < 65536 && (line = queue.poll()) != null);
                flush(batch);
                if (stop) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            flush(batch);
        }
    }

    private void flush(StringBuilder batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            out.write(batch.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // The log itself is broken; there is nowhere better to say so.
        }
        batch.setLength(0);
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
