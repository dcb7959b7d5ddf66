package dev.regent;

import dev.regent.api.ApiHub;
import dev.regent.api.ApiRuntime;
import dev.regent.config.LifecycleSpec;
import dev.regent.config.ServerConfig;
import dev.regent.dispatch.Slot;
import dev.regent.dispatch.Dispatcher;
import dev.regent.frontend.ExchangeRelay;
import dev.regent.frontend.FrontendContext;
import dev.regent.frontend.Listeners;
import dev.regent.dispatch.DirectServing;
import dev.regent.dispatch.Scoreboard;
import dev.regent.frontend.DirectRequestLog;
import dev.regent.config.LogSpec;
import dev.regent.protocol.worker.FrameType;
import dev.regent.worker.ListenersHandler;
import dev.regent.logging.LogSink;
import dev.regent.logging.RequestLog;
import dev.regent.master.Event;
import dev.regent.master.MasterLoop;
import dev.regent.master.ProcessNames;
import dev.regent.platform.PosixSignals;
import dev.regent.platform.RuntimeDir;
import dev.regent.staticfiles.StaticFiles;
import dev.regent.stats.Observability;
import dev.regent.worker.WorkerChannelServer;
import dev.regent.worker.Zygote;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One app instance: its sockets, dispatcher, zygote and workers, wired together. Built from a
 * {@link ServerConfig}; {@link #run()} serves until a stop signal and returns the exit status.
 *
 * <p>Threads: one Netty event loop owns every socket (clients and worker slots) and the
 * dispatcher; the calling thread becomes the {@link MasterLoop}; the log has its own writer.
 * docs/concurrency.md has the full picture.
 */
public final class Server {
    private final ServerConfig config;
    private final LogSink sink;
    private final RequestLog requestLog;
    private final RequestLog.Logger log;
    /** The "uwsgi" object of REGENT_CONFIG: where the shared caches and locks are (dev.regent.api). */
    private String uwsgiJson;
    /** The scoreboard file when workers serve the uwsgi sockets directly, else null. */
    private java.nio.file.Path directBoard;
    /** Set when this server is one of an emperor's vassals; null for a standalone server. */
    private final Hosted hosted;
    private final CompletableFuture<MasterLoop> masterLoop = new CompletableFuture<>();
    private volatile FrontendContext frontend;
    private volatile String failure;

    /**
     * How a vassal runs inside an emperor's JVM: on the emperor's shared event loop (so hundreds of
     * vassals cost no thread each while idle), without signal handlers or a process name of its
     * own (the emperor owns both), and told when a generation of its app is ready.
     */
    public record Hosted(EventLoop loop, java.util.function.IntConsumer onReady) {
    }

    public Server(ServerConfig config) throws IOException {
        this(config, null);
    }

    public Server(ServerConfig config, Hosted hosted) throws IOException {
        this.config = config;
        this.hosted = hosted;
        this.sink = new LogSink(config.logging().logto(), config.logging().maxSize(),
                config.logging().backupName());
        this.requestLog = new RequestLog(config.logging(), sink);
        this.log = requestLog.logger();
    }

    public int run() {
        EventLoopGroup group = hosted != null ? null : new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoop loop = hosted != null ? hosted.loop() : group.next();
        java.util.List<java.util.concurrent.Future<?>> timers = new java.util.ArrayList<>();
        RuntimeDir runtimeDir = null;
        WorkerChannelServer channelServer = null;
        Listeners listeners = null;
        Observability observability = null;
        try {
            runtimeDir = RuntimeDir.create();
            if (hosted == null) {
                ProcessNames.nameMaster(config.process(), log);
            }
            byte[] secret = new byte[16];
            // The default (non-blocking) generator: a fresh machine's entropy pool must not delay startup.
            new SecureRandom().nextBytes(secret);
            String token = HexFormat.of().formatHex(secret);
            Dispatcher dispatcher = new Dispatcher(loop, config.listen());
            uwsgiJson = ApiRuntime.prepare(config.api(), runtimeDir.root(), config.processes(), config.bufferSize(),
                    launcherPid(), ProcessHandle.current().pid()).json();
            ApiHub apiHub = new ApiHub(config.api(), dispatcher, log::info);
            timers.add(apiHub.start(loop));
            FrontendContext context = new FrontendContext(dispatcher, requestLog, config.limitPost(),
                    config.headerTimeout().toMillis(), config.keepaliveTimeout().toMillis());
            context.staticFiles(StaticFiles.create(config.observability().statics()));
            timers.add(context.startWriteStallSweep(loop, config.socketTimeout()));
            frontend = context;
            MasterLoop[] master = new MasterLoop[1];
            java.util.List<Integer>[] directFds = new java.util.List[1];
            channelServer = new WorkerChannelServer(loop, runtimeDir.masterSocket(), token, dispatcher,
                    e -> master[0].post(e), log::info,
                    new ExchangeRelay(new DirectRequestLog(requestLog, config.bufferSize())),
                    hello -> hello.role() != FrameType.ROLE_LISTENERS ? apiHub.handlerFor(hello)
                            : directFds[0] == null ? null : new ListenersHandler(directFds[0]));
            listeners = Listeners.bind(loop, config.sockets(), config.listen(), config.bufferSize(), context,
                    config.vacuum(), config.socketOptions());
            if (directServing(listeners, context)) {
                directBoard = runtimeDir.root().resolve("scoreboard");
                Listeners bound = listeners;
                dispatcher.direct(new DirectServing(
                        Scoreboard.create(directBoard, config.processes() * config.threads() * 4 + 16),
                        directSetup(), bound::masterAcceptsUwsgi), context.counters()::recordDirect);
                directFds[0] = listeners.uwsgiDescriptors();
            }
            observability = Observability.start(loop, config, dispatcher, context.counters(), log);
            // After the worker socket exists: the Python processes may run as another user.
            ProcessNames.grantRuntimeDir(config.process(), runtimeDir);
            writePidfile();
            log.info("Regent " + Version.VERSION + " (pid " + ProcessHandle.current().pid() + ") serving "
                    + describeSockets(listeners) + " with " + config.processes() + " processes x "
                    + config.threads() + " threads");
            master[0] = new MasterLoop(config, new Wiring(runtimeDir, token, loop, dispatcher, context, listeners,
                    channelServer, e -> master[0].post(e)), log);
            watchWorkers(loop, dispatcher, e -> master[0].post(e), timers);
            master[0].board(observability.board());
            Observability signals = observability;
            if (hosted == null) {
                PosixSignals.install(name -> {
                    signals.signal(name);
                    master[0].post(new Event.Signal(name));
                });
            } else {
                master[0].onReady(hosted.onReady());
            }
            masterLoop.complete(master[0]);
            return master[0].run();
        } catch (Exception e) {
            failure = e.getMessage();
            log.error("startup failed: " + e.getMessage());
            if (listeners != null) {
                listeners.close();
            }
            return MasterLoop.EXIT_STARTUP_ERROR;
        } finally {
            if (observability != null) {
                observability.close();
            }
            if (channelServer != null) {
                channelServer.close();
            }
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            } else {
                closeHostedConnections(loop, timers);
            }
            if (runtimeDir != null) {
                runtimeDir.close();
            }
            removePidfile();
            sink.close();
        }
    }

    /**
     * Whether workers accept on the uwsgi sockets themselves: on unless turned off, or something
     * needs the master in each request's path: static files (served by the master), the cheaper
     * subsystem and scaling to zero (they count requests as the master dispatches them), or an
     * emperor (vassals share its accept path). The reasons are in docs/concurrency.md.
     */
    private boolean directServing(Listeners listeners, FrontendContext context) {
        return config.socketOptions().uwsgiDirect() && hosted == null && listeners.hasUwsgiSockets()
                && config.observability().statics().off() && !config.cheaper().active();
    }

    private DirectServing.Setup directSetup() {
        LogSpec logging = config.logging();
        int flags = (logging.disableLogging() ? 0 : DirectServing.Setup.LOG_ALL)
                | (logging.log4xx() ? DirectServing.Setup.LOG_4XX : 0)
                | (logging.log5xx() ? DirectServing.Setup.LOG_5XX : 0)
                | (logging.logZero() ? DirectServing.Setup.LOG_ZERO : 0);
        return new DirectServing.Setup(config.bufferSize(), config.socketTimeout().toMillis(), flags,
                logging.logSlowMillis(), logging.logBigBytes(), config.limitPost());
    }

    /**
     * Connects the dispatcher to the master loop: max-requests recycling and the harakiri sweep
     * (once a second on the I/O loop, like uWSGI's master cycle).
     */
    private void watchWorkers(EventLoop loop, Dispatcher dispatcher, java.util.function.Consumer<Event> post,
                              java.util.List<java.util.concurrent.Future<?>> timers) {
        LifecycleSpec lifecycle = config.lifecycle();
        long minAge = lifecycle.minWorkerLifetime().toNanos();
        dispatcher.listener(new Dispatcher.Listener() {
            @Override
            public void recycle(int workerId, long pid, String reason) {
                post.accept(new Event.Recycle(workerId, pid, reason));
            }

            @Override
            public void harakiri(int workerId, long pid) {
                post.accept(new Event.Harakiri(workerId, pid));
            }

            @Override
            public void connected(int workerId, long pid) {
                post.accept(new Event.WorkerConnected(workerId, pid));
            }

            @Override
            public void wake() {
                post.accept(new Event.Wake());
            }
        }, (id, age) -> age >= minAge ? lifecycle.maxRequestsFor(id) : 0);
        long limit = lifecycle.harakiri().toNanos();
        // Swept even without a global limit: any request may set its own (uwsgi.set_user_harakiri).
        timers.add(loop.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            dispatcher.sweepDirect(now);
            for (Slot slot : dispatcher.sweepHarakiri(now, limit)) {
                String which = slot.userHarakiriFired()
                        ? "user harakiri " + slot.userHarakiriSeconds() + " s, set by the app with set_user_harakiri"
                        : "harakiri " + lifecycle.harakiri().toSeconds() + " s";
                log.error("*** HARAKIRI ON WORKER " + slot.worker().workerId() + " (pid " + slot.worker().pid()
                        + ") *** app " + appName() + ": "
                        + (slot.job() == null ? "a uwsgi request it answers directly" : slot.job().describe())
                        + " has run for "
                        + TimeUnit.NANOSECONDS.toMillis(now - slot.assignedAt()) + " ms (" + which
                        + "): killing the worker; its Python stacks follow");
            }
        }, 1, 1, TimeUnit.SECONDS));
    }

    /**
     * A hosted server's loop lives on: cancel this server's timers, answer what is still queued
     * with 503 and close its client connections, which a standalone server leaves to the loop's
     * shutdown.
     */
    private void closeHostedConnections(EventLoop loop, java.util.List<java.util.concurrent.Future<?>> timers) {
        timers.forEach(t -> t.cancel(false));
        FrontendContext context = frontend;
        if (context == null) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                context.dispatcher().close(503);
                context.closeAll();
            } finally {
                done.complete(null);
            }
        });
        done.completeOnTimeout(null, 2, TimeUnit.SECONDS).join();
    }

    /** Thread-safe: asks the master loop to act on a signal ("HUP" reload, "INT" graceful stop, "PWR" immediate). */
    public void signal(String name) {
        masterLoop.thenAccept(m -> m.post(new Event.Signal(name)));
    }

    /**
     * Serves a connection an emperor socket accepted, as if {@code spec} (one of this vassal's
     * sockets) had; call on the shared loop, once the app is ready. Returns false when the server
     * cannot take it (not started, or stopping), and the caller keeps the connection.
     */
    public boolean adopt(io.netty.channel.Channel ch, dev.regent.config.SocketSpec spec,
                         io.netty.buffer.ByteBuf alreadyRead) {
        FrontendContext context = frontend;
        if (context == null || context.closingNow()) {
            return false;
        }
        Listeners.adopt(ch, spec, config.bufferSize(), context, alreadyRead);
        return true;
    }

    /** The front end's counters and dispatcher, for an emperor's stats (read them on the loop); null before start. */
    public FrontendContext frontend() {
        return frontend;
    }

    /** Why startup failed, or null. */
    public String failure() {
        return failure;
    }

    /** How log lines name the app: its module, else its file. */
    private String appName() {
        return config.app().module() != null ? config.app().module()
                : config.app().wsgiFile() != null ? config.app().wsgiFile() : "(none)";
    }

    private String describeSockets(Listeners listeners) {
        return listeners.describeAll();
    }

    private void writePidfile() throws IOException {
        if (config.pidfile() != null) {
            Files.writeString(Path.of(config.pidfile()), launcherPid() + "\n", StandardCharsets.US_ASCII);
        }
    }

    /** The pid that signals should go to: the launcher's when started by bin/regent (it relays them). */
    private static long launcherPid() {
        String pid = System.getProperty("regent.launcher.pid");
        return pid != null ? Long.parseLong(pid) : ProcessHandle.current().pid();
    }

    private void removePidfile() {
        if (config.pidfile() != null && config.vacuum()) {
            try {
                Files.deleteIfExists(Path.of(config.pidfile()));
            } catch (IOException ignored) {
                // A stale pidfile names a dead pid; tools treat that as "not running".
            }
        }
    }

    /** The master loop's view of the rest of the server. */
    private final class Wiring implements MasterLoop.Runtime {
        private final RuntimeDir runtimeDir;
        private final String token;
        private final EventLoop loop;
        private final Dispatcher dispatcher;
        private final FrontendContext context;
        private final Listeners listeners;
        private final WorkerChannelServer channelServer;
        private final java.util.function.Consumer<Event> events;

        Wiring(RuntimeDir runtimeDir, String token, EventLoop loop, Dispatcher dispatcher, FrontendContext context,
               Listeners listeners, WorkerChannelServer channelServer, java.util.function.Consumer<Event> events) {
            this.runtimeDir = runtimeDir;
            this.token = token;
            this.loop = loop;
            this.dispatcher = dispatcher;
            this.context = context;
            this.listeners = listeners;
            this.channelServer = channelServer;
            this.events = events;
        }

        @Override
        public Zygote startZygote(int generation) throws Exception {
            return Zygote.start(generation, config.app(), config.process(), config.processes(), config.threads(),
                    runtimeDir.pythonDir(), runtimeDir.masterSocket(), token, events, line -> log.info(line),
                    uwsgiJson, directBoard);
        }

        @Override
        public void beginGracefulStop() {
            listeners.stopAccepting();
            loop.execute(context::beginClosing);
            loop.execute(dispatcher::stopDirect);
        }

        @Override
        public int inFlight() {
            CompletableFuture<Integer> n = new CompletableFuture<>();
            loop.execute(() -> n.complete(dispatcher.inFlight()));
            try {
                return n.get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                return Integer.MAX_VALUE;
            }
        }

        @Override
        public MasterLoop.DispatchView dispatchView() {
            CompletableFuture<MasterLoop.DispatchView> view = new CompletableFuture<>();
            loop.execute(() -> view.complete(new MasterLoop.DispatchView(dispatcher.status(System.nanoTime()),
                    dispatcher.queued())));
            try {
                return view.get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                return new MasterLoop.DispatchView(java.util.List.of(), -1);
            }
        }

        @Override
        public void retire(int workerId, long pid) {
            loop.execute(() -> dispatcher.retire(workerId, pid));
        }

        @Override
        public dev.regent.cheaper.Load load() {
            // Taken on the I/O loop, which owns the dispatcher, like the stats snapshot.
            CompletableFuture<dev.regent.cheaper.Load> load = new CompletableFuture<>();
            loop.execute(() -> load.complete(dispatcher.load(System.nanoTime())));
            try {
                return load.get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                return null;
            }
        }

        @Override
        public void cheap(int workerId, long pid) {
            loop.execute(() -> dispatcher.drain(workerId, pid));
        }

        @Override
        public void sleep() {
            loop.execute(dispatcher::sleep);
        }

        @Override
        public void cleanup() {
            listeners.close();
        }
    }
}
