package dev.regent.emperor;

import dev.regent.Version;
import dev.regent.config.EmperorConfig;
import dev.regent.config.ServerConfig;
import dev.regent.config.SocketSpec;
import dev.regent.frontend.FrontendContext;
import dev.regent.frontend.Listeners;
import dev.regent.logging.LogSink;
import dev.regent.logging.RequestLog;
import dev.regent.platform.PosixSignals;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Many apps in one JVM (docs/emperor.md). The calling thread becomes the emperor loop, which alone
 * owns the vassal table: it rescans the monitors every {@code emperor-freq}, starts, reloads and
 * stops vassals, and handles signals. Everything else (signal handlers, vassal threads, the event
 * loop) only {@link #post posts} to it.
 *
 * <p>One Netty event loop serves the whole emperor: every vassal's sockets, client connections and
 * worker channels, emperor-http and emperor-stats. A dormant vassal therefore costs a listening
 * socket and a few objects, no thread; a running one adds its master-loop thread, its log writer
 * and its zygote's pipe readers.
 */
public final class Emperor {
    private static final long TICK_MILLIS = 100;

    private final ServerConfig config;
    private final EmperorConfig.Spec spec;
    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Map<String, Vassal> vassals = new LinkedHashMap<>();
    /** Vassals whose file is gone but whose server is still stopping. */
    private final List<Vassal> leaving = new ArrayList<>();
    private volatile HostRouter.Routes routes = HostRouter.Routes.EMPTY;
    private volatile List<EmperorStats.Row> board = List.of();
    private RequestLog.Logger log;
    private EventLoop loop;
    private boolean stopping;
    private boolean immediate;
    private long nextScan;
    private long nextIdleCheck;
    private final long bornMillis = System.currentTimeMillis();
    /** emperor-tyrant, or null. */
    private Tyrant tyrant;

    public Emperor(ServerConfig config, EmperorConfig.Spec spec) {
        this.config = config;
        this.spec = spec;
    }

    /** Thread-safe: run {@code task} on the emperor thread. */
    void post(Runnable task) {
        tasks.add(task);
    }

    /** Runs until SIGINT/SIGTERM (graceful) or SIGQUIT (immediate) and every vassal has stopped; returns 0. */
    public int run() throws Exception {
        LogSink sink = new LogSink(config.logging().logto());
        log = new RequestLog(config.logging(), sink).logger();
        if (!config.sockets().isEmpty()) {
            log.error("[emperor] an emperor has no sockets of its own: put them in the vassal files, or use"
                    + " emperor-http");
            sink.close();
            return 1;
        }
        if (spec.tyrant()) {
            Object euid = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(euid)) {
                // Only root can give each vassal its owner's identity.
                log.error("[emperor-tyrant] the emperor must run as root (it runs as uid " + euid + ")");
                sink.close();
                return 1;
            }
            tyrant = Tyrant.create(spec.tyrantAllowRoot());
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        loop = group.next();
        List<Listeners> own = new ArrayList<>();
        EmperorStats stats = null;
        try {
            for (String address : spec.http()) {
                SocketSpec s = new SocketSpec(SocketSpec.Protocol.HTTP, address);
                Listeners l = Listeners.bind(loop, List.of(s), config.listen(), true, config.socketOptions(), log,
                        (ch, sp) -> ch.pipeline().addLast("route", new HostRouter(() -> routes, sp)));
                own.add(l);
                log.info("[emperor] routing by Host: serving " + l.describeAll());
            }
            if (spec.stats() != null) {
                stats = EmperorStats.start(loop, spec.stats(), this::statsJson, log);
                log.info("[emperor] stats on " + stats.describe());
            }
            PosixSignals.install(name -> post(() -> signal(name)));
            log.info("[emperor] Regent " + Version.VERSION + " emperor (pid " + ProcessHandle.current().pid()
                    + ") watching " + String.join(", ", spec.monitors()));
            loopUntilDone();
        } finally {
            if (stats != null) {
                stats.close();
            }
            own.forEach(Listeners::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            if (tyrant != null) {
                tyrant.close();
            }
            log.info("[emperor] goodbye");
            sink.close();
        }
        return 0;
    }

    private void loopUntilDone() throws InterruptedException {
        VassalScanner scanner = new VassalScanner(spec.monitors());
        while (true) {
            long now = System.nanoTime();
            if (!stopping && now >= nextScan) {
                nextScan = now + spec.freq().toNanos();
                scan(scanner);
            }
            for (Vassal v : vassals.values()) {
                v.tick(now, log::info);
                v.rearmIfDue(now);
            }
            if (now >= nextIdleCheck) {
                nextIdleCheck = now + TimeUnit.SECONDS.toNanos(1);
                idleCheck(now);
            }
            leaving.removeIf(v -> !v.alive());
            publish();
            if (stopping && leaving.isEmpty() && vassals.values().stream().noneMatch(Vassal::alive)) {
                return;
            }
            Runnable task = tasks.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
            while (task != null) {
                task.run();
                task = tasks.poll();
            }
        }
    }

    private void scan(VassalScanner scanner) {
        Map<String, VassalScanner.Found> found = scanner.scan();
        boolean changed = false;
        for (VassalScanner.Found f : found.values()) {
            Vassal v = vassals.get(f.name());
            if (v != null && tyrant != null && v.owner != null && ownerChanged(v, f)) {
                // uWSGI stops a tyrant vassal whose file changes hands; the next scan starts it as new,
                // under the new owner's identity (or refuses it).
                vassals.remove(f.name());
                v.stop(false, "owner changed");
                leaving.add(v);
                changed = true;
                continue;
            }
            if (v == null) {
                v = new Vassal(f.name(), f.path(), f.mtimeMillis(), spec, loop, log, events(), this::wantedOnLoop,
                        tyrant);
                vassals.put(f.name(), v);
                log.info("[emperor] vassal " + f.name() + ": new (" + f.path() + ")");
                v.load(f.path(), f.mtimeMillis(), true);
                changed = true;
            } else if (f.mtimeMillis() != v.mtime || !f.path().equals(v.file)) {
                v.load(f.path(), f.mtimeMillis(), false);
                changed = true;
            }
        }
        for (String name : List.copyOf(vassals.keySet())) {
            if (!found.containsKey(name)) {
                Vassal v = vassals.remove(name);
                log.info("[emperor] vassal " + name + ": its file is gone, stopping it");
                v.stop(false, "file removed");
                leaving.add(v);
                changed = true;
            }
        }
        if (changed) {
            Map<String, List<String>> domains = new LinkedHashMap<>();
            Map<String, Gate> gates = new LinkedHashMap<>();
            for (Vassal v : vassals.values()) {
                domains.put(v.name, v.domains());
                gates.put(v.name, v.gate);
            }
            routes = HostRouter.Routes.of(domains, gates);
        }
    }

    private boolean ownerChanged(Vassal v, VassalScanner.Found f) {
        Tyrant.Owner now;
        try {
            now = Tyrant.ownerOf(f.path());
        } catch (java.io.IOException e) {
            return false; // gone: the next scan sees it removed
        }
        if (now.equals(v.owner)) {
            return false;
        }
        log.info("[emperor-tyrant] vassal " + v.name + ": its file changed owner (uid " + v.owner.uid() + " gid "
                + v.owner.gid() + " -> uid " + now.uid() + " gid " + now.gid() + "), stopping it");
        return true;
    }

    /** Called on the event loop by a gate: a connection waits. */
    private void wantedOnLoop(Vassal v) {
        post(v::wanted);
    }

    private Vassal.Events events() {
        return new Vassal.Events() {
            @Override
            public void ready(Vassal v, Vassal.Instance i, int generation) {
                post(() -> v.ready(i, generation));
            }

            @Override
            public void exited(Vassal v, Vassal.Instance i, int code) {
                post(() -> v.exited(i, code));
            }
        };
    }

    private void signal(String name) {
        switch (name) {
            case "INT", "TERM" -> stopAll(false, "SIG" + name);
            case "PWR" -> stopAll(true, "SIGQUIT");
            case "HUP" -> {
                log.info("[emperor] SIGHUP: reloading every running vassal");
                for (Vassal v : vassals.values()) {
                    if (v.current != null && v.current.ready) {
                        v.current.server.signal("HUP");
                    }
                }
            }
            case "WINCH" -> nextScan = 0;
            case "USR1" -> {
                for (EmperorStats.Row r : board) {
                    log.info("[emperor] vassal " + r.name() + ": " + r.state()
                            + (r.reason() == null ? "" : " (" + r.reason() + ")"));
                }
            }
            default -> log.info("[emperor] signal SIG" + name + " received (no action)");
        }
    }

    private void stopAll(boolean now, String why) {
        if (stopping && (immediate || !now)) {
            return;
        }
        stopping = true;
        immediate = now;
        log.info("[emperor] " + why + ": stopping every vassal " + (now ? "at once" : "gracefully"));
        for (Vassal v : vassals.values()) {
            v.stop(now, why);
        }
        for (Vassal v : leaving) {
            v.stop(now, why);
        }
    }

    /** Reads each running vassal's request count and load on the loop (where they live), then applies idle. */
    private void idleCheck(long now) {
        List<Vassal> running = vassals.values().stream().filter(v -> v.current != null && v.current.ready).toList();
        if (running.isEmpty()) {
            return;
        }
        CompletableFuture<long[][]> f = new CompletableFuture<>();
        loop.execute(() -> {
            long[][] out = new long[running.size()][];
            for (int i = 0; i < out.length; i++) {
                FrontendContext c = running.get(i).current.server.frontend();
                out[i] = c == null ? new long[] {0, 0} : new long[] {c.counters().requestsTotal(),
                        c.dispatcher().inFlight()};
            }
            f.complete(out);
        });
        try {
            long[][] r = f.get(1, TimeUnit.SECONDS);
            for (int i = 0; i < r.length; i++) {
                running.get(i).idleCheck(r[i][0], (int) r[i][1], now);
            }
        } catch (Exception e) {
            // The loop is busy: check again next second.
        }
    }

    /** After every pass: what emperor-stats shows (immutable rows; the stats handler adds live counters on the loop). */
    private void publish() {
        List<EmperorStats.Row> rows = new ArrayList<>();
        for (Vassal v : vassals.values()) {
            rows.add(new EmperorStats.Row(v.name, v.file.toString(), v.state.name().toLowerCase(), v.reason,
                    v.current == null ? 0 : v.current.startedMillis, v.mtime, v.onDemand(), v.domains(),
                    v.current == null ? null : v.current.server, v.respawns, v.throttleMs, v.failures));
        }
        board = List.copyOf(rows);
    }

    /** On the loop: the emperor-stats document. */
    private String statsJson() {
        return EmperorStats.json(board, bornMillis, spec);
    }
}
