package dev.regent.dispatch;

import io.netty.channel.Channel;

import java.util.concurrent.TimeUnit;

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
    /** uwsgi.set_user_harakiri: System.nanoTime() deadline for the current job, 0 for none. */
    private long userDeadline;
    private int userSeconds;
    private boolean userHarakiriFired;
    /** Scoreboard cell when the slot serves uwsgi sockets directly ({@link DirectServing}), else -1. */
    private int cell = -1;
    /** The direct request (its start time) harakiri last fired for. */
    private long directFiredFor;
    /** The cell's counters as last counted: requests, tx, then answers of class 2xx to 5xx. */
    final long[] counted = new long[6];

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
        this.userDeadline = 0;
        this.userHarakiriFired = false;
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

    /**
     * uwsgi.set_user_harakiri(seconds) from the job running on this slot: a deadline of its
     * own, counted from now, on top of the global harakiri; 0 clears it. Ignored on an idle
     * slot, since the override belongs to the job that set it and ends with it.
     */
    public void setUserHarakiri(int seconds, long now) {
        if (job == null) {
            return;
        }
        userSeconds = Math.max(0, seconds);
        // A deadline of exactly 0 means "none", so nudge a nanoTime that happens to hit it.
        userDeadline = userSeconds == 0 ? 0 : (now + TimeUnit.SECONDS.toNanos(userSeconds)) | 1;
    }

    /** True if the current job set a user harakiri that has passed at {@code now}. */
    boolean userHarakiriDue(long now) {
        return userDeadline != 0 && now - userDeadline >= 0;
    }

    void markUserHarakiri() {
        harakiriFired = true;
        userHarakiriFired = true;
    }

    /** True if harakiri fired because of the job's own set_user_harakiri, not the global limit. */
    public boolean userHarakiriFired() {
        return userHarakiriFired;
    }

    /** The seconds the current job passed to set_user_harakiri (0 if it did not, or cleared it). */
    public int userHarakiriSeconds() {
        return userSeconds;
    }

    public int cell() {
        return cell;
    }

    void cell(int cell) {
        this.cell = cell;
    }

    /**
     * Harakiri fired for the direct request that started at {@code started}: recorded so that it
     * fires once, with what the log line reports (the start, and a user limit's seconds).
     */
    boolean markDirectHarakiri(long started, long userDeadline) {
        if (directFiredFor == started) {
            return false;
        }
        directFiredFor = started;
        assignedAt = started;
        harakiriFired = true;
        userHarakiriFired = userDeadline != 0;
        userSeconds = userDeadline == 0 ? 0 : (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(userDeadline - started));
        return true;
    }

    void clear() {
        if (job != null) {
            job = null;
            userDeadline = 0;
            worker.busy--;
            worker.busyNanos += System.nanoTime() - assignedAt;
        }
    }
}
