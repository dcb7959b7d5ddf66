package dev.regent.worker;

import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.Slot;
import dev.regent.dispatch.SlotListener;
import dev.regent.master.Event;
import dev.regent.protocol.worker.Frame;
import dev.regent.protocol.worker.FrameType;
import dev.regent.protocol.worker.Hello;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Waits for the HELLO frame of a new worker-channel connection, checks the app token, and
 * replaces itself with the handler for the connection's role. Anything else closes it.
 */
final class HelloHandler extends ChannelInboundHandlerAdapter {
    private final String token;
    private final Dispatcher dispatcher;
    private final Consumer<Event> events;
    private final Consumer<String> log;
    private final SlotListener listener;
    private final Function<Hello, ChannelHandler> otherRoles;

    HelloHandler(String token, Dispatcher dispatcher, Consumer<Event> events, Consumer<String> log,
                 SlotListener listener, Function<Hello, ChannelHandler> otherRoles) {
        this.token = token;
        this.otherRoles = otherRoles;
        this.dispatcher = dispatcher;
        this.events = events;
        this.log = log;
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        Hello hello;
        try {
            hello = frame.type() == FrameType.HELLO ? Hello.decode(frame.payload()) : null;
        } finally {
            frame.release();
        }
        if (hello == null || !MessageDigest.isEqual(hello.token().getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII))) {
            log.accept("worker channel: refused a connection without a valid HELLO");
            ctx.close();
            return;
        }
        if (hello.role() == FrameType.ROLE_CONTROL) {
            ctx.pipeline().replace(this, "control", new ControlHandler(hello.generation(), events, log));
            events.accept(new Event.ControlConnected(hello.generation(), ctx.channel()));
        } else if (hello.role() == FrameType.ROLE_SLOT) {
            Slot slot = dispatcher.addSlot(hello.workerId(), hello.pid(), hello.generation(), hello.slot(),
                    ctx.channel());
            ctx.pipeline().replace(this, "slot", new SlotHandler(dispatcher, slot, listener));
        } else {
            // Mule and uwsgi-API connections (docs/worker-protocol.md), when the API is set up.
            ChannelHandler handler = otherRoles.apply(hello);
            if (handler == null) {
                ctx.close();
            } else {
                ctx.pipeline().replace(this, "role" + hello.role(), handler);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
