package dev.regent.api;

import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.FrameJob;
import dev.regent.dispatch.Slot;
import dev.regent.protocol.worker.Frame;
import dev.regent.protocol.worker.FrameType;
import io.netty.buffer.ByteBuf;

import java.util.function.Consumer;

/**
 * Runs uwsgi signal {@code n}'s handler on a worker slot: RUN_SIGNAL out, SIGNAL_DONE back, then
 * the slot is free again. Dispatched like a request, so a handler only starts on an idle slot,
 * never in the middle of a request.
 */
final class SignalJob implements FrameJob {
    private final Dispatcher dispatcher;
    private final int signal;
    private final Consumer<String> log;
    private Runnable onEnd;
    private Slot slot;

    SignalJob(Dispatcher dispatcher, int signal, Consumer<String> log) {
        this(dispatcher, signal, log, null);
    }

    /** {@code onEnd} runs once when the handler finished, failed, or was never delivered. */
    SignalJob(Dispatcher dispatcher, int signal, Consumer<String> log, Runnable onEnd) {
        this.dispatcher = dispatcher;
        this.signal = signal;
        this.log = log;
        this.onEnd = onEnd;
    }

    private void ended() {
        Runnable r = onEnd;
        onEnd = null;
        if (r != null) {
            r.run();
        }
    }

    @Override
    public void start(Slot slot) {
        this.slot = slot;
        ByteBuf out = slot.channel().alloc().directBuffer(6);
        out.writeIntLE(1).writeByte(FrameType.RUN_SIGNAL).writeByte(signal);
        slot.channel().writeAndFlush(out);
    }

    @Override
    public void onFrame(Frame frame) {
        try {
            if (frame.type() != FrameType.SIGNAL_DONE) {
                log.accept("signal " + signal + ": unexpected frame 0x" + Integer.toHexString(frame.type())
                        + " from worker " + slot.worker().workerId() + "; closing its slot");
                slot.channel().close();
                return;
            }
        } finally {
            frame.release();
            ended();
        }
        dispatcher.release(slot);
    }

    @Override
    public void reject(int status, String reason) {
        log.accept("signal " + signal + " not delivered: " + reason);
        ended();
    }

    @Override
    public void workerLost(Slot slot) {
        // The handler died with its worker; nothing to answer.
        ended();
    }

    @Override
    public boolean cancelled() {
        return false;
    }

    @Override
    public boolean countsAsRequest() {
        return false;
    }

    @Override
    public String describe() {
        return "uwsgi signal " + signal + " handler";
    }
}
