package dev.regent.dispatch;

import io.netty.channel.Channel;

/**
 * One worker thread's connection to the master: carries one request at a time.
 * Owned by the I/O event loop; never touched from another thread.
 */
public final class Slot {
    private final WorkerSlots worker;
    private final int index;
    private final Channel channel;
    private Job job;

    Slot(WorkerSlots worker, int index, Channel channel) {
        this.worker = worker;
        this.index = index;
        this.channel = channel;
    }

    public WorkerSlots worker() {
        return worker;
    }

    public int index() {
        return index;
    }

    public Channel channel() {
        return channel;
    }

    /** The request this slot is serving, or null when idle. */
    public Job job() {
        return job;
    }

    boolean idle() {
        return job == null;
    }

    void assign(Job job) {
        this.job = job;
        worker.busy++;
    }

    void clear() {
        if (job != null) {
            job = null;
            worker.busy--;
        }
    }
}
