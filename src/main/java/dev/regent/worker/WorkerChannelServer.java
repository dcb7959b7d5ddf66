package dev.regent.worker;

import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.SlotListener;
import dev.regent.master.Event;
import dev.regent.protocol.worker.FrameDecoder;
import io.netty.bootstrap.ServerBootstrap;
import dev.regent.protocol.worker.Hello;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The master's end of the worker channel: a Unix socket in the private runtime directory that
 * zygotes and worker slots connect to. Its connections live on the same event loop as the
 * client connections, so relaying a response never crosses threads.
 */
public final class WorkerChannelServer implements AutoCloseable {
    // Servers by socket path, so that a zygote started with only the path can find the abstract
    // address (chroot) of the same server.
    private static final Map<Path, WorkerChannelServer> BY_SOCKET = new ConcurrentHashMap<>();

    private final Path socket;
    private final ServerBootstrap bootstrap;
    private final Channel server;
    private Channel abstractServer;
    private String abstractName;

    public WorkerChannelServer(EventLoopGroup group, Path socket, String token, Dispatcher dispatcher,
                               Consumer<Event> events, Consumer<String> log, SlotListener listener)
            throws InterruptedException {
        this(group, socket, token, dispatcher, events, log, listener, hello -> null);
    }

    /** As above; {@code otherRoles} gives the handler of a mule or uwsgi-API connection (null: refuse it). */
    public WorkerChannelServer(EventLoopGroup group, Path socket, String token, Dispatcher dispatcher,
                               Consumer<Event> events, Consumer<String> log, SlotListener listener,
                               Function<Hello, ChannelHandler> otherRoles) throws InterruptedException {
        this.socket = socket;
        this.bootstrap = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                // Large response bodies arrive in fewer, bigger reads (the default stops at 64 KiB).
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 8192, 256 * 1024))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("frames", new FrameDecoder());
                        ch.pipeline().addLast("hello", new HelloHandler(token, dispatcher, events, log, listener,
                                otherRoles));
                    }
                });
        this.server = bootstrap.bind(new DomainSocketAddress(socket.toFile())).sync().channel();
        BY_SOCKET.put(socket, this);
    }

    /**
     * The address Python processes chrooted elsewhere connect to: a Linux abstract-namespace
     * socket ({@code "\0regent-<pid>-<random>"}), bound on first use. Abstract sockets belong to
     * the network namespace, not the file system, so a chroot does not hide them; but any local
     * process can reach one, so the HELLO token check is what keeps strangers out.
     */
    public static String chrootAddress(Path socket) throws IOException {
        WorkerChannelServer server = BY_SOCKET.get(socket);
        if (server == null) {
            throw new IOException("chroot: no worker channel is listening on " + socket);
        }
        return server.abstractAddress();
    }

    private synchronized String abstractAddress() throws IOException {
        if (abstractName == null) {
            byte[] random = new byte[8];
            new SecureRandom().nextBytes(random);
            String name = "\0regent-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random);
            try {
                // Netty's epoll transport binds a path starting with NUL into the abstract namespace.
                abstractServer = bootstrap.bind(new DomainSocketAddress(name)).sync().channel();
            } catch (Exception e) {
                throw new IOException("chroot: cannot listen on an abstract socket for the workers: " + e, e);
            }
            abstractName = name;
        }
        return abstractName;
    }

    @Override
    public void close() {
        BY_SOCKET.remove(socket, this);
        synchronized (this) {
            if (abstractServer != null) {
                abstractServer.close().syncUninterruptibly();
            }
        }
        server.close().syncUninterruptibly();
    }
}
