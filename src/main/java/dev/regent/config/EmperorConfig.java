package dev.regent.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The emperor's side of the configuration: its own settings ({@link Spec}, read from the
 * options of the configuration that named {@code emperor}) and the loader of one vassal file.
 * A vassal file goes through the same pipeline as a command line ({@code --ini file}, then the
 * {@code vassals-inherit}/{@code vassals-include} templates), except that the emperor's
 * environment options ({@code UWSGI_*}, {@code REGENT_*}) are not applied to it: they configure
 * the emperor, not its tenants. {@code $(VAR)} placeholders still read the environment.
 */
public final class EmperorConfig {

    /** Options that only mean something to the emperor: refused in a vassal file (no nested emperors). */
    private static final List<String> EMPEROR_ONLY = List.of("emperor", "emperor-http", "emperor-stats",
            "emperor-on-demand", "vassals-inherit", "vassals-include", "emperor-tyrant", "emperor-tyrant-allow-root");

    private EmperorConfig() {
    }

    /**
     * The emperor's settings.
     *
     * @param monitors      {@code emperor}: directories or globs
     * @param freq          {@code emperor-freq}
     * @param throttleMs    {@code emperor-throttle}
     * @param maxThrottleMs {@code emperor-max-throttle}
     * @param http          {@code emperor-http} addresses
     * @param stats         {@code emperor-stats} address, or null
     * @param templates     {@code vassals-inherit} then {@code vassals-include} files
     * @param onDemand      {@code emperor-on-demand}
     * @param tyrant        {@code emperor-tyrant}: each vassal runs as its file's owner
     * @param tyrantAllowRoot {@code emperor-tyrant-allow-root}: root-owned vassal files run (as root) instead of
     *                      being refused
     */
    public record Spec(List<String> monitors, Duration freq, long throttleMs, long maxThrottleMs, List<String> http,
                       String stats, List<String> templates, boolean onDemand, boolean tyrant,
                       boolean tyrantAllowRoot) {
        public Spec {
            monitors = List.copyOf(monitors);
            http = List.copyOf(http);
            templates = List.copyOf(templates);
        }
    }

    /**
     * One vassal's configuration.
     *
     * @param server   what its {@code Server} runs (sockets included: the emperor binds them)
     * @param domains  {@code domain} values, lower case, for emperor-http routing
     * @param idle     {@code idle}: back to zero after this long without requests; zero = never
     * @param cheap    {@code cheap}: start with no worker
     * @param warnings what the loader let through (strict off)
     */
    public record Vassal(ServerConfig server, List<String> domains, Duration idle, boolean cheap,
                         List<String> warnings) {
        public Vassal {
            domains = List.copyOf(domains);
            warnings = List.copyOf(warnings);
        }
    }

    /** A vassal file that cannot be used; the message names the file and line. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** The emperor settings when {@code config} names an {@code emperor}, else empty. */
    public static Optional<Spec> spec(ServerConfig config) {
        Map<String, Object> o = config.api().options();
        List<String> monitors = list(o, "emperor");
        if (monitors.isEmpty()) {
            return Optional.empty();
        }
        List<String> templates = new ArrayList<>(list(o, "vassals-inherit"));
        templates.addAll(list(o, "vassals-include"));
        Object stats = o.get("emperor-stats");
        return Optional.of(new Spec(monitors, Duration.ofSeconds(number(o, "emperor-freq", 3)),
                number(o, "emperor-throttle", 1000), number(o, "emperor-max-throttle", 180_000),
                list(o, "emperor-http"), stats == null ? null : stats.toString().strip(), templates,
                flag(o.get("emperor-on-demand")), flag(o.get("emperor-tyrant")),
                flag(o.get("emperor-tyrant-allow-root"))));
    }

    /**
     * What emperor-tyrant imposes on a vassal whose file belongs to {@code uid}/{@code gid}: its
     * Python processes run as them (any {@code uid}/{@code gid} of the file is overridden), and
     * are started through {@code launcher}, so that the interpreter never runs as root.
     */
    public record Owned(int uid, int gid, Launcher launcher) {
    }

    /** Makes the root-owned program that starts {@code python} as the owner with {@code env} set. */
    @FunctionalInterface
    public interface Launcher {
        String create(String python, Map<String, String> env) throws java.io.IOException;
    }

    /** Reads a vassal file (and the templates) into a configuration, or says why it cannot be used. */
    public static Vassal loadVassal(Path file, Spec spec, Map<String, String> env) throws Invalid {
        return loadVassal(file, spec, env, null);
    }

