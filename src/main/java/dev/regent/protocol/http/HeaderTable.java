package dev.regent.protocol.http;

import dev.regent.protocol.RequestHead;
import java.util.Arrays;

/**
 * The header fields of one request head, kept as offsets into the decoder's copy of the head (which
 * starts at the request line), plus what the fields mean
 * for framing and connection reuse. Each field is classified once, when its line completes, so the
 * errors that depend on one field are found before the head ends. Reused for every request.
 */
final class HeaderTable {

    static final byte PLAIN = 0;
    /** Not passed to the application: hop-by-hop fields and names containing '_'. */
    static final byte DROP = 1;
    static final byte CONTENT_TYPE = 2;
    static final byte CONTENT_LENGTH = 3;
    static final byte COOKIE = 4;
    static final byte HOST = 5;
    static final byte TRANSFER_ENCODING = 6;

    private static final byte[] HOST_NAME = HttpChars.ascii("host");
    private static final byte[] TE = HttpChars.ascii("te");
    private static final byte[] COOKIE_NAME = HttpChars.ascii("cookie");
    private static final byte[] EXPECT = HttpChars.ascii("expect");
    private static final byte[] UPGRADE = HttpChars.ascii("upgrade");
    private static final byte[] TRAILER = HttpChars.ascii("trailer");
    private static final byte[] CONNECTION = HttpChars.ascii("connection");
    private static final byte[] KEEP_ALIVE = HttpChars.ascii("keep-alive");
    private static final byte[] CONTENT_TYPE_NAME = HttpChars.ascii("content-type");
    private static final byte[] CONTENT_LENGTH_NAME = HttpChars.ascii("content-length");
    private static final byte[] PROXY_CONNECTION = HttpChars.ascii("proxy-connection");
    private static final byte[] TRANSFER_ENCODING_NAME = HttpChars.ascii("transfer-encoding");
    private static final byte[] CLOSE = HttpChars.ascii("close");
    private static final byte[] CONTINUE = HttpChars.ascii("100-continue");
    private static final byte[] CHUNKED = HttpChars.ascii("chunked");
    private static final byte[] IDENTITY = HttpChars.ascii("identity");
    /** Codings passed through to the application undecoded, ahead of the final chunked. */
    private static final byte[][] PASS_THROUGH = {
        HttpChars.ascii("gzip"), HttpChars.ascii("x-gzip"), HttpChars.ascii("deflate"),
        HttpChars.ascii("compress"), HttpChars.ascii("x-compress"),
    };
    /** Content-Length of more digits would overflow a long; nobody sends 10^18 bytes. */
    private static final int MAX_LENGTH_DIGITS = 18;

    int count;
    /** nameStart, nameEnd, valueStart, valueEnd per field; value without leading/trailing OWS. */
    int[] marks = new int[64];
    byte[] kinds = new byte[16];

    /**
     * Whether two fields might share a name: set when a (length, first byte) pair repeats, so that the
     * common request without repeats skips the search for fields to join.
     */
    boolean mayRepeat;
    private long signatures;

    long contentLength;
    int hostIndex;
    boolean contentTypeSeen;
    boolean connectionClose;
    boolean connectionKeepAlive;
    boolean expectContinue;
    boolean teSeen;
    boolean teChunked;
    boolean teAfterChunked;
    boolean teOther;
    boolean teUnknown;

    /** Set by {@link #framing}. */
    RequestHead.BodyFraming bodyFraming;

    HeaderTable() {
        reset();
    }

    void reset() {
        count = 0;
        mayRepeat = false;
        signatures = 0;
        contentLength = -1;
        hostIndex = -1;
        contentTypeSeen = false;
        connectionClose = false;
        connectionKeepAlive = false;
        expectContinue = false;
        teSeen = false;
        teChunked = false;
        teAfterChunked = false;
        teOther = false;
        teUnknown = false;
    }

    int nameStart(int i) {
        return marks[i << 2];
    }

    int nameEnd(int i) {
        return marks[(i << 2) + 1];
    }

    int valueStart(int i) {
        return marks[(i << 2) + 2];
    }

