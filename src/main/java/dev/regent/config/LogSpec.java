package dev.regent.config;

/**
 * Request-log settings.
 *
 * @param disableLogging no per-request line ({@code disable-logging}, {@code -L})
 * @param log4xx         log 4xx responses even with logging disabled ({@code log-4xx}; default on)
 * @param log5xx         log 5xx responses even with logging disabled ({@code log-5xx}; default on)
 * @param logto          file to append the log to ({@code logto}), or null for stderr
 */
public record LogSpec(boolean disableLogging, boolean log4xx, boolean log5xx, String logto) {
}
