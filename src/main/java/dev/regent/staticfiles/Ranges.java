package dev.regent.staticfiles;

/**
 * A single byte range of a Range header (RFC 9110 section 14.1.2). Several ranges are answered
 * with the whole file, which the RFC allows; a malformed header is ignored the same way.
 */
final class Ranges {
    /** The header is well-formed but no byte of it lies in the file: 416. */
    static final long[] UNSATISFIABLE = new long[0];

    private Ranges() {
    }

    /** {first, last} inclusive, {@link #UNSATISFIABLE}, or null to ignore the header. */
    static long[] parse(String header, long size) {
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = h.substring(6).trim();
        if (spec.indexOf(',') >= 0) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        try {
            if (a.isEmpty()) {
                long suffix = digits(b);
                if (suffix == 0) {
                    return UNSATISFIABLE;
                }
                return size == 0 ? UNSATISFIABLE : new long[] {Math.max(0, size - suffix), size - 1};
            }
            long first = digits(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : digits(b);
            if (last < first) {
                return null;
            }
            if (first >= size) {
                return UNSATISFIABLE;
            }
            return new long[] {first, Math.min(last, size - 1)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            throw new NumberFormatException(s);
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                throw new NumberFormatException(s);
            }
        }
        return Long.parseLong(s);
    }
}
