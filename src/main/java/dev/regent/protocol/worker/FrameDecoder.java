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
 * the worker's socket to the client's without a copy. A RESPONSE_BODY frame is not waited for
 * whole: its payload is passed on piece by piece as it arrives (each piece a RESPONSE_BODY
 * {@link Frame} of its own), so a 1 MiB body is never gathered, copied and re-copied into one
 * growing buffer before the first byte can leave for the client.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    /** Largest payload accepted: 16 MiB. A larger length means a broken or hostile peer. */
    public static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    public static final int HEADER_SIZE = 5;

    /** Bytes of the RESPONSE_BODY frame being streamed that have not arrived yet. */
    private long bodyRemaining;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (bodyRemaining > 0) {
                int n = (int) Math.min(bodyRemaining, in.readableBytes());
                out.add(new Frame(FrameType.RESPONSE_BODY, in.readRetainedSlice(n)));
                bodyRemaining -= n;
                continue;
            }
            if (in.readableBytes() < HEADER_SIZE) {
                return;
            }
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
                if (type == FrameType.RESPONSE_BODY) {
                    in.skipBytes(HEADER_SIZE);
                    bodyRemaining = length;
                    continue;
                }
                return;
            }
            in.skipBytes(HEADER_SIZE);
            out.add(new Frame(type, in.readRetainedSlice((int) length)));
        }
    }
}
