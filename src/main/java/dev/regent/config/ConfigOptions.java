package dev.regent.config;

import static dev.regent.config.Option.Status.IMPLEMENTED;
import static dev.regent.config.Option.Status.NOT_YET_IMPLEMENTED;
import static dev.regent.config.OptionType.ACTION;
import static dev.regent.config.OptionType.ANY;
import static dev.regent.config.OptionType.CONFIG_FILE;
import static dev.regent.config.OptionType.FLAG;
import static dev.regent.config.OptionType.TEXT;

import java.util.List;
import java.util.stream.Stream;

/**
 * The option table, part 4: the configuration language itself. The options of type
 * {@link OptionType#CONFIG_FILE} and the {@code set} family act the moment they are read
 * (uWSGI's "immediate" options), so their values are never expanded.
 */
final class ConfigOptions {

    private ConfigOptions() {
    }

    /** Options executed when read instead of being applied with the rest. */
    static final List<String> IMMEDIATE = List.of("ini", "yaml", "json", "xml", "include", "config",
            "set", "set-placeholder");

    static List<Option> all() {
        return Stream.of(files(), logic()).flatMap(List::stream).toList();
    }

    private static List<Option> files() {
        String area = "Configuration";
        return Stream.of(
                Option.of("ini", CONFIG_FILE, null, IMPLEMENTED, "load an ini file (file[:section], or :section)")
                        .repeated(),
                Option.of("yaml", CONFIG_FILE, null, IMPLEMENTED, "load a YAML file (file[:block])")
                        .alias("yml").flag('y').repeated(),
                Option.of("json", CONFIG_FILE, null, IMPLEMENTED, "load a JSON file (file[:object])")
                        .alias("js").flag('j').repeated(),
                Option.of("include", CONFIG_FILE, null, IMPLEMENTED, "load a config file of any supported kind")
                        .repeated(),
                Option.of("xml", ANY, null, NOT_YET_IMPLEMENTED, "load an XML file").flag('x').repeated(),
                Option.of("config", ANY, null, NOT_YET_IMPLEMENTED, "load a config by scheme").repeated(),
                Option.of("set", TEXT, null, IMPLEMENTED, "set a placeholder (and the option of that name)")
                        .flag('S').repeated(),
                Option.of("set-placeholder", TEXT, null, IMPLEMENTED, "set a placeholder (not an option)")
                        .alias("set-ph").repeated(),
                Option.of("strict", FLAG, "true", IMPLEMENTED, "unknown options are errors (Regent: on by default)"),
                Option.of("help", ACTION, null, IMPLEMENTED, "print the options and exit").flag('h'),
                Option.of("version", ACTION, null, IMPLEMENTED, "print the version and exit"),
                Option.of("print-config", ACTION, null, IMPLEMENTED,
                        "print the resolved configuration and where each value came from, then exit")
                        .alias("dryrun"),
                Option.of("options-markdown", ACTION, null, IMPLEMENTED,
                        "print this option table as Markdown (docs/options.md) and exit"))
                .map(o -> o.in(area)).toList();
    }

    private static List<Option> logic() {
        return Stream.of("for", "for-glob", "for-times", "for-readline", "endfor", "if-env", "if-not-env",
                        "if-opt", "if-not-opt", "if-exists", "if-not-exists", "if-file", "if-not-file", "if-dir",
                        "if-not-dir", "if-reload", "if-not-reload", "if-plugin", "if-not-plugin", "if-hostname",
                        "if-not-hostname", "endif", "end", "blacklist", "whitelist", "inject-before",
                        "inject-after", "declare-option", "resolve", "autoload")
                .map(n -> Option.of(n, ANY, null, NOT_YET_IMPLEMENTED, "configuration logic (uWSGI)")
                        .repeated().in("Configuration logic"))
                .toList();
    }
}
