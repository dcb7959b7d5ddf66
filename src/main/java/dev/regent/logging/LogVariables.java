package dev.regent.logging;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code %(name)} variables of {@code log-format}, with uWSGI's names and meanings
 * ({@code core/logging.c: uwsgi_register_logchunks}). {@link #resolve} runs once per variable
 * when the format is compiled; the returned function runs per line and returns null for a
 * missing or empty value (printed as {@code -}).
 */
final class LogVariables {

    /** A compiled variable: its value for one request, or null. */
    record Var(String name, Function<LogRecord, String> value, boolean numeric, boolean needsEnviron,
               boolean needsHeaders) {
    }

    /** Variables printed as JSON numbers. */
    private static final Set<String> NUMERIC = Set.of("status", "rsize", "hsize", "size", "cl", "micros", "msecs",
            "secs", "time", "tmsecs", "tmicros", "epoch", "pid", "wid", "core", "vars", "headers", "pktsize",
            "switches", "modifier1", "modifier2", "vsz", "rss", "vszM", "rssM");
    private static final Set<String> FROM_ENVIRON = Set.of("user", "host", "uagent", "referer", "vars", "pktsize");

    private LogVariables() {
    }

    /**
     * The variable called {@code name}. {@code ftime} is the {@code log-date} pattern when
     * {@code log-format-strftime} is on (else {@code ftime} is {@code ltime}, as in uWSGI).
     */
    static Var resolve(String name, Strftime ftime, ZoneId zone) {
        if (name.startsWith("var.")) {
            String key = name.substring(4);
            return new Var(name, r -> r.env(key), false, true, false);
        }
        Function<LogRecord, String> f = builtin(name, ftime, zone);
        if (f == null) {
            // uWSGI reads any other name as a logvar set by the app (uwsgi.set_logvar), and metric.NAME
            // from its metrics subsystem; Regent has neither yet, so they print as missing.
            f = r -> null;
        }
        return new Var(name, f, NUMERIC.contains(name), FROM_ENVIRON.contains(name), name.equals("headers"));
    }

    private static Function<LogRecord, String> builtin(String name, Strftime ftime, ZoneId zone) {
        return switch (name) {
            case "uri" -> LogRecord::uri;
            case "method" -> LogRecord::method;
            case "user" -> r -> r.env("REMOTE_USER");
            case "addr" -> LogRecord::addr;
            case "host" -> r -> r.env("HTTP_HOST");
            case "proto" -> LogRecord::proto;
            case "uagent" -> r -> r.env("HTTP_USER_AGENT");
            case "referer" -> r -> r.env("HTTP_REFERER");
            case "status" -> r -> Integer.toString(r.status());
            case "rsize" -> r -> Long.toString(r.rsize());
            case "hsize" -> r -> Long.toString(r.hsize());
            case "size" -> r -> Long.toString(r.hsize() + r.rsize());
            case "cl" -> r -> Long.toString(r.cl());
            case "micros" -> r -> Long.toString(r.micros());
            case "msecs" -> r -> Long.toString(r.micros() / 1000);
            case "secs" -> r -> secs(r.micros());
            case "time" -> r -> Long.toString(r.startMicros() / 1_000_000);
            case "tmsecs" -> r -> Long.toString(r.startMicros() / 1000);
            case "tmicros" -> r -> Long.toString(r.startMicros());
            case "ltime" -> r -> Strftime.LTIME.format(start(r, zone));
            case "ftime" -> r -> (ftime == null ? Strftime.LTIME : ftime).format(start(r, zone));
            case "ctime" -> r -> Strftime.CTIME.format(start(r, zone));
            case "epoch" -> r -> Long.toString(System.currentTimeMillis() / 1000);
            case "pid" -> r -> Long.toString(r.pid());
            case "wid" -> r -> Integer.toString(r.wid());
            case "core" -> r -> Integer.toString(r.core());
            case "vars" -> r -> Integer.toString(r.varCount());
            case "headers" -> r -> Integer.toString(r.headers());
            case "pktsize" -> r -> Integer.toString(r.pktsize());
            // No async switches and no uwsgi modifiers other than 0 (Python WSGI) in Regent.
            case "switches", "modifier1", "modifier2" -> r -> "0";
            // As in uWSGI without memory-report: the worker's memory is not sampled per request.
            case "vsz", "rss", "vszM", "rssM" -> r -> "0";
            default -> null;
        };
    }

    static ZonedDateTime start(LogRecord r, ZoneId zone) {
        long micros = r.startMicros();
        return Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000).atZone(zone);
    }

    /** Seconds with six decimals, like C's {@code %f} in uWSGI's {@code uwsgi_float2str}. */
    static String secs(long micros) {
        StringBuilder sb = new StringBuilder(16).append(micros / 1_000_000).append('.');
        String frac = Long.toString(micros % 1_000_000);
        sb.append("000000", frac.length(), 6).append(frac);
        return sb.toString();
    }
}
