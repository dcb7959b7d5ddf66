package dev.regent.config;

import java.util.Locale;

/**
 * Request-log settings (docs/logging.md).
 *
 * @param disableLogging no per-request line ({@code disable-logging}, {@code -L})
 * @param log4xx         log 4xx responses even with logging disabled ({@code log-4xx}; default on)
 * @param log5xx         log 5xx responses even with logging disabled ({@code log-5xx}; default on)
 * @param logto          file to append the log to ({@code logto}), or null for stderr
 * @param format         {@code log-format} with {@code %(var)} variables, or null for the default line
 * @param json           {@code log-json} (Regent): one JSON object per request line
 * @param logZero        {@code log-zero}: log responses with an empty body even with logging disabled
 * @param logSlowMillis  {@code log-slow}: log requests that took at least this many ms (0: off)
 * @param logBigBytes    {@code log-big}: log responses of at least this many body bytes (0: off)
 * @param xForwardedFor  {@code log-x-forwarded-for}: the client address is the X-Forwarded-For header when sent
 * @param date           {@code log-date}: null when off, "" for the ctime() date, else a strftime pattern
 * @param micros         {@code log-micros}: the default line gives the time in microseconds
 * @param formatStrftime {@code log-format-strftime}: log-format's text goes through strftime
 * @param maxSize        {@code log-maxsize}: rotate the logto file when it grows past this many bytes (0: never)
 * @param backupName     {@code log-backupname}: the rotated file's name, or null for {@code <logto>.<epoch>}
 * @param reopen         {@code log-reopen}: reopen the logto file on every reload (SIGHUP)
 */
public record LogSpec(boolean disableLogging, boolean log4xx, boolean log5xx, String logto, String format,
                      boolean json, boolean logZero, long logSlowMillis, long logBigBytes, boolean xForwardedFor,
                      String date, boolean micros, boolean formatStrftime, long maxSize, String backupName,
                      boolean reopen) {

    /** The filters and file only; every other setting at its default. */
    public LogSpec(boolean disableLogging, boolean log4xx, boolean log5xx, String logto) {
        this(disableLogging, log4xx, log5xx, logto, null, false, false, 0, 0, false, null, false, false, 0, null,
                false);
    }

    /** Settings from the option values (called by the config builder). */
    static LogSpec from(Settings s) {
        return new LogSpec(
                s.get("disable-logging", Boolean.class),
                s.get("log-4xx", Boolean.class),
                s.get("log-5xx", Boolean.class),
                s.get("logto", String.class),
                s.get("log-format", String.class),
                s.get("log-json", Boolean.class),
                s.get("log-zero", Boolean.class),
                s.get("log-slow", Integer.class),
                s.get("log-big", Long.class),
                s.get("log-x-forwarded-for", Boolean.class),
                date(s.get("log-date", String.class)),
                s.get("log-micros", Boolean.class),
                s.get("log-format-strftime", Boolean.class),
                s.get("log-maxsize", Long.class),
                s.get("log-backupname", String.class),
                s.get("log-reopen", Boolean.class));
    }

    /**
     * uWSGI's {@code log-date} takes an optional value: none (or a true word) means the ctime()
     * date, anything else is a strftime pattern. A false word turns it off.
     */
    static String date(String value) {
        if (value == null) {
            return null;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "", "true", "1", "on", "yes" -> "";
            case "false", "0", "off", "no" -> null;
            default -> value;
        };
    }
}
