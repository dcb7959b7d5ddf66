package dev.regent.protocol.environ;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

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
 * nothing is decoded on either side.
 *
 * <p>Call order: {@link #begin}, any puts, {@link #end}. The dict is assembled in a private array and
 * copied to the target once, by {@code end()}: a ByteBuf write checks bounds and reference count on
 * every call, which costs more than the copy for the thirty-odd small strings of an environ. One
 * instance serves every request of a connection (not thread-safe).
 */
public final class EnvironWriter {

    private static final byte DICT_START = '{';
    private static final byte DICT_END = '0';
    private static final byte SHORT_ASCII = 'z';
    private static final byte ASCII = 'a';
    private static final int SHORT_MAX = 255;
    private static final byte[] HTTP_PREFIX = {'H', 'T', 'T', 'P', '_'};
    /** Scratch kept between requests up to this size; a larger one (a huge head) is dropped after use. */
    private static final int KEEP_SCRATCH = 16384;

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

    private ByteBuf target;
    private byte[] buf = new byte[1024];
    private int len;

    /** Starts a dict for {@code target}; every following put goes there, in one copy, at {@link #end()}. */
    public EnvironWriter begin(ByteBuf target) {
        // a dict left open by a caller that failed half way is simply forgotten
        this.target = target;
        len = 0;
        buf[len++] = DICT_START;
        return this;
    }

    /** Closes the dict, appends it to the target and returns the target. */
    public ByteBuf end() {
        ByteBuf done = checkOpen();
        ensure(1);
        buf[len++] = DICT_END;
        target = null;
        try {
            done.writeBytes(buf, 0, len);
        } finally {
            if (buf.length > KEEP_SCRATCH) {
                buf = new byte[1024];
            }
        }
        return done;
    }

    /** Forgets a dict being written, for a caller that gives up half way (nothing reaches the target). */
    public void abandon() {
        target = null;
    }

    /** Adds {@code key: value}, both given as bytes. */
    public EnvironWriter put(byte[] key, byte[] value) {
        return putString(key).putString(value, 0, value.length);
    }

    /** Adds {@code key: value} where the value is {@code length} bytes of {@code src} at {@code index}. */
    public EnvironWriter put(byte[] key, ByteBuf src, int index, int length) {
        return putString(key).putString(src, index, length);
    }

    /** Adds {@code key: value} where the value is {@code length} bytes of {@code src} at {@code offset}. */
    public EnvironWriter put(byte[] key, byte[] src, int offset, int length) {
        return putString(key).putString(src, offset, length);
    }

    /** Writes one string (a key or a value) from bytes. */
    public EnvironWriter putString(byte[] bytes) {
        return putString(bytes, 0, bytes.length);
    }

    /** Writes one string from a range of an array. */
    public EnvironWriter putString(byte[] src, int offset, int length) {
        stringHeader(length);
        System.arraycopy(src, offset, buf, len, length);
        len += length;
        return this;
    }

    /** Writes one string (a key or a value) from a range of {@code src}, without moving its indexes. */
    public EnvironWriter putString(ByteBuf src, int index, int length) {
        stringHeader(length);
        src.getBytes(index, buf, len, length);
        len += length;
        return this;
    }

    /**
     * Writes the CGI key of a request header: {@code HTTP_} followed by the name in upper case with
     * {@code '-'} replaced by {@code '_'} (RFC 3875 section 4.1.18).
     */
    public EnvironWriter putHeaderKey(byte[] src, int offset, int length) {
        stringHeader(HTTP_PREFIX.length + length);
        System.arraycopy(HTTP_PREFIX, 0, buf, len, HTTP_PREFIX.length);
        int p = len + HTTP_PREFIX.length;
        for (int i = offset, last = offset + length; i < last; i++) {
            buf[p++] = CGI_NAME[src[i] & 0xFF];
        }
        len = p;
        return this;
    }

    /** As {@link #putHeaderKey(byte[], int, int)}, from a range of {@code src}. */
    public EnvironWriter putHeaderKey(ByteBuf src, int index, int length) {
        stringHeader(HTTP_PREFIX.length + length);
        System.arraycopy(HTTP_PREFIX, 0, buf, len, HTTP_PREFIX.length);
        int p = len + HTTP_PREFIX.length;
        src.getBytes(index, buf, p, length);
        for (int last = p + length; p < last; p++) {
            buf[p] = CGI_NAME[buf[p] & 0xFF];
        }
        len = p;
        return this;
    }

    /**
     * Writes the type code and length of a string whose {@code length} bytes the caller then adds with
     * {@link #append}; for values assembled from pieces (repeated headers, decoded paths).
     */
    public EnvironWriter stringHeader(int length) {
        checkOpen();
        ensure(5 + length);
        if (length <= SHORT_MAX) {
            buf[len] = SHORT_ASCII;
            buf[len + 1] = (byte) length;
            len += 2;
        } else {
            buf[len] = ASCII;
            buf[len + 1] = (byte) length;
            buf[len + 2] = (byte) (length >>> 8);
            buf[len + 3] = (byte) (length >>> 16);
            buf[len + 4] = (byte) (length >>> 24);
            len += 5;
        }
        return this;
    }

    /** Adds bytes announced by {@link #stringHeader(int)} (space for them is already reserved). */
    public EnvironWriter append(byte[] src, int offset, int length) {
        System.arraycopy(src, offset, buf, len, length);
        len += length;
        return this;
    }

    /** Adds one byte announced by {@link #stringHeader(int)}. */
    public EnvironWriter append(int b) {
        buf[len++] = (byte) b;
        return this;
    }

    /** Adds bytes that are already marshal-encoded entries (key and value pairs prepared once). */
    public EnvironWriter putEncoded(byte[] entries) {
        checkOpen();
        ensure(entries.length);
        System.arraycopy(entries, 0, buf, len, entries.length);
        len += entries.length;
        return this;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    private ByteBuf checkOpen() {
        if (target == null) {
            throw new IllegalStateException("state: closed (expected: begin() before writing)");
        }
        return target;
    }
}
