package dev.regent.protocol.environ;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test-only reader of the marshal subset the environ uses; strings come back as latin-1. */
public final class MarshalReader {

    private MarshalReader() {
    }

    /** Reads one dict from the readable bytes of {@code buf} (indexes untouched); it must fill them exactly. */
    public static Map<String, String> readDict(ByteBuf buf) {
        int p = buf.readerIndex();
        if (buf.getByte(p++) != '{') {
            throw new IllegalArgumentException("dict: missing '{'");
        }
        Map<String, String> map = new LinkedHashMap<>();
        int[] at = {p};
        while (buf.getByte(at[0]) != '0') {
            String key = readString(buf, at);
            String value = readString(buf, at);
            if (map.put(key, value) != null) {
                throw new IllegalArgumentException("dict: duplicate key " + key);
            }
        }
        if (at[0] + 1 != buf.writerIndex()) {
            throw new IllegalArgumentException("dict: " + (buf.writerIndex() - at[0] - 1) + " trailing bytes");
        }
        return map;
    }

    private static String readString(ByteBuf buf, int[] at) {
        int code = buf.getByte(at[0]++);
        int len;
        if (code == 'z') {
            len = buf.getUnsignedByte(at[0]++);
        } else if (code == 'a') {
            len = buf.getIntLE(at[0]);
            at[0] += 4;
        } else {
            throw new IllegalArgumentException("string: code " + code);
        }
        String s = buf.toString(at[0], len, StandardCharsets.ISO_8859_1);
        at[0] += len;
        return s;
    }
}
