package dev.regent.worker;

import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.FrameJob;
import dev.regent.dispatch.Job;
import dev.regent.dispatch.Slot;
import dev.regent.dispatch.SlotListener;
import dev.regent.protocol.worker.Frame;
import dev.regent.protocol.worker.FrameType;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Relays the frames of one slot connection to the exchange it is serving, and tells the
 * dispatcher when the connection (and so, the worker) goes away.
 */
final class SlotHandler extends ChannelInboundHandlerAdapter {
    private final Dispatcher dispatcher;
    private final Slot slot;
    private final SlotListener listener;

    SlotHandler(Dispatcher dispatcher, Slot slot, SlotListener listener) {
        this.dispatcher = dispatcher;
        this.slot = slot;
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        if (frame.type() == FrameType.DIRECT_LOG) {
            listener.onDirectLog(slot, frame);
            return;
        }
        Job job = slot.job();
        if (job == null) {
            frame.release();
            return;
        }
        if (frame.type() == FrameType.SET_HARAKIRI) {
            // The slot, not the job's exchange, owns the override: it applies to any job
            // (a request or a signal handler) and ends with it.
            try {
                slot.setUserHarakiri(frame.payload().readableBytes() >= 4 ? frame.payload().getIntLE(
                        frame.payload().readerIndex()) : 0, System.nanoTime());
            } finally {
                frame.release();
            }
            return;
        }
        if (job instanceof FrameJob own) {
            own.onFrame(frame);
            return;
        }
        listener.onFrame(job, frame);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Job job = slot.job();
        if (job != null && !(job instanceof FrameJob)) {
            listener.onReadComplete(job);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Job job = slot.job();
        if (ctx.channel().isWritable() && job != null && !(job instanceof FrameJob)) {
            listener.onWritable(job);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dispatcher.slotClosed(slot);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
