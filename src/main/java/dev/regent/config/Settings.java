package dev.regent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Typed option values after validation, in the order they were given. Scalars: the last one wins;
 * repeatable options: every one counts. Options nobody set read as their table default.
 */
final class Settings {

    /** One validated value: the option, its typed value, the text it came from and where. */
    record Setting(Option option, Object value, String raw, Source source) {
    }

    private final List<Setting> ordered = new ArrayList<>();

    void add(Setting setting) {
        ordered.add(setting);
    }

    /** Every setting, in order. */
    List<Setting> ordered() {
        return List.copyOf(ordered);
    }

    /** The setting that decides a scalar option, if it was set. */
    Optional<Setting> last(String name) {
        for (int i = ordered.size() - 1; i >= 0; i--) {
            if (ordered.get(i).option().name().equals(name)) {
                return Optional.of(ordered.get(i));
            }
        }
        return Optional.empty();
    }

    /** Every value given to a repeatable option, in order. */
    <T> List<T> all(String name, Class<T> type) {
        return ordered.stream().filter(s -> s.option().name().equals(name)).map(s -> type.cast(s.value())).toList();
    }

    /** The value of a scalar option: the last one given, else the table default, else null. */
    <T> T get(String name, Class<T> type) {
        Optional<Setting> set = last(name);
        if (set.isPresent()) {
            return type.cast(set.get().value());
        }
        return type.cast(defaultValue(name));
    }

    static Object defaultValue(String name) {
        Option option = OptionTable.find(name).orElseThrow(() -> new IllegalArgumentException("no option " + name));
        if (option.defaultValue() == null) {
            return null;
        }
        try {
            return option.type().parse(option.defaultValue());
        } catch (OptionType.BadValue e) {
            throw new IllegalStateException("bad default in the option table: " + name, e);
        }
    }
}
