package dev.regent.protocol.http;

import dev.regent.protocol.RequestHead;
import io.netty.buffer.ByteBuf;

/**
 * Parses HTTP/1.1 request heads (RFC 9112) straight from the receive buffer into the marshal environ
 * of the worker channel, with no intermediate request object. Not a Netty handler: the connection
 * handler owns the cumulation buffer and calls {@link #decodeHead} each time bytes arrive.
 *
 * <pre>
 *   *( CRLF )                                  empty lines before a request are skipped (section 2.2)
 *   method SP request-target SP HTTP-version CRLF
 *   *( field-name ":" OWS field-value OWS CRLF )
 *   CRLF
 *
 *   "GET /a%20b?x=1 HTTP/1.1\r\nHost: h:80\r\nX-Id: 7\r\n\r\n"
 *    |   |           |          |           |          +-- HEAD_LF: the head ends here
 *    |   |           |          |           +-- FIELD_NAME/FIELD_VALUE/FIELD_LF per field
 *    |   |           |          +-- FIELD_START: CR ends the head, SP/HTAB would be obs-fold (400)
 *    |   |           +-- VERSION then LINE_LF
 *    |   +-- TARGET: origin-form, absolute-form, "*" (OPTIONS) or authority-form (CONNECT)
 *    +-- METHOD
 *
 *   environ: PATH_INFO "/a b", QUERY_STRING "x=1", SERVER_NAME "h", HTTP_HOST "h:80", HTTP_X_ID "7"
 * </pre>
 *
 * <p>Call order: {@code decodeHead} until it returns a {@link Head}; then the caller reads the body
 * (by {@link RequestHead#contentLength()} or with a {@link ChunkedBodyDecoder}) and calls
 * {@code decodeHead} again for the next pipelined request. Between calls the caller may append bytes
 * to the buffer but must not consume any: an incomplete head stays readable, and the decoder keeps
 * its scan position relative to the reader index, so no byte is scanned twice. Only leading empty
 * lines and, on success, the whole head are consumed. After an {@link HttpFailure} the connection
 * must be answered and closed; further calls throw {@link IllegalStateException} until
 * {@link #reset()}.
 *
 * <p>Limits, all counted in bytes of the wire form:
 * <table>
 *   <caption>limits</caption>
 *   <tr><th>limit</th><th>default</th><th>answer</th></tr>
 *   <tr><td>maxHeadSize ({@code buffer-size})</td><td>65536, request line to the final CRLF</td>
 *       <td>431</td></tr>
 *   <tr><td>maxRequestLine</td><td>4096, with its CRLF (as Netty's maxInitialLineLength)</td><td>414</td></tr>
 *   <tr><td>maxFieldSize</td><td>8190, one field line with its CRLF (as Apache httpd)</td><td>431</td></tr>
 *   <tr><td>maxFields</td><td>100 (as Apache httpd and gunicorn)</td><td>431</td></tr>
 *   <tr><td>maxBody ({@code limit-post})</td><td>0 = unlimited; checked against Content-Length</td>
 *       <td>413</td></tr>
 * </table>
 *
 * <p>Policy where the RFCs leave a choice: bare LF and bare CR are refused everywhere (they are how
 * requests get smuggled past proxies that disagree); obs-fold is refused (RFC 9112 section 5.2
 * allows that); a repeated Content-Length, Content-Type or Host is refused even when the values
 * agree; Transfer-Encoding must end in a single chunked, may be preceded by identity, gzip, deflate
 * or compress (passed through undecoded, with HTTP_TRANSFER_ENCODING so the app can tell), any
 * other coding is 501, and Transfer-Encoding with Content-Length or on HTTP/1.0 is 400;
 * Transfer-Encoding: identity alone is ignored. CONNECT is accepted with an authority-form target
 * (PATH_INFO empty); whether to serve it is the application's business. Invalid %-escapes are left
 * as they are in PATH_INFO, as Python's {@code urllib.parse.unquote} does.
 */
public final class HttpRequestDecoder {

    /** Default {@code buffer-size}: the largest request head, in bytes. */
    public static final int DEFAULT_MAX_HEAD_SIZE = 65536;
    /** Default largest request line, in bytes with its CRLF. */
    public static final int DEFAULT_MAX_REQUEST_LINE = 4096;
    /** Default largest field line, in bytes with its CRLF. */
    public static final int DEFAULT_MAX_FIELD_SIZE = 8190;
    /** Default largest number of header fields. */
    public static final int DEFAULT_MAX_FIELDS = 100;

    /** What {@link #decodeHead} found: {@link NeedMore}, a {@link Head} or an {@link HttpFailure}. */
    public sealed interface Result permits NeedMore, Head, HttpFailure {
    }

