package dev.regent.protocol.http;

import dev.regent.protocol.RequestHead;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

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
 * its scan position relative to the reader index, so no byte is scanned twice. Each head byte is
 * copied once into a private array that the steps scan, because plain array reads skip the bounds
 * and reference-count checks a ByteBuf makes on every access. Only leading empty
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

    private static final int MIN_COPY = 512;
    private static final int INITIAL_COPY = 2048;
    /** A head array grown beyond this for one huge head is dropped after it. */
    private static final int KEEP_COPY = 16384;

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
    /** The head's bytes from the reader index on, as far as {@link #copied}. */
    private byte[] head = new byte[INITIAL_COPY];
    private int copied;

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
        // never look past the limit: a head that does not end within it is refused right there
        int available = (int) Math.min(in.writerIndex() - (long) base, maxHeadSize);
        for (;;) {
            while (step(head, copied)) {
                if (state == State.COMPLETE) {
                    return complete(in, conn);
                }
            }
            if (failure != null) {
                return fail();
            }
            if (copied == available) {
                return needMore(in, base);
            }
            copyMore(in, base, available);
        }
    }

    /**
     * Copies the next bytes of the head into the private array that every step scans: plain array
     * reads skip the bounds and reference-count checks a ByteBuf makes on each access. The copy grows
     * by doubling, so a body that arrived with the head is mostly left alone.
     */
    private void copyMore(ByteBuf in, int base, int available) {
        int n = Math.min(available - copied, Math.max(copied, MIN_COPY));
        if (copied + n > head.length) {
            head = Arrays.copyOf(head, Math.max(copied + n, Math.min(head.length * 2, maxHeadSize)));
        }
        in.getBytes(base + copied, head, copied, n);
        copied += n;
    }

    /** Forgets a partial or failed head; the next call starts at a request line. */
    public void reset() {
        state = State.SKIP_EMPTY_LINES;
        pos = 0;
        copied = 0;
        failure = null;
        fields.reset();
    }

    private boolean step(byte[] in, int end) {
        return switch (state) {
            case METHOD -> method(in, end);
            case TARGET -> target(in, end);
            case VERSION -> version(in, end);
            case LINE_LF -> lineFeed(in, end);
            case FIELD_START -> fieldStart(in, end);
            case FIELD_NAME -> fieldName(in, end);
            case FIELD_VALUE -> fieldValue(in, end);
            case FIELD_LF -> fieldLineFeed(in, end);
            case HEAD_LF -> headLineFeed(in, end);
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

    private boolean method(byte[] in, int end) {
        int p = pos;
        while (p < end && HttpChars.METHOD[in[p] & 0xFF]) {
            p++;
        }
        pos = p;
        if (p == end) {
            return false;
        }
        if (in[p] != ' ' || p == 0) {
            return error(400, "method: invalid byte at " + p + " (expected: upper-case token SP)");
        }
        methodEnd = p;
        targetStart = p + 1;
        queryMark = -1;
        fragmentMark = -1;
        pos = targetStart;
        state = State.TARGET;
        return true;
    }

    private boolean target(byte[] in, int end) {
        int p = pos;
        for (;;) {
            while (p < end && HttpChars.TARGET_PLAIN[in[p] & 0xFF]) {
                p++;
            }
            pos = p;
            if (p == end) {
                return false;
            }
            int c = in[p];
            if (c == '?') {
                if (queryMark < 0 && fragmentMark < 0) {
                    queryMark = p;
                }
            } else if (c == '#') {
                if (fragmentMark < 0) {
                    fragmentMark = p;
                }
            } else if (c != ' ' || p == targetStart) {
                return error(400, "request-target: invalid byte at " + p + " (expected: VCHAR)");
            } else {
                targetEnd = p;
                pos = p + 1;
                state = State.VERSION;
                return true;
            }
            p++;
        }
    }

    private boolean version(byte[] in, int end) {
        int start = targetEnd + 1;
        for (int p = pos; p < end; p++) {
            int c = in[p];
            if (c == '\r') {
                pos = p + 1;
                return checkVersion(in, start, p - start);
            }
            if (p - start >= 8 || c <= ' ' || c >= 0x7F) {
                return error(400, "HTTP-version: malformed (expected: HTTP/DIGIT.DIGIT CRLF)");
            }
        }
        pos = end;
        return false;
    }

    private boolean checkVersion(byte[] in, int at, int len) {
        if (len != 8 || in[at] != 'H' || in[at + 1] != 'T' || in[at + 2] != 'T'
                || in[at + 3] != 'P' || in[at + 4] != '/' || !isDigit(in[at + 5])
                || in[at + 6] != '.' || !isDigit(in[at + 7])) {
            return error(400, "HTTP-version: malformed (expected: HTTP/DIGIT.DIGIT)");
        }
        if (in[at + 5] != '1' || in[at + 7] > '1') {
            return error(505, "HTTP-version: unsupported (expected: HTTP/1.0 or HTTP/1.1)");
        }
        minorVersion = in[at + 7] - '0';
        state = State.LINE_LF;
        return true;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private boolean lineFeed(byte[] in, int end) {
        if (pos >= end) {
            return false;
        }
        if (in[pos] != '\n') {
            return error(400, "request line: bare CR (expected: CRLF)");
        }
        pos++;
        if (pos > maxRequestLine) {
            return error(414, "request line: " + pos + " bytes (expected: <= " + maxRequestLine + ")");
        }
        return nextLine(target.check(in, methodEnd, targetStart, targetEnd, queryMark, fragmentMark));
    }

    private boolean fieldStart(byte[] in, int end) {
        if (pos >= end) {
            return false;
        }
        int c = in[pos];
        if (c == '\r') {
            pos++;
            state = State.HEAD_LF;
            return true;
        }
        if (c == ' ' || c == '\t') {
            return error(400, "field line: obs-fold (expected: no line folding, RFC 9112 section 5.2)");
        }
        state = State.FIELD_NAME;
        return true;
    }

    private boolean fieldName(byte[] in, int end) {
        int p = pos;
        while (p < end && HttpChars.TCHAR[in[p] & 0xFF]) {
            p++;
        }
        pos = p;
        if (p == end) {
            return false;
        }
        if (in[p] != ':' || p == lineStart) {
            return error(400, "field-name: invalid byte at " + p + " (expected: token \":\")");
        }
        nameEnd = p;
        pos = p + 1;
        state = State.FIELD_VALUE;
        return true;
    }

    private boolean fieldValue(byte[] in, int end) {
        int p = pos;
        while (p < end && HttpChars.VALUE[in[p] & 0xFF]) {
            p++;
        }
        pos = p;
        if (p == end) {
            return false;
        }
        if (in[p] != '\r') {
            return error(400, "field-value: invalid byte at " + p + " (expected: VCHAR, SP, HTAB)");
        }
        // the value is trimmed once it is complete (RFC 9110 section 5.5: OWS is not part of it)
        int start = nameEnd + 1;
        while (start < p && isOws(in[start])) {
            start++;
        }
        int last = p;
        while (last > start && isOws(in[last - 1])) {
            last--;
        }
        valueStart = start;
        valueEnd = last;
        pos = p + 1;
        state = State.FIELD_LF;
        return true;
    }

    private static boolean isOws(byte c) {
        return c == ' ' || c == '\t';
    }

    private boolean fieldLineFeed(byte[] in, int end) {
        if (pos >= end) {
            return false;
        }
        if (in[pos] != '\n') {
            return error(400, "field line: bare CR (expected: CRLF)");
        }
        pos++;
        if (pos - lineStart > maxFieldSize) {
            return error(431, "field line: " + (pos - lineStart) + " bytes (expected: <= " + maxFieldSize + ")");
        }
        if (fields.count >= maxFields) {
            return error(431, "fields: over " + maxFields + " (expected: <= " + maxFields + ")");
        }
        return nextLine(fields.add(in, lineStart, nameEnd, valueStart, valueEnd));
    }

    /** Ends the request line or a field line: its check's failure fails the head, else a field begins. */
    private boolean nextLine(HttpFailure bad) {
        if (bad != null) {
            failure = bad;
            state = State.FAILED;
            return false;
        }
        lineStart = pos;
        state = State.FIELD_START;
        return true;
    }

    private boolean headLineFeed(byte[] in, int end) {
        if (pos >= end) {
            return false;
        }
        if (in[pos] != '\n') {
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
        RequestHead decoded = encoder.encode(in.alloc(), head, this, target, fields, conn);
        in.skipBytes(pos);
        state = State.SKIP_EMPTY_LINES;
        pos = 0;
        copied = 0;
        fields.reset();
        if (head.length > KEEP_COPY) {
            head = new byte[INITIAL_COPY];
        }
        return new Head(decoded);
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
