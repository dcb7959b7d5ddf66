package dev.regent.frontend;

import dev.regent.dispatch.Job;
import dev.regent.dispatch.SlotListener;
import dev.regent.protocol.worker.Frame;

/** Connects worker slots to the exchanges they serve. */
public final class ExchangeRelay implements SlotListener {

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
