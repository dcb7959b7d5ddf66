package dev.regent.frontend;

import dev.regent.dispatch.Job;
import dev.regent.dispatch.Slot;
import dev.regent.dispatch.SlotListener;
import dev.regent.protocol.worker.Frame;

/** Connects worker slots to the exchanges they serve, and their direct requests to the log. */
public final class ExchangeRelay implements SlotListener {
    private final DirectRequestLog directLog;

    public ExchangeRelay() {
        this(null);
    }

    public ExchangeRelay(DirectRequestLog directLog) {
        this.directLog = directLog;
    }

    @Override
    public void onDirectLog(Slot slot, Frame frame) {
        if (directLog == null) {
            frame.release();
        } else {
            directLog.log(slot, frame);
        }
    }

    @Override
    public void onFrame(Job job, Frame frame) {
        ((Exchange) job).onWorkerFrame(frame);
    }

    @Override
    public void onReadComplete(Job job) {
        ((Exchange) job).flushIfPending();
    }

    @Override
    public void onWritable(Job job) {
        ((Exchange) job).conn.slotWritable();
    }
}
