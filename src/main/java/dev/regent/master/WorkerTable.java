package dev.regent.master;

import dev.regent.config.LifecycleSpec;
import dev.regent.logging.RequestLog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The master's table of worker processes and the policy that keeps it full: respawn with
 * back-off after crashes, graceful replacement (recycling and reloads: the replacement is
 * spawned first, the old worker keeps serving until the replacement has connected, then drains,
 * and is killed only after the mercy period), chain reloads (one seat at a time), harakiri and
 * memory kills, and the seats the cheaper subsystem leaves empty ({@link #startWith}, {@link #grow},
 * {@link #shrink}, {@link #sleep}, {@link #wake}). Pure bookkeeping: every method takes {@code now} (nanoseconds) and returns the
 * {@link Action}s for the caller to carry out, so the policy is tested without processes.
 *
 * <p>Call order for one worker: {@link #spawned}, then {@link #connected} (its first slot reached
 * the dispatcher), then {@link #exited}. Owned by the master thread.
 */
public final class WorkerTable {

    /** What the master must do. */
    public sealed interface Action {
        /** Ask the zygote of {@code generation} to fork worker {@code workerId}. */
        record Spawn(int generation, int workerId) implements Action { }

        /** Ask the zygote of {@code generation} to send {@code signal} to {@code pid}. */
        record Signal(int generation, long pid, int signal) implements Action { }

        /** Tell the dispatcher: take no new requests on this worker once its replacement is up. */
        record Retire(int workerId, long pid) implements Action { }

        /** Tell the dispatcher: this worker gets no replacement; it exits once its requests are done. */
        record Cheap(int workerId, long pid) implements Action { }
    }

    /** One live process as {@link #snapshot} reports it. */
    public record WorkerInfo(int id, long pid, int generation, long ageNanos, boolean retiring, long respawns,
                             long harakiris) { }

    /**
     * Why a worker process ended or was replaced, for the respawns-by-cause metric. Counted when the
     * master decides (the retirement or the reaped death), not when the replacement connects, so a
     * crash loop in back-off still shows up while no worker runs.
     */
    public enum Cause {
        /** Killed after a request ran past harakiri. */
        HARAKIRI("harakiri"),
        /** Recycled after max-requests. */
        MAX_REQUESTS("max-requests"),
        /** Recycled after max-worker-lifetime. */
        MAX_LIFETIME("max-lifetime"),
        /** Recycled by reload-on-rss, or killed by evil-reload-on-rss: memory either way. */
        RSS("rss"),
        /** Died without the master asking (exception at import, segfault, OOM killer, kill -9). */
        CRASH("crash"),
        /** Replaced by a reload: new app generation, master-fifo w, or one step of a chain reload. */
        RELOAD("reload"),
        /** Stopped without replacement by the cheaper subsystem or idle. */
        CHEAPER("cheaper");

        public final String label;

        Cause(String label) {
            this.label = label;
        }

        /** The cause of a {@link #recycle} from its free-text reason (the dispatcher and sampler name it first). */
        static Cause ofReason(String reason) {
            if (reason.startsWith("max-worker-lifetime")) {
                return MAX_LIFETIME;
            }
            if (reason.startsWith("reload-on-rss")) {
                return RSS;
            }
            if (reason.startsWith("max-requests")) {
                return MAX_REQUESTS;
            }
            return RELOAD;
        }
    }

    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    /** Asks a worker to print every thread's Python stack (faulthandler) before a harakiri kill. */
    public static final int SIGUSR2 = 12;
    /** How long a harakiri'd worker gets to print its stacks before SIGKILL. */
    static final long DUMP_GRACE = TimeUnit.MILLISECONDS.toNanos(300);
    /** A worker that dies younger than this counts towards the respawn back-off. */
    static final long YOUNG = TimeUnit.SECONDS.toNanos(1);
    static final long FIRST_BACKOFF = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_BACKOFF = TimeUnit.SECONDS.toNanos(30);
    /** retireDeadline while the replacement has not connected: the old worker still serves, no mercy clock. */
    private static final long AWAITING_REPLACEMENT = -2;

    private static final class Process {
        final int id;
        final long pid;
        final int generation;
        final long spawnedAt;
        long retireDeadline = -1;
        long killAt = -1;
        String retireReason;
        /** Why the master killed it (harakiri, evil-reload-on-rss); null for an unexpected death. */
        String killedFor;

        Process(int id, long pid, int generation, long spawnedAt) {
            this.id = id;
            this.pid = pid;
            this.generation = generation;
            this.spawnedAt = spawnedAt;
        }
    }

    /** One worker id: its current process (if any) and its respawn state. */
    private static final class Seat {
        final int id;
        Process current;
        boolean spawning;
        long respawnAt = -1;
        int quickDeaths;
        long respawns;
        long harakiris;
        /** Left empty by the cheaper subsystem (or idle): no spawn, no respawn. */
        boolean cheaped;

        Seat(int id) {
            this.id = id;
        }
    }

    private final LifecycleSpec spec;
    private final int processes;
    private final RequestLog.Logger log;
    private final Map<Integer, Seat> seats = new TreeMap<>();
    private final Map<Long, Process> retiring = new TreeMap<>();
    /**
     * Spawns asked of each generation's zygote and not reported yet. A worker forked for an old
     * generation may report after a newer one is ready: until it has, the old zygote must stay,
     * or shutting it down would kill that worker, maybe in the middle of a request.
     */
    private final Map<Integer, Integer> pendingSpawns = new TreeMap<>();
    /** Seats a chain reload has still to replace, in id order; the head is replaced next. */
    private final Deque<Integer> chain = new ArrayDeque<>();
    /** The seat whose replacement the chain waits for (0: none). */
    private int chainWaiting;
    private int generation;
    private boolean stopping;
    /** Ended or replaced worker processes, indexed by {@link Cause#ordinal}. */
    private final long[] byCause = new long[Cause.values().length];

    public WorkerTable(LifecycleSpec spec, int processes, RequestLog.Logger log) {
        this.spec = spec;
        this.processes = processes;
        this.log = log;
        for (int id = 1; id <= processes; id++) {
            seats.put(id, new Seat(id));
        }
    }

    /** The generation new workers are forked from; 0 before the first app load. */
    public int generation() {
        return generation;
    }

    /**
     * A zygote finished importing the app. The first generation fills every seat; a later one
     * (a reload) replaces every running worker at once, or one at a time when {@code chained}.
     */
    public List<Action> generationReady(int gen, boolean chained, long now) {
        List<Action> out = new ArrayList<>();
        if (gen <= generation || stopping) {
            return out;
        }
        boolean first = generation == 0;
        generation = gen;
        if (chained && !first) {
            startChain(now, out);
            return out;
        }
        chain.clear();
        chainWaiting = 0;
        replaceAll("reload", now, out);
        return out;
    }

    /** Replaces every worker at once from the current generation (master-fifo {@code w}). */
    public List<Action> reloadWorkers(long now) {
        List<Action> out = new ArrayList<>();
        if (!stopping && generation > 0) {
            chain.clear();
            chainWaiting = 0;
            replaceAll("workers reload", now, out);
        }
        return out;
    }

    /** Replaces the workers one at a time from the current generation (lazy-apps chain reload). */
    public List<Action> chainReload(long now) {
        List<Action> out = new ArrayList<>();
        if (!stopping && generation > 0) {
            startChain(now, out);
        }
        return out;
    }

    /** True while a chain reload is replacing workers. */
    public boolean chaining() {
        return chainWaiting != 0 || !chain.isEmpty();
    }

    /**
     * The zygote of {@code gen} forked worker {@code id}. A worker of a generation older than the
     * current one (asked for before the newer generation was ready) never takes its seat, whose
     * spawn from the new generation is on its way: it is retired at once, so no request reaches it.
     */
    public List<Action> spawned(int gen, int id, long pid, long now) {
        List<Action> out = new ArrayList<>();
        pendingSpawns.computeIfPresent(gen, (g, n) -> n > 1 ? n - 1 : null);
        Seat seat = seats.get(id);
        if (seat == null) {
            return out;
        }
        if (gen < generation) {
            Process stale = new Process(id, pid, gen, now);
            stale.retireReason = "superseded by generation " + generation;
            stale.retireDeadline = now + spec.workerReloadMercy().toNanos();
            retiring.put(pid, stale);
            out.add(new Action.Retire(id, pid));
            return out;
        }
        seat.spawning = false;
        seat.current = new Process(id, pid, gen, now);
        return out;
    }

    /** A spawn asked of {@code gen} that cannot happen (its zygote is gone). */
    public void spawnLost(int gen) {
        pendingSpawns.computeIfPresent(gen, (g, n) -> n > 1 ? n - 1 : null);
    }

    /** The zygote of {@code gen} has exited: none of its spawns still asked for will come. */
    public void zygoteGone(int gen) {
        pendingSpawns.remove(gen);
    }

    /**
     * The worker's first slot connection reached the dispatcher: it is serving. The worker it
     * replaces stops taking requests now, so its mercy period starts now; a chain reload moves on.
     */
    public List<Action> connected(int id, long pid, long now) {
        List<Action> out = new ArrayList<>();
        Seat seat = seats.get(id);
        if (seat == null || seat.current == null || seat.current.pid != pid) {
            return out;
        }
        for (Process old : retiring.values()) {
            if (old.id == id && old.retireDeadline == AWAITING_REPLACEMENT) {
                old.retireDeadline = now + spec.workerReloadMercy().toNanos();
            }
        }
        if (chainWaiting == id) {
            chainWaiting = 0;
            nextInChain(now, out);
        }
        return out;
    }

    /** A worker was reaped. Returns the respawn (now or after back-off) when one is due. */
    public List<Action> exited(int gen, int id, long pid, int status, long now) {
        List<Action> out = new ArrayList<>();
        String how = status < 0 ? "killed by signal " + (-status) : "exit status " + status;
        Process old = retiring.remove(pid);
        if (old != null) {
            log.info("worker " + id + " (pid " + pid + ") retired (" + old.retireReason + "), " + how);
            return out;
        }
        Seat seat = seats.get(id);
        if (seat == null || seat.current == null || seat.current.pid != pid) {
            log.info("worker " + id + " (pid " + pid + ") stopped, " + how);
            return out;
        }
        Process dead = seat.current;
        seat.current = null;
        if (stopping || seat.cheaped) {
            log.info("worker " + id + " (pid " + pid + ") stopped, " + how);
            return out;
        }
        if (dead.killedFor != null) {
            // The master killed it on purpose: no back-off, the cause is not the code's start-up.
            seat.quickDeaths = 0;
            byCause[(dead.killedFor.equals("harakiri") ? Cause.HARAKIRI : Cause.RSS).ordinal()]++;
            log.info("worker " + id + " (pid " + pid + ") killed (" + dead.killedFor + "); respawning");
            requestSpawn(seat, now, out);
            return out;
        }
        byCause[Cause.CRASH.ordinal()]++;
        seat.quickDeaths = now - dead.spawnedAt < YOUNG ? seat.quickDeaths + 1 : 0;
        long delay = backoff(seat.quickDeaths);
        if (status < 0 && -status == SIGKILL) {
            how += " (out of memory, or killed by an operator?)";
        }
        if (delay == 0) {
            log.error("worker " + id + " (pid " + pid + ") died, " + how + "; respawning");
            requestSpawn(seat, now, out);
        } else {
            log.error("worker " + id + " (pid " + pid + ") died, " + how + " after less than a second; respawning in "
                    + TimeUnit.NANOSECONDS.toMillis(delay) + " ms (back-off step " + seat.quickDeaths + ")");
            seat.respawnAt = now + delay;
        }
        return out;
    }

    /** The respawn delay after {@code quickDeaths} young deaths in a row: 0, then 100 ms doubling up to 30 s. */
    static long backoff(int quickDeaths) {
        return quickDeaths == 0 ? 0 : Math.min(MAX_BACKOFF, FIRST_BACKOFF << Math.min(quickDeaths - 1, 20));
    }

    /** The dispatcher (or the RSS sampler) asks for a graceful replacement of a worker. */
    public List<Action> recycle(int id, long pid, String reason, long now) {
        List<Action> out = new ArrayList<>();
        Seat seat = seats.get(id);
        if (seat == null || seat.current == null || seat.current.pid != pid || stopping || seat.spawning
                || seat.current.killedFor != null) {
            return out;
        }
        log.info("worker " + id + " (pid " + pid + ") is recycled: " + reason);
        byCause[Cause.ofReason(reason).ordinal()]++;
        retire(seat, reason, now, out);
        requestSpawn(seat, now, out);
        return out;
    }

    /** A request on this worker ran past harakiri: dump its stacks, then kill it. */
    public List<Action> harakiri(int id, long pid, long now) {
        List<Action> out = new ArrayList<>();
        Seat seat = seats.get(id);
        Process p = seat != null && seat.current != null && seat.current.pid == pid ? seat.current : retiring.get(pid);
        if (p == null || p.killAt >= 0 || p.killedFor != null) {
            return out;
        }
        p.killedFor = "harakiri";
        p.killAt = now + DUMP_GRACE;
        if (seat != null) {
            seat.harakiris++;
        }
        out.add(new Action.Signal(p.generation, pid, SIGUSR2));
        return out;
    }

    /** Resident-set sample of a worker, in bytes. */
    public List<Action> rss(int id, long pid, long rssBytes, long now) {
        Seat seat = seats.get(id);
        if (seat == null || seat.current == null || seat.current.pid != pid) {
            return List.of();
        }
        Process p = seat.current;
        if (p.killedFor != null) {
            return List.of();  // already being killed
        }
        if (spec.evilReloadOnRssBytes() > 0 && rssBytes >= spec.evilReloadOnRssBytes()) {
            log.error("*** EVIL RELOAD ON WORKER " + id + " (pid " + pid + ") RSS: " + rssBytes / (1024 * 1024)
                    + " MB (evil-reload-on-rss " + spec.evilReloadOnRssBytes() / (1024 * 1024) + " MB) ***");
            p.killedFor = "evil-reload-on-rss";
            return List.of(new Action.Signal(p.generation, pid, SIGKILL));
        }
        if (spec.reloadOnRssBytes() > 0 && rssBytes >= spec.reloadOnRssBytes() && oldEnough(p, now)) {
            return recycle(id, pid, "reload-on-rss (" + rssBytes / (1024 * 1024) + " MB)", now);
        }
        return List.of();
    }

    /** Deadlines: delayed respawns, lifetimes, harakiri kills, mercy for retiring workers. */
    public List<Action> tick(long now) {
        List<Action> out = new ArrayList<>();
        for (Seat seat : seats.values()) {
            if (!stopping && !seat.cheaped && seat.current == null && !seat.spawning && seat.respawnAt >= 0
                    && now >= seat.respawnAt) {
                requestSpawn(seat, now, out);
            }
            Process p = seat.current;
            if (p == null) {
                continue;
            }
            if (p.killAt >= 0 && now >= p.killAt) {
                p.killAt = -1;
                out.add(new Action.Signal(p.generation, p.pid, SIGKILL));
            }
            long lifetime = spec.maxLifetimeFor(seat.id).toNanos();
            if (!stopping && lifetime > 0 && now - p.spawnedAt >= lifetime && p.killedFor == null && !seat.spawning
                    && oldEnough(p, now)) {
                out.addAll(recycle(seat.id, p.pid, "max-worker-lifetime ("
                        + TimeUnit.NANOSECONDS.toSeconds(now - p.spawnedAt) + " s)", now));
            }
        }
        for (Process p : retiring.values()) {
            if (p.killAt >= 0 && now >= p.killAt) {
                p.killAt = -1;
                out.add(new Action.Signal(p.generation, p.pid, SIGKILL));
            }
            if (p.retireDeadline >= 0 && now >= p.retireDeadline) {
                p.retireDeadline = -1;
                log.warn("worker " + p.id + " (pid " + p.pid + ") is taking too long to finish after "
                        + p.retireReason + ": killing it (worker-reload-mercy "
                        + spec.workerReloadMercy().toSeconds() + " s)");
                out.add(new Action.Signal(p.generation, p.pid, SIGKILL));
            }
        }
        return out;
    }

    /** True when {@code pid} may recycle: it has lived at least {@code min-worker-lifetime}. */
    public boolean oldEnough(long pid, long now) {
        for (Seat seat : seats.values()) {
            if (seat.current != null && seat.current.pid == pid) {
                return oldEnough(seat.current, now);
            }
        }
        return false;
    }

    private boolean oldEnough(Process p, long now) {
        return now - p.spawnedAt >= spec.minWorkerLifetime().toNanos();
    }

    /** Stop respawning: the master is shutting down. */
    public void stop() {
        stopping = true;
        chain.clear();
        chainWaiting = 0;
    }

    /** Live workers of {@code gen} (current and retiring), and those asked for and not reported yet. */
    public int liveWorkers(int gen) {
        int n = pendingSpawns.getOrDefault(gen, 0);
        for (Seat seat : seats.values()) {
            if (seat.current != null && seat.current.generation == gen) {
                n++;
            }
        }
        for (Process p : retiring.values()) {
            if (p.generation == gen) {
                n++;
            }
        }
        return n;
    }

    /** Every current (not retiring) worker, as (id, pid) pairs for RSS sampling. */
    public List<long[]> currentWorkers() {
        List<long[]> out = new ArrayList<>();
        for (Seat seat : seats.values()) {
            if (seat.current != null) {
                out.add(new long[] {seat.id, seat.current.pid});
            }
        }
        return out;
    }

    /** Every live process, current ones by id then retiring ones, for stats. */
    public List<WorkerInfo> snapshot(long now) {
        List<WorkerInfo> out = new ArrayList<>();
        for (Seat seat : seats.values()) {
            if (seat.current != null) {
                Process p = seat.current;
                out.add(new WorkerInfo(p.id, p.pid, p.generation, now - p.spawnedAt, false, seat.respawns,
                        seat.harakiris));
            }
        }
        for (Process p : retiring.values()) {
            Seat seat = seats.get(p.id);
            out.add(new WorkerInfo(p.id, p.pid, p.generation, now - p.spawnedAt, true, seat.respawns,
                    seat.harakiris));
        }
        return out;
    }

    public long harakiris(int id) {
        Seat seat = seats.get(id);
        return seat == null ? 0 : seat.harakiris;
    }

    /** How many times a worker was started for this seat (the first start included). */
    public long respawns(int id) {
        Seat seat = seats.get(id);
        return seat == null ? 0 : seat.respawns;
    }

    public int processes() {
        return processes;
    }

    /** Ended or replaced worker processes so far, every cause present (zeros too), in {@link Cause} order. */
    public Map<String, Long> respawnsByCause() {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (Cause c : Cause.values()) {
            out.put(c.label, byCause[c.ordinal()]);
        }
        return out;
    }

    public long respawns(Cause cause) {
        return byCause[cause.ordinal()];
    }

    private void replaceAll(String reason, long now, List<Action> out) {
        for (Seat seat : seats.values()) {
            if (seat.current != null) {
                byCause[Cause.RELOAD.ordinal()]++;
                retire(seat, reason, now, out);
            }
            if (!seat.cheaped) {
                requestSpawn(seat, now, out);
            }
        }
    }

    /** Only seats 1..{@code workers} are filled by the first generation (cheaper-initial; 0 with cheap). */
    public void startWith(int workers) {
        for (Seat seat : seats.values()) {
            seat.cheaped = seat.id > workers;
        }
    }

    /** Seats that have (or are getting) a worker: uWSGI's active workers. */
    public int activeSeats() {
        int n = 0;
        for (Seat seat : seats.values()) {
            if (!seat.cheaped) {
                n++;
            }
        }
        return n;
    }

    /** Fills up to {@code n} of the lowest empty seats; returns the spawns. */
    public List<Action> grow(int n, long now) {
        List<Action> out = new ArrayList<>();
        int filled = 0;
        for (Seat seat : seats.values()) {
            if (filled >= n || stopping) {
                break;
            }
            if (seat.cheaped) {
                seat.cheaped = false;
                seat.quickDeaths = 0;
                filled++;
                requestSpawn(seat, now, out);  // before the first app load, generationReady fills it
            }
        }
        return out;
    }

    /**
     * Stops one worker without replacement: of those in {@code idlePids} (idle when the dispatcher
     * was sampled) the one spawned first. A busy worker is never chosen (uWSGI may stop one mid-
     * request); should a request reach it before the dispatcher drains it, it still finishes
     * (worker-reload-mercy applies). Returns nothing when no idle worker qualifies.
     */
    public List<Action> shrink(java.util.Set<Long> idlePids, long now) {
        Seat oldest = null;
        for (Seat seat : seats.values()) {
            Process p = seat.current;
            if (p != null && !seat.spawning && p.killedFor == null && idlePids.contains(p.pid)
                    && (oldest == null || p.spawnedAt < oldest.current.spawnedAt)) {
                oldest = seat;
            }
        }
        List<Action> out = new ArrayList<>();
        if (oldest != null && !stopping) {
            oldest.cheaped = true;
            out.add(cheap(oldest, "cheaped", now));
        }
        return out;
    }

    /** Idle: every seat empty; the dispatcher drains every worker (the caller tells it). */
    public void sleep(long now) {
        chain.clear();
        chainWaiting = 0;
        for (Seat seat : seats.values()) {
            seat.cheaped = true;
            seat.respawnAt = -1;
            if (seat.current != null) {
                cheap(seat, "idle", now);
            }
        }
    }

    /**
     * A request woke the app: seats 1..{@code workers} are to be filled, now when the zygote is
     * still there ({@code spawnNow}), else by {@link #generationReady} of the zygote started next.
     */
    public List<Action> wake(int workers, boolean spawnNow, long now) {
        startWith(workers);
        List<Action> out = new ArrayList<>();
        for (Seat seat : seats.values()) {
            if (spawnNow && !seat.cheaped && seat.current == null && !seat.spawning) {
                requestSpawn(seat, now, out);
            }
        }
        return out;
    }

    private Action cheap(Seat seat, String reason, long now) {
        byCause[Cause.CHEAPER.ordinal()]++;
        Process p = seat.current;
        seat.current = null;
        p.retireReason = reason;
        p.retireDeadline = now + spec.workerReloadMercy().toNanos();
        retiring.put(p.pid, p);
        return new Action.Cheap(seat.id, p.pid);
    }

    private void startChain(long now, List<Action> out) {
        if (chaining()) {
            log.info("chain reload already running; workers still to replace: " + chain);
            return;
        }
        chain.addAll(seats.keySet());
        log.info("chain reload: replacing " + chain.size() + " workers one at a time (generation " + generation
                + ")");
        nextInChain(now, out);
    }

    /** Replaces the next seat of the chain; seats with no running worker are skipped (their respawn is new). */
    private void nextInChain(long now, List<Action> out) {
        while (!chain.isEmpty()) {
            Seat seat = seats.get(chain.pollFirst());
            if (seat.current == null || seat.spawning) {
                continue;
            }
            log.info("chain reload: next victim is worker " + seat.id + " (pid " + seat.current.pid + ")");
            byCause[Cause.RELOAD.ordinal()]++;
            retire(seat, "chain reload", now, out);
            requestSpawn(seat, now, out);
            chainWaiting = seat.id;
            return;
        }
        log.info("chain reload complete");
    }

    private void retire(Seat seat, String reason, long now, List<Action> out) {
        Process p = seat.current;
        seat.current = null;
        p.retireReason = reason;
        p.retireDeadline = AWAITING_REPLACEMENT;
        retiring.put(p.pid, p);
        out.add(new Action.Retire(seat.id, p.pid));
    }

    private void requestSpawn(Seat seat, long now, List<Action> out) {
        if (generation == 0) {
            return;
        }
        seat.spawning = true;
        seat.respawnAt = -1;
        seat.respawns++;
        pendingSpawns.merge(generation, 1, Integer::sum);
        out.add(new Action.Spawn(generation, seat.id));
    }
}
