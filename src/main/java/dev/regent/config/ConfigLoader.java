package dev.regent.config;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the configuration subsystem. The pipeline, in uWSGI's order:
 * <ol>
 *   <li>collect {@code key = value} entries: environment, then argv in order, then positional config
 *       files; config files and {@code set} act as they are read ({@link Collector});</li>
 *   <li>expand {@code $(ENV)}, then {@code @(file)}, then {@code %(placeholder)} ({@link Placeholders});</li>
 *   <li>check every key against the option table and type every value ({@link Resolver});</li>
 *   <li>build the immutable records ({@link ConfigBuilder}).</li>
 * </ol>
 */
public final class ConfigLoader {

    /** Exit code of a configuration error, as uWSGI's. */
    public static final int CONFIG_ERROR = 1;

    private static final System.Logger LOG = System.getLogger(ConfigLoader.class.getName());

    private ConfigLoader() {
    }

    /** Parses argv (and the environment: UWSGI_*, REGENT_*), returns what Main should do. Never calls System.exit. */
    public static LoadResult load(String[] argv, Map<String, String> env) {
        List<String> warnings = new ArrayList<>();
        LoadResult result = load(argv, env, warnings);
        for (String w : warnings) {
            LOG.log(Level.WARNING, w);
        }
        return result;
    }

    /** As {@link #load(String[], Map)}, handing warnings to the caller instead of the log. */
    static LoadResult load(String[] argv, Map<String, String> env, List<String> warnings) {
        try {
            List<Entry> cli = CommandLine.parse(argv);
            LoadResult action = action(cli);
            if (action != null) {
                return action;
            }
            Collector collector = new Collector(env, warnings);
            collector.addAll(EnvSource.entries(env, warnings));
            collector.addAll(cli);
            List<Entry> expanded = Placeholders.expand(collector.entries(), collector.placeholders(), env);
            Settings settings = Resolver.resolve(expanded, warnings);
            // An emperor serves through its vassals' sockets (and emperor-http), not sockets of its own.
            ServerConfig config = settings.last("emperor").isPresent() ? ConfigBuilder.buildAllowingNoSocket(settings)
                    : ConfigBuilder.build(settings);
            if (has(cli, "print-config")) {
                return new LoadResult.Exit(0, ConfigPrinter.render(settings));
            }
            return new LoadResult.Run(config);
        } catch (ConfigException e) {
            return new LoadResult.Exit(CONFIG_ERROR, String.join("\n", e.messages()));
        }
    }

    /** --help, --version and --options-markdown answer before any file is read. */
    private static LoadResult action(List<Entry> cli) {
        if (has(cli, "help")) {
            return new LoadResult.Exit(0, HelpText.render());
        }
        if (has(cli, "version")) {
            return new LoadResult.Exit(0, "regent " + version());
        }
        if (has(cli, "options-markdown")) {
            return new LoadResult.Exit(0, OptionsMarkdown.render());
        }
        return null;
    }

    private static boolean has(List<Entry> entries, String name) {
        return entries.stream().anyMatch(e -> e.key().equals(name));
    }

    static String version() {
        return dev.regent.Version.VERSION;
    }
}
