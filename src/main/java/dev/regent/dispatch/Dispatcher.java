package dev.regent.dispatch;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Least-busy dispatch with one bounded central queue per app.
 *
 * <p>A request goes to an idle slot of the worker process with the fewest busy slots, so a
 * slow request never queues others behind it while another worker sits idle. When every slot
 * is busy the request waits in the queue; when the queue holds {@code listen} requests the next
 * one is rejected with 503.
 *
 * <p>Threading: every method runs on the one I/O event loop that owns all client and worker
 * channels; {@link #loop()} is that loop, and other threads hand work to it with
 * {@code loop().execute(...)}.
 */
public final class Dispatcher {
    private final EventLoop loop;
    private final int queueLimit;
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final List<WorkerSlots> workers = new ArrayList<>();
    private long queuedTotal;
    private long rejectedTotal;
    private boolean closed;
    private Consumer<WorkerSlots> onWorkerIdle = w -> { };

    public Dispatcher(EventLoop loop, int queueLimit) {
        this.loop = loop;
        this.queueLimit = queueLimit;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Notified when a draining worker has no busy slot left (it may then be stopped). */
    public void onDrainedWorker(Consumer<WorkerSlots> callback) {
        this.onWorkerIdle = callback;
    }

    /** Offers a request: it starts at once on the least-busy worker, or waits in the queue. */
    public void submit(Job job) {
        if (closed) {
            job.reject(503, "shutting down");
            return;
        }
        Slot slot = pickSlot();
        if (slot != null) {
            run(slot, job);
            return;
        }
        if (queue.size() >= queueLimit) {
            rejectedTotal++;
            job.reject(503, "queue full (" + queueLimit + " requests waiting)");
            return;
        }
        queuedTotal++;
        queue.addLast(job);
    }

    /** Removes a job that has not started (its client went away). */
    public void cancel(Job job) {
        queue.remove(job);
    }

    /** Registers a slot connection of a worker; the worker becomes dispatchable with its first slot. */
    public Slot addSlot(int workerId, long pid, int generation, int index, Channel channel) {
        WorkerSlots worker = find(workerId, pid);
        if (worker == null) {
            worker = new WorkerSlots(workerId, pid, generation);
            workers.add(worker);
        }
        Slot slot = new Slot(worker, index, channel);
        worker.slots.add(slot);
        drainQueue();
        return slot;
    }

    /** The slot's request has been answered: the slot is free for the next one. */
    public void release(Slot slot) {
        slot.clear();
        WorkerSlots worker = slot.worker();
        if (worker.draining) {
            if (worker.busy == 0) {
                onWorkerIdle.accept(worker);
            }
            return;
        }
        Job next = pollLive();
        if (next != null) {
            // Least-busy again, not "the slot that just freed": another worker may be idler.
            Slot best = pickSlot();
            run(best != null ? best : slot, next);
        }
    }

    /** A slot connection closed: the worker is gone (or going); fail what ran on it. */
    public void slotClosed(Slot slot) {
        WorkerSlots worker = slot.worker();
        Job job = slot.job();
        slot.clear();
        worker.slots.remove(slot);
        if (worker.slots.isEmpty()) {
            workers.remove(worker);
        }
        if (job != null) {
            job.workerLost(slot);
        }
    }

    /** Stops dispatching to a worker; returns true when it is already idle. */
    public boolean drain(int workerId, long pid) {
        WorkerSlots worker = find(workerId, pid);
        if (worker == null) {
            return true;
        }
        worker.draining = true;
        return worker.busy == 0;
    }

    /** Refuses new requests and fails the queued ones (shutdown). */
    public void close(int status) {
        closed = true;
        Job job;
        while ((job = queue.pollFirst()) != null) {
            job.reject(status, "shutting down");
        }
    }

    /** Requests running on a slot plus those waiting; zero means the app is idle. */
    public int inFlight() {
        int n = queue.size();
        for (WorkerSlots w : workers) {
            n += w.busy;
        }
        return n;
    }

    public int queued() {
        return queue.size();
    }

    public long queuedTotal() {
        return queuedTotal;
    }

    public long rejectedTotal() {
        return rejectedTotal;
    }

    public List<WorkerSlots> workers() {
        return List.copyOf(workers);
    }

    private void drainQueue() {
        Slot slot;
        while (!queue.isEmpty() && (slot = pickSlot()) != null) {
            Job job = pollLive();
            if (job == null) {
                return;
            }
            run(slot, job);
        }
    }

    private Job pollLive() {
        Job job;
        while ((job = queue.pollFirst()) != null) {
            if (!job.cancelled()) {
                return job;
            }
        }
        return null;
    }

    private void run(Slot slot, Job job) {
        slot.assign(job);
        slot.worker().requests++;
        job.start(slot);
    }

    private Slot pickSlot() {
        WorkerSlots best = null;
        for (WorkerSlots w : workers) {
            if (!w.draining && w.busy < w.slots.size() && (best == null || w.busy < best.busy)) {
                best = w;
            }
        }
        return best == null ? null : best.idleSlot();
    }

    private WorkerSlots find(int workerId, long pid) {
        for (WorkerSlots w : workers) {
            if (w.workerId == workerId && w.pid == pid) {
                return w;
            }
        }
        return null;
    }
}
