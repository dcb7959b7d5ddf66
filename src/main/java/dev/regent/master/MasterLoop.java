package dev.regent.master;

import dev.regent.api.MuleSupervisor;
import dev.regent.cheaper.Decision;
import dev.regent.cheaper.Load;
import dev.regent.cheaper.Scaler;
import dev.regent.cheaper.WorkerSample;
import dev.regent.config.ServerConfig;
import dev.regent.protocol.worker.FrameType;
import dev.regent.dispatch.Dispatcher;
import dev.regent.logging.RequestLog;
import dev.regent.stats.MasterBoard;
import dev.regent.worker.Zygote;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that owns the master's process state: the zygotes (one per app generation),
 * the worker table, the lifecycle phase. Everything else (signal handlers, Netty callbacks,
 * process watchers) only {@link #post posts} events; {@link #run} takes them one at a time and
 * calls {@code handle<Event>}, then {@link #manage} checks deadlines.
 *
 * <p>Phases: STARTING (waiting for the first generation to import the app), RUNNING,
 * STOPPING (graceful: no new connections, in-flight requests finish), DONE.
 *
 * <p>Reload: a new zygote imports the app; only when it reports READY are the workers
 * replaced (each new worker first, then the old one drains). If the import fails the old
 * generation keeps serving. A chain reload ({@code touch-chain-reload}, FIFO {@code c}) replaces
 * one worker at a time, the next only once the previous replacement has connected: from a new
 * generation, or with {@code lazy-apps} from the current zygote (each worker imports the code).
 *
 * <p>Scaling ({@link Scaler}, dev.regent.cheaper): at most every {@code check-interval} the loop
 * samples the dispatcher (a task on the I/O loop) and fills or empties seats of the worker table.
 * After {@code idle} seconds without requests it stops every worker and, unless
 * {@code idle-keep-zygote}, the zygote; the dispatcher then queues requests and the first one
 * posts {@link Event.Wake}, which starts them again.
 */
public final class MasterLoop {

    /** Exit status when the app cannot be imported at startup (uWSGI's "no app loaded" code). */
    public static final int EXIT_APP_LOAD_ERROR = 22;
    /** Exit status when startup fails for another reason (bad socket, no interpreter). */
    public static final int EXIT_STARTUP_ERROR = 1;
    private static final long RSS_PERIOD = TimeUnit.SECONDS.toNanos(1);

    private enum Phase { STARTING, RUNNING, STOPPING, DONE }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final ServerConfig config;
    private final Runtime runtime;
    private final RequestLog.Logger log;
    private final WorkerTable table;
    private final MuleSupervisor mules;
    private final TouchWatch touch;
    private final TouchWatch touchChain;
    /** Generations being imported for a chain reload (the others replace every worker at once). */
    private final Set<Integer> chained = new HashSet<>();
    private MasterFifo fifo;
    private final Map<Integer, Zygote> zygotes = new HashMap<>();
    private Phase phase = Phase.STARTING;
    private int lastGeneration;
    private int exitCode;
    private long stopDeadline;
    private long nextRssSample;
    private boolean immediate;
    /** Where the stats and health endpoints read the master's state (null when none is configured). */
    private MasterBoard board;
    /** shutdown-delay: when the delayed graceful stop begins (System.nanoTime()), or -1. */
    private long delayedStopAt = -1;
    private String delayedStopWhy;
    private final Scaler scaler;
    /** Every worker was stopped for idleness (or {@code cheap}); the next request wakes the app. */
    private boolean asleep;
    /** When the last scaling decision or wake asked for a seat's worker, to log how long it took. */
    private final Map<Integer, Long> scaledAt = new HashMap<>();

    /** What the loop needs from the rest of the master, kept narrow so it can be tested. */
    public interface Runtime {
        Zygote startZygote(int generation) throws Exception;

        /** Stops accepting, lets in-flight requests finish. */
        void beginGracefulStop();

        /** Requests running or queued (asks the I/O loop). */
        int inFlight();

        /** Tells the dispatcher to drain this worker once its replacement has connected. */
        void retire(int workerId, long pid);

        /** Closes the listeners, removes sockets. */
        void cleanup();

        /** The dispatcher's load sample for the cheaper subsystem (asks the I/O loop); null when it does not answer. */
        Load load();

        /** Tells the dispatcher to drain this worker: it gets no replacement. */
        void cheap(int workerId, long pid);

        /** Tells the dispatcher that every worker is stopping: queue, and wake the master on the next request. */
        void sleep();

        /** What the dispatcher knows of each worker (asks the I/O loop); empty when it does not answer. */
        DispatchView dispatchView();
    }

    /** The dispatcher's workers and queue length, as one consistent snapshot taken on the I/O loop. */
    public record DispatchView(List<Dispatcher.WorkerStatus> workers, int queued) {
        public DispatchView {
            workers = List.copyOf(workers);
        }
    }

    public MasterLoop(ServerConfig config, Runtime runtime, RequestLog.Logger log) {
        this.config = config;
        this.runtime = runtime;
        this.log = log;
        this.mules = new MuleSupervisor(config.api().mules(), log::info);
        this.table = new WorkerTable(config.lifecycle(), config.processes(), log);
        this.touch = new TouchWatch(config.lifecycle().touchReload());
        this.touchChain = new TouchWatch(config.lifecycle().touchChainReload());
        this.scaler = new Scaler(config.cheaper());
        this.asleep = config.cheaper().cheap();
        table.startWith(asleep ? 0 : config.cheaper().startWorkers());
    }

    /** Thread-safe: queue an event for the loop. */
    public void post(Event event) {
        events.add(event);
    }

    /** Runs until the master is done; returns the process exit status. */
    public int run() {
        try {
            fifo = MasterFifo.start(config.lifecycle().masterFifo(), this::post, log::info);
            if (asleep) {
                log.info("cheap mode: no worker until the first request");
                runtime.sleep();
            }
            startGeneration();
        } catch (Exception e) {
            log.error("cannot start the app: " + e.getMessage());
            closeFifo();
            runtime.cleanup();
            return EXIT_STARTUP_ERROR;
        }
        while (phase != Phase.DONE) {
            Event event;
            try {
                event = events.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (event != null) {
                handle(event);
            }
            manage(System.nanoTime());
            if (board != null) {
                board.publish(phase.name(), table);
                int workers = table.currentWorkers().size();
                scaler.observe(workers);
                board.scaling(scaler.view(workers, asleep));
            }
        }
        closeFifo();
        runtime.cleanup();
        return exitCode;
    }

    private void handle(Event event) {
        long now = System.nanoTime();
        switch (event) {
            case Event.Signal s -> handleSignal(s.name());
            case Event.ControlConnected c -> {
                Zygote z = zygotes.get(c.generation());
                if (z != null) {
                    z.connected(c.channel());
                } else {
                    c.channel().close();
                }
            }
            case Event.ZygoteReady r -> handleReady(r, now);
            case Event.ZygoteFailed f -> handleLoadFailed(f);
            case Event.ZygoteExited x -> handleZygoteExited(x);
            // Mules are zygote children too, numbered from MULE_ID_BASE; the worker table never sees them.
            case Event.WorkerSpawned s when s.workerId() >= FrameType.MULE_ID_BASE ->
                    mules.spawned(s.workerId() - FrameType.MULE_ID_BASE, s.pid());
            case Event.WorkerExited x when x.workerId() >= FrameType.MULE_ID_BASE ->
                    mules.exited(x.workerId() - FrameType.MULE_ID_BASE, x.pid(), x.status(),
                            phase == Phase.RUNNING ? zygotes.get(table.generation()) : null, now);
            case Event.WorkerSpawned s -> {
                log.info("spawned worker " + s.workerId() + " (pid " + s.pid() + ", generation " + s.generation() + ")");
                apply(table.spawned(s.generation(), s.workerId(), s.pid(), now));
            }
            case Event.WorkerExited x -> apply(table.exited(x.generation(), x.workerId(), x.pid(), x.status(), now));
            case Event.Recycle r -> {
                if (table.oldEnough(r.pid(), now)) {
                    apply(table.recycle(r.workerId(), r.pid(), r.reason(), now));
                }
            }
            case Event.Harakiri h -> apply(table.harakiri(h.workerId(), h.pid(), now));
            case Event.WorkerConnected c -> {
                Long asked = scaledAt.remove(c.workerId());
                if (asked != null) {
                    log.info("worker " + c.workerId() + " (pid " + c.pid() + ") serving "
                            + TimeUnit.NANOSECONDS.toMillis(now - asked) + " ms after it was asked for");
                }
                apply(table.connected(c.workerId(), c.pid(), now));
            }
            case Event.FifoCommand f -> handleFifo(f.command());
            case Event.Wake w -> wake(now);
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
                    reload("SIGTERM with die-on-term = false");
                }
            }
            case "HUP" -> reload("SIGHUP");
            case "PWR" -> immediateStop("SIGQUIT");
            case "USR1" -> logStats();
            case "USR2" -> logStatus();
            default -> log.info("signal SIG" + name + " received (no action)");
        }
    }

    /** master-fifo commands, with uWSGI's letters (core/fifo.c). */
    private void handleFifo(char c) {
        switch (c) {
            case 'r' -> reload("master-fifo r");
            case 'R' -> reload("master-fifo R (brutal reload, done gracefully)");
            case 'q' -> gracefulStop("master-fifo q");
            case 'Q' -> immediateStop("master-fifo Q");
            case 'w' -> {
                log.info("master-fifo w received: replacing every worker from generation " + table.generation());
                apply(table.reloadWorkers(System.nanoTime()));
            }
            case 'c' -> chainReload("master-fifo c");
            case 's' -> logStats();
            case '+' -> addWorker();
            case '-' -> removeWorker();
            case 'l' -> log.reopen();
            case 'L' -> log.rotate();
            default -> log.info("master-fifo: command '" + c + "' not supported (ignored)");
        }
    }

    /**
     * Chain reload: one worker at a time. Without lazy-apps the code lives in the zygote, so a
     * new generation imports it first; with lazy-apps each new worker imports it after the fork.
     */
    private void chainReload(String why) {
        if (phase != Phase.RUNNING) {
            log.info(why + " received while " + phase.name().toLowerCase() + ": ignored");
            return;
        }
        if (config.app().lazyApps()) {
            log.info(why + " received: chain reload (lazy-apps: each replacement imports the app)");
            apply(table.chainReload(System.nanoTime()));
            return;
        }
        if (reload(why + " (chain)")) {
            chained.add(lastGeneration);
        }
    }

    private void logStats() {
        DispatchView view = runtime.dispatchView();
        for (String line : StatusReport.stats(table.snapshot(System.nanoTime()), view.workers(), table.generation(),
                view.queued())) {
            log.info(line);
        }
    }

    private void logStatus() {
        DispatchView view = runtime.dispatchView();
        for (String line : StatusReport.status(table.snapshot(System.nanoTime()), view.workers())) {
            log.info(line);
        }
    }

    private void startGeneration() throws Exception {
        int gen = ++lastGeneration;
        zygotes.put(gen, runtime.startZygote(gen));
    }

    /**
     * Graceful reload: a new generation imports the app; workers are replaced only if it succeeds.
     * Returns true when the new generation was started.
     */
    private boolean reload(String why) {
        if (phase != Phase.RUNNING) {
            log.info(why + " received while " + phase.name().toLowerCase() + ": ignored");
            return false;
        }
        log.reloading();
        log.info(why + " received: graceful reload (importing the app in generation " + (lastGeneration + 1) + ")");
        try {
            startGeneration();
            return true;
        } catch (Exception e) {
            log.error("reload failed, the current generation keeps serving: " + e.getMessage());
            return false;
        }
    }

    private void handleReady(Event.ZygoteReady r, long now) {
        if (!zygotes.containsKey(r.generation()) || phase == Phase.STOPPING || phase == Phase.DONE) {
            return;
        }
        log.info("app ready (generation " + r.generation() + "): " + r.description());
        if (phase == Phase.STARTING) {
            phase = Phase.RUNNING;
        }
        readyListener.accept(r.generation());
        apply(table.generationReady(r.generation(), chained.remove(r.generation()), now));
        mules.ready(zygotes.get(r.generation()), now);
    }

    private void handleLoadFailed(Event.ZygoteFailed f) {
        log.error("the app failed to load (generation " + f.generation() + "):\n" + f.traceback().stripTrailing());
        if (phase == Phase.STARTING && config.app().needApp()) {
            log.error("*** no app loaded, stopping (need-app) ***");
            exitCode = EXIT_APP_LOAD_ERROR;
            immediate = true;
            finish();
            return;
        }
        if (phase == Phase.RUNNING && table.generation() > 0) {
            log.error("reload aborted: generation " + table.generation() + " keeps serving");
            Zygote failed = zygotes.remove(f.generation());
            if (failed != null) {
                failed.shutdown(false);
            }
        }
    }

    private void handleZygoteExited(Event.ZygoteExited x) {
        table.zygoteGone(x.generation());
        Zygote z = zygotes.get(x.generation());
        if (z == null || phase == Phase.STOPPING || phase == Phase.DONE) {
            zygotes.remove(x.generation());
            return;
        }
        zygotes.remove(x.generation());
        if (phase == Phase.STARTING) {
            log.error("the Python zygote exited with status " + x.exitCode() + " before the app was loaded");
            exitCode = x.exitCode() == 4 ? EXIT_APP_LOAD_ERROR : EXIT_STARTUP_ERROR;
            phase = Phase.DONE;
            return;
        }
        if (x.generation() != table.generation()) {
            return;
        }
        log.error("the Python zygote of generation " + x.generation() + " (pid " + z.pid() + ") died with status "
                + x.exitCode() + "; importing the app again");
        try {
            startGeneration();
        } catch (Exception e) {
            log.error("cannot restart the zygote: " + e.getMessage());
            exitCode = EXIT_STARTUP_ERROR;
            phase = Phase.DONE;
        }
    }

    private void manage(long now) {
        if (phase == Phase.RUNNING) {
            apply(table.tick(now));
            if (config.cheaper().active() && !table.chaining() && scaler.due(now)) {
                scale(now);
            }
            stopIdleZygote();
            if (touch.changed()) {
                reload("touch-reload");
            }
            if (touchChain.changed()) {
                chainReload("touch-chain-reload");
            }
            if (now >= nextRssSample && (config.lifecycle().reloadOnRssBytes() > 0
                    || config.lifecycle().evilReloadOnRssBytes() > 0)) {
                nextRssSample = now + RSS_PERIOD;
                for (long[] w : table.currentWorkers()) {
                    long rss = ProcStat.rssBytes(w[1]);
                    if (rss > 0) {
                        apply(table.rss((int) w[0], w[1], rss, now));
                    }
                }
            }
            retireOldZygotes();
            mules.tick(zygotes.get(table.generation()), now);
        }
        if (delayedStopAt >= 0 && now >= delayedStopAt) {
            gracefulStop(delayedStopWhy + " (after shutdown-delay)");
        }
        if (phase == Phase.STOPPING && !immediate) {
            apply(table.tick(now));
            int left = runtime.inFlight();
            if (left == 0 || now >= stopDeadline) {
                if (left > 0) {
                    log.warn(left + " requests still running after worker-reload-mercy; stopping anyway");
                }
                finish();
            }
        }
    }

    /** A generation older than the current one is shut down once its last worker has exited. */
    private void retireOldZygotes() {
        int current = table.generation();
        List<Integer> done = new ArrayList<>();
        for (Map.Entry<Integer, Zygote> e : zygotes.entrySet()) {
            int gen = e.getKey();
            if (gen < current && table.liveWorkers(gen) == 0) {
                e.getValue().shutdown(false);
                done.add(gen);
            }
        }
        for (int gen : done) {
            zygotes.remove(gen);
            log.info("generation " + gen + " retired");
        }
    }

    private void apply(List<WorkerTable.Action> actions) {
        for (WorkerTable.Action a : actions) {
            switch (a) {
                case WorkerTable.Action.Spawn s -> {
                    Zygote z = zygotes.get(s.generation());
                    if (z == null || !z.spawn(s.workerId())) {
                        table.spawnLost(s.generation());
                    }
                }
                case WorkerTable.Action.Signal s -> {
                    Zygote z = zygotes.get(s.generation());
                    if (z != null) {
                        z.signal(s.pid(), s.signal());
                    }
                }
                case WorkerTable.Action.Retire r -> runtime.retire(r.workerId(), r.pid());
                case WorkerTable.Action.Cheap c -> runtime.cheap(c.workerId(), c.pid());
            }
        }
    }

    /** Told on this thread each time a generation has imported the app (an emperor's readiness; call before run). */
    public void onReady(java.util.function.IntConsumer listener) {
        this.readyListener = listener;
    }

    private java.util.function.IntConsumer readyListener = generation -> { };

    /** One cheaper check: idle timer first, then the algorithm. */
    private void scale(long now) {
        if (asleep) {
            return;
        }
        Load load = runtime.load();
        if (load == null) {
            return;
        }
        int active = table.activeSeats();
        switch (scaler.check(now, load, active, table.processes() - active, false)) {
            case null -> { }
            case Scaler.Step.Sleep s -> sleep(s.reason(), now);
            case Scaler.Step.Die d -> {
                log.info(d.reason() + " (die-on-idle)");
                scaler.record("die-on-idle", d.reason());
                gracefulStop("die-on-idle");
            }
            case Scaler.Step.Scale sc -> carryOut(sc.decision(), load, now);
        }
    }

    private void carryOut(Decision d, Load load, long now) {
        if (d.delta() == 0) {
            log.info(d.reason());  // a verbose note
            return;
        }
        List<WorkerTable.Action> actions = d.delta() > 0 ? table.grow(d.delta(), now) : table.shrink(idlePids(load), now);
        if (actions.isEmpty()) {
            log.info(d.reason() + " (nothing to do: " + (d.delta() > 0 ? "no free seat" : "no idle worker") + ")");
            return;
        }
        log.info(d.reason() + describe(actions));
        scaler.record(d.cause(), d.reason());
        noteSpawns(actions, now);
        apply(actions);
    }

    /** master-fifo {@code +}: one more worker, in the lowest free seat (wakes a sleeping app). */
    private void addWorker() {
        long now = System.nanoTime();
        if (phase != Phase.RUNNING) {
            return;
        }
        if (asleep) {
            wake(now);
            return;
        }
        List<WorkerTable.Action> actions = table.grow(1, now);
        log.info("master-fifo +: " + (actions.isEmpty() ? "every seat (processes = " + table.processes()
                + ") has a worker" : "adding a worker" + describe(actions)));
        if (!actions.isEmpty()) {
            scaler.record("fifo", "master-fifo +");
            noteSpawns(actions, now);
            apply(actions);
        }
    }

    /** master-fifo {@code -}: one worker fewer (an idle one), never below cheaper (or one). */
    private void removeWorker() {
        long now = System.nanoTime();
        int floor = Math.max(1, config.cheaper().min());
        if (phase != Phase.RUNNING || asleep || table.activeSeats() <= floor) {
            log.info("master-fifo -: ignored (" + table.activeSeats() + " workers, at least " + floor + " stay)");
            return;
        }
        Load load = runtime.load();
        List<WorkerTable.Action> actions = load == null ? List.of() : table.shrink(idlePids(load), now);
        log.info("master-fifo -: " + (actions.isEmpty() ? "no idle worker to stop" : "stopping a worker"
                + describe(actions)));
        if (!actions.isEmpty()) {
            scaler.record("fifo", "master-fifo -");
            apply(actions);
        }
    }

    /** Idle for {@code idle} seconds: stop every worker; the zygote follows once they are gone. */
    private void sleep(String why, long now) {
        boolean keep = keepZygoteWhileIdle();
        log.info(why + ": stopping every worker" + (keep ? " (the zygote stays)" : " and the zygote")
                + "; the next request starts them again");
        scaler.record("idle", why);
        table.sleep(now);
        runtime.sleep();
        asleep = true;
    }

    /** A request arrived while asleep: start the workers, from the zygote if it is still there. */
    private void wake(long now) {
        if (!asleep || phase == Phase.STOPPING || phase == Phase.DONE) {
            return;
        }
        asleep = false;
        int workers = config.cheaper().startWorkers();
        Zygote z = zygotes.get(table.generation());
        scaler.record("wake", "request while idle");
        for (int id = 1; id <= workers; id++) {
            scaledAt.put(id, now);
        }
        if (phase == Phase.STARTING || z != null) {
            log.info("request while idle: starting " + workers + " worker(s)"
                    + (z != null && phase == Phase.RUNNING ? " from the zygote" : " once the app is imported"));
            apply(table.wake(workers, phase == Phase.RUNNING && z != null, now));
            return;
        }
        table.wake(workers, false, now);
        log.info("request while idle: importing the app (generation " + (lastGeneration + 1) + "), then starting "
                + workers + " worker(s)");
        try {
            startGeneration();
        } catch (Exception e) {
            log.error("cannot start the zygote: " + e.getMessage());
        }
    }

    /** While asleep, the zygote of the current generation is stopped once its last worker has exited. */
    private void stopIdleZygote() {
        int gen = table.generation();
        Zygote z = zygotes.get(gen);
        if (asleep && !keepZygoteWhileIdle() && z != null && table.liveWorkers(gen) == 0) {
            zygotes.remove(gen);
            z.shutdown(false);
            log.info("zygote of generation " + gen + " (pid " + z.pid() + ") stopped while idle");
        }
    }

    /** Mules are the zygote's children too: with mules the zygote always stays. */
    private boolean keepZygoteWhileIdle() {
        return config.cheaper().idleKeepZygote() || !config.api().mules().isEmpty();
    }

    private static java.util.Set<Long> idlePids(Load load) {
        java.util.Set<Long> out = new HashSet<>();
        for (WorkerSample w : load.workers()) {
            if (w.busySlots() == 0) {
                out.add(w.pid());
            }
        }
        return out;
    }

    private void noteSpawns(List<WorkerTable.Action> actions, long now) {
        for (WorkerTable.Action a : actions) {
            if (a instanceof WorkerTable.Action.Spawn s) {
                scaledAt.put(s.workerId(), now);
            }
        }
    }

    /** " (worker 3)", " (workers 3, 4)", " (worker 2, pid 1234)" for the decision's log line. */
    private static String describe(List<WorkerTable.Action> actions) {
        List<String> parts = new ArrayList<>();
        for (WorkerTable.Action a : actions) {
            switch (a) {
                case WorkerTable.Action.Spawn s -> parts.add(Integer.toString(s.workerId()));
                case WorkerTable.Action.Cheap c -> parts.add(c.workerId() + ", pid " + c.pid());
                default -> { }
            }
        }
        return parts.isEmpty() ? "" : " (worker" + (parts.size() > 1 ? "s " : " ") + String.join(", ", parts) + ")";
    }

    /** Publishes the phase and worker table to {@code board} after every event (call before {@link #run}). */
    public void board(MasterBoard board) {
        this.board = board;
    }

    private void gracefulStop(String why) {
        if (phase == Phase.STOPPING || phase == Phase.DONE) {
            return;
        }
        if (board != null) {
            board.stopRequested();
        }
        long delay = config.observability().shutdownDelay().toNanos();
        if (delay > 0 && delayedStopAt < 0) {
            // Readiness already says 503 (MasterBoard); keep serving while load balancers notice.
            log.info(why + " received: not ready; serving for " + config.observability().shutdownDelay().toSeconds()
                    + " s more (shutdown-delay), then stopping gracefully; send it again to stop now");
            delayedStopAt = System.nanoTime() + delay;
            delayedStopWhy = why;
            return;
        }
        delayedStopAt = -1;
        log.info(why + " received: graceful stop (no new connections, finishing in-flight requests)");
        phase = Phase.STOPPING;
        table.stop();
        stopDeadline = System.nanoTime() + config.lifecycle().workerReloadMercy().toNanos();
        runtime.beginGracefulStop();
    }

    private void immediateStop(String why) {
        log.info(why + " received: immediate stop");
        immediate = true;
        finish();
    }

    private void closeFifo() {
        if (fifo != null) {
            fifo.close();
            fifo = null;
        }
    }

    private void finish() {
        phase = Phase.DONE;
        table.stop();
        for (Zygote z : zygotes.values()) {
            z.shutdown(immediate);
        }
        for (Zygote z : zygotes.values()) {
            z.awaitExit(immediate ? 2000 : 10_000);
        }
        log.info("goodbye");
    }
}
