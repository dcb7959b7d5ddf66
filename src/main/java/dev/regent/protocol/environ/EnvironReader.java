package dev.regent.protocol.environ;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * Looks up values in an environ written by {@link EnvironWriter} (a marshal dict of strings),
 * without consuming or copying the buffer. Linear scans: used only by features that are off
 * unless configured (static files' conditional headers, log-format variables), once or twice
 * per request, over a dict of a few hundred bytes.
 */
public final class EnvironReader {

    private EnvironReader() {
    }

    /** The value of {@code key} (latin-1, as PEP 3333 has it), or null when absent or malformed. */
    public static String get(ByteBuf environ, String key) {
        int at = environ.readerIndex();
        int end = environ.writerIndex();
        if (at >= end || environ.getByte(at) != '{') {
            return null;
        }
        at++;
        while (at < end && environ.getByte(at) != '0') {
            int keyStart = stringStart(environ, at);
            int keyLen = stringLength(environ, at);
            if (keyStart < 0) {
                return null;
            }
            int valueAt = keyStart + keyLen;
            int valueStart = stringStart(environ, valueAt);
            int valueLen = stringLength(environ, valueAt);
            if (valueStart < 0 || valueStart + valueLen > end) {
                return null;
            }
            if (keyLen == key.length() && equalsAscii(environ, keyStart, key)) {
                return environ.toString(valueStart, valueLen, StandardCharsets.ISO_8859_1);
            }
            at = valueStart + valueLen;
        }
        return null;
    }

    /** Calls {@code each} for every key and value, in order; returns the number of pairs. */
    public static int forEach(ByteBuf environ, BiConsumer<String, String> each) {
        int at = environ.readerIndex();
        int end = environ.writerIndex();
        if (at >= end || environ.getByte(at) != '{') {
            return 0;
        }
        at++;
        int n = 0;
        while (at < end && environ.getByte(at) != '0') {
            int keyStart = stringStart(environ, at);
            int keyLen = stringLength(environ, at);
            if (keyStart < 0) {
                return n;
            }
            int valueAt = keyStart + keyLen;
            int valueStart = stringStart(environ, valueAt);
            int valueLen = stringLength(environ, valueAt);
            if (valueStart < 0 || valueStart + valueLen > end) {
                return n;
            }
            if (each != null) {
                each.accept(environ.toString(keyStart, keyLen, StandardCharsets.ISO_8859_1),
                        environ.toString(valueStart, valueLen, StandardCharsets.ISO_8859_1));
            }
            n++;
            at = valueStart + valueLen;
        }
        return n;
    }

    private static int stringStart(ByteBuf b, int at) {
        if (at >= b.writerIndex()) {
            return -1;
        }
        byte code = b.getByte(at);
        if (code == 'z') {
            return at + 2;
        }
        if (code == 'a') {
            return at + 5;
        }
        return -1;
    }

    private static int stringLength(ByteBuf b, int at) {
        if (at >= b.writerIndex()) {
            return 0;
        }
        byte code = b.getByte(at);
        if (code == 'z' && at + 1 < b.writerIndex()) {
            return b.getUnsignedByte(at + 1);
        }
        if (code == 'a' && at + 4 < b.writerIndex()) {
            return b.getIntLE(at + 1);
        }
        return 0;
    }

    private static boolean equalsAscii(ByteBuf b, int at, String key) {
        for (int i = 0; i < key.length(); i++) {
            if (b.getByte(at + i) != (byte) key.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