    int valueEnd(int i) {
        return marks[(i << 2) + 3];
    }

    /**
     * Records one field and applies its meaning.
     *
     * @return null, or the failure the field causes
     */
    HttpFailure add(byte[] in, int nameStart, int nameEnd, int valueStart, int valueEnd) {
        if (count == kinds.length) {
            kinds = Arrays.copyOf(kinds, count * 2);
            marks = Arrays.copyOf(marks, count * 8);
        }
        int i = count++;
        int m = i << 2;
        marks[m] = nameStart;
        marks[m + 1] = nameEnd;
        marks[m + 2] = valueStart;
        marks[m + 3] = valueEnd;
        long signature = 1L << ((nameEnd - nameStart) * 31 + HttpChars.lower(in[nameStart]) & 63);
        mayRepeat |= (signatures & signature) != 0;
        signatures |= signature;
        if (hasUnderscore(in, nameStart, nameEnd)) {
            // HTTP_X_Y could come from X-Y or X_Y: a front proxy checks one, the app reads the other
            kinds[i] = DROP;
            return null;
        }
        kinds[i] = PLAIN;
        return classify(in, i, nameStart, nameEnd - nameStart, valueStart, valueEnd - valueStart);
    }

    private static boolean hasUnderscore(byte[] in, int from, int to) {
        for (int p = from; p < to; p++) {
            if (in[p] == '_') {
                return true;
            }
        }
        return false;
    }

    private HttpFailure classify(byte[] in, int i, int name, int nameLen, int value, int valueLen) {
        switch (nameLen) {
            case 2 -> dropIf(in, i, name, nameLen, TE);
            case 4 -> {
                if (HttpChars.equalsIgnoreCase(in, name, nameLen, HOST_NAME)) {
                    if (hostIndex >= 0) {
                        return new HttpFailure(400, "Host: repeated (expected: exactly one, RFC 9112 section 3.2)");
                    }
                    hostIndex = i;
                    kinds[i] = HOST;
                }
            }
            case 6 -> {
                if (HttpChars.equalsIgnoreCase(in, name, nameLen, COOKIE_NAME)) {
                    kinds[i] = COOKIE;
                } else if (HttpChars.equalsIgnoreCase(in, name, nameLen, EXPECT)) {
                    expectContinue |= HttpChars.equalsIgnoreCase(in, value, valueLen, CONTINUE);
                }
            }
            case 7 -> {
                dropIf(in, i, name, nameLen, UPGRADE);
                dropIf(in, i, name, nameLen, TRAILER);
            }
            case 10 -> {
                if (HttpChars.equalsIgnoreCase(in, name, nameLen, CONNECTION)) {
                    kinds[i] = DROP;
                    connectionTokens(in, value, value + valueLen);
                } else {
                    dropIf(in, i, name, nameLen, KEEP_ALIVE);
                }
            }
            case 12 -> {
                if (HttpChars.equalsIgnoreCase(in, name, nameLen, CONTENT_TYPE_NAME)) {
                    if (contentTypeSeen) {
                        return new HttpFailure(400, "Content-Type: repeated (expected: at most one)");
                    }
                    contentTypeSeen = true;
                    kinds[i] = CONTENT_TYPE;
                }
            }
            case 14 -> {
                if (HttpChars.equalsIgnoreCase(in, name, nameLen, CONTENT_LENGTH_NAME)) {
                    kinds[i] = CONTENT_LENGTH;
                    return contentLength(in, value, valueLen);
                }
            }
            case 16 -> dropIf(in, i, name, nameLen, PROXY_CONNECTION);
            case 17 -> {
                if (HttpChars.equalsIgnoreCase(in, name, nameLen, TRANSFER_ENCODING_NAME)) {
                    kinds[i] = TRANSFER_ENCODING;
                    teSeen = true;
                    transferCodings(in, value, value + valueLen);
                }
            }
            default -> {
                // an ordinary field
            }
        }
        return null;
    }

