package dev.regent.config;

import static dev.regent.config.Option.Status.IMPLEMENTED;
import static dev.regent.config.OptionType.COUNT;
import static dev.regent.config.OptionType.FLAG;
import static dev.regent.config.OptionType.NUMBER;
import static dev.regent.config.OptionType.SECONDS;
import static dev.regent.config.OptionType.TEXT;

import java.util.List;
import java.util.stream.Stream;

/**
 * The option table, part 6: adaptive process spawning (uWSGI's cheaper subsystem) and scaling to
 * zero ({@code idle}, {@code cheap}). Defaults are uWSGI's; rows marked "(Regent)" are new.
 */
final class CheaperOptions {

    private CheaperOptions() {
    }

    static List<Option> all() {
        String area = "Adaptive process spawning";
        return Stream.of(
                Option.of("cheaper", NUMBER, "0", IMPLEMENTED,
                        "minimum number of workers; 0 = off (must be lower than processes, the maximum)"),
                Option.of("cheaper-initial", NUMBER, "0", IMPLEMENTED,
                        "workers started at startup (default: cheaper; kept between cheaper and processes)"),
                Option.of("cheaper-step", NUMBER, "1", IMPLEMENTED, "workers spawned at a time (0 acts as 1)"),
                Option.of("cheaper-overload", COUNT, "3", IMPLEMENTED,
                        "spare: checks before acting; backlog: queue length threshold; busyness: window in seconds"),
                Option.of("cheaper-algo", TEXT, "spare", IMPLEMENTED,
                        "cheaper algorithm: spare, backlog, busyness or manual (master-fifo + and - only)"),
                Option.of("cheaper-busyness-max", NUMBER, "50", IMPLEMENTED,
                        "average busyness (%) above which workers are spawned"),
                Option.of("cheaper-busyness-min", NUMBER, "25", IMPLEMENTED,
                        "average busyness (%) below which a worker is stopped (after the multiplier cycles)"),
                Option.of("cheaper-busyness-multiplier", COUNT, "10", IMPLEMENTED,
                        "windows of low busyness before a worker is stopped"),
                Option.of("cheaper-busyness-penalty", NUMBER, "2", IMPLEMENTED,
                        "multiplier growth when workers are needed again soon after one was stopped"),
                Option.of("cheaper-busyness-backlog-alert", NUMBER, "33", IMPLEMENTED,
                        "queued requests above which emergency workers are spawned"),
                Option.of("cheaper-busyness-backlog-multiplier", COUNT, "3", IMPLEMENTED,
                        "multiplier used while emergency workers run (they are stopped sooner)"),
                Option.of("cheaper-busyness-backlog-step", COUNT, "1", IMPLEMENTED,
                        "emergency workers spawned at a time"),
                Option.of("cheaper-busyness-backlog-nonzero", SECONDS, "60", IMPLEMENTED,
                        "seconds of a non-empty queue that spawn an emergency worker"),
                Option.of("cheaper-busyness-verbose", FLAG, "false", IMPLEMENTED,
                        "log every busyness window, not only decisions"),
                Option.of("check-interval", COUNT, "1", IMPLEMENTED,
                        "seconds between cheaper and idle checks"),
                Option.of("idle", SECONDS, "0", IMPLEMENTED,
                        "stop every worker after this many seconds without requests; the next request wakes"
                                + " the app (0 = never)"),
                Option.of("cheap", FLAG, "false", IMPLEMENTED,
                        "start with no worker: the first request starts them"),
                Option.of("die-on-idle", FLAG, "false", IMPLEMENTED, "exit instead of stopping the workers when idle"),
                Option.of("idle-keep-zygote", FLAG, "false", IMPLEMENTED,
                        "keep the zygote (the imported app) while idle, for a faster wake (Regent)"))
                .map(o -> o.in(area)).toList();
    }
}
