package dev.regent.emperor;

import dev.regent.Server;
import dev.regent.config.EmperorConfig;
import dev.regent.config.ServerConfig;
import dev.regent.logging.RequestLog;
import dev.regent.master.MasterLoop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One vassal's lifecycle, owned by the emperor thread: its file, its configuration, its
 * {@link Gate} (sockets) and the {@link Server} instances that run behind the gate.
 *
 * <p>At most one instance is <em>current</em>; instances being stopped are <em>retiring</em>. A
 * new instance starts only once no other instance of the vassal is alive, so two never fight over
 * a stats socket, a master FIFO or cache files; connections wait in the gate meanwhile. A touch
 * with an unchanged configuration is a SIGHUP-style reload inside the running instance (the new
 * generation imports first, the old one keeps serving until then); a changed configuration stops
 * the instance gracefully and starts a new one.
 *
 * <p>Failures are throttled as uWSGI's emperor does: each unasked death or failed start adds
 * {@code emperor-throttle} ms to the restart delay, up to {@code emperor-max-throttle}; an
 * instance that gets ready clears it. A bad configuration waits for the file to change.
 */
final class Vassal {

    /** What the emperor reports for a vassal. */
    enum State { STARTING, READY, RELOADING, IDLE, STOPPING, FAILED }

    /** One Server run on its own thread. */
    static final class Instance {
        Server server;
        final long startedMillis = System.currentTimeMillis();
        Thread thread;
        boolean ready;
        boolean stopAsked;
    }

    /** How an instance reports back; implemented by the emperor (posts to its thread). */
    interface Events {
        void ready(Vassal v, Instance i, int generation);

        void exited(Vassal v, Instance i, int code);
    }

    final String name;
    final Gate gate;
    private final EmperorConfig.Spec spec;
    private final RequestLog.Logger log;
    private final Events events;
    private final io.netty.channel.EventLoop loop;
    Path file;
    long mtime;
    EmperorConfig.Vassal config;
    State state = State.STARTING;
    String reason;
    Instance current;
    final List<Instance> retiring = new ArrayList<>();
    /** Restart delay after failures (ms), and when the next start may happen (nanoTime). */
    long throttleMs;
    long notBefore;
    int failures;
    long respawns;
    /** A start is wanted once nothing is alive (on-demand connection waiting, or a restart). */
    boolean startWanted;
    boolean removed;
    long reloadSince;
    /** Idle tracking (on-demand): requests seen at the last check, and since when they have not changed. */
    long lastRequests = -1;
    long quietSince;
    /** emperor-tyrant, or null; and the file's owner at the last load. */
    private final Tyrant tyrant;
    Tyrant.Owner owner;

    Vassal(String name, Path file, long mtime, EmperorConfig.Spec spec, io.netty.channel.EventLoop loop,
           RequestLog.Logger log, Events events, Consumer<Vassal> wanted, Tyrant tyrant) {
        this.name = name;
        this.tyrant = tyrant;
        this.file = file;
        this.mtime = mtime;
        this.spec = spec;
        this.loop = loop;
        this.log = log;
        this.events = events;
        this.gate = new Gate(name, loop, log, () -> wanted.accept(this));
    }

    boolean onDemand() {
        return config != null && (spec.onDemand() || config.idle().toNanos() > 0 || config.cheap());
    }

    List<String> domains() {
        return config == null ? List.of() : config.domains();
    }

