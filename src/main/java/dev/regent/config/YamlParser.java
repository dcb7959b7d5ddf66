package dev.regent.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The YAML subset uWSGI configs use, without a YAML library:
 * <pre>
 * uwsgi:                    # the block; file.yaml:other picks another top-level key
 *   http-socket: :8080
 *   master: true
 *   env:                    # a list repeats the key
 *     - LANG=C.UTF-8
 *     - TZ=UTC
 * </pre>
 * A comment starts at {@code #} at the start of a line or after whitespace; one pair of quotes
 * around a value is removed. The block ends at the next line that is not indented. Anchors, flow
 * collections and multi-line scalars are not supported, and are reported rather than misread.
 */
final class YamlParser {

    private YamlParser() {
    }

    static List<Entry> parse(String text, ConfigFile file) throws ConfigException {
        List<Entry> entries = new ArrayList<>();
        Set<String> blocks = new LinkedHashSet<>();
        boolean inBlock = false;
        boolean found = false;
        String listKey = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String raw = stripComment(lines[i]).stripTrailing();
            Source source = Source.file(file.path(), i + 1);
            if (raw.isBlank() || raw.equals("---") || raw.equals("...")) {
                continue;
            }
            if (!Character.isWhitespace(raw.charAt(0))) {
                String block = raw.endsWith(":") ? raw.substring(0, raw.length() - 1).strip() : raw;
                blocks.add(block);
                inBlock = block.equals(file.section());
                found |= inBlock;
                listKey = null;
                continue;
            }
            if (!inBlock) {
                continue;
            }
            String line = raw.strip();
            if (line.startsWith("- ") || line.equals("-")) {
                if (listKey == null) {
                    throw new ConfigException("list item without a key (" + source + ")");
                }
                entries.add(new Entry(listKey, unquote(line.substring(1).strip()), source));
                continue;
            }
            int colon = keyColon(line);
            if (colon < 0) {
                throw new ConfigException("expected \"key: value\" (" + source + ")");
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (value.startsWith("[") || value.startsWith("{") || value.startsWith("|") || value.startsWith(">")
                    || value.startsWith("&") || value.startsWith("*")) {
                throw new ConfigException("unsupported YAML value \"" + value + "\" for " + key + " (" + source
                        + "): write one \"key: value\" line per value, or a \"- value\" list");
            }
            listKey = value.isEmpty() ? key : null;
            if (value.isEmpty() && nextIsListItem(lines, i)) {
                continue;
            }
            entries.add(new Entry(key, unquote(value), source));
        }
        if (!found) {
            throw new ConfigException("block \"" + file.section() + ":\" not found in " + file.path()
                    + (blocks.isEmpty() ? "" : " (top-level keys: " + String.join(", ", blocks) + ")"));
        }
        return entries;
    }

    /** The colon that ends the key: followed by a space or the end of the line. */
    private static int keyColon(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == ':' && (i + 1 == line.length() || line.charAt(i + 1) == ' ')) {
                return i;
            }
        }
        return -1;
    }

    private static boolean nextIsListItem(String[] lines, int i) {
        for (int j = i + 1; j < lines.length; j++) {
            String next = stripComment(lines[j]).strip();
            if (!next.isEmpty()) {
                return next.startsWith("- ") || next.equals("-");
            }
        }
        return false;
    }

    private static String stripComment(String line) {
        boolean quoted = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                quoted = c != quote;
            } else if (c == '"' || c == '\'') {
                quoted = true;
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
