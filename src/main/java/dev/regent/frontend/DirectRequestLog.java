package dev.regent.frontend;

import dev.regent.dispatch.Slot;
import dev.regent.logging.RequestLog;
import dev.regent.protocol.RequestHead;
import dev.regent.protocol.uwsgi.UwsgiConnectionInfo;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult;
import dev.regent.protocol.uwsgi.UwsgiRequestDecoder;
import dev.regent.protocol.worker.Frame;
import io.netty.buffer.ByteBuf;

/**
 * Writes the request-log line of a request a slot answered directly (python/regent/direct.py).
 *
 * <pre>
 * DIRECT_LOG payload, little-endian:
 * +------------+-------------+-------------+-------------+------------+------------------+----------------+
 * | status u16 | headers u16 | hsize u32   | rsize u64   | nanos u64  | start_micros u64 | uwsgi packet   |
 * |            | (fields)    | (head bytes)| (body bytes)| (duration) | (wall clock)     | header + vars  |
 * +------------+-------------+-------------+-------------+------------+------------------+----------------+
 * </pre>
 * The packet is the request as the proxy sent it; decoding it again with the master's own
 * decoder gives the log line exactly the variables a relayed request's line would have.
 */
public final class DirectRequestLog {
    static final int FIXED = 32;
    private static final UwsgiConnectionInfo NO_ADDRESSES = new UwsgiConnectionInfo(null, null);

    private final RequestLog requestLog;
    private final int bufferSize;

    public DirectRequestLog(RequestLog requestLog, int bufferSize) {
        this.requestLog = requestLog;
        this.bufferSize = bufferSize;
    }

    public void log(Slot slot, Frame frame) {
        try {
            ByteBuf p = frame.payload();
            if (p.readableBytes() < FIXED) {
                requestLog.logger().warn("worker " + slot.worker().workerId() + " sent a truncated DIRECT_LOG frame");
                return;
            }
            int at = p.readerIndex();
            int status = p.getUnsignedShortLE(at);
            int headers = p.getUnsignedShortLE(at + 2);
            long hsize = p.getUnsignedIntLE(at + 4);
            long rsize = p.getLongLE(at + 8);
            long nanos = p.getLongLE(at + 16);
            long startMicros = p.getLongLE(at + 24);
            ByteBuf packet = p.slice(at + FIXED, p.readableBytes() - FIXED);
            UwsgiDecodeResult r = new UwsgiRequestDecoder(bufferSize, 0, UwsgiRequestDecoder.DEFAULT_MAX_VARS)
                    .decode(packet, NO_ADDRESSES);
            if (!(r instanceof UwsgiDecodeResult.Decoded decoded)) {
                requestLog.logger().warn("worker " + slot.worker().workerId()
                        + " sent a DIRECT_LOG frame whose packet does not decode");
                return;
            }
            RequestHead head = decoded.head();
            try {
                requestLog.logDirect(head, head.environ(), status, rsize, hsize, headers, nanos, startMicros,
                        slot.worker().workerId(), slot.worker().pid(), slot.index());
            } finally {
                head.environ().release();
            }
        } finally {
            frame.release();
        }
    }
}
