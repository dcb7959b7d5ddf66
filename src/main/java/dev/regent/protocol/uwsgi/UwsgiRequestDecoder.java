package dev.regent.protocol.uwsgi;

import dev.regent.protocol.RequestHead;
import dev.regent.protocol.RequestHead.BodyFraming;
import dev.regent.protocol.environ.EnvironWriter;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Decoded;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Failure;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Rejected;
import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes the request packet that nginx ({@code uwsgi_pass}) and Apache
 * ({@code mod_proxy_uwsgi}) send on a uwsgi socket into a {@link RequestHead} whose environ is
 * the marshal dict of docs/worker-protocol.md. A plain parser, not a Netty handler: the
 * connection handler accumulates bytes and calls {@link #decode} until it returns something
 * other than {@link UwsgiDecodeResult#NEED_MORE}.
 *
 * <pre>
 * header (4 bytes), then datasize bytes of vars, then the body (CONTENT_LENGTH bytes, raw)
 * +-----------+------------------+-----------+
 * | modifier1 | datasize u16 LE  | modifier2 |
 * +-----------+------------------+-----------+
 * vars: repeated until datasize is used up exactly
 * +--------------+---------------+--------------+-----------------+
 * | klen u16 LE  | key (klen)    | vlen u16 LE  | value (vlen)    |
 * +--------------+---------------+--------------+-----------------+
 * </pre>
 *
 * <p>A worked example: {@code GET /hi} with two vars.
 * <pre>
 * 00                         modifier1 0 (WSGI)
 * 1f 00                      datasize 31
 * 00                         modifier2
 * 0e 00 "REQUEST_METHOD"     klen 14, key
 * 03 00 "GET"                vlen 3, value
 * 09 00 "PATH_INFO"          klen 9, key
 * 03 00 "/hi"                vlen 3, value       (4 + 31 = 35 bytes; the body would follow)
 * </pre>
 * becomes the environ {@code {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/hi', 'SCRIPT_NAME': '',
 * 'QUERY_STRING': '', 'SERVER_NAME': ..., 'SERVER_PORT': ..., 'REMOTE_ADDR': ...,
 * 'wsgi.url_scheme': 'http'}} and {@link BodyFraming#NONE}.
 *
 * <p>The vars already are CGI variables, so they are copied byte for byte, in packet order.
 * The decoder only interprets a few of them (see {@link UwsgiVar}):
 * <ul>
 * <li>modifier1 0 is WSGI; 30 is WSGI with SCRIPT_NAME stripped from the front of PATH_INFO
 *     (a plain prefix, as uWSGI does); any other modifier is rejected. modifier2 is ignored.
 * <li>CONTENT_LENGTH gives the body length: its leading digits, else 0 (no body).
 * <li>wsgi.url_scheme is computed, never forwarded: {@code https} when UWSGI_SCHEME says
 *     {@code https}, or (without a UWSGI_SCHEME of {@code http}/{@code https}) when HTTPS is
 *     {@code on} or {@code 1}; otherwise {@code http}.
 * <li>SCRIPT_NAME, PATH_INFO and QUERY_STRING default to empty; SERVER_NAME, SERVER_PORT and
 *     REMOTE_ADDR default to the connection's addresses ({@link UwsgiConnectionInfo}).
 * <li>Code-loading uWSGI variables (UWSGI_SCRIPT, UWSGI_CHDIR, ...) are dropped and reported
 *     in {@link Decoded#droppedVars()}.
 * <li>The {@link RequestHead}: never keep-alive (one request per connection, as uWSGI's
 *     {@code socket}), never {@code Expect: 100-continue} (the proxy handled it); {@code http10}
 *     is true when the response's status line says HTTP/1.0, that is when SERVER_PROTOCOL is
 *     HTTP/1.0, missing or not one {@link UwsgiResponseHead} echoes; method and uri (REQUEST_URI,
 *     else PATH_INFO and QUERY_STRING) are for the request log.
 * <li>Duplicated keys: the first REMOTE_ADDR wins (the one the proxy put first); for every
 *     other key the last one wins, both for the decoder and for the app (marshal builds the
 *     dict in order, so a later duplicate overwrites an earlier one).
 * </ul>
 *
 * <table>
 * <caption>Limits</caption>
 * <tr><th>limit</th><th>default</th><th>on violation</th></tr>
 * <tr><td>{@code bufferSize}: largest datasize</td><td>65536 (datasize is u16: 65535 at most)</td>
 *     <td>{@link Failure#MALFORMED}, checked from the header alone</td></tr>
 * <tr><td>{@code maxVars}: most vars in one packet</td><td>1024</td><td>{@link Failure#MALFORMED}</td></tr>
 * <tr><td>{@code limitPost}: largest CONTENT_LENGTH, 0 = none</td><td>0</td>
 *     <td>{@link Failure#BODY_TOO_LARGE}</td></tr>
 * </table>
 * The whole vars block is validated before anything is allocated, so a rejected packet costs
 * no allocation.
 *
 * <p>Call order: {@link #decode} until a result other than NEED_MORE; then the decoder is
 * finished and another call throws {@link IllegalStateException} until {@link #reset()}. One
 * instance serves one connection and is not thread-safe.
 */
public final class UwsgiRequestDecoder {

    /** Default and largest useful {@code buffer-size}. */
    public static final int DEFAULT_BUFFER_SIZE = 65536;
    /** Default bound of the number of vars in one packet. */
    public static final int DEFAULT_MAX_VARS = 1024;

    static final int HEADER_LENGTH = 4;
    static final int MODIFIER_WSGI = 0;
    static final int MODIFIER_WSGI_STRIP_SCRIPT_NAME = 30;

    private static final byte[] HTTP = ascii("http");
    private static final byte[] HTTPS = ascii("https");
    private static final byte[] ON = ascii("on");
    private static final byte[] HEAD = ascii("HEAD");
    private static final byte[] EMPTY = new byte[0];
    private static final String[] COMMON_METHODS = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"};
    private static final byte[][] COMMON_METHOD_BYTES =
            Arrays.stream(COMMON_METHODS).map(UwsgiRequestDecoder::ascii).toArray(byte[][]::new);
    /** Room for the variables the decoder adds, beyond the copied block. */
    private static final int ENVIRON_SLACK = 256;

    private enum State { HEADER, VARS, DONE }

    private final EnvironWriter environ = new EnvironWriter();
    private final int bufferSize;
    private final long limitPost;
    private final int maxVars;

    private State state = State.HEADER;
    private int modifier1;
    private int datasize;

    // Filled by scan(): where the winning value of each UwsgiVar is (index -1 = absent), and
    // the key indexes of the vars not to copy, in packet order.
    private final int[] valueIndex = new int[UwsgiVar.COUNT];
    private final int[] valueLength = new int[UwsgiVar.COUNT];
    private int[] skipped = new int[8];
    private int skippedCount;
    private int varCount;
    private List<String> dropped;

    /** A decoder with the default limits and no {@code limit-post}. */
    public UwsgiRequestDecoder() {
        this(DEFAULT_BUFFER_SIZE, 0, DEFAULT_MAX_VARS);
    }

    /**
     * @param bufferSize largest vars block accepted ({@code buffer-size})
     * @param limitPost  largest CONTENT_LENGTH accepted, 0 = unlimited ({@code limit-post})
     * @param maxVars    largest number of vars in one packet ({@code max-vars})
     */
    public UwsgiRequestDecoder(int bufferSize, long limitPost, int maxVars) {
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("bufferSize: " + bufferSize + " (expected: > 0)");
        }
        if (limitPost < 0) {
            throw new IllegalArgumentException("limitPost: " + limitPost + " (expected: >= 0)");
        }
        if (maxVars <= 0) {
            throw new IllegalArgumentException("maxVars: " + maxVars + " (expected: > 0)");
        }
        this.bufferSize = bufferSize;
        this.limitPost = limitPost;
        this.maxVars = maxVars;
    }

    /**
     * Decodes as much of the packet as {@code in} holds. Consumes the header and vars only once
     * the whole vars block is readable; on {@link Decoded} the reader index is at the body.
     * The environ is allocated from {@code in.alloc()}.
     *
     * @throws IllegalStateException when called after a final result without {@link #reset()}
     */
    public UwsgiDecodeResult decode(ByteBuf in, UwsgiConnectionInfo connection) {
        try {
            for (;;) {
                switch (state) {
                    case HEADER -> {
                        if (!decodeHeader(in)) {
                            return UwsgiDecodeResult.NEED_MORE;
                        }
                    }
                    case VARS -> {
                        if (!decodeVars(in)) {
                            return UwsgiDecodeResult.NEED_MORE;
                        }
                        state = State.DONE;
                        return buildResult(in, connection);
                    }
                    default -> throw new IllegalStateException("state: " + state);
                }
            }
        } catch (Rejection e) {
            state = State.DONE;
            return new Rejected(e.failure, e.getMessage());
        }
    }

    /** Makes the decoder ready for a new packet (for connections that carry more than one). */
    public void reset() {
        state = State.HEADER;
        modifier1 = 0;
        datasize = 0;
        skippedCount = 0;
        varCount = 0;
        dropped = null;
    }

    private boolean decodeHeader(ByteBuf in) throws Rejection {
        if (in.readableBytes() < HEADER_LENGTH) {
            return false;
        }
        int start = in.readerIndex();
        int mod1 = in.getUnsignedByte(start);
        if (mod1 != MODIFIER_WSGI && mod1 != MODIFIER_WSGI_STRIP_SCRIPT_NAME) {
            throw new Rejection(Failure.MALFORMED, "unavailable modifier requested: " + mod1);
        }
        int size = in.getUnsignedShortLE(start + 1);
        if (size > bufferSize) {
            throw new Rejection(Failure.MALFORMED,
                    "uwsgi block size: " + size + " (expected: <= " + bufferSize + ")");
        }
        modifier1 = mod1;
        datasize = size;
        in.skipBytes(HEADER_LENGTH);
        state = State.VARS;
        return true;
    }

    private boolean decodeVars(ByteBuf in) throws Rejection {
        if (in.readableBytes() < datasize) {
            return false;
        }
        scan(in, in.readerIndex(), in.readerIndex() + datasize);
        return true;
    }

    /** Validates the vars block and records where the interpreted vars are. Allocates nothing. */
    private void scan(ByteBuf in, int start, int end) throws Rejection {
        Arrays.fill(valueIndex, -1);
        skippedCount = 0;
        varCount = 0;
        dropped = null;
        int pos = start;
        while (pos < end) {
            if (++varCount > maxVars) {
                throw new Rejection(Failure.MALFORMED, "uwsgi vars: more than " + maxVars
                        + " (expected: <= " + maxVars + ")");
            }
            int keyLength = readLength(in, pos, end, "key");
            int keyIndex = pos + 2;
            if (keyLength == 0) {
                throw malformed("key length: 0 (expected: > 0)");
            }
            pos = keyIndex + keyLength;
            int length = readLength(in, pos, end, "value");
            int index = pos + 2;
            pos = index + length;
            UwsgiVar var = UwsgiVar.find(in, keyIndex, keyLength);
            if (var != null) {
                record(var, keyIndex, index, length);
            }
        }
    }

    /** Reads a u16 length at {@code pos} and checks that it and what it counts fit the block. */
    private int readLength(ByteBuf in, int pos, int end, String what) throws Rejection {
        if (end - pos < 2) {
            throw malformed(what + " length: truncated at var " + varCount
                    + " (expected: 2 bytes, " + (end - pos) + " left in the block)");
        }
        int length = in.getUnsignedShortLE(pos);
        int left = end - pos - 2;
        if (length > left) {
            throw malformed(what + " length: " + length + " at var " + varCount
                    + " (expected: <= " + left + " left in the block)");
        }
        return length;
    }

    private Rejection malformed(String reason) {
        return new Rejection(Failure.MALFORMED, reason);
    }

    private void record(UwsgiVar var, int keyIndex, int index, int length) {
        int i = var.ordinal();
        if (var.magic) {
            skip(keyIndex);
            if (dropped == null) {
                dropped = new ArrayList<>(2);
            }
            if (!dropped.contains(var.wireName)) {
                dropped.add(var.wireName);
            }
            return;
        }
        if (var == UwsgiVar.WSGI_URL_SCHEME
                || var == UwsgiVar.PATH_INFO && modifier1 == MODIFIER_WSGI_STRIP_SCRIPT_NAME) {
            skip(keyIndex); // written by the decoder itself
        } else if (var == UwsgiVar.REMOTE_ADDR && valueIndex[i] >= 0) {
            skip(keyIndex); // the first one wins
            return;
        }
        valueIndex[i] = index;
        valueLength[i] = length;
    }

    private void skip(int keyIndex) {
        if (skippedCount == skipped.length) {
            skipped = Arrays.copyOf(skipped, skippedCount * 2);
        }
        skipped[skippedCount++] = keyIndex;
    }

    private UwsgiDecodeResult buildResult(ByteBuf in, UwsgiConnectionInfo connection) throws Rejection {
        long contentLength = contentLength(in);
        int start = in.readerIndex();
        ByteBuf environ = writeEnviron(in, start, start + datasize, connection);
        in.skipBytes(datasize);

        int methodIndex = valueIndex[UwsgiVar.REQUEST_METHOD.ordinal()];
        int methodLength = valueLength[UwsgiVar.REQUEST_METHOD.ordinal()];
        boolean head = methodIndex >= 0 && methodLength == HEAD.length && UwsgiVar.matches(in, methodIndex, HEAD);
        int protocol = UwsgiVar.SERVER_PROTOCOL.ordinal();
        AsciiString prefix = valueIndex[protocol] < 0
                ? UwsgiResponseHead.statusLinePrefix()
                : UwsgiResponseHead.statusLinePrefix(in, valueIndex[protocol], valueLength[protocol]);
        RequestHead requestHead = new RequestHead(
                environ,
                contentLength > 0 ? BodyFraming.LENGTH : BodyFraming.NONE,
                contentLength > 0 ? contentLength : -1,
                false,
                false,
                head,
                prefix == UwsgiResponseHead.HTTP_1_0,
                logMethod(in, methodIndex, methodLength),
                logUri(in));
        return new Decoded(requestHead, prefix, dropped == null ? List.of() : dropped);
    }

    /** The leading digits of CONTENT_LENGTH (0 when absent or not a number), checked against limit-post. */
    private long contentLength(ByteBuf in) throws Rejection {
        int index = valueIndex[UwsgiVar.CONTENT_LENGTH.ordinal()];
        if (index < 0) {
            return 0;
        }
        int end = index + valueLength[UwsgiVar.CONTENT_LENGTH.ordinal()];
        long value = 0;
        for (int i = index; i < end; i++) {
            int digit = in.getByte(i) - '0';
            if (digit < 0 || digit > 9) {
                break;
            }
            if (value > (Long.MAX_VALUE - digit) / 10) {
                throw new Rejection(Failure.BODY_TOO_LARGE, "content length: over " + Long.MAX_VALUE
                        + " (expected: <= " + (limitPost > 0 ? limitPost : Long.MAX_VALUE) + ")");
            }
            value = value * 10 + digit;
        }
        if (limitPost > 0 && value > limitPost) {
            throw new Rejection(Failure.BODY_TOO_LARGE,
                    "content length: " + value + " (expected: <= " + limitPost + ")");
        }
        return value;
    }

    private ByteBuf writeEnviron(ByteBuf in, int start, int end, UwsgiConnectionInfo connection) {
        // Each var grows by at most 6 bytes: two 2-byte lengths become two 'a' + u32 headers.
        EnvironWriter out = environ.begin(in.alloc().buffer(datasize + 6 * varCount + ENVIRON_SLACK));
        int pos = start;
        int nextSkip = 0;
        while (pos < end) {
            int keyLength = in.getUnsignedShortLE(pos);
            int keyIndex = pos + 2;
            int valueLen = in.getUnsignedShortLE(keyIndex + keyLength);
            int valueIdx = keyIndex + keyLength + 2;
            pos = valueIdx + valueLen;
            if (nextSkip < skippedCount && skipped[nextSkip] == keyIndex) {
                nextSkip++;
                continue;
            }
            out.putString(in, keyIndex, keyLength).putString(in, valueIdx, valueLen);
        }
        if (modifier1 == MODIFIER_WSGI_STRIP_SCRIPT_NAME) {
            writeStrippedPathInfo(out, in);
        }
        writeDefault(out, UwsgiVar.SCRIPT_NAME, EMPTY);
        writeDefault(out, UwsgiVar.PATH_INFO, EMPTY);
        writeDefault(out, UwsgiVar.QUERY_STRING, EMPTY);
        if (valueIndex[UwsgiVar.SERVER_NAME.ordinal()] < 0) {
            out.put(UwsgiVar.SERVER_NAME.bytes, latin1(connection.serverName()));
        }
        if (valueIndex[UwsgiVar.SERVER_PORT.ordinal()] < 0) {
            out.put(UwsgiVar.SERVER_PORT.bytes, latin1(connection.serverPort()));
        }
        if (valueIndex[UwsgiVar.REMOTE_ADDR.ordinal()] < 0) {
            out.put(UwsgiVar.REMOTE_ADDR.bytes, latin1(connection.remoteAddr()));
        }
        out.put(UwsgiVar.WSGI_URL_SCHEME.bytes, isHttps(in) ? HTTPS : HTTP);
        return out.end();
    }

    /** Modifier 30: PATH_INFO without the SCRIPT_NAME it starts with (mounted apps behind nginx). */
    private void writeStrippedPathInfo(EnvironWriter out, ByteBuf in) {
        int path = valueIndex[UwsgiVar.PATH_INFO.ordinal()];
        if (path < 0) {
            return; // the default below writes ""
        }
        int pathLength = valueLength[UwsgiVar.PATH_INFO.ordinal()];
        int script = valueIndex[UwsgiVar.SCRIPT_NAME.ordinal()];
        int scriptLength = script < 0 ? 0 : valueLength[UwsgiVar.SCRIPT_NAME.ordinal()];
        if (scriptLength > 0 && scriptLength <= pathLength && sameBytes(in, path, script, scriptLength)) {
            path += scriptLength;
            pathLength -= scriptLength;
        }
        out.put(UwsgiVar.PATH_INFO.bytes, in, path, pathLength);
    }

    private boolean isHttps(ByteBuf in) {
        int scheme = valueIndex[UwsgiVar.UWSGI_SCHEME.ordinal()];
        if (scheme >= 0) {
            int length = valueLength[UwsgiVar.UWSGI_SCHEME.ordinal()];
            if (UwsgiVar.matchesIgnoreCase(in, scheme, length, HTTPS)) {
                return true;
            }
            if (UwsgiVar.matchesIgnoreCase(in, scheme, length, HTTP)) {
                return false;
            }
        }
        int https = valueIndex[UwsgiVar.HTTPS.ordinal()];
        if (https < 0) {
            return false;
        }
        int length = valueLength[UwsgiVar.HTTPS.ordinal()];
        return UwsgiVar.matchesIgnoreCase(in, https, length, ON) || length == 1 && in.getByte(https) == '1';
    }

    /** The method for the request log; the common ones without allocating. */
    private static String logMethod(ByteBuf in, int index, int length) {
        if (index < 0) {
            return "";
        }
        for (int i = 0; i < COMMON_METHODS.length; i++) {
            if (COMMON_METHOD_BYTES[i].length == length && UwsgiVar.matches(in, index, COMMON_METHOD_BYTES[i])) {
                return COMMON_METHODS[i];
            }
        }
        return in.toString(index, length, StandardCharsets.ISO_8859_1);
    }

    private String logUri(ByteBuf in) {
        int uri = valueIndex[UwsgiVar.REQUEST_URI.ordinal()];
        if (uri >= 0 && valueLength[UwsgiVar.REQUEST_URI.ordinal()] > 0) {
            return in.toString(uri, valueLength[UwsgiVar.REQUEST_URI.ordinal()], StandardCharsets.ISO_8859_1);
        }
        int path = valueIndex[UwsgiVar.PATH_INFO.ordinal()];
        String pathText = path < 0 ? ""
                : in.toString(path, valueLength[UwsgiVar.PATH_INFO.ordinal()], StandardCharsets.ISO_8859_1);
        int query = valueIndex[UwsgiVar.QUERY_STRING.ordinal()];
        if (query < 0 || valueLength[UwsgiVar.QUERY_STRING.ordinal()] == 0) {
            return pathText;
        }
        return pathText + '?'
                + in.toString(query, valueLength[UwsgiVar.QUERY_STRING.ordinal()], StandardCharsets.ISO_8859_1);
    }

    private void writeDefault(EnvironWriter out, UwsgiVar var, byte[] value) {
        if (valueIndex[var.ordinal()] < 0) {
            out.put(var.bytes, value);
        }
    }

    private static boolean sameBytes(ByteBuf buf, int a, int b, int length) {
        for (int i = 0; i < length; i++) {
            if (buf.getByte(a + i) != buf.getByte(b + i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Internal signal from the step methods; becomes a {@link Rejected} value in {@link #decode}. */
    private static final class Rejection extends Exception {
        final Failure failure;

        Rejection(Failure failure, String reason) {
            super(reason, null, false, false); // no stack trace: this is a value, not a bug
            this.failure = failure;
        }
    }
}
