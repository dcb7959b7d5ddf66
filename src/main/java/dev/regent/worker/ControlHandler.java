package dev.regent.worker;

import dev.regent.master.Event;
import dev.regent.protocol.worker.Frame;
import dev.regent.protocol.worker.FrameType;
import dev.regent.protocol.worker.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.function.Consumer;

/**
 * The zygote's control connection: turns its reports into master events, and its workers'
 * output into log lines.
 */
final class ControlHandler extends ChannelInboundHandlerAdapter {
    private final int generation;
    private final Consumer<Event> events;
    private final Consumer<String> log;

    ControlHandler(int generation, Consumer<Event> events, Consumer<String> log) {
        this.generation = generation;
        this.events = events;
        this.log = log;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        try {
            ByteBuf p = frame.payload();
            int at = p.readerIndex();
            switch (frame.type()) {
                case FrameType.READY -> events.accept(new Event.ZygoteReady(generation, Frames.text(p)));
                case FrameType.LOAD_FAILED -> events.accept(new Event.ZygoteFailed(generation, Frames.text(p)));
                case FrameType.SPAWNED -> events.accept(new Event.WorkerSpawned(generation, p.getIntLE(at),
                        p.getUnsignedIntLE(at + 4)));
                case FrameType.EXITED -> events.accept(new Event.WorkerExited(generation, p.getIntLE(at),
                        p.getUnsignedIntLE(at + 4), p.getIntLE(at + 8)));
                case FrameType.LOG -> log.accept(source(p.getIntLE(at))
                        + p.toString(at + 5, p.readableBytes() - 5, java.nio.charset.StandardCharsets.UTF_8));
                default -> log.accept("zygote sent unexpected frame type 0x" + Integer.toHexString(frame.type()));
            }
        } finally {
            frame.release();
        }
    }

    /** "[worker N] " or, for a mule (ids from MULE_ID_BASE), "[mule N] ". */
    private static String source(int id) {
        return id >= FrameType.MULE_ID_BASE ? "[mule " + (id - FrameType.MULE_ID_BASE) + "] " : "[worker " + id + "] ";
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.accept("zygote control connection failed: " + cause);
        ctx.close();
    }
}
