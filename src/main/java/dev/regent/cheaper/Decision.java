package dev.regent.cheaper;

/**
 * What an algorithm decided: spawn {@code delta} workers (> 0), stop one (-1), or nothing (0).
 *
 * @param delta  workers to add (negative: to stop)
 * @param cause  a short name of why, counted in the stats and metrics ({@code busyness-high},
 *               {@code backlog-alert} ...); null when nothing happens
 * @param reason the one log line; for a zero delta an optional note, logged only when verbose
 */
public record Decision(int delta, String cause, String reason) {

    public static final Decision NONE = new Decision(0, null, null);

    public static Decision spawn(int n, String cause, String reason) {
        return n > 0 ? new Decision(n, cause, reason) : note(reason);
    }

    public static Decision cheap(String cause, String reason) {
        return new Decision(-1, cause, reason);
    }

    /** Nothing to do; {@code reason} is shown with {@code cheaper-busyness-verbose}. */
    public static Decision note(String reason) {
        return new Decision(0, null, reason);
    }
}
