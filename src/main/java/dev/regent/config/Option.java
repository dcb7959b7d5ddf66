package dev.regent.config;

import java.util.List;
import java.util.stream.Stream;

/**
 * One row of the option table: everything the loaders, {@code --help}, the generated
 * docs/options.md and strict checking know about an option.
 *
 * @param name         canonical name, as written in an ini file
 * @param aliases      other accepted names
 * @param shortFlag    single-letter command-line flag, or 0
 * @param type         how the value is parsed and validated
 * @param repeatable   every occurrence counts (lists); otherwise the last one wins
 * @param defaultValue the value used when the option is not given, as text; null when there is none
 * @param help         one line for {@code --help} and the docs
 * @param status       whether Regent acts on the option
 * @param area         heading the option is listed under
 */
public record Option(
        String name,
        List<String> aliases,
        char shortFlag,
        OptionType type,
        boolean repeatable,
        String defaultValue,
        String help,
        Status status,
        String area) {

    /** What Regent does with an option. */
    public enum Status {
        /** Regent implements the option. */
        IMPLEMENTED,
        /** Accepted for compatibility and ignored, by design (the help says why). */
        ACCEPTED_NO_EFFECT,
        /** Known, but using it stops startup until the feature lands. */
        NOT_YET_IMPLEMENTED
    }

    /**
     * Options whose command-line value must be attached ({@code --chmod-socket=660}); uWSGI
     * declares these with an optional argument, so a separate word is not their value.
     */
    private static final List<String> OPTIONAL_ARGUMENT =
            List.of("chmod-socket", "need-app", "mule", "log-date", "http-keepalive");

    public Option {
        aliases = List.copyOf(aliases);
    }

    static Option of(String name, OptionType type, String defaultValue, Status status, String help) {
        return new Option(name, List.of(), (char) 0, type, false, defaultValue, help, status, "");
    }

    Option alias(String... more) {
        List<String> all = Stream.concat(aliases.stream(), Stream.of(more)).toList();
        return new Option(name, all, shortFlag, type, repeatable, defaultValue, help, status, area);
    }

    Option flag(char letter) {
        return new Option(name, aliases, letter, type, repeatable, defaultValue, help, status, area);
    }

    Option repeated() {
        return new Option(name, aliases, shortFlag, type, true, defaultValue, help, status, area);
    }

    Option in(String newArea) {
        return new Option(name, aliases, shortFlag, type, repeatable, defaultValue, help, status, newArea);
    }

    Option withStatus(Status newStatus) {
        return new Option(name, aliases, shortFlag, type, repeatable, defaultValue, help, newStatus, area);
    }

    /** All names the option answers to, canonical first. */
    public List<String> names() {
        return Stream.concat(Stream.of(name), aliases.stream()).toList();
    }

    /** True when a command-line value must be attached with {@code =} (flags and uWSGI's optional-argument options). */
    public boolean valueOnlyAttached() {
        return type == OptionType.FLAG || type == OptionType.ACTION || OPTIONAL_ARGUMENT.contains(name);
    }
}
