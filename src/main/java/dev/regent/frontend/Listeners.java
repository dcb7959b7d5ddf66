package dev.regent.frontend;

import dev.regent.config.SocketSpec;
import dev.regent.logging.RequestLog;
import dev.regent.protocol.http.ConnectionInfo;
import dev.regent.protocol.uwsgi.UwsgiConnectionInfo;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The app's listening sockets (TCP or Unix, HTTP or uwsgi). Each accepted connection gets a
 * {@link ClientConnection} with the decoder of its socket's protocol.
 */
public final class Listeners implements AutoCloseable {
    private final List<Channel> channels = new ArrayList<>();
    private final List<Path> unixPaths = new ArrayList<>();
    private final boolean vacuum;

    private Listeners(boolean vacuum) {
        this.vacuum = vacuum;
    }

    /** Binds every socket; on failure closes those already bound and throws with the socket's name. */
    public static Listeners bind(EventLoopGroup group, List<SocketSpec> specs, int backlog, int bufferSize,
                                 FrontendContext context, boolean vacuum) throws IOException {
        Listeners listeners = new Listeners(vacuum);
        try {
            for (SocketSpec spec : specs) {
                listeners.bindOne(group, spec, backlog, bufferSize, context);
            }
        } catch (IOException | RuntimeException e) {
            listeners.close();
            throw e;
        }
        return listeners;
    }

    private void bindOne(EventLoopGroup group, SocketSpec spec, int backlog, int bufferSize, FrontendContext context)
            throws IOException {
        ServerBootstrap b = new ServerBootstrap().group(group)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("client", new ClientConnection(context,
                                decoder(spec, ch, bufferSize, context)));
                    }
                });
        SocketAddress address;
        if (spec.isUnix()) {
            b.channel(EpollServerDomainSocketChannel.class);
            Path path = Path.of(spec.address());
            prepareUnixPath(path, spec);
            address = new DomainSocketAddress(path.toFile());
            unixPaths.add(path);
        } else {
            b.channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true);
            String host = spec.host();
            address = host.isEmpty() ? new InetSocketAddress(spec.port()) : new InetSocketAddress(host, spec.port());
        }
        try {
            channels.add(b.bind(address).syncUninterruptibly().channel());
        } catch (Exception e) {
            throw new IOException("cannot bind " + describe(spec) + ": " + e.getMessage(), e);
        }
    }

    private static HeadDecoder decoder(SocketSpec spec, Channel ch, int bufferSize, FrontendContext context) {
        if (spec.protocol() == SocketSpec.Protocol.UWSGI) {
            AtomicBoolean warned = DROPPED_WARNED;
            RequestLog.Logger log = context.log();
            return new UwsgiHeadDecoder(bufferSize, context.limitPost(),
                    new UwsgiConnectionInfo(ch.localAddress(), ch.remoteAddress()), names -> {
                        if (warned.compareAndSet(false, true)) {
                            log.warn("ignored uWSGI magic variables " + names
                                    + " (they would let a client load code; see docs/differences.md)");
                        }
                    });
        }
        ConnectionInfo info;
        if (ch.localAddress() instanceof InetSocketAddress local && ch.remoteAddress() instanceof InetSocketAddress remote) {
            info = ConnectionInfo.of(local, remote, "http");
        } else {
            info = ConnectionInfo.of("localhost", 0, "", 0, "http");
        }
        return new HttpHeadDecoder(bufferSize, context.limitPost(), info);
    }

    private static final AtomicBoolean DROPPED_WARNED = new AtomicBoolean();

    /** A stale socket file from a crashed run is replaced; a live one means another server owns it. */
    private static void prepareUnixPath(Path path, SocketSpec spec) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("cannot bind " + describe(spec) + ": another process is listening on it");
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("another process")) {
                throw e;
            }
            Files.deleteIfExists(path);
        }
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

    /** Stops accepting; connections already accepted carry on. */
    public void stopAccepting() {
        for (Channel c : channels) {
            c.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        stopAccepting();
        if (vacuum) {
            for (Path p : unixPaths) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Best effort: a leftover socket file is replaced on the next start.
                }
            }
        }
    }
}
