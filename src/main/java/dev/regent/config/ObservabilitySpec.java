package dev.regent.config;

import java.time.Duration;

/**
 * Static files, the stats server and the health and metrics endpoints.
 *
 * @param statics        static files ({@link StaticSpec})
 * @param stats          {@code stats} address (host:port, or a Unix socket path), or null
 * @param statsHttp      {@code stats-http}: answer with an HTTP response (and serve /ready, /live, /metrics)
 * @param statsMinified  {@code stats-minified}: compact JSON
 * @param statsNoCores   {@code stats-no-cores}: no per-core objects
 * @param healthHttp     {@code health-http} address (Regent), or null
 * @param metricsHttp    {@code metrics-http} address (Regent), or null
 * @param shutdownDelay  {@code shutdown-delay} (Regent): not ready but serving for this long after SIGTERM
 */
public record ObservabilitySpec(StaticSpec statics, String stats, boolean statsHttp, boolean statsMinified,
                                boolean statsNoCores, String healthHttp, String metricsHttp,
                                Duration shutdownDelay) {

    public ObservabilitySpec {
        if (statics == null) {
            statics = StaticSpec.none();
        }
        if (shutdownDelay == null) {
            shutdownDelay = Duration.ZERO;
        }
    }

    public static ObservabilitySpec defaults() {
        return new ObservabilitySpec(StaticSpec.none(), null, false, false, false, null, null, Duration.ZERO);
    }

    /** Settings from the option values (called by the config builder). */
    static ObservabilitySpec from(Settings s) {
        StaticSpec statics = new StaticSpec(
                s.all("check-static", String.class),
                s.all("static-map", String.class),
                s.all("static-map2", String.class),
                s.all("static-index", String.class),
                s.all("static-expires", String.class),
                s.all("static-expires-uri", String.class),
                s.all("static-expires-type", String.class),
                s.all("static-skip-ext", String.class),
                s.all("static-safe", String.class),
                s.get("mimefile", String.class));
        return new ObservabilitySpec(statics,
                s.get("stats", String.class),
                s.get("stats-http", Boolean.class),
                s.get("stats-minified", Boolean.class),
                s.get("stats-no-cores", Boolean.class),
                s.get("health-http", String.class),
                s.get("metrics-http", String.class),
                s.get("shutdown-delay", Duration.class));
    }
}
