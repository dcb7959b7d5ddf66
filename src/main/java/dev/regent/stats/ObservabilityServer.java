package dev.regent.stats;

import dev.regent.config.ObservabilitySpec;
import dev.regent.config.SocketSpec;
import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.WorkerSlots;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The stats server ({@code stats}, {@code stats-http}) and the health and metrics endpoints
 * ({@code health-http}, {@code metrics-http}). Its channels live on the I/O loop, the loop that
 * owns the dispatcher and the counters, so a document is built from live data without locks;
 * what the master thread owns comes from the {@link MasterBoard} snapshot.
 *
 * <p>Raw {@code stats}: the JSON is written as soon as a client connects, then the connection is
 * closed (uWSGI's behaviour, which uwsgitop and uwsgi_exporter expect). The HTTP variants read
 * one request head (at most 4096 bytes, 4 s), answer with HTTP/1.0 and close.
 */
public final class ObservabilityServer implements AutoCloseable {
    private static final int MAX_HEAD = 4096;
    private static final long READ_TIMEOUT_SECONDS = 4;
    /** The master thread publishes at least every 100 ms; silence for this long means it is stuck. */
    private static final long LIVE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private enum Mode { RAW_STATS, STATS_HTTP, HEALTH, METRICS }

    private final Dispatcher dispatcher;
    private final LoopCounters counters;
    private final MasterBoard board;
    private final StatsDocument.Static info;
    private final String app;
    private final boolean minified;
    private final List<Channel> channels = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final List<String> described = new ArrayList<>();

    private ObservabilityServer(Dispatcher dispatcher, LoopCounters counters, MasterBoard board,
                                StatsDocument.Static info, String app, boolean minified) {
        this.dispatcher = dispatcher;
        this.counters = counters;
        this.board = board;
        this.info = info;
        this.app = app;
        this.minified = minified;
    }

    /** Binds every configured endpoint; returns null when none is configured. */
    public static ObservabilityServer start(EventLoopGroup group, ObservabilitySpec spec, Dispatcher dispatcher,
                                            LoopCounters counters, MasterBoard board, StatsDocument.Static info,
                                            String app) throws IOException {
        if (spec.stats() == null && spec.healthHttp() == null && spec.metricsHttp() == null) {
            return null;
        }
        ObservabilityServer server = new ObservabilityServer(dispatcher, counters, board, info, app,
                spec.statsMinified());
        try {
            if (spec.stats() != null) {
                server.bind(group, spec.stats(), spec.statsHttp() ? Mode.STATS_HTTP : Mode.RAW_STATS);
            }
            if (spec.healthHttp() != null) {
                server.bind(group, spec.healthHttp(), Mode.HEALTH);
            }
            if (spec.metricsHttp() != null) {
                server.bind(group, spec.metricsHttp(), Mode.METRICS);
            }
        } catch (IOException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** "stats on 127.0.0.1:9191, health on ..." for the startup line. */
    public String describe() {
        return String.join(", ", described);
    }

    private void bind(EventLoopGroup group, String address, Mode mode) throws IOException {
        SocketSpec spec = new SocketSpec(SocketSpec.Protocol.HTTP, address);
        ServerBootstrap b = new ServerBootstrap().group(group).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Handler(mode));
            }
        });
        SocketAddress bindTo;
        if (spec.isUnix()) {
            b.channel(EpollServerDomainSocketChannel.class);
            if (spec.isAbstract()) {
                bindTo = new DomainSocketAddress("\0" + address.substring(1));
            } else {
                Path file = Path.of(address);
                // A stale stats socket from a killed master would make bind fail; only sockets are removed.
                if (Files.exists(file) && !Files.isRegularFile(file) && !Files.isDirectory(file)) {
                    Files.delete(file);
                }
                files.add(file);
                bindTo = new DomainSocketAddress(file.toFile());
            }
        } else {
            b.channel(EpollServerSocketChannel.class).option(ChannelOption.SO_REUSEADDR, true);
            bindTo = spec.host().isEmpty() ? new InetSocketAddress(spec.port())
                    : new InetSocketAddress(spec.host(), spec.port());
        }
        Channel ch;
        try {
            ch = b.bind(bindTo).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IOException("cannot bind the " + name(mode) + " socket " + address + ": " + e.getMessage(), e);
        }
        channels.add(ch);
        String where = ch.localAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() + ":" + a.getPort() : address;
        described.add(name(mode) + " on " + where);
    }

    private static String name(Mode mode) {
        return switch (mode) {
            case RAW_STATS -> "stats";
            case STATS_HTTP -> "stats-http";
            case HEALTH -> "health";
            case METRICS -> "metrics";
        };
    }

    /** Readiness: serving (app imported), not stopping, and at least one worker takes requests. */
    boolean ready() {
        MasterBoard.Snapshot snap = board.snapshot();
        if (!snap.running() || board.stopping()) {
            return false;
        }
        if (board.scaling() != null && board.scaling().asleep()) {
            return true;  // no worker while idle, but the next request wakes one: keep traffic coming
        }
        for (WorkerSlots w : dispatcher.workers()) {
            if (!w.draining()) {
                return true;
            }
        }
        return false;
    }

    boolean live() {
        return System.nanoTime() - board.snapshot().publishedNanos() < LIVE_NANOS;
    }

    String stats() {
        return StatsDocument.build(info, dispatcher, counters, board.snapshot(), board.scaling(), !minified);
    }

    /** Status, content type and body for an HTTP request on an endpoint of this mode. */
    private String[] route(Mode mode, String path) {
        if (mode == Mode.METRICS || path.equals("/metrics")) {
            return new String[] {"200 OK", Metrics.CONTENT_TYPE,
                    Metrics.build(app, info.threads(), dispatcher, counters, board.snapshot(), board.scaling(), ready())};
        }
        if (path.equals("/ready") || path.equals("/readyz")) {
            boolean ok = ready();
            return new String[] {ok ? "200 OK" : "503 Service Unavailable", "text/plain",
                    ok ? "ready\n" : "not ready\n"};
        }
        if (path.equals("/live") || path.equals("/livez") || path.equals("/healthz")) {
            boolean ok = live();
            return new String[] {ok ? "200 OK" : "503 Service Unavailable", "text/plain", ok ? "live\n" : "stuck\n"};
        }
        if (mode == Mode.STATS_HTTP) {
            return new String[] {"200 OK", "application/json", stats()};
        }
        return new String[] {"404 Not Found", "text/plain", "not found (try /ready, /live or /metrics)\n"};
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final Mode mode;
        private final StringBuilder head = new StringBuilder();
        private boolean answered;

        Handler(Mode mode) {
            this.mode = mode;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (mode == Mode.RAW_STATS) {
                answered = true;
                ctx.writeAndFlush(Unpooled.copiedBuffer(stats(), StandardCharsets.UTF_8))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.executor().schedule(() -> {
                if (!answered) {
                    ctx.close();
                }
            }, READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (answered) {
                    return;
                }
                head.append(in.toString(StandardCharsets.ISO_8859_1));
                int end = head.indexOf("\r\n\r\n");
                if (end < 0) {
                    end = head.indexOf("\n\n");
                }
                if (end < 0 && head.length() < MAX_HEAD) {
                    return;
                }
                answered = true;
                respond(ctx, path(head));
            } finally {
                in.release();
            }
        }

        private void respond(ChannelHandlerContext ctx, String path) {
            String[] r = route(mode, path);
            byte[] body = r[2].getBytes(StandardCharsets.UTF_8);
            String headers = "HTTP/1.0 " + r[0] + "\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n"
                    + "Content-Type: " + r[1] + "\r\nContent-Length: " + body.length + "\r\n\r\n";
            ByteBuf out = ctx.alloc().buffer(headers.length() + body.length);
            out.writeCharSequence(headers, StandardCharsets.US_ASCII);
            out.writeBytes(body);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The path of the request line ("GET /ready HTTP/1.1"), without its query; "/" when unreadable. */
    static String path(CharSequence head) {
        String s = head.toString();
        int sp = s.indexOf(' ');
        int sp2 = sp < 0 ? -1 : s.indexOf(' ', sp + 1);
        int eol = s.indexOf('\r');
        if (sp < 0) {
            return "/";
        }
        int end = sp2 > 0 ? sp2 : eol > 0 ? eol : s.length();
        String target = s.substring(sp + 1, end);
        int q = target.indexOf('?');
        return q >= 0 ? target.substring(0, q) : target;
    }

    @Override
    public void close() {
        for (Channel ch : channels) {
            ch.close().syncUninterruptibly();
        }
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // Removing our own socket file is tidiness; a leftover is replaced at the next start.
            }
        }
    }
}
