package dev.regent.config;

import java.time.Duration;
import java.util.List;

/**
 * The resolved, validated configuration of one app instance. Immutable; built only by the
 * config loaders, read by everything else. Defaults are Regent's (see docs/differences.md).
 *
 * @param sockets            listening sockets ({@code http-socket}, {@code socket}, ...)
 * @param app                the application and its interpreter
 * @param processes          worker processes ({@code processes}, {@code workers}, {@code -p}; default 1)
 * @param threads            request slots per worker ({@code threads}; default 1)
 * @param listen             bound of the central request queue ({@code listen}, {@code -l}; default 100)
 * @param bufferSize         largest request head accepted, bytes ({@code buffer-size}, {@code -b}; default 65536)
 * @param limitPost          largest request body, bytes; 0 = unlimited ({@code limit-post}; default 0)
 * @param headerTimeout      time allowed for a client to send a complete request head
 *                           ({@code http-header-timeout}; default 10 s)
 * @param socketTimeout      how long a client may leave a response unread (no write progress)
 *                           before its connection is closed ({@code socket-timeout}; default 30 s)
 * @param keepaliveTimeout   idle time before a keep-alive connection is closed
 *                           ({@code http-keepalive-timeout}; default 15 s)
 * @param lifecycle          harakiri, recycling, reload triggers ({@link LifecycleSpec})
 * @param logging            request-log settings
 * @param pidfile            file to write the master pid to ({@code pidfile}), or null
 * @param dieOnTerm          SIGTERM stops (true, the default) instead of reloading ({@code die-on-term})
 * @param vacuum             remove Unix sockets and the pidfile at exit ({@code vacuum}; default on)
 * @param process            process names, uid, gid, umask ({@link ProcessSpec})
 * @param socketOptions      chmod/chown of Unix sockets, SO_REUSEPORT, shared sockets ({@link SocketOptions})
 * @param observability      static files, stats, health and metrics endpoints ({@link ObservabilitySpec})
 * @param api                caches, locks, mules and the options as written, for the uwsgi module ({@link ApiSpec})
 * @param cheaper            adaptive process spawning and scaling to zero ({@link CheaperSpec})
 */
public record ServerConfig(
        List<SocketSpec> sockets,
        AppSpec app,
        int processes,
        int threads,
        int listen,
        int bufferSize,
        long limitPost,
        Duration headerTimeout,
        Duration keepaliveTimeout,
        Duration socketTimeout,
        LifecycleSpec lifecycle,
        LogSpec logging,
        String pidfile,
        boolean dieOnTerm,
        boolean vacuum,
        ProcessSpec process,
        SocketOptions socketOptions,
        ObservabilitySpec observability,
        ApiSpec api,
        CheaperSpec cheaper) {

    public ServerConfig {
        sockets = List.copyOf(sockets);
        if (socketOptions == null) {
            socketOptions = SocketOptions.defaults();
        }
        if (observability == null) {
            observability = ObservabilitySpec.defaults();
        }
        if (lifecycle == null) {
            lifecycle = LifecycleSpec.defaults();
        }
        if (process == null) {
            process = ProcessSpec.defaults();
        }
        if (api == null) {
            api = ApiSpec.none();
        }
        if (cheaper == null) {
            cheaper = CheaperSpec.off(processes);
        }
    }

    /**
     * Every option at its default (the option table's), and no socket. For tests and tools;
     * the loaders refuse a configuration without a socket.
     */
    public static ServerConfig defaults() {
        return ConfigBuilder.buildAllowingNoSocket(new Settings());
    }

    /** The request time limit; zero = none ({@code harakiri}, {@code -t}). */
    public Duration harakiri() {
        return lifecycle.harakiri();
    }

    /** How long a stopping worker may finish its requests ({@code worker-reload-mercy}; 60 s). */
    public Duration workerReloadMercy() {
        return lifecycle.workerReloadMercy();
    }

    /** This configuration with other sockets. */
    public ServerConfig withSockets(List<SocketSpec> newSockets) {
        return new ServerConfig(newSockets, app, processes, threads, listen, bufferSize, limitPost, headerTimeout,
                keepaliveTimeout, socketTimeout, lifecycle, logging, pidfile, dieOnTerm, vacuum, process,
                socketOptions, observability, api, cheaper);
    }

    /** This configuration with another app. */
    public ServerConfig withApp(AppSpec newApp) {
        return new ServerConfig(sockets, newApp, processes, threads, listen, bufferSize, limitPost, headerTimeout,
                keepaliveTimeout, socketTimeout, lifecycle, logging, pidfile, dieOnTerm, vacuum, process,
                socketOptions, observability, api, cheaper);
    }
}
