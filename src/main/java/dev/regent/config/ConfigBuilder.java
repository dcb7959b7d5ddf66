package dev.regent.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the immutable records the runtime reads from validated {@link Settings}. This is the
 * only place that knows which option feeds which record component.
 */
final class ConfigBuilder {

    private static final Map<String, SocketSpec.Protocol> SOCKET_OPTIONS = Map.of(
            "http-socket", SocketSpec.Protocol.HTTP,
            "http11-socket", SocketSpec.Protocol.HTTP,
            "http", SocketSpec.Protocol.HTTP,
            "socket", SocketSpec.Protocol.UWSGI);

    private ConfigBuilder() {
    }

    /** The configuration; throws when it has no socket. */
    static ServerConfig build(Settings s) throws ConfigException {
        ServerConfig config = buildAllowingNoSocket(s);
        if (config.sockets().isEmpty()) {
            throw new ConfigException(Messages.noSocket());
        }
        return config;
    }

    /** The configuration even without a socket: used for {@link ServerConfig#defaults()}. */
    static ServerConfig buildAllowingNoSocket(Settings s) {
        return new ServerConfig(
                sockets(s),
                app(s),
                s.get("processes", Integer.class),
                s.get("threads", Integer.class),
                s.get("listen", Integer.class),
                s.get("buffer-size", Integer.class),
                s.get("limit-post", Long.class),
                s.get("http-header-timeout", Duration.class),
                s.get("http-keepalive-timeout", Duration.class),
                s.get("harakiri", Duration.class),
                s.get("worker-reload-mercy", Duration.class),
                logging(s),
                s.get("pidfile", String.class),
                s.get("die-on-term", Boolean.class),
                s.get("vacuum", Boolean.class),
                s.get("procname-prefix", String.class));
    }

    private static List<SocketSpec> sockets(Settings s) {
        List<SocketSpec> sockets = new ArrayList<>();
        for (Settings.Setting setting : s.ordered()) {
            SocketSpec.Protocol protocol = SOCKET_OPTIONS.get(setting.option().name());
            if (protocol != null) {
                sockets.add(new SocketSpec(protocol, (String) setting.value()));
            }
        }
        return sockets;
    }

    private static AppSpec app(Settings s) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Object kv : s.all("env", Object.class)) {
            Map.Entry<?, ?> e = (Map.Entry<?, ?>) kv;
            env.put((String) e.getKey(), (String) e.getValue());
        }
        return new AppSpec(
                s.get("python", String.class),
                s.get("module", String.class),
                s.get("wsgi-file", String.class),
                s.get("callable", String.class),
                s.get("chdir", String.class),
                s.all("pythonpath", String.class),
                s.get("home", String.class),
                env,
                s.get("lazy-apps", Boolean.class),
                s.get("need-app", Boolean.class));
    }

    private static LogSpec logging(Settings s) {
        return new LogSpec(
                s.get("disable-logging", Boolean.class),
                s.get("log-4xx", Boolean.class),
                s.get("log-5xx", Boolean.class),
                s.get("logto", String.class));
    }
}
