package dev.regent.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Gathers entries in order and runs the options that act when read: {@code ini}, {@code yaml},
 * {@code json}, {@code include} splice a file's entries in at that point; {@code set} and
 * {@code set-placeholder} define placeholders. Values of these options are used as written
 * (never expanded), as in uWSGI; magic variables inside the files are replaced as they are read.
 */
final class Collector {

    private static final int MAX_DEPTH = 16;

    private final Map<String, String> env;
    private final List<String> warnings;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> placeholders = new LinkedHashMap<>();
    private final Deque<String> loading = new ArrayDeque<>();
    private String lastIni;
    private ConfigFile root;
    /** Why files named inside the current file may not be read (emperor-tyrant), or null. */
    private String nestedRefused;

    Collector(Map<String, String> env, List<String> warnings) {
        this.env = env;
        this.warnings = warnings;
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Placeholders defined with {@code set} and {@code set-placeholder}, first definition first. */
    Map<String, String> placeholders() {
        return Map.copyOf(placeholders);
    }

    /**
     * While set, a file that includes another ({@code include}, {@code ini}...) is refused with
     * this reason instead of being read: an emperor-tyrant vassal file must not make the root
     * emperor read (or block on) files its owner could not. Null allows them again.
     */
    void refuseNested(String why) {
        nestedRefused = why;
    }

    void addAll(List<Entry> more) throws ConfigException {
        for (Entry e : more) {
            add(e);
        }
    }

    void add(Entry e) throws ConfigException {
        Optional<Option> option = OptionTable.find(e.key());
        String name = option.map(Option::name).orElse("");
        switch (name) {
            case "ini", "yaml", "json", "include" -> load(name, e);
            case "set" -> set(e);
            case "set-placeholder" -> setPlaceholder(e);
            default -> entries.add(e);
        }
    }

    private void set(Entry e) throws ConfigException {
        int eq = e.value().indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("invalid value \"" + e.value() + "\" for option \"set\" (" + e.source()
                    + "): expected NAME=value");
        }
        String key = e.value().substring(0, eq).strip();
        String value = e.value().substring(eq + 1).strip();
        placeholders.putIfAbsent(key, value);
        if (OptionTable.find(key).isPresent()) {
            add(new Entry(key, value, e.source()));
        }
    }

    private void setPlaceholder(Entry e) throws ConfigException {
        int eq = e.value().indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("invalid value \"" + e.value() + "\" for option \"set-placeholder\" ("
                    + e.source() + "): expected NAME=value");
        }
        String key = e.value().substring(0, eq).strip();
        if (OptionTable.find(key).isPresent()) {
            throw new ConfigException("set-placeholder \"" + key + "\" names an option (" + e.source()
                    + "); use set to give the option a value");
        }
        placeholders.putIfAbsent(key, e.value().substring(eq + 1).strip());
    }

    private void load(String kind, Entry e) throws ConfigException {
        String spec = e.value().strip();
        if (kind.equals("ini") && spec.startsWith(":")) {
            if (lastIni == null) {
                throw new ConfigException("ini \"" + spec + "\" re-reads the last ini file, but none was read ("
                        + e.source() + ")");
            }
            spec = lastIni + spec;
        }
        ConfigFile file = ConfigFile.of(spec, kind.equals("include") ? null : kind, e.source());
        if (file.kind().equals("ini")) {
            lastIni = file.path();
        }
        if (root != null && nestedRefused != null && !file.path().equals(root.path())) {
            throw new ConfigException(kind + " = " + spec + ": " + nestedRefused + " (" + e.source() + ")");
        }
        if (root == null) {
            root = file;
        }
        // the same file with another section (ini = :other) is not a loop
        String real = Path.of(file.path()).toAbsolutePath().normalize() + ":" + file.section();
        if (loading.contains(real) || loading.size() >= MAX_DEPTH) {
            throw new ConfigException("config file \"" + file.path() + "\" includes itself (" + e.source() + ")");
        }
        loading.push(real);
        try {
            for (Entry read : parse(file, e.source())) {
                String value = MagicVariables.apply(read.value(), file, root, read.source(), warnings);
                add(read.withValue(value));
            }
        } finally {
            loading.pop();
        }
    }

    private List<Entry> parse(ConfigFile file, Source from) throws ConfigException {
        String text = read(file.path(), from);
        return switch (file.kind()) {
            case "ini" -> IniParser.parse(text, file);
            case "yaml" -> YamlParser.parse(text, file);
            case "json" -> JsonParser.parse(text, file);
            default -> throw new ConfigException(Messages.notImplemented(file.kind(), from));
        };
    }

    private String read(String path, Source from) throws ConfigException {
        try {
            if (path.equals("-")) {
                return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException("cannot read config file \"" + path + "\" (" + from + "): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    Map<String, String> env() {
        return env;
    }
}
