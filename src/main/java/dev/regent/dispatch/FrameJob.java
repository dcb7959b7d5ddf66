package dev.regent.dispatch;

import dev.regent.protocol.worker.Frame;

/**
 * A job that is not an HTTP exchange (a uwsgi signal handler run between requests): the slot
 * hands it the frames the worker answers with, instead of the front end's {@link SlotListener}.
 */
public interface FrameJob extends Job {

    /** A frame from the slot while this job runs on it; the job releases it. */
    void onFrame(Frame frame);
}
