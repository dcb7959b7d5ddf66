package dev.regent.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * How an option's text becomes a typed value. {@link #parse} returns the typed value or throws
 * {@link BadValue} carrying what was expected, which the caller turns into a message naming the
 * option, the value and where it came from.
 */
public enum OptionType {
    /** On/off. Empty (a bare key or {@code --flag}) means on. */
    FLAG("true/false, yes/no, on/off, 1/0, or nothing (on)"),
    /** Any text. */
    TEXT("text"),
    /** A non-empty path or name. */
    PATH("a path"),
    /** A whole number, 1 or more. */
    COUNT("a whole number, 1 or more"),
    /** A whole number, 0 or more. */
    NUMBER("a whole number, 0 or more"),
    /** A whole number of seconds, 0 or more. */
    SECONDS("a whole number of seconds, 0 or more"),
    /** A size in bytes, 0 or more. */
    BYTES("a number of bytes, 0 or more"),
    /** {@code NAME=value}. */
    KEY_VALUE("NAME=value"),
    /** A socket address. */
    SOCKET("an address: host:port, :port, [ipv6]:port, /path/to/socket or @abstract-name"),
    /** A file mode as three octal digits; nothing or 1 means 666. */
    MODE("three octal digits such as 660, or nothing (666)"),
    /** A file mode creation mask in octal ({@code umask}): 1 to 4 octal digits. */
    OCTAL("an octal mask such as 022 or 0027"),
    /** A configuration file to load now ({@code ini}, {@code yaml}, {@code include} ...). */
    CONFIG_FILE("a file name, optionally followed by :section"),
    /** Does something instead of configuring ({@code --help}). */
    ACTION("no value"),
    /** Not validated: the option is not implemented yet, so its value is never used. */
    ANY("any value");

    private final String expected;

    OptionType(String expected) {
        this.expected = expected;
    }

    /** Words for error messages and the docs: what a valid value looks like. */
    public String expected() {
        return expected;
    }

    /** Thrown by {@link #parse} for a value the type refuses. */
    static final class BadValue extends Exception {
        BadValue() {
            super(null, null, false, false);
        }
    }

    /** The typed value of {@code raw}: Boolean, Integer, Long, Duration, String or Map.Entry. */
    Object parse(String raw) throws BadValue {
        String v = raw.strip();
        return switch (this) {
            case FLAG -> parseFlag(v);
            case TEXT, ANY, CONFIG_FILE, ACTION -> raw;
            case PATH -> nonEmpty(v);
            case COUNT -> atLeast(v, 1);
            case NUMBER -> atLeast(v, 0);
            case SECONDS -> Duration.ofSeconds(atLeast(v, 0));
            case BYTES -> parseBytes(v);
            case KEY_VALUE -> parseKeyValue(raw);
            case SOCKET -> parseSocket(v);
            case MODE -> parseMode(v);
            case OCTAL -> parseOctal(v);
        };
    }

    private static Boolean parseFlag(String v) throws BadValue {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "", "true", "yes", "on", "1" -> Boolean.TRUE;
            case "false", "no", "off", "0" -> Boolean.FALSE;
            default -> throw new BadValue();
        };
    }

    private static String nonEmpty(String v) throws BadValue {
        if (v.isEmpty()) {
            throw new BadValue();
        }
        return v;
    }

    private static int atLeast(String v, int min) throws BadValue {
        try {
            int n = Integer.parseInt(v);
            if (n < min) {
                throw new BadValue();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadValue();
        }
    }

    private static long parseBytes(String v) throws BadValue {
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new BadValue();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadValue();
        }
    }

    private static Map.Entry<String, String> parseKeyValue(String raw) throws BadValue {
        int eq = raw.indexOf('=');
        if (eq <= 0) {
            throw new BadValue();
        }
        return Map.entry(raw.substring(0, eq), raw.substring(eq + 1));
    }

    private static String parseSocket(String v) throws BadValue {
        if (v.isEmpty()) {
            throw new BadValue();
        }
        if (v.startsWith("/") || v.startsWith("./") || v.startsWith("@") || !v.contains(":")) {
            return v;
        }
        String port = v.substring(v.lastIndexOf(':') + 1);
        String host = v.substring(0, v.lastIndexOf(':'));
        if (host.startsWith("[") != host.endsWith("]")) {
            throw new BadValue();
        }
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535) {
                throw new BadValue();
            }
        } catch (NumberFormatException e) {
            throw new BadValue();
        }
        return v;
    }

    private static Integer parseOctal(String v) throws BadValue {
        if (!v.matches("[0-7]{1,4}")) {
            throw new BadValue();
        }
        return Integer.parseInt(v, 8);
    }

    private static Integer parseMode(String v) throws BadValue {
        if (v.isEmpty() || v.equals("1")) {
            return 0666;
        }
        if (!v.matches("[0-7]{3}")) {
            throw new BadValue();
        }
        return Integer.parseInt(v, 8);
    }
}
