package dev.regent.protocol.http;

import io.netty.buffer.ByteBuf;
import java.util.Locale;
import java.util.Set;

/**
 * Decodes a chunked request body (RFC 9112 section 7.1), handing out the chunk data as retained
 * slices of the receive buffer (no copy). Extensions and trailer fields are checked and discarded:
 * WSGI has no way to give them to the application.
 *
 * <pre>
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size   = 1*HEXDIG                     no sign, no OWS before it, no "_"
 *   chunk-ext    = *( BWS ";" ... )             ";" must follow the digits or BWS; no CTL, no bare CR
 *   last-chunk   = 1*"0" [ chunk-ext ] CRLF
 *
 *   "5;a=b\r\nhello\r\n" "0\r\n" "Vary: *\r\n" "\r\n"
 *    SIZE/EXT  DATA  DATA_CRLF  SIZE  TRAILER    TRAILER (empty line: END)
 * </pre>
 *
 * <p>Call order: after a head with chunked framing, call {@link #decode} whenever bytes arrive until it
 * returns {@link Signal#END} (the reader index is then just past the body, at the next pipelined
 * request) or an {@link HttpFailure} (answer it and close). Then {@link #reset()} before the next
 * chunked body. Unlike the head decoder, this one consumes every byte it has looked at.
 *
 * <p>Limits: {@code maxBody} ({@code limit-post}), the sum of chunk sizes, default 0 = unlimited,
 * exceeding it is 413 as soon as a chunk size says so; {@code maxLineSize}, one chunk-size line or
 * trailer line with its CRLF, default {@value #DEFAULT_MAX_LINE}; {@code maxTrailerSize}, all trailer
 * lines together, default {@value #DEFAULT_MAX_TRAILER}. Both line limits answer 400.
 */
public final class ChunkedBodyDecoder {

    /** Default largest chunk-size or trailer line, in bytes with its CRLF. */
    public static final int DEFAULT_MAX_LINE = 4096;
    /** Default largest trailer section, in bytes. */
    public static final int DEFAULT_MAX_TRAILER = 8190;

    /** Fields that must not arrive as trailers (RFC 9110 section 6.5.1): they frame, route or authorize. */
    private static final Set<String> FORBIDDEN_TRAILERS = Set.of(
            "content-length", "transfer-encoding", "host", "trailer", "te", "connection", "keep-alive", "upgrade",
            "proxy-connection", "expect", "authorization", "proxy-authorization", "cookie", "set-cookie",
            "content-encoding", "content-range", "range", "max-forwards");
    private static final long MAX_SIZE_BEFORE_SHIFT = Long.MAX_VALUE >>> 4;

    /** What {@link #decode} found: {@link Data}, a {@link Signal} or an {@link HttpFailure}. */
    public sealed interface Result permits Data, Signal, HttpFailure {
    }

    /** Body bytes: a retained slice that the receiver must release. */
    public record Data(ByteBuf content) implements Result {
    }

    /** No data in this call: more input is needed, or the body has ended. */
    public enum Signal implements Result {
        NEED_MORE,
        END
    }

    private enum State { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER, END, FAILED }

    private final long maxBody;
    private final int maxLineSize;
    private final int maxTrailerSize;

    private State state = State.SIZE;
    private long chunkSize;
    private int digits;
    private int lineSize;
    private int trailerSize;
    private long total;
    private boolean extensionSpace;
    private boolean extensionBody;
    private HttpFailure failure;
    private int trailerScanned;

    /** A decoder with the given {@code limit-post} (0 = unlimited) and the default line limits. */
    public ChunkedBodyDecoder(long maxBody) {
        this(maxBody, DEFAULT_MAX_LINE, DEFAULT_MAX_TRAILER);
    }

    /**
     * @param maxBody        largest decoded body, 0 = unlimited (default 0); 413 beyond
     * @param maxLineSize    largest chunk-size or trailer line with CRLF (default {@value #DEFAULT_MAX_LINE})
     * @param maxTrailerSize largest trailer section (default {@value #DEFAULT_MAX_TRAILER})
     */
    public ChunkedBodyDecoder(long maxBody, int maxLineSize, int maxTrailerSize) {
        if (maxBody < 0 || maxLineSize <= 0 || maxTrailerSize <= 0) {
            throw new IllegalArgumentException("limits: " + maxBody + ", " + maxLineSize + ", " + maxTrailerSize
                    + " (expected: maxBody >= 0, line and trailer sizes > 0)");
        }
        this.maxBody = maxBody;
        this.maxLineSize = maxLineSize;
        this.maxTrailerSize = maxTrailerSize;
    }

    /** Prepares for the next chunked body. */
    public void reset() {
        state = State.SIZE;
        chunkSize = 0;
        digits = 0;
        lineSize = 0;
        trailerSize = 0;
        total = 0;
        extensionSpace = false;
        extensionBody = false;
        trailerScanned = 0;
        failure = null;
    }

    /** Body bytes decoded so far. */
    public long bodyBytes() {
        return total;
    }

    /** Consumes what it can of {@code in}; see the class comment for what each result means. */
    public Result decode(ByteBuf in) {
        for (;;) {
            switch (state) {
                case SIZE, EXTENSION, SIZE_LF -> {
                    if (!sizeLine(in)) {
                        return pending();
                    }
                }
                case DATA -> {
                    if (!in.isReadable()) {
                        return Signal.NEED_MORE;
                    }
                    int n = (int) Math.min(chunkSize, in.readableBytes());
                    chunkSize -= n;
                    if (chunkSize == 0) {
                        state = State.DATA_CR;
                    }
                    return new Data(in.readRetainedSlice(n));
                }
                case DATA_CR, DATA_LF -> {
                    if (!dataEnd(in)) {
                        return pending();
                    }
                }
                case TRAILER -> {
                    if (!trailerLine(in)) {
                        return pending();
                    }
                }
                case END -> {
                    return Signal.END;
                }
                default -> throw new IllegalStateException("state: " + state + " (expected: reset() after a failure)");
            }
        }
    }

