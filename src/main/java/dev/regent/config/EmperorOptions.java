package dev.regent.config;

import static dev.regent.config.Option.Status.IMPLEMENTED;
import static dev.regent.config.Option.Status.NOT_YET_IMPLEMENTED;
import static dev.regent.config.OptionType.ANY;
import static dev.regent.config.OptionType.FLAG;
import static dev.regent.config.OptionType.NUMBER;
import static dev.regent.config.OptionType.PATH;
import static dev.regent.config.OptionType.SECONDS;
import static dev.regent.config.OptionType.SOCKET;
import static dev.regent.config.OptionType.TEXT;

import java.util.List;
import java.util.stream.Stream;

/**
 * The option table, part 7: the emperor (many apps in one JVM, see docs/emperor.md) and the one
 * vassal-side option it reads, {@code domain}. Numbers are uWSGI's ({@code core/emperor.c});
 * rows marked "(Regent)" have no uWSGI equivalent.
 */
final class EmperorOptions {

    private EmperorOptions() {
    }

    static List<Option> all() {
        String area = "Emperor";
        return Stream.of(
                Option.of("emperor", PATH, null, IMPLEMENTED,
                        "run the vassal files (*.ini, *.json, *.yaml, *.yml) in this directory or glob").repeated(),
                Option.of("emperor-freq", SECONDS, "3", IMPLEMENTED, "seconds between scans of the vassal files"),
                Option.of("emperor-throttle", NUMBER, "1000", IMPLEMENTED,
                        "milliseconds added to a failing vassal's restart delay at each failure"),
                Option.of("emperor-max-throttle", NUMBER, "180000", IMPLEMENTED,
                        "longest restart delay of a failing vassal, milliseconds"),
                Option.of("emperor-stats", SOCKET, null, IMPLEMENTED,
                        "JSON list of the vassals (state, uptime, requests, workers) on this TCP or Unix socket")
                        .alias("emperor-stats-server"),
                Option.of("emperor-http", SOCKET, null, IMPLEMENTED,
                        "(Regent) HTTP socket that routes each connection by its Host header to the vassal"
                                + " declaring that domain").repeated(),
                Option.of("emperor-on-demand", FLAG, "false", IMPLEMENTED,
                        "(Regent) start every vassal on its first connection, not at once"),
                Option.of("domain", TEXT, null, IMPLEMENTED,
                        "(Regent, in a vassal) a Host this vassal answers on the emperor-http socket;"
                                + " *.example.com matches subdomains").repeated(),
                Option.of("vassals-inherit", PATH, null, IMPLEMENTED,
                        "template read after every vassal file (its values win over the vassal's)").repeated(),
                Option.of("vassals-include", PATH, null, IMPLEMENTED,
                        "config read after every vassal file").repeated(),
                Option.of("emperor-tyrant", FLAG, "false", IMPLEMENTED,
                        "run each vassal's Python processes as its file's owner; refuse root-owned files and options"
                                + " that would make the emperor touch files for the tenant (docs/emperor.md)"),
                Option.of("emperor-tyrant-allow-root", FLAG, "false", IMPLEMENTED,
                        "(Regent) with emperor-tyrant, run root-owned vassal files (as root, unchecked) instead of"
                                + " refusing them"),
                Option.of("emperor-on-demand-directory", ANY, null, NOT_YET_IMPLEMENTED,
                        "start vassals on first connection (socket in this directory)").alias("emperor-on-demand-dir"),
                Option.of("emperor-on-demand-extension", ANY, null, NOT_YET_IMPLEMENTED,
                        "on-demand socket file extension").alias("emperor-on-demand-ext"),
                Option.of("emperor-on-demand-exec", ANY, null, NOT_YET_IMPLEMENTED,
                        "command that gives the on-demand socket"),
                Option.of("vassals-include-before", ANY, null, NOT_YET_IMPLEMENTED,
                        "config every vassal includes first").repeated(),
                Option.of("vassal-set", ANY, null, NOT_YET_IMPLEMENTED, "option set in every vassal").repeated(),
                Option.of("inherit", ANY, null, NOT_YET_IMPLEMENTED, "load a config at apply time (vassals)").repeated())
                .map(o -> o.in(area)).toList();
    }
}
