package dev.regent.config;

import java.util.ArrayList;
import java.util.List;

/**
 * JSON configs: the object under the key {@code uwsgi} (or {@code file.json:name}) holds the
 * options. As in uWSGI, strings are taken as they are, {@code true} is "1", {@code false} and
 * {@code null} are "0", numbers keep their text, and an array repeats its key once per element.
 * A small recursive-descent reader; no JSON library is needed for this.
 */
final class JsonParser {

    private final String text;
    private final ConfigFile file;
    private int pos;

    private JsonParser(String text, ConfigFile file) {
        this.text = text;
        this.file = file;
    }

    static List<Entry> parse(String text, ConfigFile file) throws ConfigException {
        JsonParser p = new JsonParser(text, file);
        List<Entry> entries = new ArrayList<>();
        boolean found = false;
        List<String> keys = new ArrayList<>();
        p.expect('{');
        if (!p.peekIs('}')) {
            do {
                String key = p.string();
                keys.add(key);
                p.expect(':');
                if (key.equals(file.section())) {
                    found = true;
                    p.options(entries);
                } else {
                    p.skipValue();
                }
            } while (p.comma());
        }
        p.expect('}');
        if (!found) {
            throw new ConfigException("object \"" + file.section() + "\" not found in " + file.path()
                    + (keys.isEmpty() ? "" : " (keys: " + String.join(", ", keys) + ")"));
        }
        return entries;
    }

    private void options(List<Entry> entries) throws ConfigException {
        expect('{');
        if (peekIs('}')) {
            pos++;
            return;
        }
        do {
            Source source = source();
            String key = string();
            expect(':');
            if (peekIs('[')) {
                pos++;
                if (!peekIs(']')) {
                    do {
                        entries.add(new Entry(key, scalar(key), source));
                    } while (comma());
                }
                expect(']');
            } else {
                entries.add(new Entry(key, scalar(key), source));
            }
        } while (comma());
        expect('}');
    }

    private String scalar(String key) throws ConfigException {
        skipSpace();
        if (peekIs('"')) {
            return string();
        }
        int start = pos;
        while (pos < text.length() && "{}[],: \t\r\n".indexOf(text.charAt(pos)) < 0) {
            pos++;
        }
        String word = text.substring(start, pos);
        return switch (word) {
            case "true" -> "1";
            case "false", "null" -> "0";
            default -> {
                if (!word.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?")) {
                    throw error("a string, number, true, false or null as the value of \"" + key + "\"");
                }
                yield word;
            }
        };
    }

    private String string() throws ConfigException {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) {
                break;
            }
            char esc = text.charAt(pos++);
            switch (esc) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("four hex digits after \\u");
                    }
                    out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> out.append(esc);
            }
        }
        throw error("a closing quote");
    }

    private void skipValue() throws ConfigException {
        skipSpace();
        if (peekIs('{') || peekIs('[')) {
            char close = text.charAt(pos) == '{' ? '}' : ']';
            pos++;
            if (!peekIs(close)) {
                do {
                    if (close == '}') {
                        string();
                        expect(':');
                    }
                    skipValue();
                } while (comma());
            }
            expect(close);
        } else {
            scalar("?");
        }
    }

    private boolean comma() {
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == ',') {
            pos++;
            return true;
        }
        return false;
    }

    private boolean peekIs(char c) {
        skipSpace();
        return pos < text.length() && text.charAt(pos) == c;
    }

    private void expect(char c) throws ConfigException {
        if (!peekIs(c)) {
            throw error("'" + c + "'");
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private Source source() {
        skipSpace();
        int line = 1;
        for (int i = 0; i < pos; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return Source.file(file.path(), line);
    }

    private ConfigException error(String expected) {
        return new ConfigException("invalid JSON (" + source() + "): expected " + expected);
    }
}
