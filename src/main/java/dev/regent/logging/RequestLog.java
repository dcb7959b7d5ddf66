package dev.regent.logging;

import dev.regent.config.LogSpec;
import dev.regent.frontend.ClientConnection;
import dev.regent.protocol.RequestHead;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request log and the server's own messages, both into one {@link LogSink}.
 *
 * <p>Default request line (documented in docs/logging.md):
 * <pre>
 * [pid: 4242|worker: 1|req: 17] 127.0.0.1:50312 [Mon Nov 23 02:40:00 2026] GET /hello => generated 12 bytes in 1 msecs (HTTP/1.1 200)
 * </pre>
 * Nothing is formatted when the line would not be written.
 */
public final class RequestLog {
    private static final DateTimeFormatter CTIME =
            DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private final LogSpec spec;
    private final LogSink sink;
    private final Logger logger;
    private final AtomicLong requests = new AtomicLong();

    public RequestLog(LogSpec spec, LogSink sink) {
        this.spec = spec;
        this.sink = sink;
        this.logger = new Logger(sink);
    }

    public Logger logger() {
        return logger;
    }

    public long requests() {
        return requests.get();
    }

    public void log(ClientConnection conn, RequestHead head, int status, long bytes, long nanos, int workerId) {
        long n = requests.incrementAndGet();
        boolean wanted = !spec.disableLogging()
                || (spec.log4xx() && status >= 400 && status < 500)
                || (spec.log5xx() && status >= 500);
        if (!wanted) {
            return;
        }
        StringBuilder sb = new StringBuilder(160);
        sb.append("[pid: ").append(ProcessHandle.current().pid()).append("|worker: ").append(workerId)
                .append("|req: ").append(n).append("] ").append(conn.remote()).append(" [")
                .append(CTIME.format(LocalDateTime.now())).append("] ").append(head.method()).append(' ')
                .append(head.uri()).append(" => generated ").append(bytes).append(" bytes in ")
                .append(nanos / 1_000_000).append(" msecs (").append(head.http10() ? "HTTP/1.0 " : "HTTP/1.1 ")
                .append(status).append(')');
        sink.line(sb.toString());
    }

    /** Server messages: one line each, with a timestamp and a level for warnings and errors. */
    public static final class Logger {
        private final LogSink sink;

        Logger(LogSink sink) {
            this.sink = sink;
        }

        public void info(String message) {
            sink.line(stamp() + message);
        }

        public void warn(String message) {
            sink.line(stamp() + "WARNING: " + message);
        }

        public void error(String message) {
            sink.line(stamp() + "ERROR: " + message);
        }

        private static String stamp() {
            return "[" + STAMP.format(LocalDateTime.now()) + "] ";
        }
    }
}
