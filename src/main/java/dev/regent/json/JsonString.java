package dev.regent.json;

/**
 * JSON string literals (RFC 8259 section 7): the one escaping routine behind every JSON text
 * Regent writes (stats, metrics labels aside; the zygote's configuration; the JSON request
 * log; the emperor's stats).
 */
public final class JsonString {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonString() {
    }

    /**
     * Appends {@code s} as a quoted JSON string. Quotes, backslashes and control characters are
     * escaped, and so are DEL and lone surrogates, which some readers reject; with
     * {@code asciiOnly} every character above 0x7e is escaped too, so the text survives any
     * byte-oriented consumer.
     */
    public static StringBuilder quote(StringBuilder sb, String s, boolean asciiOnly) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) || asciiOnly && c > 0x7e) {
                        sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /** {@link #quote(StringBuilder, String, boolean)} with non-ASCII characters kept as they are. */
    public static StringBuilder quote(StringBuilder sb, String s) {
        return quote(sb, s, false);
    }
}
