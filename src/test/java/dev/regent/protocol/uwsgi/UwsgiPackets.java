package dev.regent.protocol.uwsgi;

import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Decoded;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test-side uwsgi packet encoder, marshal dict reader and a feeding harness. */
final class UwsgiPackets {

    static final UwsgiConnectionInfo CONNECTION = connection();

    private UwsgiPackets() {
    }

    /** A packet whose vars are the {@code key, value, ...} pairs (latin-1). */
    static byte[] packet(int modifier1, String... keyValues) {
        byte[] block = vars(keyValues);
        return raw(modifier1, block.length, 0, block);
    }

    static byte[] vars(String... keyValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : keyValues) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            out.write(b.length & 0xFF);
            out.write(b.length >>> 8);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** A header claiming {@code datasize} followed by {@code rest} (vars, and possibly body). */
    static byte[] raw(int modifier1, int datasize, int modifier2, byte[] rest) {
        byte[] p = new byte[4 + rest.length];
        p[0] = (byte) modifier1;
        p[1] = (byte) datasize;
        p[2] = (byte) (datasize >>> 8);
        p[3] = (byte) modifier2;
        System.arraycopy(rest, 0, p, 4, rest.length);
        return p;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** The outcome of feeding a packet, and the bytes left unread after it. */
    record Fed(UwsgiDecodeResult result, byte[] rest) {
    }

    /** Feeds {@code packet} in fragments of {@code fragment} bytes, as a connection handler would. */
    static Fed feed(UwsgiRequestDecoder decoder, byte[] packet, int fragment) {
        ByteBuf cumulation = Unpooled.buffer();
        try {
            UwsgiDecodeResult result = UwsgiDecodeResult.NEED_MORE;
            int fed = 0;
            while (fed < packet.length && result == UwsgiDecodeResult.NEED_MORE) {
                int n = Math.min(fragment, packet.length - fed);
                cumulation.writeBytes(packet, fed, n);
                fed += n;
                result = decoder.decode(cumulation, CONNECTION);
            }
            if (packet.length == 0) {
                result = decoder.decode(cumulation, CONNECTION);
            }
            cumulation.writeBytes(packet, fed, packet.length - fed); // the body, after the head
            byte[] rest = new byte[cumulation.readableBytes()];
            cumulation.readBytes(rest);
            return new Fed(result, rest);
        } finally {
            cumulation.release();
        }
    }

    /** Feeds {@code packet} in two parts split at {@code split}. */
    static Fed feedSplit(UwsgiRequestDecoder decoder, byte[] packet, int split) {
        ByteBuf cumulation = Unpooled.buffer();
        try {
            cumulation.writeBytes(packet, 0, split);
            UwsgiDecodeResult result = decoder.decode(cumulation, CONNECTION);
            if (result == UwsgiDecodeResult.NEED_MORE) {
                cumulation.writeBytes(packet, split, packet.length - split);
                result = decoder.decode(cumulation, CONNECTION);
            } else {
                cumulation.writeBytes(packet, split, packet.length - split);
            }
            byte[] rest = new byte[cumulation.readableBytes()];
            cumulation.readBytes(rest);
            return new Fed(result, rest);
        } finally {
            cumulation.release();
        }
    }

    static Fed feed(byte[] packet) {
        return feed(new UwsgiRequestDecoder(), packet, packet.length == 0 ? 1 : packet.length);
    }

    /** The environ bytes of a Decoded result (released), for comparisons. */
    static byte[] environBytes(Decoded decoded) {
        ByteBuf environ = decoded.head().environ();
        byte[] bytes = new byte[environ.readableBytes()];
        environ.getBytes(environ.readerIndex(), bytes);
        return bytes;
    }

    /**
     * Reads a marshal dict of ASCII strings as written by the decoder (latin-1 text), in order,
     * with Python's semantics for repeated keys (the last one wins, at the first one's place).
     * Throws IllegalArgumentException on anything else, including trailing bytes.
     */
    static Map<String, String> loadMarshal(byte[] b) {
        int[] pos = {0};
        if (b.length == 0 || b[pos[0]++] != '{') {
            throw new IllegalArgumentException("not a dict");
        }
        Map<String, String> dict = new LinkedHashMap<>();
        while (true) {
            if (pos[0] >= b.length) {
                throw new IllegalArgumentException("unterminated dict");
            }
            if (b[pos[0]] == '0') {
                pos[0]++;
                break;
            }
            String key = readString(b, pos);
            String value = readString(b, pos);
            dict.put(key, value);
        }
        if (pos[0] != b.length) {
            throw new IllegalArgumentException("trailing bytes: " + (b.length - pos[0]));
        }
        return dict;
    }

    private static String readString(byte[] b, int[] pos) {
        int type = b[pos[0]++];
        int length;
        if (type == 'z') {
            length = b[pos[0]++] & 0xFF;
        } else if (type == 'a') {
            length = (b[pos[0]] & 0xFF) | (b[pos[0] + 1] & 0xFF) << 8 | (b[pos[0] + 2] & 0xFF) << 16
                    | (b[pos[0] + 3] & 0xFF) << 24;
            pos[0] += 4;
            if (length <= 0xFF) {
                throw new IllegalArgumentException("long form for a short string: " + length);
            }
        } else {
            throw new IllegalArgumentException("type: " + (char) type);
        }
        if (length < 0 || pos[0] + length > b.length) {
            throw new IllegalArgumentException("string overruns: " + length);
        }
        String s = new String(b, pos[0], length, StandardCharsets.ISO_8859_1);
        pos[0] += length;
        return s;
    }

    private static UwsgiConnectionInfo connection() {
        try {
            return new UwsgiConnectionInfo(
                    new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 3031),
                    new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, 2}), 40000));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
