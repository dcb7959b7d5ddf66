package dev.regent.emperor;

import dev.regent.Server;
import dev.regent.config.ServerConfig;
import dev.regent.config.SocketSpec;
import dev.regent.frontend.Listeners;
import dev.regent.logging.RequestLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The front door of one vassal: its listening sockets, bound by the emperor and kept open for the
 * vassal's whole life, whatever happens to its server behind them. Each accepted connection (and
 * each connection emperor-http routes here) goes to the current server when it has one; otherwise
 * it waits here, unread, and the emperor is asked to start one (on-demand start, restart after a
 * config change, back from idle). That is why a reload or a wake-up never refuses a connection:
 * the kernel's accept queue and this queue hold it until a server takes it.
 *
 * <p>Threading: the target and the waiting connections belong to the shared event loop; the
 * emperor thread changes them only through {@link EventLoop#execute}. Binding and closing the
 * listeners happen on the emperor thread (they wait for the loop).
 */
final class Gate {
    private static final String HELD = "regent-held";

    private final String vassal;
    private final EventLoop loop;
    private final RequestLog.Logger log;
    private final Runnable wanted;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private Listeners listeners;
    private Server target;
    /** When set, connections are answered 503 at once instead of waiting (failed or stopped vassal). */
    private String refusal;

    private record Waiting(Channel channel, SocketSpec spec, ByteBuf read) {
    }

    /** {@code wanted} runs on the loop when a connection starts waiting with no server to take it. */
    Gate(String vassal, EventLoop loop, RequestLog.Logger log, Runnable wanted) {
        this.vassal = vassal;
        this.loop = loop;
        this.log = log;
        this.wanted = wanted;
    }

    /** Emperor thread: binds the vassal's sockets (replacing those bound before, if any). */
    void bind(ServerConfig config) throws IOException {
        unbind();
        if (config.sockets().isEmpty()) {
            return;
        }
        listeners = Listeners.bind(loop, config.sockets(), config.listen(), config.vacuum(), config.socketOptions(),
                log, this::accepted);
    }

    /** Emperor thread: closes the sockets (and removes socket files, with vacuum). */
    void unbind() {
        if (listeners != null) {
            listeners.close();
            listeners = null;
        }
    }

    String describe() {
        return listeners == null ? "no socket of its own" : listeners.describeAll();
    }

    /** Loop: a vassal socket accepted {@code ch} (not active yet). Holds it unread until it is active. */
    private void accepted(Channel ch, SocketSpec spec) {
        ch.config().setAutoRead(false);
        ch.pipeline().addLast(HELD, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                offer(ch, spec, Unpooled.EMPTY_BUFFER);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
    }

    /**
     * Loop: serve {@code ch} (active, with {@code read} already read from it, possibly empty) as if
     * the vassal's socket {@code spec} had accepted it.
     */
    void offer(Channel ch, SocketSpec spec, ByteBuf read) {
        if (handOver(ch, spec, read)) {
            return;
        }
        if (refusal != null) {
            refuse(ch, read, refusal);
            return;
        }
        ch.config().setAutoRead(false);
        waiting.add(new Waiting(ch, spec, read));
        ch.closeFuture().addListener(f -> loop.execute(this::dropClosed));
        if (waiting.size() == 1) {
            wanted.run();
        }
    }

    private boolean handOver(Channel ch, SocketSpec spec, ByteBuf read) {
        if (target == null) {
            return false;
        }
        if (ch.pipeline().get(HELD) != null) {
            ch.pipeline().remove(HELD);
        }
        return target.adopt(ch, spec, read);
    }

    private void dropClosed() {
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (!w.channel().isActive()) {
                w.read().release();
                it.remove();
            }
        }
    }

    /** Emperor thread: {@code server} (ready) takes new connections from now on, the waiting ones first. */
    void target(Server server) {
        loop.execute(() -> {
            target = server;
            refusal = null;
            while (!waiting.isEmpty()) {
                Waiting w = waiting.peek();
                if (!w.channel().isActive()) {
                    waiting.poll().read().release();
                } else if (handOver(w.channel(), w.spec(), w.read())) {
                    waiting.poll();
                } else {
                    break;
                }
            }
        });
    }

    /** Emperor thread: no server takes connections; they wait (and ask for one) until {@link #target}. */
    void hold() {
        loop.execute(() -> target = null);
    }

    /**
     * Emperor thread: the vassal cannot serve for now ({@code why}): connections waiting and new ones
     * get 503 until a server is targeted again.
     */
    void refuse(String why) {
        loop.execute(() -> {
            target = null;
            refusal = why;
            Waiting w;
            while ((w = waiting.poll()) != null) {
                refuse(w.channel(), w.read(), why);
            }
        });
    }

    /** Connections waiting now (loop only). */
    int waitingCount() {
        return waiting.size();
    }

    private void refuse(Channel ch, ByteBuf read, String why) {
        read.release();
        if (ch.pipeline().get(HELD) != null) {
            ch.pipeline().remove(HELD);
        }
        log.warn("[emperor] vassal " + vassal + ": connection refused with 503 (" + why + ")");
        byte[] body = ("503 Service Unavailable: " + vassal + " is not running (" + why + ")\n")
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        ByteBuf out = ch.alloc().buffer(head.length() + body.length);
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII)).writeBytes(body);
        ch.writeAndFlush(out).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }
}
