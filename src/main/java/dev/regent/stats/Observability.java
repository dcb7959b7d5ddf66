package dev.regent.stats;

import dev.regent.config.ServerConfig;
import dev.regent.config.SocketSpec;
import dev.regent.dispatch.Dispatcher;
import dev.regent.logging.RequestLog;
import io.netty.channel.EventLoop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires the stats, health and metrics endpoints into a server: one call at startup, one signal
 * hook, one close. Kept out of {@code Server} so that wiring stays a few lines there.
 */
public final class Observability implements AutoCloseable {
    private final MasterBoard board = new MasterBoard();
    private final boolean dieOnTerm;
    private ObservabilityServer server;

    private Observability(boolean dieOnTerm) {
        this.dieOnTerm = dieOnTerm;
    }

    /** Binds the configured endpoints on {@code loop} (the loop of {@code dispatcher}). */
    public static Observability start(EventLoop loop, ServerConfig config, Dispatcher dispatcher,
                                      LoopCounters counters, RequestLog.Logger log) throws IOException {
        Observability o = new Observability(config.dieOnTerm());
        List<String[]> sockets = new ArrayList<>();
        for (SocketSpec s : config.sockets()) {
            sockets.add(new String[] {s.address(), s.protocol() == SocketSpec.Protocol.HTTP ? "http" : "uwsgi"});
        }
        StatsDocument.Static info = new StatsDocument.Static(config.processes(), config.threads(), config.listen(),
                sockets, Path.of("").toAbsolutePath().toString(), config.observability().statsNoCores());
        String app = config.app().module() != null ? config.app().module()
                : config.app().wsgiFile() != null ? config.app().wsgiFile() : "";
        o.server = ObservabilityServer.start(loop, config.observability(), dispatcher, counters, o.board, info, app);
        if (o.server != null) {
            log.info(o.server.describe());
        }
        return o;
    }

    /** What the master thread publishes to. */
    public MasterBoard board() {
        return board;
    }

    /**
     * Called by the signal handler thread before the event is queued: readiness turns 503 at
     * the moment a stop signal arrives, not when the master loop gets to it.
     */
    public void signal(String name) {
        if (name.equals("INT") || (name.equals("TERM") && dieOnTerm)) {
            board.stopRequested();
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
