package dev.regent.master;

import io.netty.channel.Channel;

/**
 * Everything that can change the master's process state. Signal handlers, Netty callbacks and
 * process watchers only create events; {@link MasterLoop} alone acts on them.
 */
public sealed interface Event {

    /** A POSIX signal arrived (name without "SIG"; QUIT arrives as PWR through the launcher). */
    record Signal(String name) implements Event { }

    /** A zygote's control connection said hello. */
    record ControlConnected(int generation, Channel channel) implements Event { }

    /** The zygote imported the app. */
    record ZygoteReady(int generation, String description) implements Event { }

    /** The zygote could not import the app. */
    record ZygoteFailed(int generation, String traceback) implements Event { }

    /** The zygote process ended. */
    record ZygoteExited(int generation, int exitCode) implements Event { }

    /** The zygote forked a worker. */
    record WorkerSpawned(int generation, int workerId, long pid) implements Event { }

    /** The zygote reaped a worker; status >= 0 is an exit code, < 0 minus the killing signal. */
    record WorkerExited(int generation, int workerId, long pid, int status) implements Event { }

    /** The dispatcher asks for a graceful replacement of a worker (max-requests). */
    record Recycle(int workerId, long pid, String reason) implements Event { }

    /** A request on this worker ran past the harakiri limit. */
    record Harakiri(int workerId, long pid) implements Event { }

    /** The first slot of a worker process reached the dispatcher: the worker is serving. */
    record WorkerConnected(int workerId, long pid) implements Event { }

    /** A one-letter command read from the master FIFO. */
    record FifoCommand(char command) implements Event { }

    /** A request arrived while every worker was stopped for idleness: start them. */
    record Wake() implements Event { }

    /** Periodic wake-up so that deadlines are checked even when nothing happens. */
    record Tick() implements Event { }
}
