package dev.regent.protocol.environ;

import io.netty.buffer.ByteBuf;

/**
 * Appends a WSGI environ to a {@link ByteBuf} as one Python {@code marshal} dict, using only the
 * four codes the worker channel allows (docs/worker-protocol.md, REQUEST frame):
 *
 * <pre>
 *   '{'                         dict start
 *     key value key value ...   every key and value is one of the two string forms below
 *   '0'                         end of dict
 *
 *   +-----+--------+-----------+      +-----+----------------+-----------+
 *   | 'z' | len u8 | len bytes |      | 'a' | len u32 (LE)   | len bytes |
 *   +-----+--------+-----------+      +-----+----------------+-----------+
 *     short ASCII, len &lt;= 255           ASCII, any length
 *
 *   example: {'PATH_INFO': '/hi'}
 *   7b  7a 09 "PATH_INFO"  7a 03 "/hi"  30
 * </pre>
 *
 * <p>Bytes are copied as they are. {@code marshal.loads} maps each byte of an ASCII-typed string to
 * the code point of the same value, so 0x80-0xFF arrive as the latin-1 characters PEP 3333 asks for;
 * nothing is decoded on either side. The writer is stateless apart from the target buffer, so one
 * instance can be reused for every request of a connection (not thread-safe).
 */
public final class EnvironWriter {

    private static final int DICT_START = '{';
    private static final int DICT_END = '0';
    private static final int SHORT_ASCII = 'z';
    private static final int ASCII = 'a';
    private static final int SHORT_MAX = 255;
    private static final byte[] HTTP_PREFIX = {'H', 'T', 'T', 'P', '_'};

    /** Maps a header-name byte to its CGI key byte: ASCII upper case, {@code '-'} to {@code '_'}. */
    private static final byte[] CGI_NAME = new byte[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            if (c >= 'a' && c <= 'z') {
                c -= 'a' - 'A';
            } else if (c == '-') {
                c = '_';
            }
            CGI_NAME[i] = (byte) c;
        }
    }

    private ByteBuf out;

    /** Starts a dict in {@code target}; every following put goes there until {@link #end()}. */
    public EnvironWriter begin(ByteBuf target) {
        out = target;
        out.writeByte(DICT_START);
        return this;
    }

    /** Closes the dict and returns the buffer it was written to. */
    public ByteBuf end() {
        ByteBuf done = checkOpen();
        done.writeByte(DICT_END);
        out = null;
        return done;
    }

    /** Adds {@code key: value}, both given as bytes. */
    public EnvironWriter put(byte[] key, byte[] value) {
        putString(key);
        putString(value);
        return this;
    }

    /** Adds {@code key: value} where the value is {@code length} bytes of {@code src} at {@code index}. */
    public EnvironWriter put(byte[] key, ByteBuf src, int index, int length) {
        putString(key);
        putString(src, index, length);
        return this;
    }

    /** Writes one string (a key or a value) from bytes. */
    public EnvironWriter putString(byte[] bytes) {
        stringHeader(bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    /** Writes one string (a key or a value) from a range of {@code src}, without moving its indexes. */
    public EnvironWriter putString(ByteBuf src, int index, int length) {
        stringHeader(length);
        out.writeBytes(src, index, length);
        return this;
    }

    /**
     * Writes the CGI key of a request header: {@code HTTP_} followed by the name in upper case with
     * {@code '-'} replaced by {@code '_'} (RFC 3875 section 4.1.18).
     */
    public EnvironWriter putHeaderKey(ByteBuf src, int index, int length) {
        stringHeader(HTTP_PREFIX.length + length);
        out.writeBytes(HTTP_PREFIX);
        for (int i = index, last = index + length; i < last; i++) {
            out.writeByte(CGI_NAME[src.getByte(i) & 0xFF]);
        }
        return this;
    }

    /**
     * Writes the type code and length of a string whose {@code length} bytes the caller then appends
     * with {@link #raw()}; used for values assembled from pieces (repeated headers, decoded paths).
     */
    public EnvironWriter stringHeader(int length) {
        ByteBuf target = checkOpen();
        if (length <= SHORT_MAX) {
            target.writeByte(SHORT_ASCII);
            target.writeByte(length);
        } else {
            target.writeByte(ASCII);
            target.writeIntLE(length);
        }
        return this;
    }

    /** The buffer being written, for appending the bytes announced by {@link #stringHeader(int)}. */
    public ByteBuf raw() {
        return checkOpen();
    }

    private ByteBuf checkOpen() {
        if (out == null) {
            throw new IllegalStateException("state: closed (expected: begin() before writing)");
        }
        return out;
    }
}
