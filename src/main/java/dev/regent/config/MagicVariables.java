package dev.regent.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;

/**
 * uWSGI's {@code %x} magic variables, replaced in values read from config files (not from the
 * command line or the environment). Lower case describes the file being read, upper case the
 * first file loaded. {@code %%} is a literal {@code %}, and {@code %(} is left for placeholders.
 * An unknown sequence is kept as written and warned about: uWSGI silently drops it, which turns
 * {@code log-date = %Y-%m-%d} into something unrecognisable.
 */
final class MagicVariables {

    private MagicVariables() {
    }

    static String apply(String value, ConfigFile file, ConfigFile root, Source source, List<String> warnings) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '%' || i + 1 == value.length()) {
                out.append(c);
                continue;
            }
            char m = value.charAt(++i);
            String replacement = lookup(m, file, root);
            if (replacement == null) {
                warnings.add("unknown magic variable \"%" + m + "\" kept as written (" + source + ")");
                out.append('%').append(m);
            } else {
                out.append(replacement);
            }
        }
        return out.toString();
    }

    private static String lookup(char m, ConfigFile file, ConfigFile root) {
        if (m == '%') {
            return "%";
        }
        if (m == '(') {
            return "%(";
        }
        if (Character.isDigit(m)) {
            return component(file, m - '0');
        }
        if (Character.isUpperCase(m) && "OPSDENCX".indexOf(m) >= 0) {
            return describe(Character.toLowerCase(m), root);
        }
        return switch (m) {
            case 'o', 'p', 's', 'd', 'e', 'n', 'c', 'x' -> describe(m, file);
            case 'v' -> Path.of("").toAbsolutePath().toString();
            case 'h' -> hostname();
            case 'k' -> Integer.toString(Runtime.getRuntime().availableProcessors());
            case 't' -> Long.toString(System.currentTimeMillis() / 1000);
            case 'T' -> Long.toString(System.currentTimeMillis() * 1000);
            case 'V' -> ConfigLoader.version();
            case '[' -> "\u001b";
            default -> null;
        };
    }

    private static String describe(char m, ConfigFile file) {
        Path abs = Path.of(file.path()).toAbsolutePath().normalize();
        String name = abs.getFileName() == null ? "" : abs.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path dir = abs.getParent();
        return switch (m) {
            case 'o' -> file.path();
            case 'p' -> abs.toString();
            case 's' -> name;
            // uWSGI's %d ends with a slash, so "%dapp.py" works; keep that for existing configs
            case 'd' -> dir == null ? "/" : dir.toString().endsWith("/") ? dir.toString() : dir + "/";
            case 'e' -> dot < 0 ? "" : name.substring(dot + 1);
            case 'n' -> dot < 0 ? name : name.substring(0, dot);
            case 'c' -> dir == null || dir.getFileName() == null ? "" : dir.getFileName().toString();
            case 'x' -> file.section();
            default -> throw new IllegalArgumentException("magic %" + m);
        };
    }

    /** {@code %0} is the first directory below the root of the file's absolute directory. */
    private static String component(ConfigFile file, int index) {
        Path dir = Path.of(file.path()).toAbsolutePath().normalize().getParent();
        if (dir == null || index >= dir.getNameCount()) {
            return "";
        }
        return dir.getName(index).toString();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env == null ? "localhost" : env;
        }
    }
}
