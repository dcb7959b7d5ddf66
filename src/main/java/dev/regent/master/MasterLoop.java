package dev.regent.master;

import dev.regent.config.ServerConfig;
import dev.regent.logging.RequestLog;
import dev.regent.worker.Zygote;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that owns the master's process state: the zygote, the worker table, the
 * lifecycle phase. Everything else (signal handlers, Netty callbacks, process watchers) only
 * {@link #post posts} events; {@link #run} takes them one at a time and calls
 * {@code handle<Event>}, then checks deadlines.
 *
 * <p>Phases: STARTING (waiting for the first generation to import the app), RUNNING,
 * STOPPING (graceful: no new connections, in-flight requests finish), DONE.
 */
public final class MasterLoop {

    /** Exit status when the app cannot be imported at startup (uWSGI's "no app loaded" code). */
    public static final int EXIT_APP_LOAD_ERROR = 22;
    /** Exit status when startup fails for another reason (bad socket, no interpreter). */
    public static final int EXIT_STARTUP_ERROR = 1;

    private enum Phase { STARTING, RUNNING, STOPPING, DONE }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final ServerConfig config;
    private final Runtime runtime;
    private final RequestLog.Logger log;
    private final Map<Integer, WorkerRecord> workers = new HashMap<>();
    private Phase phase = Phase.STARTING;
    private Zygote zygote;
    private int generation;
    private int exitCode;
    private long stopDeadline;
    private boolean immediate;

    /** What the loop needs from the rest of the master, kept narrow so it can be tested. */
    public interface Runtime {
        Zygote startZygote(int generation) throws Exception;

        /** Stops accepting, lets in-flight requests finish; answers how many are still in flight. */
        void beginGracefulStop();

        int inFlight();

        /** Closes the listeners and the worker channel, removes sockets and the pidfile. */
        void cleanup();
    }

    /** What the master knows about one worker id. */
    private static final class WorkerRecord {
        final int id;
        long pid;
        int generation;
        long spawnedAt;
        int quickDeaths;
        long respawnAt;

        WorkerRecord(int id) {
            this.id = id;
        }
    }

    public MasterLoop(ServerConfig config, Runtime runtime, RequestLog.Logger log) {
        this.config = config;
        this.runtime = runtime;
        this.log = log;
    }

    /** Thread-safe: queue an event for the loop. */
    public void post(Event event) {
        events.add(event);
    }

    /** Runs until the master is done; returns the process exit status. */
    public int run() {
        try {
            startGeneration();
        } catch (Exception e) {
            log.error("cannot start the app: " + e.getMessage());
            runtime.cleanup();
            return EXIT_STARTUP_ERROR;
        }
        while (phase != Phase.DONE) {
            Event event;
            try {
                event = events.poll(250, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (event != null) {
                handle(event);
            }
            manage(System.nanoTime());
        }
        runtime.cleanup();
        return exitCode;
    }

    private void handle(Event event) {
        switch (event) {
            case Event.Signal s -> handleSignal(s.name());
            case Event.ControlConnected c -> {
                if (zygote != null && c.generation() == zygote.generation()) {
                    zygote.connected(c.channel());
                } else {
                    c.channel().close();
                }
            }
            case Event.ZygoteReady r -> handleReady(r);
            case Event.ZygoteFailed f -> handleLoadFailed(f);
            case Event.ZygoteExited x -> handleZygoteExited(x);
            case Event.WorkerSpawned s -> handleSpawned(s);
            case Event.WorkerExited x -> handleWorkerExited(x);
            case Event.Tick t -> { }
        }
    }

    private void handleSignal(String name) {
        switch (name) {
            case "INT" -> gracefulStop("SIGINT");
            case "TERM" -> {
                if (config.dieOnTerm()) {
                    gracefulStop("SIGTERM");
                } else {
                    log.warn("SIGTERM received with die-on-term = false; reloading is not implemented yet, stopping");
                    gracefulStop("SIGTERM");
                }
            }
            case "PWR" -> immediateStop();
            default -> log.info("signal SIG" + name + " received (no action)");
        }
    }

    private void startGeneration() throws Exception {
        generation++;
        zygote = runtime.startZygote(generation);
    }

    private void handleReady(Event.ZygoteReady r) {
        if (zygote == null || r.generation() != zygote.generation()) {
            return;
        }
        log.info("app ready (generation " + r.generation() + "): " + r.description());
        if (phase == Phase.STARTING) {
            phase = Phase.RUNNING;
        }
        if (phase == Phase.RUNNING) {
            for (int id = 1; id <= config.processes(); id++) {
                WorkerRecord w = workers.computeIfAbsent(id, WorkerRecord::new);
                w.generation = r.generation();
                w.pid = 0;
                w.spawnedAt = System.nanoTime();
                zygote.spawn(id);
            }
        }
    }

    private void handleLoadFailed(Event.ZygoteFailed f) {
        log.error("the app failed to load:\n" + f.traceback().stripTrailing());
        if (phase == Phase.STARTING && config.app().needApp()) {
            log.error("*** no app loaded, stopping (need-app) ***");
            exitCode = EXIT_APP_LOAD_ERROR;
            immediate = true;
            finish();
        }
    }

    private void handleZygoteExited(Event.ZygoteExited x) {
        if (zygote == null || x.generation() != zygote.generation()) {
            return;
        }
        if (phase == Phase.STOPPING || phase == Phase.DONE) {
            return;
        }
        if (phase == Phase.STARTING) {
            log.error("the Python zygote exited with status " + x.exitCode() + " before the app was loaded");
            exitCode = x.exitCode() == 4 ? EXIT_APP_LOAD_ERROR : EXIT_STARTUP_ERROR;
            phase = Phase.DONE;
            return;
        }
        log.error("the Python zygote (pid " + zygote.pid() + ") died with status " + x.exitCode()
                + "; starting a new one");
        try {
            startGeneration();
        } catch (Exception e) {
            log.error("cannot restart the zygote: " + e.getMessage());
            exitCode = EXIT_STARTUP_ERROR;
            phase = Phase.DONE;
        }
    }

    private void handleSpawned(Event.WorkerSpawned s) {
        WorkerRecord w = workers.get(s.workerId());
        if (w == null) {
            return;
        }
        w.pid = s.pid();
        log.info("spawned worker " + s.workerId() + " (pid " + s.pid() + ", generation " + s.generation() + ")");
    }

    private void handleWorkerExited(Event.WorkerExited x) {
        WorkerRecord w = workers.get(x.workerId());
        String how = x.status() < 0 ? "killed by signal " + (-x.status()) : "exit status " + x.status();
        if (phase != Phase.RUNNING || w == null || w.pid != x.pid()) {
            log.info("worker " + x.workerId() + " (pid " + x.pid() + ") stopped, " + how);
            return;
        }
        long now = System.nanoTime();
        boolean young = now - w.spawnedAt < TimeUnit.SECONDS.toNanos(1);
        w.quickDeaths = young ? w.quickDeaths + 1 : 0;
        long delayMillis = w.quickDeaths == 0 ? 0 : Math.min(30_000L, 100L << Math.min(w.quickDeaths, 9));
        log.error("worker " + x.workerId() + " (pid " + x.pid() + ") died, " + how
                + (delayMillis > 0 ? "; respawning in " + delayMillis + " ms (it keeps dying young)" : "; respawning"));
        w.pid = 0;
        w.respawnAt = now + TimeUnit.MILLISECONDS.toNanos(delayMillis);
    }

    private void manage(long now) {
        if (phase == Phase.RUNNING && zygote != null && zygote.connected()) {
            for (WorkerRecord w : workers.values()) {
                if (w.pid == 0 && w.respawnAt != 0 && now >= w.respawnAt) {
                    w.respawnAt = 0;
                    w.spawnedAt = now;
                    zygote.spawn(w.id);
                }
            }
        }
        if (phase == Phase.STOPPING && !immediate) {
            int left = runtime.inFlight();
            if (left == 0 || now >= stopDeadline) {
                if (left > 0) {
                    log.warn(left + " requests still running after worker-reload-mercy; stopping anyway");
                }
                finish();
            }
        }
    }

    private void gracefulStop(String why) {
        if (phase == Phase.STOPPING || phase == Phase.DONE) {
            return;
        }
        log.info(why + " received: graceful stop (no new connections, finishing in-flight requests)");
        phase = Phase.STOPPING;
        stopDeadline = System.nanoTime() + config.workerReloadMercy().toNanos();
        runtime.beginGracefulStop();
    }

    private void immediateStop() {
        log.info("SIGQUIT received: immediate stop");
        immediate = true;
        finish();
    }

    private void finish() {
        phase = Phase.DONE;
        if (zygote != null) {
            zygote.shutdown(immediate);
            zygote.awaitExit(immediate ? 2000 : 10_000);
        }
        log.info("goodbye");
    }
}
