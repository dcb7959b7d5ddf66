package dev.regent.protocol.worker;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * The first frame on every worker-channel connection.
 *
 * <pre>
 * | token 32 bytes ASCII hex | role u8 | generation u32 | worker_id u32 | slot u32 | pid u32 |
 * </pre>
 */
public record Hello(String token, int role, int generation, int workerId, int slot, long pid) {

    public static final int SIZE = 32 + 1 + 4 * 4;

    /** Decodes a HELLO payload; returns null when its size is wrong. */
    public static Hello decode(ByteBuf payload) {
        if (payload.readableBytes() != SIZE) {
            return null;
        }
        int at = payload.readerIndex();
        String token = payload.toString(at, 32, StandardCharsets.US_ASCII);
        int role = payload.getUnsignedByte(at + 32);
        int generation = payload.getIntLE(at + 33);
        int workerId = payload.getIntLE(at + 37);
        int slot = payload.getIntLE(at + 41);
        long pid = payload.getUnsignedIntLE(at + 45);
        return new Hello(token, role, generation, workerId, slot, pid);
    }
}
