package dev.regent.logging;

import dev.regent.json.JsonString;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code log-format} compiled once into a list of chunks: literal text and variables. Per
 * line, the chunks append in order; there is no parsing or matching per request.
 *
 * <p>Parsing follows uWSGI's {@code uwsgi_build_log_format}: {@code %(name)} is a variable and
 * anything else, including a {@code %} not followed by {@code (} and an unclosed {@code %(},
 * is literal text. A missing or empty value prints as {@code -}.
 *
 * <p>As JSON ({@code log-json}), the line is one object with a member per variable, in format
 * order, and the literal text is left out; numbers are JSON numbers and a missing value is null.
 */
public final class LogFormat {
    /** The members of a JSON line when no log-format is given. */
    static final String DEFAULT_JSON = "%(ltime)%(addr)%(user)%(method)%(uri)%(proto)%(status)%(rsize)%(hsize)"
            + "%(msecs)%(pid)%(wid)%(core)%(host)%(uagent)%(referer)";

    private sealed interface Chunk permits Literal, Dated, Variable {
    }

    private record Literal(String text) implements Chunk {
    }

    /** Literal text passed through strftime at each line ({@code log-format-strftime}). */
    private record Dated(Strftime pattern) implements Chunk {
    }

    private record Variable(LogVariables.Var var) implements Chunk {
    }

    private final Chunk[] chunks;
    private final boolean json;
    private final boolean needsEnviron;
    private final boolean needsHeaders;
    private final boolean dated;
    private final ZoneId zone;

    private LogFormat(List<Chunk> chunks, boolean json, ZoneId zone) {
        this.chunks = chunks.toArray(new Chunk[0]);
        this.json = json;
        this.zone = zone;
        this.needsEnviron = chunks.stream().anyMatch(c -> c instanceof Variable v && v.var().needsEnviron());
        this.needsHeaders = chunks.stream().anyMatch(c -> c instanceof Variable v && v.var().needsHeaders());
        this.dated = chunks.stream().anyMatch(c -> c instanceof Dated);
    }

    /**
     * Compiles {@code format}.
     *
     * @param ftime        the pattern of {@code %(ftime)}, or null for {@code ltime}'s
     * @param strftimeText pass the literal text through strftime ({@code log-format-strftime})
     * @param json         render JSON objects instead of the text
     */
    public static LogFormat compile(String format, Strftime ftime, boolean strftimeText, boolean json, ZoneId zone) {
        List<Chunk> chunks = new ArrayList<>();
        int at = 0;
        int literalFrom = 0;
        while (at < format.length()) {
            int open = format.indexOf("%(", at);
            int close = open < 0 ? -1 : format.indexOf(')', open + 2);
            if (open < 0 || close < 0) {
                break;
            }
            if (close == open + 2) {
                // "%()" names nothing; uWSGI keeps it as text
                at = close + 1;
                continue;
            }
            addLiteral(chunks, format.substring(literalFrom, open), strftimeText, json);
            chunks.add(new Variable(LogVariables.resolve(format.substring(open + 2, close), ftime, zone)));
            at = close + 1;
            literalFrom = at;
        }
        addLiteral(chunks, format.substring(literalFrom), strftimeText, json);
        return new LogFormat(chunks, json, zone);
    }

    private static void addLiteral(List<Chunk> chunks, String text, boolean strftimeText, boolean json) {
        if (text.isEmpty() || json) {
            return;
        }
        chunks.add(strftimeText && text.indexOf('%') >= 0 ? new Dated(Strftime.compile(text)) : new Literal(text));
    }

    /** True when a variable reads the environ (the caller must keep it until the line is written). */
    public boolean needsEnviron() {
        return needsEnviron;
    }

    /** True when {@code %(headers)} is used (the response head's fields must be counted). */
    public boolean needsHeaders() {
        return needsHeaders;
    }

    public void append(StringBuilder sb, LogRecord r) {
        if (json) {
            appendJson(sb, r);
            return;
        }
        ZonedDateTime now = dated ? ZonedDateTime.now(zone) : null;
        for (Chunk c : chunks) {
            switch (c) {
                case Literal l -> sb.append(l.text());
                case Dated d -> d.pattern().append(sb, now);
                case Variable v -> {
                    String value = v.var().value().apply(r);
                    sb.append(value == null || value.isEmpty() ? "-" : value);
                }
            }
        }
    }

    private void appendJson(StringBuilder sb, LogRecord r) {
        sb.append('{');
        boolean first = true;
        for (Chunk c : chunks) {
            if (!(c instanceof Variable v)) {
                continue;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            quote(sb, v.var().name());
            sb.append(':');
            String value = v.var().value().apply(r);
            if (value == null || value.isEmpty()) {
                sb.append("null");
            } else if (v.var().numeric()) {
                sb.append(value);
            } else {
                quote(sb, value);
            }
        }
        sb.append('}');
    }

    /** A JSON string; control characters and non-ASCII bytes from the environ (latin-1) are escaped. */
    static void quote(StringBuilder sb, String s) {
        JsonString.quote(sb, s, true);
    }
}