    /** The head is not complete yet: call again when more bytes have arrived. */
    public enum NeedMore implements Result {
        INSTANCE
    }

    /** A complete, valid request head; its environ buffer belongs to the receiver. */
    public record Head(RequestHead head) implements Result {
    }

    enum State { SKIP_EMPTY_LINES, METHOD, TARGET, VERSION, LINE_LF, FIELD_START, FIELD_NAME, FIELD_VALUE,
        FIELD_LF, HEAD_LF, COMPLETE, FAILED }

    private final int maxHeadSize;
    private final int maxRequestLine;
    private final int maxFieldSize;
    private final int maxFields;
    private final long maxBody;
    private final HeaderTable fields = new HeaderTable();
    private final RequestTarget target = new RequestTarget();
    private final HeadEnvironEncoder encoder = new HeadEnvironEncoder();

    private State state = State.SKIP_EMPTY_LINES;
    /** Scan position, relative to the reader index like every other offset here. */
    private int pos;
    private HttpFailure failure;

    // request line marks
    int methodEnd;
    int targetStart;
    int targetEnd;
    int queryMark;
    int fragmentMark;
    int minorVersion;

    // the field line being scanned
    private int lineStart;
    private int nameEnd;
    private int valueStart;
    private int valueEnd;
    private int nameHash;
    private boolean nameUnderscore;

    /** A decoder with every default limit. */
    public HttpRequestDecoder() {
        this(DEFAULT_MAX_HEAD_SIZE, DEFAULT_MAX_REQUEST_LINE, DEFAULT_MAX_FIELD_SIZE, DEFAULT_MAX_FIELDS, 0);
    }

    /** A decoder with the given {@code buffer-size} and {@code limit-post} and the other defaults. */
    public HttpRequestDecoder(int maxHeadSize, long maxBody) {
        this(maxHeadSize, DEFAULT_MAX_REQUEST_LINE, DEFAULT_MAX_FIELD_SIZE, DEFAULT_MAX_FIELDS, maxBody);
    }

    /**
     * @param maxHeadSize    largest head in bytes (default {@value #DEFAULT_MAX_HEAD_SIZE}); 431 beyond
     * @param maxRequestLine largest request line with CRLF (default {@value #DEFAULT_MAX_REQUEST_LINE}); 414
     * @param maxFieldSize   largest field line with CRLF (default {@value #DEFAULT_MAX_FIELD_SIZE}); 431
     * @param maxFields      most header fields (default {@value #DEFAULT_MAX_FIELDS}); 431 beyond
     * @param maxBody        largest Content-Length, 0 = unlimited (default 0); 413 beyond
     */
    public HttpRequestDecoder(int maxHeadSize, int maxRequestLine, int maxFieldSize, int maxFields, long maxBody) {
        this.maxHeadSize = checkPositive("maxHeadSize", maxHeadSize);
        this.maxRequestLine = checkPositive("maxRequestLine", maxRequestLine);
        this.maxFieldSize = checkPositive("maxFieldSize", maxFieldSize);
        this.maxFields = checkPositive("maxFields", maxFields);
        if (maxBody < 0) {
            throw new IllegalArgumentException("maxBody: " + maxBody + " (expected: >= 0)");
        }
        this.maxBody = maxBody;
    }

    private static int checkPositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    /**
     * Scans the bytes of {@code in} not seen yet. Returns {@link NeedMore#INSTANCE} (nothing consumed
     * but leading empty lines), a {@link Head} (the head's bytes consumed; the body, if any, starts at
     * the reader index) or an {@link HttpFailure} to answer before closing the connection.
     */
    public Result decodeHead(ByteBuf in, ConnectionInfo conn) {
        if (state == State.FAILED || state == State.COMPLETE) {
            throw new IllegalStateException("state: " + state + " (expected: reset() after a failure)");
        }
        if (state == State.SKIP_EMPTY_LINES && !skipEmptyLines(in)) {
            return failure != null ? fail() : NeedMore.INSTANCE;
        }
        int base = in.readerIndex();
        // never scan past the limit: a head that does not end within it is refused right there
        int end = base + (int) Math.min(in.writerIndex() - (long) base, maxHeadSize);
        while (step(in, base, end)) {
            if (state == State.COMPLETE) {
                return complete(in, conn);
            }
        }
        if (failure != null) {
            return fail();
        }
        return needMore(in, base);
    }

    /** Forgets a partial or failed head; the next call starts at a request line. */
    public void reset() {
        state = State.SKIP_EMPTY_LINES;
        pos = 0;
        failure = null;
        fields.reset();
    }

