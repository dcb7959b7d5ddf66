package dev.regent.protocol.worker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;

import java.util.List;

/**
 * Splits the worker-channel byte stream into {@link Frame}s.
 *
 * <pre>
 * +----------------------+--------+---------------------+
 * | length u32 LE        | type u8| payload (length)    |
 * +----------------------+--------+---------------------+
 * </pre>
 *
 * Payloads are retained slices of the cumulation buffer, so a response body travels from
 * the worker's socket to the client's without a copy.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    /** Largest payload accepted: 16 MiB. A larger length means a broken or hostile peer. */
    public static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    public static final int HEADER_SIZE = 5;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= HEADER_SIZE) {
            int start = in.readerIndex();
            long length = in.getUnsignedIntLE(start);
            int type = in.getUnsignedByte(start + 4);
            if (length > MAX_PAYLOAD) {
                throw new CorruptedFrameException("length: " + length + " (expected: <= " + MAX_PAYLOAD + ")");
            }
            if (!FrameType.isKnown(type)) {
                throw new CorruptedFrameException("type: 0x" + Integer.toHexString(type) + " (expected: a known type)");
            }
            if (in.readableBytes() < HEADER_SIZE + length) {
                return;
            }
            in.skipBytes(HEADER_SIZE);
            out.add(new Frame(type, in.readRetainedSlice((int) length)));
        }
    }
}
