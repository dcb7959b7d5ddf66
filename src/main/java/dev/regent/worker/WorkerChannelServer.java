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

import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The master's end of the worker channel: a Unix socket in the private runtime directory that
 * zygotes and worker slots connect to. Its connections live on the same event loop as the
 * client connections, so relaying a response never crosses threads.
 */
public final class WorkerChannelServer implements AutoCloseable {
    private final Channel server;

    public WorkerChannelServer(EventLoopGroup group, Path socket, String token, Dispatcher dispatcher,
                               Consumer<Event> events, Consumer<String> log, SlotListener listener)
            throws InterruptedException {
        this(group, socket, token, dispatcher, events, log, listener, hello -> null);
    }

    /** As above; {@code otherRoles} gives the handler of a mule or uwsgi-API connection (null: refuse it). */
    public WorkerChannelServer(EventLoopGroup group, Path socket, String token, Dispatcher dispatcher,
                               Consumer<Event> events, Consumer<String> log, SlotListener listener,
                               Function<Hello, ChannelHandler> otherRoles) throws InterruptedException {
        this.server = new ServerBootstrap()
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
                })
                .bind(new DomainSocketAddress(socket.toFile()))
                .sync()
                .channel();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }
}
