package dev.regent.dispatch;

import dev.regent.protocol.worker.Frame;

/** Where the frames a slot receives go: the front end's exchange for the slot's current job. */
public interface SlotListener {

    /** A response frame for {@code job}; the listener owns (releases) the frame. */
    void onFrame(Job job, Frame frame);

    /** The slot's channel finished a read: flush what it produced. */
    void onReadComplete(Job job);

    /** The slot's channel can take more request-body bytes. */
    void onWritable(Job job);

    /** A DIRECT_LOG frame: a request the slot answered itself; the listener owns (releases) the frame. */
    default void onDirectLog(Slot slot, Frame frame) {
        frame.release();
    }
}
