package dev.regent.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * uWSGI's ini dialect: {@code [section]} headers, {@code key = value} split at the first
 * {@code =}, whole-line comments starting with {@code ;} or {@code #}, repeated keys kept as
 * repeated entries, a bare key meaning an empty value, and every section with the wanted name
 * counting. Two deliberate differences (docs/differences.md): a comment after whitespace
 * ({@code harakiri = 60 ; note}) is removed, and one pair of quotes around the whole value is
 * removed ({@code "mysvc "} gives {@code mysvc }), where uWSGI keeps both in the value.
 */
final class IniParser {

    private IniParser() {
    }

    static List<Entry> parse(String text, ConfigFile file) throws ConfigException {
        List<Entry> entries = new ArrayList<>();
        Set<String> sections = new LinkedHashSet<>();
        String section = "";
        boolean found = false;
        String[] lines = stripBom(text).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = sectionName(line);
                sections.add(section);
                found |= section.equals(file.section());
                continue;
            }
            if (!section.equals(file.section())) {
                continue;
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? stripComment(line) : line.substring(0, eq).strip();
            String value = eq < 0 ? "" : cleanValue(line.substring(eq + 1));
            entries.add(new Entry(key, value, Source.file(file.path(), i + 1)));
        }
        if (!found) {
            throw new ConfigException("section [" + file.section() + "] not found in " + file.path()
                    + (sections.isEmpty() ? " (it has no sections)" : " (sections: " + String.join(", ", sections) + ")"));
        }
        return entries;
    }

    /** A byte-order mark would otherwise hide the first section header. */
    private static String stripBom(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static String sectionName(String line) {
        String header = stripComment(line);
        return header.endsWith("]") ? header.substring(1, header.length() - 1).strip() : header.substring(1).strip();
    }

    /** The value without an inline comment and without one pair of surrounding quotes. */
    static String cleanValue(String raw) {
        String v = raw.strip();
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'')) {
            int close = v.indexOf(v.charAt(0), 1);
            if (close > 0) {
                String rest = v.substring(close + 1);
                String after = rest.strip();
                if (after.isEmpty() || (rest.length() > after.length() && isCommentStart(after.charAt(0)))) {
                    return v.substring(1, close);
                }
            }
        }
        return stripComment(v);
    }

    /** Text before the first {@code ;} or {@code #} that follows whitespace. */
    static String stripComment(String v) {
        for (int i = 1; i < v.length(); i++) {
            if (isCommentStart(v.charAt(i)) && Character.isWhitespace(v.charAt(i - 1))) {
                return v.substring(0, i).strip();
            }
        }
        return v.strip();
    }

    private static boolean isCommentStart(char c) {
        return c == ';' || c == '#';
    }
}