    private Result pending() {
        if (state == State.FAILED) {
            return failure;
        }
        return state == State.END ? Signal.END : Signal.NEED_MORE;
    }

    private boolean fail(int status, String message) {
        failure = new HttpFailure(status, message);
        state = State.FAILED;
        return false;
    }

    private boolean sizeLine(ByteBuf in) {
        while (in.isReadable()) {
            int c = in.readByte() & 0xFF;
            if (++lineSize > maxLineSize) {
                return fail(400, "chunk-size line: over " + maxLineSize + " bytes (expected: <= " + maxLineSize + ")");
            }
            if (state == State.SIZE_LF) {
                return c == '\n' ? sizeDone() : fail(400, "chunk-size line: bare CR (expected: CRLF)");
            }
            if (state == State.SIZE) {
                int hex = HttpChars.hexValue(c);
                if (hex >= 0) {
                    if (chunkSize > MAX_SIZE_BEFORE_SHIFT) {
                        return fail(400, "chunk-size: overflow (expected: < 2^63)");
                    }
                    chunkSize = chunkSize << 4 | hex;
                    digits++;
                    continue;
                }
                if (digits == 0) {
                    return fail(400, "chunk-size: not hex (expected: 1*HEXDIG)");
                }
                state = State.EXTENSION;
                extensionSpace = false;
                extensionBody = false;
            }
            if (!extension(c)) {
                return false;
            }
        }
        return false;
    }

    /** One byte after the digits: BWS, then ";" and the extension text, up to CR. */
    private boolean extension(int c) {
        if (extensionBody) {
            if (c == '\r') {
                state = State.SIZE_LF;
                return true;
            }
            return HttpChars.VALUE[c] || fail(400, "chunk-ext: invalid byte (expected: VCHAR, SP, HTAB)");
        }
        if (c == ' ' || c == '\t') {
            extensionSpace = true;
            return true;
        }
        if (c == ';') {
            extensionBody = true;
            return true;
        }
        if (c == '\r' && !extensionSpace) {
            state = State.SIZE_LF;
            return true;
        }
        // "5 \r\n" or "6_0": whitespace that introduces nothing, or garbage after the digits
        return fail(400, "chunk-size: invalid byte after digits (expected: HEXDIG, \";\" or CRLF)");
    }

    private boolean sizeDone() {
        lineSize = 0;
        digits = 0;
        if (chunkSize == 0) {
            state = State.TRAILER;
            trailerScanned = 0;
            return true;
        }
        if (maxBody > 0 && chunkSize > maxBody - total) {
            return fail(413, "body: over limit-post (expected: <= " + maxBody + " bytes)");
        }
        total += chunkSize;
        state = State.DATA;
        return true;
    }

    private boolean dataEnd(ByteBuf in) {
        while (in.isReadable()) {
            int c = in.readByte();
            if (state == State.DATA_CR) {
                if (c != '\r') {
                    return fail(400, "chunk-data: not followed by CRLF (expected: CRLF)");
                }
                state = State.DATA_LF;
            } else {
                if (c != '\n') {
                    return fail(400, "chunk-data: bare CR (expected: CRLF)");
                }
                state = State.SIZE;
                return true;
            }
        }
        return false;
    }

    private boolean trailerLine(ByteBuf in) {
        int start = in.readerIndex();
        int lf = in.indexOf(start + trailerScanned, in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            trailerScanned = in.readableBytes();
            if (trailerScanned >= maxLineSize || trailerSize + trailerScanned >= maxTrailerSize) {
                return fail(400, "trailer section: over limit (expected: <= " + maxTrailerSize + " bytes)");
            }
            return false;
        }
        int len = lf + 1 - start;
        trailerScanned = 0;
        trailerSize += len;
        if (len > maxLineSize || trailerSize > maxTrailerSize) {
            return fail(400, "trailer section: over limit (expected: <= " + maxTrailerSize + " bytes)");
        }
        if (len < 2 || in.getByte(lf - 1) != '\r') {
            return fail(400, "trailer line: bare LF (expected: CRLF)");
        }
        if (len == 2) {
            in.skipBytes(2);
            state = State.END;
            return true;
        }
        if (!validTrailer(in, start, lf - 1)) {
            return false;
        }
        in.skipBytes(len);
        return true;
    }

    private boolean validTrailer(ByteBuf in, int start, int cr) {
        int colon = start;
        while (colon < cr && HttpChars.TCHAR[in.getByte(colon) & 0xFF]) {
            colon++;
        }
        if (colon == start || colon == cr || in.getByte(colon) != ':') {
            return fail(400, "trailer field-name: invalid (expected: token \":\")");
        }
        for (int p = colon + 1; p < cr; p++) {
            if (!HttpChars.VALUE[in.getByte(p) & 0xFF]) {
                return fail(400, "trailer field-value: invalid byte (expected: VCHAR, SP, HTAB)");
            }
        }
        String name = in.toString(start, colon - start, java.nio.charset.StandardCharsets.US_ASCII);
        if (FORBIDDEN_TRAILERS.contains(name.toLowerCase(Locale.ROOT))) {
            return fail(400, "trailer field: forbidden name (expected: no framing, routing or auth fields)");
        }
        return true;
    }
}
