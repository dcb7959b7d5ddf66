package dev.regent.frontend;

import dev.regent.config.SocketOptions;
import dev.regent.config.SocketSpec;
import dev.regent.logging.RequestLog;
import dev.regent.protocol.http.ConnectionInfo;
import dev.regent.protocol.uwsgi.UwsgiConnectionInfo;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.channel.unix.UnixChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The app's listening sockets (TCP or Unix, HTTP or uwsgi, any number, mixed). Each accepted
 * connection gets a {@link ClientConnection} with the decoder of its socket's protocol.
 *
 * <p>Addresses: {@code host:port}, {@code :port} (all interfaces), {@code [::]:port}, a path
 * (a Unix socket file; see {@link UnixSocketFiles} for stale and live files, chmod and chown),
 * and {@code @name}, a Linux abstract-namespace socket: Netty's epoll transport binds a
 * {@link DomainSocketAddress} whose path starts with a NUL byte into the abstract namespace,
 * so it has no file to chmod, chown or vacuum.
 */
public final class Listeners implements AutoCloseable {
    private static final Path SOMAXCONN = Path.of("/proc/sys/net/core/somaxconn");

    private final List<Channel> channels = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    /** The uwsgi-protocol listeners, which workers may serve directly (dev.regent.dispatch.DirectServing). */
    private final List<Channel> uwsgiChannels = new ArrayList<>();
    private volatile boolean stopped;
    /** Unix socket files this run created, with their inode at bind time (for vacuum). */
    private final Map<Path, Long> unixFiles = new HashMap<>();
    private final boolean vacuum;

    /**
     * What happens to each accepted connection. The default installs a {@link ClientConnection};
     * the emperor holds connections itself until the vassal's server can take them ({@link #adopt}).
     */
    @FunctionalInterface
    public interface Acceptor {
        /** Called from the channel's initializer, on its event loop, before it is active. */
        void accepted(Channel channel, SocketSpec spec);
    }

    private Listeners(boolean vacuum) {
        this.vacuum = vacuum;
    }

    /** {@link #bind(EventLoopGroup, List, int, int, FrontendContext, boolean, SocketOptions)} with defaults. */
    public static Listeners bind(EventLoopGroup group, List<SocketSpec> specs, int backlog, int bufferSize,
                                 FrontendContext context, boolean vacuum) throws IOException {
        return bind(group, specs, backlog, bufferSize, context, vacuum, SocketOptions.defaults());
    }

    /**
     * Binds every socket, shared sockets first (uWSGI binds those before anything else), and
     * keeps them in configuration order. On failure closes those already bound and throws with
     * the socket's name. {@code backlog} is also compared with net.core.somaxconn, which the
     * kernel silently applies instead of a larger backlog: uWSGI refuses to start then, Regent
     * warns, because its master accepts at once and {@code listen} still bounds its own request
     * queue (see docs/differences.md).
     */
    public static Listeners bind(EventLoopGroup group, List<SocketSpec> specs, int backlog, int bufferSize,
                                 FrontendContext context, boolean vacuum, SocketOptions options) throws IOException {
        return bind(group, specs, backlog, vacuum, options, context.log(), (ch, spec) ->
                ch.pipeline().addLast("client", new ClientConnection(context, decoder(spec, ch, bufferSize, context))));
    }

