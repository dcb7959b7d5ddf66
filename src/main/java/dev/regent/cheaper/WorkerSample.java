package dev.regent.cheaper;

/**
 * One connected worker process as the dispatcher sees it when sampled.
 *
 * @param id        worker id (seat)
 * @param pid       process id: a new process of the same seat starts its busy time from zero
 * @param busySlots slots serving a request now
 * @param slots     connected slots (threads)
 * @param busyNanos slot-busy time since the process connected, summed over its slots, including the
 *                  part of requests still running (so a long request counts while it runs, unlike
 *                  uWSGI's running_time, which grows only when a request ends)
 */
public record WorkerSample(int id, long pid, int busySlots, int slots, long busyNanos) {
}