    private boolean step(ByteBuf in, int base, int end) {
        return switch (state) {
            case METHOD -> method(in, base, end);
            case TARGET -> target(in, base, end);
            case VERSION -> version(in, base, end);
            case LINE_LF -> lineFeed(in, base, end);
            case FIELD_START -> fieldStart(in, base, end);
            case FIELD_NAME -> fieldName(in, base, end);
            case FIELD_VALUE -> fieldValue(in, base, end);
            case FIELD_LF -> fieldLineFeed(in, base, end);
            case HEAD_LF -> headLineFeed(in, base, end);
            default -> throw new IllegalStateException("state: " + state);
        };
    }

    private Result needMore(ByteBuf in, int base) {
        boolean inRequestLine = state.ordinal() <= State.LINE_LF.ordinal();
        if (inRequestLine && pos >= maxRequestLine) {
            return failNow(414, "request line: over " + maxRequestLine + " bytes (expected: <= " + maxRequestLine
                    + ")");
        }
        if (!inRequestLine && pos - lineStart >= maxFieldSize) {
            return failNow(431, "field line: over " + maxFieldSize + " bytes (expected: <= " + maxFieldSize + ")");
        }
        if (in.writerIndex() - base > maxHeadSize) {
            return failNow(431, "head: over " + maxHeadSize + " bytes (expected: <= " + maxHeadSize + ")");
        }
        return NeedMore.INSTANCE;
    }

    private boolean skipEmptyLines(ByteBuf in) {
        while (in.readableBytes() >= 2) {
            int r = in.readerIndex();
            if (in.getByte(r) != '\r') {
                state = State.METHOD;
                return true;
            }
            if (in.getByte(r + 1) != '\n') {
                return error(400, "empty line: bare CR (expected: CRLF)");
            }
            in.skipBytes(2);
        }
        if (in.isReadable() && in.getByte(in.readerIndex()) != '\r') {
            state = State.METHOD;
            return true;
        }
        return false;
    }

    private boolean method(ByteBuf in, int base, int end) {
        for (int p = base + pos; p < end; p++) {
            int c = in.getByte(p) & 0xFF;
            if (!HttpChars.METHOD[c]) {
                if (c != ' ' || p == base) {
                    return error(400, "method: invalid byte at " + (p - base) + " (expected: upper-case token SP)");
                }
                methodEnd = p - base;
                targetStart = methodEnd + 1;
                queryMark = -1;
                fragmentMark = -1;
                pos = targetStart;
                state = State.TARGET;
                return true;
            }
        }
        pos = end - base;
        return false;
    }

    private boolean target(ByteBuf in, int base, int end) {
        for (int p = base + pos; p < end; p++) {
            int c = in.getByte(p) & 0xFF;
            if (!HttpChars.TARGET[c]) {
                if (c != ' ' || p - base == targetStart) {
                    return error(400, "request-target: invalid byte at " + (p - base) + " (expected: VCHAR)");
                }
                targetEnd = p - base;
                pos = targetEnd + 1;
                state = State.VERSION;
                return true;
            }
            if (c == '?' && queryMark < 0 && fragmentMark < 0) {
                queryMark = p - base;
            } else if (c == '#' && fragmentMark < 0) {
                fragmentMark = p - base;
            }
        }
        pos = end - base;
        return false;
    }

    private boolean version(ByteBuf in, int base, int end) {
        int start = targetEnd + 1;
        for (int p = base + pos; p < end; p++) {
            int c = in.getByte(p);
            if (c == '\r') {
                pos = p - base + 1;
                return checkVersion(in, base + start, p - base - start);
            }
            if (p - base - start >= 8 || c <= ' ' || c >= 0x7F) {
                return error(400, "HTTP-version: malformed (expected: HTTP/DIGIT.DIGIT CRLF)");
            }
        }
        pos = end - base;
        return false;
    }

