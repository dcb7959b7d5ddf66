package dev.regent.logging;

import dev.regent.config.LogSpec;
import dev.regent.frontend.ClientConnection;
import dev.regent.protocol.RequestHead;
import dev.regent.protocol.environ.EnvironReader;
import io.netty.buffer.ByteBuf;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request log and the server's own messages, both into one {@link LogSink}.
 *
 * <p>Default request line (documented in docs/logging.md):
 * <pre>
 * [pid: 4242|worker: 1|req: 17] 127.0.0.1 [Mon Nov 23 02:40:00 2026] GET /hello => generated 12 bytes in 1 msecs (HTTP/1.1 200)
 * </pre>
 * or the compiled {@code log-format} / {@code log-json} line. Whether a request is logged is
 * decided from three numbers first ({@link #reason}); nothing is allocated or formatted for a
 * request that is not logged.
 */
public final class RequestLog {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    /**
     * Why a request is logged: the first rule that matches, in the order of uWSGI's
     * {@code core/logging.c: log_request} (zero, slow, 4xx, 5xx, big, then logging enabled).
     */
    public enum Reason { ZERO, SLOW, STATUS_4XX, STATUS_5XX, BIG, ENABLED }

    private final LogSpec spec;
    private final LogSink sink;
    private final Logger logger;
    private final AtomicLong requests = new AtomicLong();
    private final ZoneId zone = ZoneId.systemDefault();
    /** The log-format or JSON line; null for the default line. */
    private final LogFormat format;
    /** log-date prefix; null when off. */
    private final Strftime date;
    private final boolean anyLine;
    private final long pid = ProcessHandle.current().pid();

    public RequestLog(LogSpec spec, LogSink sink) {
        this.spec = spec;
        this.sink = sink;
        this.logger = new Logger(sink, spec.reopen());
        this.format = compile(spec, zone);
        this.date = spec.date() == null || spec.json() ? null
                : spec.date().isEmpty() ? Strftime.CTIME : Strftime.compile(spec.date());
        this.anyLine = !spec.disableLogging() || spec.log4xx() || spec.log5xx() || spec.logZero()
                || spec.logSlowMillis() > 0 || spec.logBigBytes() > 0;
    }

    static LogFormat compile(LogSpec spec, ZoneId zone) {
        Strftime ftime = spec.formatStrftime() && spec.date() != null && !spec.date().isEmpty()
                ? Strftime.compile(spec.date()) : null;
        if (spec.format() != null && !spec.format().isEmpty()) {
            return LogFormat.compile(spec.format(), ftime, spec.formatStrftime(), spec.json(), zone);
        }
        if (spec.json()) {
            String keys = spec.micros() ? LogFormat.DEFAULT_JSON.replace("msecs", "micros") : LogFormat.DEFAULT_JSON;
            return LogFormat.compile(keys, null, false, true, zone);
        }
        return null;
    }

    public Logger logger() {
        return logger;
    }

    public long requests() {
        return requests.get();
    }

    /**
     * True when some request could be logged: the connection then keeps each request's environ
     * until the line is decided (for the address, the protocol and log-format's variables).
     */
    public boolean needsEnviron() {
        return anyLine;
    }

    /** True when the response head's fields must be counted ({@code %(headers)}). */
    public boolean needsHeaderCount() {
        return anyLine && format != null && format.needsHeaders();
    }

    /** The first rule that logs this request, or null when it is not logged. */
    public Reason reason(int status, long rsize, long msecs) {
        if (spec.logZero() && rsize == 0) {
            return Reason.ZERO;
        }
        if (spec.logSlowMillis() > 0 && msecs >= spec.logSlowMillis()) {
            return Reason.SLOW;
        }
        if (spec.log4xx() && status >= 400 && status <= 499) {
            return Reason.STATUS_4XX;
        }
        if (spec.log5xx() && status >= 500 && status <= 599) {
            return Reason.STATUS_5XX;
        }
        if (spec.logBigBytes() > 0 && rsize >= spec.logBigBytes()) {
            return Reason.BIG;
        }
        return spec.disableLogging() ? null : Reason.ENABLED;
    }

    /**
     * Counts one finished request and logs it when a rule says so.
     *
     * @param environ   the request's environ, or null when it was not kept; not released here
     * @param hsize     response head bytes sent
     * @param headers   response header fields the app gave (0 unless {@link #needsHeaderCount})
     * @param workerPid pid of the worker that served it, 0 when none did
     */
    public void log(ClientConnection conn, RequestHead head, ByteBuf environ, int status, long rsize, long hsize,
                    int headers, long nanos, int workerId, long workerPid, int core) {
        Instant now = Instant.now();
        long startMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - nanos / 1000;
        log(conn, head, environ, status, rsize, hsize, headers, nanos, startMicros, workerId, workerPid, core);
    }

    /** As above, for a request that started at {@code startMicros} (wall clock, µs since the epoch). */
    public void log(ClientConnection conn, RequestHead head, ByteBuf environ, int status, long rsize, long hsize,
                    int headers, long nanos, long startMicros, int workerId, long workerPid, int core) {
        write(conn == null ? "-" : null, conn, head, environ, status, rsize, hsize, headers, nanos, startMicros,
                workerId, workerPid, core);
    }

    /**
     * A request a worker answered directly on a uwsgi socket (frontend.DirectRequestLog). Its
     * packet names the TCP peer (the worker adds REMOTE_ADDR when the proxy did not), so one
     * without an address came over a Unix socket, which a relayed request's line calls "unix".
     */
    public void logDirect(RequestHead head, ByteBuf environ, int status, long rsize, long hsize, int headers,
                          long nanos, long startMicros, int workerId, long workerPid, int core) {
        write("unix", null, head, environ, status, rsize, hsize, headers, nanos, startMicros, workerId, workerPid,
                core);
    }

    private void write(String noConnection, ClientConnection conn, RequestHead head, ByteBuf environ, int status,
                       long rsize, long hsize, int headers, long nanos, long startMicros, int workerId,
                       long workerPid, int core) {
        long n = requests.incrementAndGet();
        if (reason(status, rsize, nanos / 1_000_000) == null) {
            return;
        }
        long micros = nanos / 1000;
        String proto = environ == null ? null : EnvironReader.get(environ, "SERVER_PROTOCOL");
        LogRecord r = new LogRecord(head.method(), head.uri(),
                proto != null ? proto : head.http10() ? "HTTP/1.0" : "HTTP/1.1",
                address(conn, environ, noConnection), environ, status, rsize, hsize, headers,
                head.framing() == RequestHead.BodyFraming.LENGTH ? head.contentLength() : 0,
                startMicros, micros, workerPid > 0 ? workerPid : pid, workerId, core, n);
        sink.line(line(r));
    }

    /** The text of one line, date prefix included. */
    String line(LogRecord r) {
        StringBuilder sb = new StringBuilder(200);
        if (date != null) {
            date.append(sb, ZonedDateTime.now(zone));
            sb.append(" - ");
        }
        if (format != null) {
            format.append(sb, r);
        } else {
            defaultLine(sb, r);
        }
        return sb.toString();
    }

    private void defaultLine(StringBuilder sb, LogRecord r) {
        sb.append("[pid: ").append(pid).append("|worker: ").append(r.wid()).append("|req: ").append(r.requests())
                .append("] ").append(r.addr()).append(" [");
        Strftime.CTIME.append(sb, LogVariables.start(r, zone));
        sb.append("] ").append(r.method()).append(' ').append(r.uri()).append(" => generated ").append(r.rsize())
                .append(" bytes in ");
        if (spec.micros()) {
            sb.append(r.micros()).append(" micros (");
        } else {
            sb.append(r.micros() / 1000).append(" msecs (");
        }
        sb.append(r.proto()).append(' ').append(r.status()).append(')');
    }

    /** X-Forwarded-For with log-x-forwarded-for, else REMOTE_ADDR, else the peer. */
    private String address(ClientConnection conn, ByteBuf environ, String noConnection) {
        if (environ != null) {
            if (spec.xForwardedFor()) {
                String xff = EnvironReader.get(environ, "HTTP_X_FORWARDED_FOR");
                if (xff != null && !xff.isEmpty()) {
                    return xff;
                }
            }
            String remote = EnvironReader.get(environ, "REMOTE_ADDR");
            if (remote != null && !remote.isEmpty()) {
                return remote;
            }
        }
        return conn == null ? noConnection : conn.remote();
    }

    /** Server messages: one line each, with a timestamp and a level for warnings and errors. */
    public static final class Logger {
        private final LogSink sink;
        private final boolean reopenOnReload;

        Logger(LogSink sink, boolean reopenOnReload) {
            this.sink = sink;
            this.reopenOnReload = reopenOnReload;
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

        /** A reload begins: with log-reopen, the logto file is reopened (logrotate moved it away). */
        public void reloading() {
            if (reopenOnReload) {
                sink.reopen();
            }
        }

        /** Reopens the logto file now (master-fifo {@code l}). */
        public void reopen() {
            sink.reopen();
        }

        /** Rotates the logto file now (master-fifo {@code L}). */
        public void rotate() {
            sink.rotate();
        }

        static String stamp() {
            return "[" + STAMP.format(LocalDateTime.now()) + "] ";
        }
    }
}
