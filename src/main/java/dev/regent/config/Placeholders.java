package dev.regent.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The three expansion passes uWSGI runs over every collected value, in this order:
 * {@code $(NAME)} from the environment, {@code @(path)} with a file's content (one trailing newline
 * dropped), {@code %(name)} with a placeholder or the first value of the option or key of that
 * name. An unset {@code $(NAME)} or unknown {@code %(name)} is left as written. {@code %(a + 1)}
 * (spaces inside) is evaluated left to right: see {@link #evaluate}.
 */
final class Placeholders {

    private Placeholders() {
    }

    static List<Entry> expand(List<Entry> entries, Map<String, String> placeholders, Map<String, String> env)
            throws ConfigException {
        List<Entry> out = new ArrayList<>(entries);
        for (int i = 0; i < out.size(); i++) {
            Entry e = out.get(i);
            out.set(i, e.withValue(replace(e.value(), '$', e.source(), (name, src) -> env.get(name))));
        }
        for (int i = 0; i < out.size(); i++) {
            Entry e = out.get(i);
            out.set(i, e.withValue(replace(e.value(), '@', e.source(), Placeholders::readFile)));
        }
        for (int i = 0; i < out.size(); i++) {
            Entry e = out.get(i);
            List<Entry> current = out;
            out.set(i, e.withValue(replace(e.value(), '%', e.source(),
                    (expr, src) -> placeholder(expr, placeholders, current))));
        }
        return out;
    }

    @FunctionalInterface
    private interface Lookup {
        /** The replacement, or null to keep the reference as written. */
        String find(String inside, Source source) throws ConfigException;
    }

    private static String replace(String value, char sigil, Source source, Lookup lookup) throws ConfigException {
        String open = sigil + "(";
        int start = value.indexOf(open);
        if (start < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (start >= 0) {
            int end = value.indexOf(')', start + 2);
            if (end < 0) {
                break;
            }
            String found = lookup.find(value.substring(start + 2, end), source);
            out.append(value, from, start).append(found == null ? value.substring(start, end + 1) : found);
            from = end + 1;
            start = value.indexOf(open, from);
        }
        return out.append(value.substring(from)).toString();
    }

    private static String readFile(String path, Source source) throws ConfigException {
        try {
            String text = Files.readString(Path.of(path), StandardCharsets.UTF_8);
            return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException("cannot read \"" + path + "\" for @(" + path + ") (" + source + ")");
        }
    }

    private static String placeholder(String expr, Map<String, String> placeholders, List<Entry> entries) {
        if (expr.contains(" ")) {
            return evaluate(expr, name -> lookup(name, placeholders, entries).orElse(""));
        }
        return lookup(expr, placeholders, entries).orElse(null);
    }

    private static Optional<String> lookup(String name, Map<String, String> placeholders, List<Entry> entries) {
        if (placeholders.containsKey(name)) {
            return Optional.of(placeholders.get(name));
        }
        Optional<String> canonical = OptionTable.find(name).map(Option::name);
        for (Entry e : entries) {
            if (e.key().equals(name) || canonical.isPresent()
                    && OptionTable.find(e.key()).map(Option::name).equals(canonical)) {
                return Optional.of(e.value());
            }
        }
        return Optional.empty();
    }

    /**
     * uWSGI's placeholder arithmetic: tokens separated by spaces; a token after {@code + - * /}
     * combines with the result so far as 64-bit integers (division by zero gives 0); {@code ++}
     * and {@code --} add or subtract one; any other token is appended. Numbers are literal,
     * other tokens are looked up.
     */
    static String evaluate(String expr, java.util.function.Function<String, String> lookup) {
        String result = "";
        String op = null;
        for (String token : expr.strip().split(" +")) {
            switch (token) {
                case "+", "-", "*", "/" -> op = token;
                case "++" -> result = Long.toString(number(result) + 1);
                case "--" -> result = Long.toString(number(result) - 1);
                default -> {
                    String value = token.matches("-?\\d+") ? token : lookup.apply(token);
                    result = op == null ? result + value : Long.toString(combine(number(result), op, number(value)));
                    op = null;
                }
            }
        }
        return result;
    }

    private static long combine(long a, String op, long b) {
        return switch (op) {
            case "+" -> a + b;
            case "-" -> a - b;
            case "*" -> a * b;
            default -> b == 0 ? 0 : a / b;
        };
    }

    /** Like C's strtoll on the leading digits: "" and non-numbers count as 0. */
    private static long number(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*(-?\\d+)").matcher(s);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
