package dev.regent.protocol.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * Encoders for the frames the master sends. Each returns one buffer holding the whole frame.
 */
public final class Frames {

    private Frames() {
    }

    /** Writes a frame header whose length is patched by {@link #finish}. Returns the header's index. */
    public static int begin(ByteBuf out, int type) {
        int at = out.writerIndex();
        out.writeIntLE(0);
        out.writeByte(type);
        return at;
    }

    /** Patches the length of the frame begun at {@code at}. */
    public static void finish(ByteBuf out, int at) {
        out.setIntLE(at, out.writerIndex() - at - FrameDecoder.HEADER_SIZE);
    }

    public static ByteBuf bodyEnd(ByteBufAllocator alloc, boolean aborted) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE + 1);
        out.writeIntLE(1).writeByte(FrameType.BODY_END).writeByte(aborted ? 1 : 0);
        return out;
    }

    /** Tells a slot that the client of its current response has gone. */
    public static ByteBuf abort(ByteBufAllocator alloc) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE);
        out.writeIntLE(0).writeByte(FrameType.ABORT);
        return out;
    }

    public static ByteBuf fileOpened(ByteBufAllocator alloc, boolean ok) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE + 1);
        out.writeIntLE(1).writeByte(FrameType.FILE_OPENED).writeByte(ok ? 0 : 1);
        return out;
    }

    /** The header of a BODY frame whose payload (length bytes) the caller writes next. */
    public static ByteBuf bodyHeader(ByteBufAllocator alloc, int length) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE);
        out.writeIntLE(length).writeByte(FrameType.BODY);
        return out;
    }

    public static ByteBuf spawn(ByteBufAllocator alloc, int workerId) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE + 4);
        out.writeIntLE(4).writeByte(FrameType.SPAWN).writeIntLE(workerId);
        return out;
    }

    public static ByteBuf spawnMule(ByteBufAllocator alloc, int muleId) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE + 4);
        out.writeIntLE(4).writeByte(FrameType.SPAWN_MULE).writeIntLE(muleId);
        return out;
    }

    public static ByteBuf signal(ByteBufAllocator alloc, long pid, int signal) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE + 5);
        out.writeIntLE(5).writeByte(FrameType.SIGNAL).writeIntLE((int) pid).writeByte(signal);
        return out;
    }

    /**
     * DIRECT: the slot's scoreboard cell, then {@code setup} (the rest of the payload, the same
     * for every slot of the app; see docs/worker-protocol.md).
     */
    public static ByteBuf direct(ByteBufAllocator alloc, int cell, byte[] setup) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE + 4 + setup.length);
        out.writeIntLE(4 + setup.length).writeByte(FrameType.DIRECT).writeIntLE(cell).writeBytes(setup);
        return out;
    }

    public static ByteBuf directStop(ByteBufAllocator alloc) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE);
        out.writeIntLE(0).writeByte(FrameType.DIRECT_STOP);
        return out;
    }

    /** LISTENERS: how many descriptors follow on the connection. */
    public static ByteBuf listeners(ByteBufAllocator alloc, int count) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE + 4);
        out.writeIntLE(4).writeByte(FrameType.LISTENERS).writeIntLE(count);
        return out;
    }

    public static ByteBuf shutdown(ByteBufAllocator alloc, boolean kill) {
        ByteBuf out = alloc.directBuffer(FrameDecoder.HEADER_SIZE + 1);
        out.writeIntLE(1).writeByte(FrameType.SHUTDOWN).writeByte(kill ? 1 : 0);
        return out;
    }

    /** Reads the UTF-8 text of a READY, LOAD_FAILED or LOG payload from the current reader index. */
    public static String text(ByteBuf payload) {
        return payload.toString(StandardCharsets.UTF_8);
    }
}
