package dev.regent.config;

/** The wording of configuration errors, kept together so they stay consistent. */
final class Messages {

    private Messages() {
    }

    /** {@code written} is the key as the user wrote it ({@code --procesess}); {@code name} is the bare key. */
    static String unknown(String written, String name, Source source) {
        String message = "unknown option \"" + written + "\" (" + source + ")";
        return OptionTable.closest(name).map(c -> message + "; did you mean " + c + "?").orElse(message);
    }

    static String unknownFlag(char letter, Source source) {
        return "unknown option \"-" + letter + "\" (" + source + ")";
    }

    static String badValue(Option option, String value, Source source) {
        return "invalid value \"" + value + "\" for option \"" + option.name() + "\" (" + source + "): expected "
                + option.type().expected();
    }

    static String notImplemented(String name, Source source) {
        return "option \"" + name + "\" is not implemented yet (" + source + ")";
    }

    static String noSocket() {
        return "no socket configured: add http-socket (HTTP) or socket (uwsgi protocol); also accepted: "
                + "http11-socket, http, uwsgi-socket, -s";
    }
}