    /**
     * Decides how the body is delimited (RFC 9112 section 6.3), once every field is known.
     *
     * @return null, or why the framing is refused
     */
    HttpFailure framing(boolean http10, long maxBody) {
        if (teSeen && (teChunked || teOther || teUnknown)) {
            if (http10) {
                return new HttpFailure(400, "Transfer-Encoding: on HTTP/1.0 (expected: Content-Length)");
            }
            if (teUnknown) {
                return new HttpFailure(501, "Transfer-Encoding: unknown coding (expected: chunked)");
            }
            if (!teChunked || teAfterChunked) {
                return new HttpFailure(400, "Transfer-Encoding: chunked not final or repeated "
                        + "(expected: one chunked, last)");
            }
            if (contentLength >= 0) {
                return new HttpFailure(400, "Content-Length: with Transfer-Encoding (expected: only one of them)");
            }
            bodyFraming = RequestHead.BodyFraming.CHUNKED;
            return null;
        }
        if (maxBody > 0 && contentLength > maxBody) {
            return new HttpFailure(413, "Content-Length: over limit-post (expected: <= " + maxBody + ")");
        }
        bodyFraming = contentLength > 0 ? RequestHead.BodyFraming.LENGTH : RequestHead.BodyFraming.NONE;
        return null;
    }

    private void dropIf(byte[] in, int i, int name, int nameLen, byte[] lowerName) {
        if (HttpChars.equalsIgnoreCase(in, name, nameLen, lowerName)) {
            kinds[i] = DROP;
        }
    }

    private HttpFailure contentLength(byte[] in, int value, int valueLen) {
        if (contentLength >= 0) {
            // even "5, 5" or a repeat of the same value: a proxy may have picked another one
            return new HttpFailure(400, "Content-Length: repeated (expected: exactly one)");
        }
        if (valueLen == 0 || valueLen > MAX_LENGTH_DIGITS) {
            return new HttpFailure(400, "Content-Length: " + valueLen + " digits (expected: 1 to 18 digits)");
        }
        long n = 0;
        for (int p = value, end = value + valueLen; p < end; p++) {
            int c = in[p];
            if (c < '0' || c > '9') {
                return new HttpFailure(400, "Content-Length: not a decimal number (expected: 1*DIGIT)");
            }
            n = n * 10 + (c - '0');
        }
        contentLength = n;
        return null;
    }

    private void connectionTokens(byte[] in, int from, int to) {
        int p = from;
        while (p < to) {
            int start = skipOws(in, p, to);
            int comma = start;
            while (comma < to && in[comma] != ',') {
                comma++;
            }
            int end = trimOws(in, start, comma);
            connectionClose |= HttpChars.equalsIgnoreCase(in, start, end - start, CLOSE);
            connectionKeepAlive |= HttpChars.equalsIgnoreCase(in, start, end - start, KEEP_ALIVE);
            p = comma + 1;
        }
    }

    private void transferCodings(byte[] in, int from, int to) {
        int p = from;
        while (p < to) {
            int start = skipOws(in, p, to);
            int comma = start;
            while (comma < to && in[comma] != ',') {
                comma++;
            }
            int end = trimOws(in, start, comma);
            if (end > start) {
                transferCoding(in, start, end - start);
            }
            p = comma + 1;
        }
    }

    private void transferCoding(byte[] in, int start, int len) {
        if (teChunked) {
            // RFC 9112 section 6.3: chunked must be the final coding, so nothing may follow it
            teAfterChunked = true;
        }
        if (HttpChars.equalsIgnoreCase(in, start, len, CHUNKED)) {
            teChunked = true;
        } else if (!HttpChars.equalsIgnoreCase(in, start, len, IDENTITY)) {
            boolean known = false;
            for (byte[] coding : PASS_THROUGH) {
                known |= HttpChars.equalsIgnoreCase(in, start, len, coding);
            }
            teOther |= known;
            teUnknown |= !known;
        }
    }

    private static int skipOws(byte[] in, int p, int to) {
        while (p < to && isOws(in[p])) {
            p++;
        }
        return p;
    }

    private static int trimOws(byte[] in, int from, int end) {
        while (end > from && isOws(in[end - 1])) {
            end--;
        }
        return end;
    }

    private static boolean isOws(int c) {
        return c == ' ' || c == '\t';
    }
}
