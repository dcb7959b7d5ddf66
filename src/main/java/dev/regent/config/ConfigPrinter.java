package dev.regent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code --print-config}: the resolved configuration in ini form, each line annotated with where
 * its value came from (as an inline comment, so the output loads back as an ini file). Options given several times (lists) print once per value; options left at
 * their default print with {@code # default}.
 */
final class ConfigPrinter {

    private ConfigPrinter() {
    }

    static String render(Settings settings) {
        List<String> lines = new ArrayList<>();
        lines.add("[uwsgi]");
        for (Option o : OptionTable.all()) {
            if (o.type() == OptionType.ACTION || o.type() == OptionType.CONFIG_FILE) {
                continue;
            }
            if (o.repeatable()) {
                settings.ordered().stream().filter(s -> s.option().equals(o))
                        .forEach(s -> lines.add(line(o.name(), s.raw(), s.source())));
                continue;
            }
            Optional<Settings.Setting> set = settings.last(o.name());
            if (set.isPresent()) {
                lines.add(line(o.name(), set.get().raw(), set.get().source()));
            } else if (o.defaultValue() != null && o.status() == Option.Status.IMPLEMENTED) {
                lines.add(line(o.name(), o.defaultValue(), Source.DEFAULT));
            }
        }
        return String.join("\n", lines);
    }

    private static String line(String name, String value, Source source) {
        return name + " = " + quoteIfNeeded(value) + " ; " + source;
    }

    /** Quotes keep leading or trailing spaces, and a value that looks like a comment, intact on reading back. */
    private static String quoteIfNeeded(String value) {
        boolean needs = !value.equals(value.strip()) || !IniParser.cleanValue(value).equals(value);
        return needs ? "\"" + value + "\"" : value;
    }
}