    private boolean checkVersion(ByteBuf in, int at, int len) {
        if (len != 8 || in.getByte(at) != 'H' || in.getByte(at + 1) != 'T' || in.getByte(at + 2) != 'T'
                || in.getByte(at + 3) != 'P' || in.getByte(at + 4) != '/' || !isDigit(in.getByte(at + 5))
                || in.getByte(at + 6) != '.' || !isDigit(in.getByte(at + 7))) {
            return error(400, "HTTP-version: malformed (expected: HTTP/DIGIT.DIGIT)");
        }
        if (in.getByte(at + 5) != '1' || in.getByte(at + 7) > '1') {
            return error(505, "HTTP-version: unsupported (expected: HTTP/1.0 or HTTP/1.1)");
        }
        minorVersion = in.getByte(at + 7) - '0';
        state = State.LINE_LF;
        return true;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private boolean lineFeed(ByteBuf in, int base, int end) {
        if (base + pos >= end) {
            return false;
        }
        if (in.getByte(base + pos) != '\n') {
            return error(400, "request line: bare CR (expected: CRLF)");
        }
        pos++;
        if (pos > maxRequestLine) {
            return error(414, "request line: " + pos + " bytes (expected: <= " + maxRequestLine + ")");
        }
        HttpFailure bad = target.check(in, base, methodEnd, targetStart, targetEnd, queryMark, fragmentMark);
        if (bad != null) {
            failure = bad;
            state = State.FAILED;
            return false;
        }
        lineStart = pos;
        state = State.FIELD_START;
        return true;
    }

    private boolean fieldStart(ByteBuf in, int base, int end) {
        if (base + pos >= end) {
            return false;
        }
        int c = in.getByte(base + pos);
        if (c == '\r') {
            pos++;
            state = State.HEAD_LF;
            return true;
        }
        if (c == ' ' || c == '\t') {
            return error(400, "field line: obs-fold (expected: no line folding, RFC 9112 section 5.2)");
        }
        nameHash = 0;
        nameUnderscore = false;
        state = State.FIELD_NAME;
        return true;
    }

    private boolean fieldName(ByteBuf in, int base, int end) {
        int hash = nameHash;
        for (int p = base + pos; p < end; p++) {
            int c = in.getByte(p) & 0xFF;
            if (!HttpChars.TCHAR[c]) {
                nameHash = hash;
                if (c != ':' || p - base == lineStart) {
                    return error(400, "field-name: invalid byte at " + (p - base) + " (expected: token \":\")");
                }
                nameEnd = p - base;
                pos = nameEnd + 1;
                valueStart = -1;
                state = State.FIELD_VALUE;
                return true;
            }
            nameUnderscore |= c == '_';
            hash = 31 * hash + HttpChars.lower(c);
        }
        nameHash = hash;
        pos = end - base;
        return false;
    }

    private boolean fieldValue(ByteBuf in, int base, int end) {
        for (int p = base + pos; p < end; p++) {
            int c = in.getByte(p) & 0xFF;
            if (c == ' ' || c == '\t') {
                continue;
            }
            if (!HttpChars.VALUE[c]) {
                if (c != '\r') {
                    return error(400, "field-value: invalid byte at " + (p - base) + " (expected: VCHAR, SP, HTAB)");
                }
                pos = p - base + 1;
                if (valueStart < 0) {
                    valueStart = valueEnd = pos - 1;
                }
                state = State.FIELD_LF;
                return true;
            }
            if (valueStart < 0) {
                valueStart = p - base;
            }
            valueEnd = p - base + 1;
        }
        pos = end - base;
        return false;
    }

    private boolean fieldLineFeed(ByteBuf in, int base, int end) {
        if (base + pos >= end) {
            return false;
        }
        if (in.getByte(base + pos) != '\n') {
            return error(400, "field line: bare CR (expected: CRLF)");
        }
        pos++;
        if (pos - lineStart > maxFieldSize) {
            return error(431, "field line: " + (pos - lineStart) + " bytes (expected: <= " + maxFieldSize + ")");
        }
        if (fields.count >= maxFields) {
            return error(431, "fields: over " + maxFields + " (expected: <= " + maxFields + ")");
        }
        HttpFailure bad = fields.add(in, base, lineStart, nameEnd, valueStart, valueEnd, nameHash, nameUnderscore);
        if (bad != null) {
            failure = bad;
            state = State.FAILED;
            return false;
        }
        lineStart = pos;
        state = State.FIELD_START;
        return true;
    }

    private boolean headLineFeed(ByteBuf in, int base, int end) {
        if (base + pos >= end) {
            return false;
        }
        if (in.getByte(base + pos) != '\n') {
            return error(400, "head end: bare CR (expected: CRLF)");
        }
        pos++;
        state = State.COMPLETE;
        return true;
    }

    private Result complete(ByteBuf in, ConnectionInfo conn) {
        HttpFailure bad = fields.framing(minorVersion == 0, maxBody);
        if (bad != null) {
            return failNow(bad.status(), bad.message());
        }
        RequestHead head = encoder.encode(in, this, target, fields, conn);
        in.skipBytes(pos);
        state = State.SKIP_EMPTY_LINES;
        pos = 0;
        fields.reset();
        return new Head(head);
    }

    private boolean error(int status, String message) {
        failure = new HttpFailure(status, message);
        state = State.FAILED;
        return false;
    }

    private HttpFailure failNow(int status, String message) {
        error(status, message);
        return fail();
    }

    private HttpFailure fail() {
        state = State.FAILED;
        return failure;
    }

    /** Bytes scanned so far of the current head, for tests. */
    int position() {
        return pos;
    }
}
