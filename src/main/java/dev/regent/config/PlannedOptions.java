package dev.regent.config;

import static dev.regent.config.Option.Status.NOT_YET_IMPLEMENTED;
import static dev.regent.config.OptionType.ANY;
import static dev.regent.config.OptionType.FLAG;

import java.util.List;
import java.util.stream.Stream;

/**
 * The option table, part 3: uWSGI features Regent plans but does not have yet. Using any of them
 * stops startup with "not implemented yet"; flip a row's status when its feature lands.
 */
final class PlannedOptions {

    private PlannedOptions() {
    }

    static List<Option> all() {
        return Stream.of(recycling(), cheaper(), services(), routing()).flatMap(List::stream).toList();
    }

    private static Option planned(String name, String help) {
        return Option.of(name, ANY, null, NOT_YET_IMPLEMENTED, help);
    }

    private static List<Option> recycling() {
        return Stream.of(
                planned("reload-on-as", "recycle a worker above this address space (MB)"),
                planned("evil-reload-on-as", "kill a worker above this address space (MB)"),
                planned("mem-collector-freq", "seconds between memory samples"))
                .map(o -> o.in("Worker recycling by address space")).toList();
    }

    private static List<Option> cheaper() {
        return Stream.of(
                planned("cheaper-rss-limit-soft", "stop spawning above this total RSS"),
                planned("cheaper-rss-limit-hard", "stop workers above this total RSS"))
                .map(o -> o.in("Adaptive process spawning")).toList();
    }

    private static List<Option> services() {
        return Stream.of(
                planned("sharedarea", "a shared memory area").flag('A').repeated(),
                planned("spooler", "spooler directory").flag('Q').repeated(),
                planned("spooler-processes", "processes per spooler"),
                planned("spooler-frequency", "seconds between spooler scans"),
                planned("spooler-max-tasks", "recycle a spooler after this many tasks"),
                planned("spooler-import", "module imported by spoolers").repeated(),
                planned("spooler-harakiri", "harakiri for spooler tasks"),
                Option.of("spooler-ordered", FLAG, "false", NOT_YET_IMPLEMENTED, "run spooler tasks in order"),
                planned("attach-daemon", "run and supervise a command").repeated(),
                planned("smart-attach-daemon", "supervise a daemonizing command by pidfile").repeated())
                .map(o -> o.in("Services")).toList();
    }

    private static List<Option> routing() {
        return Stream.of("route", "route-host", "route-uri", "route-qs", "route-remote-addr", "route-user-agent",
                        "route-referer", "route-label", "route-run", "route-if", "route-if-not")
                .map(n -> planned(n, "internal routing rule").repeated().in("Routing")).toList();
    }
}
