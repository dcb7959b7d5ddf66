package dev.regent.protocol.uwsgi;

import dev.regent.protocol.RequestHead;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Objects;

/**
 * What {@link UwsgiRequestDecoder#decode} made of the bytes so far: {@link NeedMore}, a
 * {@link Decoded} request, or a {@link Rejected} packet. Bad input is always reported as a
 * value, never thrown.
 */
public sealed interface UwsgiDecodeResult {

    /** The packet is not complete yet: call again when more bytes have arrived. */
    UwsgiDecodeResult NEED_MORE = NeedMore.INSTANCE;

    /** See {@link #NEED_MORE}. */
    enum NeedMore implements UwsgiDecodeResult {
        INSTANCE
    }

    /**
     * A complete request head. The input buffer's reader index is at the first body byte.
     *
     * @param head             the request; the receiver owns (and must release) its environ
     * @param statusLinePrefix what the response's status line starts with, e.g. {@code "HTTP/1.1 "}
     *                         (see {@link UwsgiResponseHead#statusLinePrefix})
     * @param droppedVars      names of code-loading uWSGI variables that were sent and not
     *                         forwarded, in packet order without repeats; usually empty
     */
    record Decoded(RequestHead head, AsciiString statusLinePrefix, List<String> droppedVars)
            implements UwsgiDecodeResult {
        public Decoded {
            Objects.requireNonNull(head, "head");
            Objects.requireNonNull(statusLinePrefix, "statusLinePrefix");
            droppedVars = List.copyOf(droppedVars);
        }
    }

    /**
     * The packet breaks the protocol or a limit. Nothing was allocated; the decoder is finished.
     *
     * @param failure what the caller should do
     * @param reason  one short log line; it never contains request bytes beyond a few numbers
     */
    record Rejected(Failure failure, String reason) implements UwsgiDecodeResult {
        public Rejected {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** How a packet was rejected, which decides the caller's answer. */
    enum Failure {
        /** Not a packet Regent can serve: log it and close the connection without a response. */
        MALFORMED,
        /** CONTENT_LENGTH exceeds {@code limit-post}: the caller may answer 413 and close. */
        BODY_TOO_LARGE
    }
}