    /** First sight of the file, or a changed mtime: (re)load the configuration and act on the difference. */
    void load(Path newFile, long newMtime, boolean first) {
        file = newFile;
        mtime = newMtime;
        EmperorConfig.Vassal next;
        EmperorConfig.Owned owned = null;
        if (tyrant != null) {
            try {
                owner = Tyrant.ownerOf(file);
            } catch (java.io.IOException e) {
                fail("cannot stat its file: " + e.getMessage(), false);
                return;
            }
            if (owner.root() && !tyrant.allowRoot()) {
                // uWSGI's message, so that existing log watchers keep working.
                log.error("[emperor-tyrant] invalid permissions for vassal " + name);
                fail("emperor-tyrant: its file belongs to uid " + owner.uid() + " gid " + owner.gid()
                        + " (root-owned vassal files need emperor-tyrant-allow-root)", false);
                return;
            }
            // An allowed root-owned file is the administrator's: it runs as written, like without tyrant.
            owned = owner.root() ? null : tyrant.owned(name, owner);
        }
        try {
            next = EmperorConfig.loadVassal(file, spec, System.getenv(), owned);
            if (owned != null) {
                List<String> problems = Tyrant.problems(next.server(), owner);
                if (!problems.isEmpty()) {
                    log.error("[emperor-tyrant] vassal " + name + " refused: " + String.join("; ", problems));
                    throw new EmperorConfig.Invalid("emperor-tyrant (owner uid " + owner.uid() + "): "
                            + String.join("; ", problems));
                }
            }
        } catch (EmperorConfig.Invalid e) {
            fail("bad configuration: " + e.getMessage().replace('\n', ' '), false);
            log.error("[emperor] vassal " + name + ": cannot use " + file + ":\n" + e.getMessage());
            if (current != null || !retiring.isEmpty()) {
                log.error("[emperor] vassal " + name + ": the running instance keeps serving the previous"
                        + " configuration");
                state = current != null && current.ready ? State.READY : state;
            }
            return;
        }
        next.warnings().forEach(w -> log.warn("[emperor] vassal " + name + ": " + w));
        EmperorConfig.Vassal previous = config;
        config = next;
        boolean socketsChanged = previous == null || !sameSockets(previous.server(), next.server());
        if (socketsChanged) {
            try {
                gate.bind(next.server());
            } catch (Exception e) {
                fail("cannot bind its sockets: " + e.getMessage(), true);
                return;
            }
        }
        if (!first) {
            log.info("[emperor] vassal " + name + ": " + file + " changed");
        }
        resetThrottle();
        if (current != null && current.ready && previous != null && previous.server().equals(next.server())
                && !socketsChanged) {
            // Same configuration: the code changed. Reload inside the instance, gracefully.
            state = State.RELOADING;
            reloadSince = System.nanoTime();
            current.server.signal("HUP");
            return;
        }
        if (current != null) {
            retire(current, "configuration changed");
            current = null;
        }
        if (onDemand()) {
            state = State.IDLE;
            log.info("[emperor] vassal " + name + ": on demand, waiting for connections on " + gate.describe());
            gate.hold();
            startWanted = false;
        } else {
            startWanted = true;
            state = State.STARTING;
            gate.hold();
        }
    }

    private static boolean sameSockets(ServerConfig a, ServerConfig b) {
        return a.sockets().equals(b.sockets()) && a.socketOptions().equals(b.socketOptions())
                && a.listen() == b.listen() && a.vacuum() == b.vacuum();
    }

    /** A connection waits in the gate (on-demand wake-up, or between instances). */
    void wanted() {
        if (removed || config == null || current != null) {
            return;
        }
        startWanted = true;
    }

    /** Emperor thread, every tick: start what is wanted and allowed, watch reloads. */
    void tick(long now, Consumer<String> startLine) {
        if (state == State.RELOADING && now - reloadSince > TimeUnit.SECONDS.toNanos(60)) {
            state = State.READY;
            reason = "the last reload did not report ready within 60 s (see the vassal's log)";
        }
        if (!startWanted || removed || config == null || current != null || !retiring.isEmpty() || now < notBefore) {
            return;
        }
        startWanted = false;
        start(startLine);
    }

    private void start(Consumer<String> startLine) {
        Instance real = new Instance();
        try {
            // The gate owns the sockets; the server gets its connections from it.
            real.server = new Server(config.server().withSockets(List.of()),
                    new Server.Hosted(loop, gen -> events.ready(this, real, gen)));
        } catch (Exception e) {
            fail("cannot start: " + e.getMessage(), true);
            return;
        }
        Server server = real.server;
        real.thread = Thread.ofPlatform().name("vassal-" + name).stackSize(512 * 1024).unstarted(() -> {
            int code;
            try {
                code = server.run();
            } catch (Throwable t) {
                code = MasterLoop.EXIT_STARTUP_ERROR;
            }
            events.exited(this, real, code);
        });
        current = real;
        state = State.STARTING;
        // reason keeps the last failure (if any) until this instance is ready: stats show why it restarts
        startLine.accept("[emperor] vassal " + name + ": starting (" + (onDemand() ? "on demand, " : "")
                + gate.describe() + ")");
        real.thread.start();
    }