    /** As above, with {@code acceptor} deciding what each accepted connection gets. */
    public static Listeners bind(EventLoopGroup group, List<SocketSpec> specs, int backlog, boolean vacuum,
                                 SocketOptions options, RequestLog.Logger log, Acceptor acceptor) throws IOException {
        checkBacklog(backlog, log);
        Listeners listeners = new Listeners(vacuum);
        Channel[] bound = new Channel[specs.size()];
        try {
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < specs.size(); i++) {
                    boolean shared = options.sharedSockets().contains(specs.get(i).address());
                    if (shared == (pass == 0)) {
                        bound[i] = listeners.bindOne(group, specs.get(i), backlog, acceptor, options);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            listeners.close();
            throw e;
        }
        // bindOne appended in binding order (so a failure closes what was bound); serve in config order.
        listeners.channels.clear();
        listeners.channels.addAll(List.of(bound));
        for (int i = 0; i < specs.size(); i++) {
            listeners.names.add(describe(specs.get(i)));
            if (specs.get(i).protocol() == SocketSpec.Protocol.UWSGI) {
                listeners.uwsgiChannels.add(bound[i]);
            }
        }
        return listeners;
    }

    private static void checkBacklog(int backlog, RequestLog.Logger log) throws IOException {
        if (!Files.isReadable(SOMAXCONN)) {
            return;
        }
        // readAllLines, not readString: /proc files report size 0 and readString then returns a
        // truncated value ("4" for "4096") on current JDKs.
        int max = Integer.parseInt(Files.readAllLines(SOMAXCONN).get(0).strip());
        if (backlog > max) {
            log.warn("listen " + backlog + " is greater than net.core.somaxconn " + max + ": the kernel caps each"
                    + " socket's accept queue at " + max + " (the request queue still holds " + backlog + ")");
        }
    }

    private Channel bindOne(EventLoopGroup group, SocketSpec spec, int backlog, Acceptor acceptor,
                            SocketOptions options) throws IOException {
        ServerBootstrap b = new ServerBootstrap().group(group)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // A response of up to 2 MiB is taken from the worker at once even when the client
                // reads slowly, so a slow client does not hold a worker thread (as proxy buffers do).
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(512 * 1024, 2 * 1024 * 1024))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        acceptor.accepted(ch, spec);
                    }
                });
        SocketAddress address;
        Path file = null;
        if (spec.isAbstract()) {
            b.channel(EpollServerDomainSocketChannel.class);
            address = new DomainSocketAddress("\0" + spec.address().substring(1));
        } else if (spec.isUnix()) {
            b.channel(EpollServerDomainSocketChannel.class);
            file = Path.of(spec.address());
            UnixSocketFiles.prepare(file, describe(spec));
            address = new DomainSocketAddress(file.toFile());
        } else {
            b.channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true);
            if (options.reusePort()) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            }
            String host = spec.host();
            address = host.isEmpty() ? new InetSocketAddress(spec.port()) : new InetSocketAddress(host, spec.port());
        }
        Channel channel;
        try {
            channel = b.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IOException("cannot bind " + describe(spec) + ": " + e.getMessage(), e);
        }
        channels.add(channel);
        if (file != null) {
            unixFiles.put(file, UnixSocketFiles.inode(file));
            if (options.chmod() != null) {
                UnixSocketFiles.chmod(file, options.chmod());
            }
            if (options.chown() != null) {
                UnixSocketFiles.chown(file, options.chown(), describe(spec));
            }
        }
        return channel;
    }

    private static HeadDecoder decoder(SocketSpec spec, Channel ch, int bufferSize, FrontendContext context) {
        // A Unix socket's addresses say nothing the environ uses, and Netty asks the kernel for
        // them on every call (getsockname/getpeername, not cached for domain sockets).
        boolean inet = !(ch instanceof DomainSocketChannel);
        SocketAddress local = inet ? ch.localAddress() : null;
        SocketAddress remote = inet ? ch.remoteAddress() : null;
        if (spec.protocol() == SocketSpec.Protocol.UWSGI) {
            AtomicBoolean warned = DROPPED_WARNED;
            RequestLog.Logger log = context.log();
            return new UwsgiHeadDecoder(bufferSize, context.limitPost(),
                    new UwsgiConnectionInfo(local, remote), names -> {
                        if (warned.compareAndSet(false, true)) {
                            log.warn("ignored uWSGI magic variables " + names
                                    + " (they would let a client load code; see docs/differences.md)");
                        }
                    });
        }
        ConnectionInfo info;
        if (local instanceof InetSocketAddress localInet && remote instanceof InetSocketAddress remoteInet) {
            info = ConnectionInfo.of(localInet, remoteInet, "http");
        } else {
            info = ConnectionInfo.of("localhost", 0, "", 0, "http");
        }
        return new HttpHeadDecoder(bufferSize, context.limitPost(), info);
    }

    private static final AtomicBoolean DROPPED_WARNED = new AtomicBoolean();

    /**
     * Serves a connection accepted elsewhere (an emperor socket) and already active, as if this
     * app's own socket {@code spec} had accepted it; {@code alreadyRead} (may be empty) is what was
     * read from it so far. Runs on the channel's event loop, which must be the loop of {@code context}.
     */
    public static void adopt(Channel ch, SocketSpec spec, int bufferSize, FrontendContext context,
                             io.netty.buffer.ByteBuf alreadyRead) {
        if (!ch.isActive()) {
            alreadyRead.release();
            return;
        }
        ch.pipeline().addLast("client", new ClientConnection(context, decoder(spec, ch, bufferSize, context)));
        // The handler was added after the channel became active: replay what it missed.
        ch.pipeline().fireChannelActive();
        if (alreadyRead.isReadable()) {
            ch.pipeline().fireChannelRead(alreadyRead);
        } else {
            alreadyRead.release();
        }
        ch.config().setAutoRead(true);
    }

    private static String describe(SocketSpec spec) {
        return (spec.protocol() == SocketSpec.Protocol.HTTP ? "http socket " : "uwsgi socket ") + spec.address();
    }

    /** The bound addresses, in configuration order (useful with port 0). */
    public List<SocketAddress> addresses() {
        List<SocketAddress> out = new ArrayList<>();
        for (Channel c : channels) {
            out.add(c.localAddress());
        }
        return out;
    }

    /**
     * For the startup line: {@code "uwsgi on 127.0.0.1:9000, http on 127.0.0.1:8080, uwsgi on @name"},
     * with the real port when 0 was asked for, and no NUL byte for abstract sockets.
     */
    public String describeAll() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < channels.size(); i++) {
            String name = names.get(i);
            String protocol = name.substring(0, name.indexOf(' '));
            String where = name.substring(name.lastIndexOf(' ') + 1);
            if (channels.get(i).localAddress() instanceof InetSocketAddress a) {
                String host = a.getAddress().getHostAddress();
                where = (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
            }
            sb.append(i > 0 ? ", " : "").append(protocol).append(" on ").append(where);
        }
        return sb.toString();
    }

    /** Stops accepting; connections already accepted carry on. */
    /** True when the app has a uwsgi-protocol socket. */
    public boolean hasUwsgiSockets() {
        return !uwsgiChannels.isEmpty();
    }

    /** The descriptors of the uwsgi-protocol listeners, for the zygote (passed with SCM_RIGHTS). */
    public List<Integer> uwsgiDescriptors() {
        List<Integer> fds = new ArrayList<>();
        for (Channel c : uwsgiChannels) {
            fds.add(((UnixChannel) c).fd().intValue());
        }
        return fds;
    }

    /**
     * Whether the master itself accepts on the uwsgi listeners. Off while workers accept there
     * directly: the kernel then hands each connection to a worker, and the master's epoll no
     * longer watches the socket. Call on the listeners' event loop.
     */
    public void masterAcceptsUwsgi(boolean accept) {
        if (stopped) {
            return;
        }
        for (Channel c : uwsgiChannels) {
            if (c.isOpen()) {
                c.config().setAutoRead(accept);
            }
        }
    }

    public void stopAccepting() {
        stopped = true;
        for (Channel c : channels) {
            c.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        stopAccepting();
        if (vacuum) {
            unixFiles.forEach(UnixSocketFiles::remove);
        }
    }
}
