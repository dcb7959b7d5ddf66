package dev.regent.stats;

import dev.regent.json.JsonString;

/**
 * A small streaming JSON writer for the stats document: objects, arrays, numbers and escaped
 * strings, pretty (a newline and a tab per level, like uWSGI) or minified. Commas are tracked
 * per nesting level, so callers write fields in order and never think about separators.
 */
final class JsonOut {
    private final StringBuilder sb = new StringBuilder(4096);
    private final boolean pretty;
    private final boolean[] first = new boolean[32];
    private int depth;

    JsonOut(boolean pretty) {
        this.pretty = pretty;
    }

    JsonOut beginObject(String name) {
        key(name);
        sb.append('{');
        push();
        return this;
    }

    JsonOut beginArray(String name) {
        key(name);
        sb.append('[');
        push();
        return this;
    }

    JsonOut endObject() {
        pop();
        sb.append('}');
        return this;
    }

    JsonOut endArray() {
        pop();
        sb.append(']');
        return this;
    }

    JsonOut field(String name, long value) {
        key(name);
        sb.append(value);
        return this;
    }

    JsonOut field(String name, String value) {
        key(name);
        string(value);
        return this;
    }

    /** An array element that is a string (name null) or a named field. */
    JsonOut value(String value) {
        return field(null, value);
    }

    String done() {
        return pretty ? sb.append('\n').toString() : sb.toString();
    }

    private void push() {
        first[++depth] = true;
    }

    private void pop() {
        boolean empty = first[depth];
        depth--;
        if (pretty && !empty) {
            newline();
        }
    }

    /** Separator, indentation and (inside objects) the quoted key; null name = array element or root. */
    private void key(String name) {
        if (depth > 0) {
            if (!first[depth]) {
                sb.append(',');
            }
            first[depth] = false;
            if (pretty) {
                newline();
            }
        }
        if (name != null) {
            string(name);
            sb.append(':');
        }
    }

    private void newline() {
        sb.append('\n');
        for (int i = 0; i < depth; i++) {
            sb.append('\t');
        }
    }

    private void string(String s) {
        JsonString.quote(sb, s);
    }
}
