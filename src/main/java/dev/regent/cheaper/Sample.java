package dev.regent.cheaper;

import java.util.List;

/**
 * The input of one cheaper decision: the dispatcher's {@link Load} plus the master's seat counts.
 *
 * @param workers   connected workers and their busy time
 * @param active    seats with a worker (running or being spawned): uWSGI's "active workers"
 * @param freeSeats seats without a worker that a spawn decision may fill ({@code processes - active})
 * @param queued    requests waiting in the central queue
 */
public record Sample(List<WorkerSample> workers, int active, int freeSeats, int queued) {
    public Sample {
        workers = List.copyOf(workers);
    }

    /** Connected workers with no request running. */
    public int idleWorkers() {
        int n = 0;
        for (WorkerSample w : workers) {
            if (w.busySlots() == 0) {
                n++;
            }
        }
        return n;
    }
}
