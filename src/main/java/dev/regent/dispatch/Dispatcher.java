package dev.regent.dispatch;

import dev.regent.cheaper.Load;
import dev.regent.cheaper.WorkerSample;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Least-busy dispatch with one bounded central queue per app.
 *
 * <p>A request goes to an idle slot of the worker process with the fewest busy slots, so a
 * slow request never queues others behind it while another worker sits idle. When every slot
 * is busy the request waits in the queue; when the queue holds {@code listen} requests the next
 * one is rejected with 503.
 *
 * <p>Retiring a worker (recycling, reload) is graceful: it keeps serving until its replacement
 * (same id, new pid) has connected, then takes no new requests, and its slot connections are
 * closed (the worker exits on EOF) as soon as it is idle.
 *
 * <p>Scaling to zero ({@link #sleep}): while no worker is connected after the master stopped them
 * all, requests wait in the queue with no bound (nothing is refused while the app wakes) and the
 * first one asks the master to {@link Listener#wake wake} the app.
 *
 * <p>Threading: every method runs on the one I/O event loop that owns all client and worker
 * channels; {@link #loop()} is that loop, and other threads hand work to it with
 * {@code loop().execute(...)}.
 */
public final class Dispatcher {

    /** What the dispatcher asks of the master (called on the I/O loop; implementations only post). */
    public interface Listener {
        /** The worker reached its max-requests: please spawn a replacement. */
        void recycle(int workerId, long pid, String reason);

        /** A request on this worker ran past harakiri; the worker takes no new requests. */
        void harakiri(int workerId, long pid);

        /** The first slot of a new worker process connected: it serves from now on. */
        default void connected(int workerId, long pid) {
        }

        /** A request arrived while the app sleeps (no worker, see {@link #sleep}): start the workers. */
        default void wake() {
        }
    }

    /** What one slot is doing, for SIGUSR2 and the stats: the request and how long it has run (ns). */
    public record SlotStatus(int index, String request, long runningNanos) { }

    /** One worker process as the dispatcher sees it; {@code running} lists its busy slots. */
    public record WorkerStatus(int workerId, long pid, int generation, long requests, int busy, int slots,
                               boolean draining, List<SlotStatus> running) { }

    private final EventLoop loop;
    private final int queueLimit;
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    /** Pids retired before their first slot connected (bounded: a pid that never connects is forgotten). */
    private final java.util.LinkedHashSet<Long> retiredEarly = new java.util.LinkedHashSet<>();
    private static final int RETIRED_EARLY_LIMIT = 1024;
    /** Jobs for one worker id (uwsgi signals aimed at "workerN"), run before the shared queue. */
    private final java.util.Map<Integer, ArrayDeque<Job>> pinned = new java.util.HashMap<>();
    private final List<WorkerSlots> workers = new ArrayList<>();
    private Listener listener = new Listener() {
        @Override
        public void recycle(int workerId, long pid, String reason) {
        }

        @Override
        public void harakiri(int workerId, long pid) {
        }
    };
    private MaxRequests maxRequests = (id, age) -> 0;
    /** Slots that accept on the uwsgi sockets themselves; null when the master relays everything. */
    private DirectServing direct;
    private DirectCounts directCounts = (workerId, core, requests, tx, byClass) -> { };

    /** Where the counts of requests answered directly go (the stats' per-worker and per-class totals). */
    @FunctionalInterface
    public interface DirectCounts {
        /** {@code byClass[c]}: answers of status class c (2..5); {@code requests} includes the others. */
        void record(int workerId, int core, long requests, long tx, long[] byClass);
    }
    private long queuedTotal;
    private long rejectedTotal;
    private boolean closed;
    /** When a request last arrived or finished (System.nanoTime()): the idle timer's start. */
    private long lastActivity = System.nanoTime();
    /** The master stopped every worker: queue without bound and wake the app on the next request. */
    private boolean asleep;
    private boolean wakeAsked;

    /** The request count at which a worker of this id and age (ns) should be recycled; 0 = not yet/never. */
    public interface MaxRequests {
        long limit(int workerId, long ageNanos);
    }

    public Dispatcher(EventLoop loop, int queueLimit) {
        this.loop = loop;
        this.queueLimit = queueLimit;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Turns direct uwsgi serving on for the slots that connect from now on. */
    public void direct(DirectServing direct, DirectCounts counts) {
        this.direct = direct;
        this.directCounts = counts;
    }

    /** Graceful stop: the slots serving uwsgi sockets directly stop accepting. */
    public void stopDirect() {
        if (direct != null) {
            direct.stop(workers);
        }
    }

    public void listener(Listener listener, MaxRequests maxRequests) {
        this.listener = listener;
        this.maxRequests = maxRequests;
    }

    /** Offers a request: it starts at once on the least-busy worker, or waits in the queue. */
    public void submit(Job job) {
        if (closed) {
            job.reject(503, "shutting down");
            return;
        }
        lastActivity = System.nanoTime();
        Slot slot = pickSlot();
        if (slot != null) {
            run(slot, job);
            return;
        }
        if (asleep) {
            queuedTotal++;
            queue.addLast(job);
            if (!wakeAsked) {
                wakeAsked = true;
                listener.wake();
            }
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
            worker = new WorkerSlots(workerId, pid, generation, System.nanoTime());
            worker.direct = direct;
            workers.add(worker);
            if (retiredEarly.remove(pid)) {
                retireOnConnect(worker);
            }
            asleep = false;
            wakeAsked = false;
            for (WorkerSlots other : List.copyOf(workers)) {
                // A worker retired before it connected replaces no one.
                if (other != worker && other.workerId == workerId && other.replaceRequested
                        && !worker.replaceRequested) {
                    drainNow(other);
                }
            }
            listener.connected(workerId, pid);
        }
        Slot slot = new Slot(worker, index, channel);
        worker.slots.add(slot);
        if (worker.draining && worker.busy == 0) {
            // Already replaced: disown the connection at once so the worker exits.
            channel.close();
            return slot;
        }
        if (direct != null) {
            direct.attach(slot);
        }
        Job mine = pollPinned(workerId);
        if (mine != null) {
            run(slot, mine);
        }
        drainQueue();
        return slot;
    }

    /** The slot's request has been answered: the slot is free for the next one. */
    public void release(Slot slot) {
        slot.clear();
        lastActivity = System.nanoTime();
        WorkerSlots worker = slot.worker();
        if (worker.draining) {
            if (worker.busy == 0) {
                closeWorker(worker);
            }
            return;
        }
        long limit = maxRequests.limit(worker.workerId, System.nanoTime() - worker.connectedAt);
        if (limit > 0 && worker.requests >= limit && !worker.recycleRequested) {
            worker.recycleRequested = true;
            listener.recycle(worker.workerId, worker.pid, "max-requests (" + worker.requests + " requests)");
        }
        Job mine = pollPinned(worker.workerId);
        if (mine != null) {
            run(slot, mine);
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
        if (direct != null) {
            direct.count(slot, directCounts);
            direct.detach(slot);
        }
        worker.slots.remove(slot);
        if (worker.slots.isEmpty()) {
            workers.remove(worker);
        }
        if (job != null) {
            job.workerLost(slot);
        }
        if (!worker.slots.isEmpty()) {
            // A worker is one unit: once one slot is gone, the process is exiting.
            worker.draining = true;
        }
    }

    /**
     * The master is replacing this worker: it keeps serving until a worker with the same id and
     * another pid connects, then drains.
     */
    public void retire(int workerId, long pid) {
        WorkerSlots worker = find(workerId, pid);
        if (worker == null) {
            // Forked but not connected yet (reloads in quick succession): retire it when it connects.
            if (retiredEarly.size() >= RETIRED_EARLY_LIMIT) {
                retiredEarly.remove(retiredEarly.iterator().next());
            }
            retiredEarly.add(pid);
            return;
        }
        worker.replaceRequested = true;
        for (WorkerSlots other : workers) {
            if (other != worker && other.workerId == workerId && !other.replaceRequested) {
                drainNow(worker);
                return;
            }
        }
    }

    /** A worker retired before it connected: drain it at once if its replacement is already serving. */
    private void retireOnConnect(WorkerSlots worker) {
        worker.replaceRequested = true;
        for (WorkerSlots other : workers) {
            if (other != worker && other.workerId == worker.workerId && !other.replaceRequested) {
                worker.draining = true;
                return;
            }
        }
    }

    /** The master stops this worker (cheaper): no new requests; it exits once its requests are done. */
    public void drain(int workerId, long pid) {
        WorkerSlots worker = find(workerId, pid);
        if (worker != null) {
            drainNow(worker);
        }
    }

    /**
     * The master stops every worker (idle): each finishes what it runs; from now until a worker
     * connects, requests queue without bound and the first one asks for a {@link Listener#wake}.
     */
    public void sleep() {
        asleep = true;
        wakeAsked = false;
        for (WorkerSlots w : List.copyOf(workers)) {
            drainNow(w);
        }
        if (!queue.isEmpty()) {
            wakeAsked = true;
            listener.wake();
        }
    }

    /** The cheaper subsystem's sample: busy time per worker, queue length, idle time. */
    public Load load(long now) {
        List<WorkerSample> out = new ArrayList<>();
        for (WorkerSlots w : workers) {
            if (!w.draining) {
                out.add(new WorkerSample(w.workerId, w.pid, w.busy, w.slots.size(), w.busyNanos(now)));
            }
        }
        int inFlight = inFlight();
        return new Load(out, queue.size(), inFlight, inFlight > 0 ? 0 : Math.max(0, now - lastActivity));
    }

    /**
     * Fires harakiri for every slot whose request has run longer than {@code limitNanos} at
     * {@code now} (no global limit if {@code limitNanos <= 0}), or past the deadline its job set
     * with uwsgi.set_user_harakiri; the worker takes no new requests. Returns the slots that fired.
     */
    public List<Slot> sweepHarakiri(long now, long limitNanos) {
        List<Slot> fired = new ArrayList<>();
        for (WorkerSlots w : workers) {
            for (Slot s : w.slots) {
                if (s.idle() && direct != null && direct.harakiriDue(s, now, limitNanos)) {
                    w.draining = true;
                    fired.add(s);
                    continue;
                }
                if (s.idle() || s.harakiriFired()) {
                    continue;
                }
                if (limitNanos > 0 && now - s.assignedAt() >= limitNanos) {
                    s.markHarakiri();
                } else if (s.userHarakiriDue(now)) {
                    s.markUserHarakiri();
                } else {
                    continue;
                }
                w.draining = true;
                fired.add(s);
            }
        }
        for (Slot s : fired) {
            listener.harakiri(s.worker().workerId, s.worker().pid);
        }
        return fired;
    }

    /**
     * max-requests for workers that answer uwsgi sockets directly: their count is in the
     * scoreboard, so it is checked here (once a second) rather than as each request ends.
     */
    public void sweepDirect(long now) {
        if (direct == null) {
            return;
        }
        for (WorkerSlots w : workers) {
            for (Slot s : w.slots) {
                direct.count(s, directCounts);
            }
        }
        for (WorkerSlots w : List.copyOf(workers)) {
            if (w.draining || w.recycleRequested) {
                continue;
            }
            long total = w.requests();
            long limit = maxRequests.limit(w.workerId, now - w.connectedAt);
            if (limit > 0 && total >= limit) {
                w.recycleRequested = true;
                listener.recycle(w.workerId, w.pid, "max-requests (" + total + " requests)");
            }
        }
    }

    /** Refuses new requests and fails the queued ones (immediate shutdown). */
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
            if (direct != null) {
                for (Slot s : w.slots) {
                    n += s.idle() && direct.started(s) != 0 ? 1 : 0;
                }
            }
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

    /** Every connected worker and what its busy slots are running at {@code now}, by worker id. */
    public List<WorkerStatus> status(long now) {
        List<WorkerStatus> out = new ArrayList<>();
        for (WorkerSlots w : workers) {
            List<SlotStatus> running = new ArrayList<>();
            int busy = w.busy;
            for (Slot s : w.slots) {
                if (!s.idle()) {
                    running.add(new SlotStatus(s.index(), s.job().describe(), now - s.assignedAt()));
                } else if (direct != null && direct.started(s) != 0) {
                    busy++;
                    running.add(new SlotStatus(s.index(), "uwsgi request (served directly)",
                            now - direct.started(s)));
                }
            }
            out.add(new WorkerStatus(w.workerId, w.pid, w.generation, w.requests(), busy, w.slots.size(), w.draining,
                    List.copyOf(running)));
        }
        out.sort(java.util.Comparator.comparingInt(WorkerStatus::workerId).thenComparingInt(WorkerStatus::generation));
        return out;
    }

    private void drainNow(WorkerSlots worker) {
        worker.draining = true;
        if (worker.busy == 0) {
            closeWorker(worker);
        }
    }

    private void closeWorker(WorkerSlots worker) {
        for (Slot s : List.copyOf(worker.slots)) {
            s.channel().close();
        }
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

    /**
     * Runs {@code job} on worker {@code workerId} (any of its processes that is not draining) as soon
     * as one of its slots is idle; until then it waits in that worker's own queue.
     */
    public void submitTo(int workerId, Job job) {
        for (WorkerSlots w : workers) {
            if (w.workerId == workerId && !w.draining) {
                Slot idle = w.idleSlot();
                if (idle != null) {
                    run(idle, job);
                    return;
                }
            }
        }
        ArrayDeque<Job> q = pinned.computeIfAbsent(workerId, k -> new ArrayDeque<>());
        if (q.size() >= queueLimit) {
            job.reject(503, "worker " + workerId + " has " + q.size() + " jobs waiting");
            return;
        }
        q.addLast(job);
    }

    private Job pollPinned(int workerId) {
        ArrayDeque<Job> q = pinned.get(workerId);
        return q == null ? null : q.pollFirst();
    }

    private void run(Slot slot, Job job) {
        slot.assign(job, System.nanoTime());
        if (job.countsAsRequest()) {
            slot.worker().requests++;
        }
        job.start(slot);
    }

    private Slot pickSlot() {
        WorkerSlots best = null;
        for (WorkerSlots w : workers) {
            if (!w.draining && w.busy < w.slots.size() && (best == null || w.busy < best.busy)) {
                best = w;
            }
        }
        if (best == null) {
            return null;
        }
        if (direct != null) {
            // A slot answering a uwsgi connection itself looks idle here; prefer one that is not.
            for (Slot s : best.slots) {
                if (s.idle() && direct.started(s) == 0) {
                    return s;
                }
            }
        }
        return best.idleSlot();
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
