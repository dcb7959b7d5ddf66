package dev.regent.dispatch;

/**
 * A request as the dispatcher sees it: something that can be started on a slot, or failed
 * before it ever reaches one.
 */
public interface Job {

    /** Called on the I/O loop when a slot is assigned: send the request to it. */
    void start(Slot slot);

    /** Called when the request cannot be served (queue full, no workers, shutdown). */
    void reject(int status, String reason);

    /** Called when the slot's worker went away while this job was running on it. */
    void workerLost(Slot slot);

    /** True once the client has gone; a queued job that is cancelled is skipped. */
    boolean cancelled();

    /** "client METHOD URI", for harakiri and error log lines. */
    String describe();

    /** False for work that is not a request (a signal handler): not counted towards max-requests. */
    default boolean countsAsRequest() {
        return true;
    }
}
