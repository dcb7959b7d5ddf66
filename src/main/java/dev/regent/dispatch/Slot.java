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
    private long assignedAt;
    private boolean harakiriFired;

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

    void assign(Job job, long now) {
        this.job = job;
        this.assignedAt = now;
        this.harakiriFired = false;
        worker.busy++;
    }

    /** When the current job was assigned (System.nanoTime()). */
    public long assignedAt() {
        return assignedAt;
    }

    /** True once harakiri fired for the current job (the client gets 504 when the worker dies). */
    public boolean harakiriFired() {
        return harakiriFired;
    }

    void markHarakiri() {
        harakiriFired = true;
    }

    void clear() {
        if (job != null) {
            job = null;
            worker.busy--;
            worker.busyNanos += System.nanoTime() - assignedAt;
        }
    }
}
