package dev.regent.protocol.http;

import java.util.Arrays;

/** Byte classes of RFC 9110/9112 as lookup tables, so the hot loops do one array load per byte. */
final class HttpChars {

    /** tchar (RFC 9110 section 5.6.2): the bytes of a field name. */
    static final boolean[] TCHAR = new boolean[256];
    /** tchar without lower-case letters: registered methods are upper case, and lower case is garbage. */
    static final boolean[] METHOD = new boolean[256];
    /** Visible ASCII and obs-text: request-target bytes (non-ASCII is let through, as browsers send it). */
    static final boolean[] TARGET = new boolean[256];
    /** {@link #TARGET} without '?' and '#', which mark the query and the fragment. */
    static final boolean[] TARGET_PLAIN = new boolean[256];
    /** field-vchar, SP and HTAB (RFC 9110 section 5.5): no CTL other than HTAB, no DEL. */
    static final boolean[] VALUE = new boolean[256];

    static {
        String specials = "!#$%&'*+-.^_`|~";
        for (int c = 0; c < 256; c++) {
            boolean alnum = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
            TCHAR[c] = alnum || c < 128 && specials.indexOf(c) >= 0;
            METHOD[c] = TCHAR[c] && !(c >= 'a' && c <= 'z');
            TARGET[c] = c > 0x20 && c != 0x7F;
            TARGET_PLAIN[c] = TARGET[c] && c != '?' && c != '#';
            VALUE[c] = c == '\t' || c >= 0x20 && c != 0x7F;
        }
    }

    private HttpChars() {
    }

    static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    static int hexValue(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        int l = lower(c);
        return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
    }

    /** Whether {@code length} bytes of {@code b} at {@code at} equal {@code lowerAscii}, ignoring case. */
    static boolean equalsIgnoreCase(byte[] b, int at, int length, byte[] lowerAscii) {
        if (length != lowerAscii.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(b[at + i]) != lowerAscii[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code length} bytes of {@code b} at {@code at} are exactly {@code ascii}. */
    static boolean equalsExact(byte[] b, int at, int length, byte[] ascii) {
        return length == ascii.length && Arrays.equals(b, at, at + length, ascii, 0, length);
    }

    /** Whether two ranges of {@code b} hold the same bytes, ignoring ASCII case. */
    static boolean rangesEqualIgnoreCase(byte[] b, int x, int y, int length) {
        for (int i = 0; i < length; i++) {
            if (lower(b[x + i]) != lower(b[y + i])) {
                return false;
            }
        }
        return true;
    }

    static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
