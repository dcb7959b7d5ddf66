package dev.regent.cheaper;

import java.util.List;

/**
 * What the dispatcher reports when the master samples it: taken on the I/O loop in one task, so the
 * numbers are consistent with each other.
 *
 * @param workers   connected workers that take requests (draining ones are left out)
 * @param queued    requests waiting in the central queue (the exact backlog, for every socket type)
 * @param inFlight  requests running or queued
 * @param idleNanos time since the last request arrived or finished; 0 while any is in flight
 */
public record Load(List<WorkerSample> workers, int queued, int inFlight, long idleNanos) {
    public Load {
        workers = List.copyOf(workers);
    }
}
