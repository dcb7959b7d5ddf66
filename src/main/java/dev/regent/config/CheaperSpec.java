package dev.regent.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Adaptive process spawning (uWSGI's cheaper subsystem) and scaling to zero. Reference: uWSGI
 * {@code core/master_utils.c} and {@code plugins/cheaper_busyness}.
 *
 * @param algo            {@code cheaper-algo}
 * @param min             {@code cheaper}: fewest workers; 0 = adaptive spawning off (every seat is filled)
 * @param initial         {@code cheaper-initial}, clamped to [min, processes]
 * @param step            {@code cheaper-step} (at least 1)
 * @param overload        {@code cheaper-overload}: the spare algorithm's patience in checks, the backlog
 *                        algorithm's threshold, the busyness window in seconds
 * @param processes       the ceiling ({@code processes})
 * @param busyness        the {@code cheaper-busyness-*} knobs
 * @param checkInterval   {@code check-interval}: how often the algorithm and the idle timer run
 * @param idle            {@code idle}: stop every worker after this long without requests; zero = never
 * @param cheap           {@code cheap}: start with no worker
 * @param dieOnIdle       {@code die-on-idle}: exit instead of stopping the workers
 * @param idleKeepZygote  {@code idle-keep-zygote}: keep the zygote while idle
 */
public record CheaperSpec(Algo algo, int min, int initial, int step, int overload, int processes,
                          Busyness busyness, Duration checkInterval, Duration idle, boolean cheap, boolean dieOnIdle,
                          boolean idleKeepZygote) {

    /** The cheaper algorithms. */
    public enum Algo { SPARE, BACKLOG, BUSYNESS, MANUAL }

    /** The {@code cheaper-busyness-*} knobs (percentages, window counts, a step, seconds). */
    public record Busyness(int max, int min, int multiplier, int penalty, int backlogAlert, int backlogMultiplier,
                           int backlogStep, Duration backlogNonzero, boolean verbose) {

        public static Busyness defaults() {
            return new Busyness(50, 25, 10, 2, 33, 3, 1, Duration.ofSeconds(60), false);
        }
    }

    /** Adaptive spawning off, no idle timer: every seat filled at startup. */
    public static CheaperSpec off(int processes) {
        return new CheaperSpec(Algo.SPARE, 0, processes, 1, 3, processes, Busyness.defaults(), Duration.ofSeconds(1),
                Duration.ZERO, false, false, false);
    }

    /** True when an algorithm decides the worker count ({@code cheaper} > 0). */
    public boolean enabled() {
        return min > 0;
    }

    /** Workers started with the app (and on every wake from idle). */
    public int startWorkers() {
        return enabled() ? initial : processes;
    }

    /** True when the master has anything to check every {@code check-interval}. */
    public boolean active() {
        return enabled() || !idle.isZero() || cheap;
    }

    /** Settings from the option values; {@link #problems} reports the invalid ones. */
    static CheaperSpec from(Settings s) {
        int processes = s.get("processes", Integer.class);
        int min = s.get("cheaper", Integer.class);
        int initial = s.get("cheaper-initial", Integer.class);
        initial = Math.max(min, Math.min(processes, initial == 0 ? min : initial));
        Busyness b = new Busyness(
                s.get("cheaper-busyness-max", Integer.class),
                s.get("cheaper-busyness-min", Integer.class),
                s.get("cheaper-busyness-multiplier", Integer.class),
                s.get("cheaper-busyness-penalty", Integer.class),
                s.get("cheaper-busyness-backlog-alert", Integer.class),
                s.get("cheaper-busyness-backlog-multiplier", Integer.class),
                s.get("cheaper-busyness-backlog-step", Integer.class),
                s.get("cheaper-busyness-backlog-nonzero", Duration.class),
                s.get("cheaper-busyness-verbose", Boolean.class));
        return new CheaperSpec(algo(s.get("cheaper-algo", String.class)), min, initial,
                Math.max(1, s.get("cheaper-step", Integer.class)), s.get("cheaper-overload", Integer.class),
                processes, b, Duration.ofSeconds(s.get("check-interval", Integer.class)),
                s.get("idle", Duration.class), s.get("cheap", Boolean.class), s.get("die-on-idle", Boolean.class),
                s.get("idle-keep-zygote", Boolean.class));
    }

    /** What is wrong with these settings, one message each (uWSGI refuses cheaper >= processes at startup too). */
    static List<String> problems(Settings s) {
        List<String> out = new ArrayList<>();
        int processes = s.get("processes", Integer.class);
        int min = s.get("cheaper", Integer.class);
        if (min > 0 && min >= processes) {
            out.add("invalid cheaper value: cheaper = " + min + " must be lower than processes = " + processes
                    + " (processes is the most workers cheaper may start; raise it, or lower cheaper)");
        }
        if (algoOrNull(s.get("cheaper-algo", String.class)) == null) {
            out.add("cheaper-algo: " + s.get("cheaper-algo", String.class)
                    + " (expected: spare, backlog, busyness or manual)");
        }
        int bmin = s.get("cheaper-busyness-min", Integer.class);
        int bmax = s.get("cheaper-busyness-max", Integer.class);
        if (bmax > 100 || bmin >= bmax) {
            out.add("cheaper-busyness-min = " + bmin + ", cheaper-busyness-max = " + bmax
                    + " (expected: min lower than max, max at most 100)");
        }
        return out;
    }

    private static Algo algo(String name) {
        Algo a = algoOrNull(name);
        return a == null ? Algo.SPARE : a;
    }

    private static Algo algoOrNull(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "spare" -> Algo.SPARE;
            case "backlog" -> Algo.BACKLOG;
            case "busyness" -> Algo.BUSYNESS;
            case "manual" -> Algo.MANUAL;
            default -> null;
        };
    }
}