    /** Emperor thread: instance {@code i} reports generation {@code gen} ready. */
    void ready(Instance i, int gen) {
        if (i != current || i.stopAsked) {
            return;
        }
        i.ready = true;
        state = State.READY;
        reason = null;
        resetThrottle();
        lastRequests = -1;
        gate.target(i.server);
        if (gen > 1) {
            log.info("[emperor] vassal " + name + ": reloaded (generation " + gen + ")");
        } else {
            log.info("[emperor] vassal " + name + ": ready after "
                    + (System.currentTimeMillis() - i.startedMillis) + " ms");
        }
    }

    /** Emperor thread: an instance's server returned. */
    void exited(Instance i, int code) {
        retiring.remove(i);
        if (i != current) {
            if (retiring.isEmpty() && state == State.STOPPING) {
                log.info("[emperor] vassal " + name + ": stopped");
            }
            return;
        }
        current = null;
        respawns++;
        String why = switch (code) {
            case MasterLoop.EXIT_APP_LOAD_ERROR -> "the app failed to load";
            case 0 -> "its server stopped by itself";
            default -> i.server.failure() != null ? "startup failed: " + i.server.failure()
                    : "its server exited with status " + code;
        };
        if (removed) {
            return;
        }
        log.error("[emperor] vassal " + name + ": " + why + (i.ready ? "" : " before it was ready"));
        fail(why, true);
    }

    /** The vassal cannot serve: answer waiting connections 503 and, if {@code retry}, restart later. */
    private void fail(String why, boolean retry) {
        state = State.FAILED;
        reason = why;
        gate.refuse(why);
        if (!retry) {
            startWanted = false;
            return;
        }
        failures++;
        throttleMs = Math.min(spec.maxThrottleMs(), spec.throttleMs() * failures);
        notBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(throttleMs);
        if (failures > 1) {
            log.warn("[emperor] unloyal bad behaving vassal found: " + name + " throttling it for " + throttleMs
                    + " ms (" + failures + " failures in a row)");
        }
        // An on-demand vassal answers 503 until the throttle has passed, then waits for a connection
        // again (rearmIfDue); any other vassal restarts by itself.
        startWanted = !onDemand();
    }

    /** Emperor thread: after the throttle, a failed on-demand vassal goes back to waiting for connections. */
    void rearmIfDue(long now) {
        if (state == State.FAILED && onDemand() && current == null && now >= notBefore && reason != null
                && !reason.startsWith("bad configuration")) {
            state = State.IDLE;
            gate.hold();
        }
    }

    private void resetThrottle() {
        failures = 0;
        throttleMs = 0;
        notBefore = 0;
    }

    private void retire(Instance i, String why) {
        if (i.stopAsked) {
            return;
        }
        i.stopAsked = true;
        retiring.add(i);
        i.server.signal("INT");
        log.info("[emperor] vassal " + name + ": stopping its server gracefully (" + why + ")");
    }

    /** Emperor thread: on-demand and quiet for {@code idle}: stop the instance; the next connection wakes it. */
    void idleCheck(long requests, int inFlight, long now) {
        if (!onDemand() || config.idle().isZero() || state != State.READY || current == null) {
            return;
        }
        if (requests != lastRequests || inFlight > 0) {
            lastRequests = requests;
            quietSince = now;
            return;
        }
        if (now - quietSince >= config.idle().toNanos()) {
            log.info("[emperor] vassal " + name + ": idle for " + config.idle().toSeconds()
                    + " s, back to on-demand mode");
            gate.hold();
            retire(current, "idle");
            current = null;
            state = State.IDLE;
        }
    }

    /** Emperor thread: the file is gone, or the emperor stops. Graceful unless {@code immediate}. */
    void stop(boolean immediate, String why) {
        removed = true;
        startWanted = false;
        gate.refuse("stopping");
        gate.unbind();
        if (current != null) {
            if (immediate) {
                current.stopAsked = true;
                retiring.add(current);
                current.server.signal("PWR");
            } else {
                retire(current, why);
            }
            current = null;
        } else {
            for (Instance i : retiring) {
                if (immediate) {
                    i.server.signal("PWR");
                }
            }
        }
        state = State.STOPPING;
    }

    boolean alive() {
        return current != null || !retiring.isEmpty();
    }

    /** Every thread of this vassal's instances, for the emperor's final wait. */
    List<Thread> threads() {
        List<Thread> out = new ArrayList<>();
        if (current != null && current.thread != null) {
            out.add(current.thread);
        }
        for (Instance i : retiring) {
            if (i.thread != null) {
                out.add(i.thread);
            }
        }
        return out;
    }
}
