package dev.regent.dispatch;

import java.util.ArrayList;
import java.util.List;

/**
 * The dispatcher's view of one worker process: its connected slots and how many are busy.
 * The busy count is what least-busy dispatch compares (fewest busy threads = least GIL contention).
 */
public final class WorkerSlots {
    final int workerId;
    final long pid;
    final int generation;
    final List<Slot> slots = new ArrayList<>();
    int busy;
    /** A draining worker takes no new requests; it is closed when its last slot goes idle. */
    boolean draining;
    /** The master is spawning a replacement; drain this worker once the replacement is connected. */
    boolean replaceRequested;
    /** A recycle (max-requests) has been asked for already; ask once. */
    boolean recycleRequested;
    long requests;
    /** Slot-busy time of finished requests, summed over the slots (the cheaper busyness input). */
    long busyNanos;
    final long connectedAt;
    /** The slots' scoreboard, when they serve uwsgi sockets directly; null otherwise. */
    DirectServing direct;

    WorkerSlots(int workerId, long pid, int generation, long connectedAt) {
        this.workerId = workerId;
        this.pid = pid;
        this.generation = generation;
        this.connectedAt = connectedAt;
    }

    public boolean draining() {
        return draining;
    }

    public int workerId() {
        return workerId;
    }

    public long pid() {
        return pid;
    }

    public int generation() {
        return generation;
    }

    /** Slots serving a request: relayed ones, and those answering a uwsgi connection directly. */
    public int busy() {
        if (direct == null) {
            return busy;
        }
        int n = busy;
        for (Slot s : slots) {
            n += s.idle() && direct.started(s) != 0 ? 1 : 0;
        }
        return n;
    }

    /** Requests answered since the worker connected, relayed and direct (the latter from the scoreboard). */
    public long requests() {
        if (direct == null) {
            return requests;
        }
        long n = requests;
        for (Slot s : slots) {
            n += direct.requests(s);
        }
        return n;
    }

    /** Slot-busy time so far, including the requests still running at {@code now}. */
    long busyNanos(long now) {
        long total = busyNanos;
        for (Slot s : slots) {
            if (!s.idle()) {
                total += now - s.assignedAt();
            }
        }
        return total;
    }

    Slot idleSlot() {
        for (Slot s : slots) {
            if (s.idle()) {
                return s;
            }
        }
        return null;
    }
}
