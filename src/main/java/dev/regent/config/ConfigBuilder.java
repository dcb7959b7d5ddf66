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
        checkSharedReferences(s);
        ApiOptions.spec(s); // reports bad cache2 and farm values
        List<String> cheaper = CheaperSpec.problems(s);
        if (!cheaper.isEmpty()) {
            throw new ConfigException(cheaper);
        }
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
                s.get("socket-timeout", Duration.class),
                lifecycle(s),
                logging(s),
                s.get("pidfile", String.class),
                s.get("die-on-term", Boolean.class),
                s.get("vacuum", Boolean.class),
                process(s),
                socketOptions(s),
                ObservabilitySpec.from(s),
                api(s),
                CheaperSpec.from(s));
    }

    /** The uwsgi module's settings; build() has already reported bad values, so none are left here. */
    private static ApiSpec api(Settings s) {
        try {
            return ApiOptions.spec(s);
        } catch (ConfigException e) {
            throw new IllegalStateException(String.join("; ", e.messages()), e);
        }
    }

    private static LifecycleSpec lifecycle(Settings s) {
        return new LifecycleSpec(
                s.get("harakiri", Duration.class),
                s.get("max-requests", Integer.class),
                s.get("max-requests-delta", Integer.class),
                s.get("min-worker-lifetime", Duration.class),
                s.get("max-worker-lifetime", Duration.class),
                s.get("max-worker-lifetime-delta", Duration.class),
                LifecycleSpec.megabytes(s.get("reload-on-rss", Integer.class)),
                LifecycleSpec.megabytes(s.get("evil-reload-on-rss", Integer.class)),
                s.get("worker-reload-mercy", Duration.class),
                s.all("touch-reload", String.class),
                s.all("touch-chain-reload", String.class),
                s.all("master-fifo", String.class));
    }

    /** {@code procname-prefix-spaced} is the prefix plus a space; the later of the two wins. */
    private static ProcessSpec process(Settings s) {
        String prefix = null;
        for (Settings.Setting setting : s.ordered()) {
            String name = setting.option().name();
            if (name.equals("procname-prefix")) {
                prefix = (String) setting.value();
            } else if (name.equals("procname-prefix-spaced")) {
                prefix = setting.value() + " ";
            }
        }
        return new ProcessSpec(
                s.get("auto-procname", Boolean.class),
                prefix,
                s.get("procname-append", String.class),
                s.get("procname", String.class),
                s.get("procname-master", String.class),
                s.get("uid", String.class),
                s.get("gid", String.class),
                s.get("umask", Integer.class),
                s.get("chroot", String.class));
    }

    private static SocketOptions socketOptions(Settings s) {
        return new SocketOptions(
                s.get("chmod-socket", Integer.class),
                s.get("chown-socket", String.class),
                s.get("reuse-port", Boolean.class),
                s.all("shared-socket", String.class),
                s.get("uwsgi-direct", Boolean.class));
    }

    /**
     * A socket value {@code =N} names shared socket N (0-based, in the order given), as in uWSGI.
     * Every reference must exist and every shared socket must be served exactly once: Regent
     * binds a socket once and has no other consumer (such as uWSGI's routers) for it.
     */
    private static void checkSharedReferences(Settings s) throws ConfigException {
        List<String> shared = s.all("shared-socket", String.class);
        int[] uses = new int[shared.size()];
        List<String> errors = new ArrayList<>();
        for (Settings.Setting setting : s.ordered()) {
            if (SOCKET_OPTIONS.containsKey(setting.option().name())
                    && setting.value() instanceof String value && value.startsWith("=")) {
                int n = sharedIndex(value);
                if (n < 0 || n >= shared.size()) {
                    errors.add(setting.option().name() + ": " + value + " (expected: =N naming one of the "
                            + shared.size() + " shared-socket entries, counted from 0)");
                } else {
                    uses[n]++;
                }
            }
        }
        for (int i = 0; i < uses.length; i++) {
            if (uses[i] != 1) {
                errors.add("shared-socket " + i + " (" + shared.get(i) + ") is used by " + uses[i]
                        + " socket options (expected: exactly one, such as socket = =" + i + ")");
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }

    private static int sharedIndex(String value) {
        String digits = value.substring(1);
        return digits.matches("[0-9]{1,4}") ? Integer.parseInt(digits) : -1;
    }

    private static List<SocketSpec> sockets(Settings s) {
        List<SocketSpec> sockets = new ArrayList<>();
        for (Settings.Setting setting : s.ordered()) {
            SocketSpec.Protocol protocol = SOCKET_OPTIONS.get(setting.option().name());
            if (protocol != null) {
                String address = (String) setting.value();
                List<String> shared = s.all("shared-socket", String.class);
                int n = address.startsWith("=") ? sharedIndex(address) : -1;
                sockets.add(new SocketSpec(protocol, n >= 0 && n < shared.size() ? shared.get(n) : address));
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
        return LogSpec.from(s);
    }
}
