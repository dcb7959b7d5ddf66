package dev.regent.config;

import static dev.regent.config.Option.Status.ACCEPTED_NO_EFFECT;
import static dev.regent.config.Option.Status.IMPLEMENTED;
import static dev.regent.config.Option.Status.NOT_YET_IMPLEMENTED;
import static dev.regent.config.OptionType.ANY;
import static dev.regent.config.OptionType.BYTES;
import static dev.regent.config.OptionType.FLAG;
import static dev.regent.config.OptionType.NUMBER;
import static dev.regent.config.OptionType.PATH;
import static dev.regent.config.OptionType.SECONDS;
import static dev.regent.config.OptionType.SOCKET;
import static dev.regent.config.OptionType.TEXT;

import java.util.List;
import java.util.stream.Stream;

/**
 * The option table, part 4: static files served by the master, the stats server, health and
 * metrics endpoints, and the request-log format, filters and rotation (dev.regent.logging).
 * Rows marked "(Regent)" have no uWSGI equivalent.
 */
final class ObservabilityOptions {

    private ObservabilityOptions() {
    }

    static List<Option> all() {
        return Stream.of(statics(), stats(), logFormat()).flatMap(List::stream).toList();
    }

    private static List<Option> statics() {
        String area = "Static files";
        return Stream.of(
                Option.of("check-static", PATH, null, IMPLEMENTED,
                        "serve a file under this directory when the request path names one").repeated(),
                Option.of("static-map", TEXT, null, IMPLEMENTED,
                        "/mount=docroot: serve /mount/x from docroot/x").repeated(),
                Option.of("static-map2", TEXT, null, IMPLEMENTED,
                        "/mount=docroot: serve /mount/x from docroot/mount/x").repeated(),
                Option.of("static-index", TEXT, null, IMPLEMENTED,
                        "file served for a request naming a static directory (index.html ...)").repeated(),
                Option.of("static-expires", TEXT, null, IMPLEMENTED,
                        "REGEXP SECONDS: Expires header for files whose path matches").repeated(),
                Option.of("static-expires-uri", TEXT, null, IMPLEMENTED,
                        "REGEXP SECONDS: Expires header for request URIs that match").repeated(),
                Option.of("static-expires-type", TEXT, null, IMPLEMENTED,
                        "TYPE=SECONDS: Expires header for files of this content type").repeated(),
                Option.of("static-expires-mtime", ANY, null, NOT_YET_IMPLEMENTED, "Expires by mtime").repeated(),
                Option.of("static-skip-ext", TEXT, null, IMPLEMENTED,
                        "never serve files with this extension statically (.py ...)").repeated(),
                Option.of("static-safe", PATH, null, IMPLEMENTED,
                        "a directory static files may resolve into (through symlinks) outside their docroot")
                        .repeated(),
                Option.of("mimefile", PATH, "/etc/mime.types", IMPLEMENTED,
                        "content types by file extension, in mime.types format"),
                Option.of("offload-threads", NUMBER, "0", ACCEPTED_NO_EFFECT,
                        "the master sends static files with sendfile() from its event loop; there is nothing"
                                + " to offload"))
                .map(o -> o.in(area)).toList();
    }

    private static List<Option> stats() {
        String area = "Stats, health and metrics";
        return Stream.of(
                Option.of("stats", SOCKET, null, IMPLEMENTED,
                        "serve the uWSGI stats JSON on this address (host:port or a Unix socket)")
                        .alias("stats-server"),
                Option.of("stats-http", FLAG, "false", IMPLEMENTED,
                        "wrap the stats JSON in an HTTP response; /ready, /live and /metrics answer too"),
                Option.of("stats-minified", FLAG, "false", IMPLEMENTED, "compact stats JSON"),
                Option.of("stats-no-cores", FLAG, "false", IMPLEMENTED, "no per-core stats"),
                Option.of("stats-no-metrics", FLAG, "false", ACCEPTED_NO_EFFECT,
                        "the stats JSON never has a metrics object (see metrics-http)"),
                Option.of("health-http", SOCKET, null, IMPLEMENTED,
                        "serve /ready, /live and /metrics over HTTP on this address (Regent)"),
                Option.of("metrics-http", SOCKET, null, IMPLEMENTED,
                        "serve Prometheus metrics over HTTP on this address, any path (Regent)"),
                Option.of("shutdown-delay", SECONDS, "0", IMPLEMENTED,
                        "after SIGTERM, report not ready and keep serving this long before draining (Regent)"))
                .map(o -> o.in(area)).toList();
    }

    private static List<Option> logFormat() {
        String area = "Logging";
        return Stream.of(
                Option.of("log-format", TEXT, null, IMPLEMENTED, "request log line format with %(var) variables")
                        .alias("logformat"),
                Option.of("log-json", FLAG, "false", IMPLEMENTED,
                        "request log as JSON lines; the keys are log-format's variables, or a default set (Regent)"),
                Option.of("log-zero", FLAG, "false", IMPLEMENTED, "log responses with no body"),
                Option.of("log-slow", NUMBER, "0", IMPLEMENTED, "log requests that took at least N ms"),
                Option.of("log-big", BYTES, "0", IMPLEMENTED, "log responses of at least N bytes"),
                Option.of("log-x-forwarded-for", FLAG, "false", IMPLEMENTED,
                        "log the X-Forwarded-For header as the client address when the request has one"),
                Option.of("log-micros", FLAG, "false", IMPLEMENTED, "request time in microseconds"),
                Option.of("log-date", TEXT, null, IMPLEMENTED,
                        "prefix request lines with the date: ctime() style, or this strftime format"),
                Option.of("log-maxsize", BYTES, "0", IMPLEMENTED,
                        "rotate the logto file when it grows past this many bytes"),
                Option.of("log-backupname", PATH, null, IMPLEMENTED,
                        "name of the rotated log (default: the logto name, a dot and the epoch)"),
                Option.of("log-reopen", FLAG, "false", IMPLEMENTED,
                        "reopen the logto file on every reload (SIGHUP), for rename-based log rotation"))
                .map(o -> o.in(area)).toList();
    }
}
