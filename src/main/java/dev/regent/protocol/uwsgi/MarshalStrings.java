package dev.regent.protocol.uwsgi;

import io.netty.buffer.ByteBuf;

/**
 * The few marshal codes the environ dict needs (docs/worker-protocol.md): a dict of ASCII
 * strings. {@code marshal.loads} turns each byte of an ASCII-typed string into the code point
 * of the same value, which is PEP 3333's latin-1 rule, so bytes are copied as they are.
 */
final class MarshalStrings {

    static final byte DICT = '{';
    static final byte DICT_END = '0';
    static final byte SHORT_ASCII = 'z';
    static final byte ASCII = 'a';

    private MarshalStrings() {
    }

    static void writeVar(ByteBuf out, UwsgiVar var, byte[] value) {
        writeString(out, var.bytes);
        writeString(out, value);
    }

    /** A marshal ASCII string: marshal maps each byte to the same code point (latin-1, PEP 3333). */
    static void writeString(ByteBuf out, ByteBuf src, int index, int length) {
        writeStringHeader(out, length);
        out.writeBytes(src, index, length);
    }

    static void writeString(ByteBuf out, byte[] value) {
        writeStringHeader(out, value.length);
        out.writeBytes(value);
    }

    static void writeStringHeader(ByteBuf out, int length) {
        if (length <= 0xFF) {
            out.writeByte(SHORT_ASCII);
            out.writeByte(length);
        } else {
            out.writeByte(ASCII);
            out.writeIntLE(length);
        }
    }
}