    /** As above; with {@code owned} (emperor-tyrant), the file is read as its owner's and the owner's identity forced. */
    public static Vassal loadVassal(Path file, Spec spec, Map<String, String> env, Owned owned) throws Invalid {
        List<String> warnings = new ArrayList<>();
        try {
            // A tenant's file sees none of the emperor's environment through $(VAR): it may hold secrets.
            Map<String, String> placeholderEnv = owned == null ? env : Map.of();
            Collector collector = new Collector(placeholderEnv, warnings);
            Source from = new Source("vassal file " + file);
            String kind = CommandLine.configKind(file.toString());
            if (owned != null) {
                collector.refuseNested("emperor-tyrant vassals cannot include other files (the emperor would read"
                        + " them as root)");
            }
            collector.add(new Entry(kind == null ? "ini" : kind, file.toString(), from));
            collector.refuseNested(null);
            if (owned != null) {
                // @(path) is expanded by the emperor, as root: a tenant could read any file into its config.
                for (Entry e : collector.entries()) {
                    if (e.value().contains("@(")) {
                        throw new ConfigException("@(...) file placeholders are not read in emperor-tyrant vassals ("
                                + e.source() + ")");
                    }
                }
            }
            for (String template : spec.templates()) {
                collector.add(new Entry("include", template, new Source("vassals-inherit")));
            }
            List<Entry> expanded = Placeholders.expand(collector.entries(), collector.placeholders(), placeholderEnv);
            Settings settings = Resolver.resolve(expanded, warnings);
            if (owned != null) {
                settings = Resolver.resolve(owned(expanded, settings, owned), new ArrayList<>());
            }
            for (String name : EMPEROR_ONLY) {
                Optional<Settings.Setting> s = settings.last(name);
                if (s.isPresent()) {
                    throw new ConfigException(name + " is an emperor option; a vassal cannot run an emperor ("
                            + s.get().source() + ")");
                }
            }
            ServerConfig server = ConfigBuilder.build(settings);
            List<String> domains = settings.all("domain", String.class).stream()
                    .map(d -> d.strip().toLowerCase(java.util.Locale.ROOT)).filter(d -> !d.isEmpty()).toList();
            Object idle = server.api().options().get("idle");
            long idleSeconds = idle == null ? 0 : parseLong(idle.toString(), 0);
            return new Vassal(server, domains, Duration.ofSeconds(idleSeconds),
                    flag(server.api().options().get("cheap")), warnings);
        } catch (ConfigException e) {
            throw new Invalid(String.join("\n", e.messages()));
        }
    }

    /**
     * The entries with the owner's identity forced last (last value wins), and {@code env} moved
     * from the process environment into the launcher: the launcher starts as root, and variables
     * such as LD_PRELOAD must only ever reach a process already running as the owner.
     */
    private static List<Entry> owned(List<Entry> expanded, Settings settings, Owned owned) throws ConfigException {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (Object kv : settings.all("env", Object.class)) {
            Map.Entry<?, ?> e = (Map.Entry<?, ?>) kv;
            env.put((String) e.getKey(), (String) e.getValue());
        }
        String python = settings.last("python").map(s -> String.valueOf(s.value())).orElse("python3");
        List<Entry> out = new ArrayList<>();
        for (Entry e : expanded) {
            if (!OptionTable.find(e.key()).map(o -> o.name().equals("env")).orElse(false)) {
                out.add(e);
            }
        }
        Source tyrant = new Source("emperor-tyrant");
        String launcher;
        try {
            launcher = owned.launcher().create(python, env);
        } catch (java.io.IOException e) {
            throw new ConfigException("emperor-tyrant: cannot write the launcher: " + e.getMessage());
        }
        out.add(new Entry("uid", Integer.toString(owned.uid()), tyrant));
        out.add(new Entry("gid", Integer.toString(owned.gid()), tyrant));
        out.add(new Entry("python", launcher, tyrant));
        return out;
    }

    private static List<String> list(Map<String, Object> o, String name) {
        Object v = o.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return l.stream().map(x -> x.toString().strip()).toList();
        }
        return List.of(v.toString().strip());
    }

    private static long number(Map<String, Object> o, String name, long fallback) {
        Object v = o.get(name);
        return v == null ? fallback : parseLong(v.toString(), fallback);
    }

    private static long parseLong(String s, long fallback) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static boolean flag(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        return switch (v.toString().strip().toLowerCase(java.util.Locale.ROOT)) {
            case "", "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }
}
