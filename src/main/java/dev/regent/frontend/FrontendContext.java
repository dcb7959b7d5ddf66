package dev.regent.frontend;

import dev.regent.dispatch.Dispatcher;
import dev.regent.logging.RequestLog;
import dev.regent.staticfiles.StaticFiles;
import dev.regent.stats.LoopCounters;

import java.util.HashSet;
import java.util.Set;

/**
 * What every client connection of one app shares: its dispatcher, limits, timeouts and log.
 * Lives on the I/O loop (the connection set and the cached Date line are not thread-safe).
 */
public final class FrontendContext {
    private final Dispatcher dispatcher;
    private final RequestLog requestLog;
    private final long limitPost;
    private final long headerTimeoutMillis;
    private final long keepaliveTimeoutMillis;
    private final HttpDate date = new HttpDate();
    private final Set<ClientConnection> connections = new HashSet<>();
    private boolean closing;
    private StaticFiles staticFiles;
    private final LoopCounters counters = new LoopCounters();

    private long socketTimeoutNanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    /**
     * Every second, closes connections whose client has not taken any response bytes for
     * {@code socket-timeout}: such a client would otherwise pin the worker that is producing its
     * response, through back-pressure, for as long as it stays connected.
     */
    public io.netty.util.concurrent.ScheduledFuture<?> startWriteStallSweep(io.netty.channel.EventLoop loop,
                                                                           java.time.Duration socketTimeout) {
        socketTimeoutNanos = socketTimeout.toNanos();
        return loop.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            for (ClientConnection c : Set.copyOf(connections)) {
                c.closeIfStalled(now, socketTimeoutNanos);
            }
        }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    public FrontendContext(Dispatcher dispatcher, RequestLog requestLog, long limitPost,
                           long headerTimeoutMillis, long keepaliveTimeoutMillis) {
        this.dispatcher = dispatcher;
        this.requestLog = requestLog;
        this.limitPost = limitPost;
        this.headerTimeoutMillis = headerTimeoutMillis;
        this.keepaliveTimeoutMillis = keepaliveTimeoutMillis;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public RequestLog requestLog() {
        return requestLog;
    }

    RequestLog.Logger log() {
        return requestLog.logger();
    }

    long limitPost() {
        return limitPost;
    }

    long headerTimeoutMillis() {
        return headerTimeoutMillis;
    }

    long keepaliveTimeoutMillis() {
        return keepaliveTimeoutMillis;
    }

    byte[] dateLine() {
        return date.line(System.currentTimeMillis());
    }

    Set<ClientConnection> connections() {
        return connections;
    }

    boolean closing() {
        return closing;
    }

    /** Graceful shutdown begins: finish in-flight responses with Connection: close, drop idle connections. */
    public void beginClosing() {
        closing = true;
        for (ClientConnection c : Set.copyOf(connections)) {
            c.closeWhenIdle();
        }
    }

    /** True once a graceful or immediate stop has begun (I/O loop only). */
    public boolean closingNow() {
        return closing;
    }

    /**
     * Closes every connection at once: a server sharing its event loop with others (an emperor's
     * vassal) ends, and nobody else would ever close them.
     */
    public void closeAll() {
        closing = true;
        for (ClientConnection c : Set.copyOf(connections)) {
            c.channel().close();
        }
    }

    /** Static files answered by the master before dispatch, or null (set once, before serving). */
    public void staticFiles(StaticFiles files) {
        this.staticFiles = files;
    }

    StaticFiles staticFiles() {
        return staticFiles;
    }

    /** Per-request counters behind the stats and metrics endpoints (I/O loop only). */
    public LoopCounters counters() {
        return counters;
    }

    public int openConnections() {
        return connections.size();
    }
}
