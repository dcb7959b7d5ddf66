package dev.regent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks expanded entries against the option table and types them. Unknown keys are reported
 * first and alone (with strict on), because a misspelt key usually explains whatever else looks
 * wrong; then every bad value and every option that is not implemented yet, in the order given.
 */
final class Resolver {

    private Resolver() {
    }

    /** Validated settings; {@code warnings} receives what non-strict mode lets through. */
    static Settings resolve(List<Entry> entries, List<String> warnings) throws ConfigException {
        boolean strict = strict(entries);
        List<String> unknown = new ArrayList<>();
        for (Entry e : entries) {
            if (OptionTable.find(e.key()).isEmpty()) {
                String message = Messages.unknown(e.key(), e.key(), e.source());
                (strict ? unknown : warnings).add(strict ? message : message + " (ignored: strict is off)");
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException(unknown);
        }
        Settings settings = new Settings();
        List<String> errors = new ArrayList<>();
        for (Entry e : entries) {
            Optional<Option> option = OptionTable.find(e.key());
            if (option.isPresent()) {
                apply(option.get(), e, settings, errors);
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return settings;
    }

    private static void apply(Option o, Entry e, Settings settings, List<String> errors) {
        Object value;
        try {
            value = o.type().parse(e.value());
        } catch (OptionType.BadValue bad) {
            errors.add(Messages.badValue(o, e.value(), e.source()));
            return;
        }
        // a bad value is reported even for an option that is not implemented yet: it is the first thing to fix
        if (o.status() == Option.Status.NOT_YET_IMPLEMENTED) {
            errors.add(Messages.notImplemented(o.name(), e.source()));
            return;
        }
        settings.add(new Settings.Setting(o, value, e.value(), e.source()));
    }

    /** Strict unless the last {@code strict} entry turns it off. */
    private static boolean strict(List<Entry> entries) throws ConfigException {
        Option strict = OptionTable.find("strict").orElseThrow();
        boolean on = true;
        for (Entry e : entries) {
            if (OptionTable.find(e.key()).filter(strict::equals).isPresent()) {
                try {
                    on = (Boolean) strict.type().parse(e.value());
                } catch (OptionType.BadValue bad) {
                    throw new ConfigException(Messages.badValue(strict, e.value(), e.source()));
                }
            }
        }
        return on;
    }
}
