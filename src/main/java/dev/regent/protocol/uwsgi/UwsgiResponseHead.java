package dev.regent.protocol.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;

/**
 * The start of a response on a uwsgi socket. Such a response is raw HTTP (no uwsgi header):
 * a status line, the headers, a blank line and the body, which ends when the connection
 * closes (no chunking, one request per connection).
 *
 * <p>The status line repeats the request's {@code SERVER_PROTOCOL}, as nginx and Apache
 * expect; a missing one gives {@code HTTP/1.0}. Only the well-formed versions a proxy really
 * sends are echoed: any other value also gives {@code HTTP/1.0}, so that request bytes can
 * never reach the response head.
 */
public final class UwsgiResponseHead {

    public static final AsciiString HTTP_1_0 = AsciiString.cached("HTTP/1.0 ");
    public static final AsciiString HTTP_1_1 = AsciiString.cached("HTTP/1.1 ");
    public static final AsciiString HTTP_2_0 = AsciiString.cached("HTTP/2.0 ");
    public static final AsciiString HTTP_3_0 = AsciiString.cached("HTTP/3.0 ");

    private static final AsciiString[] ECHOED = {HTTP_1_0, HTTP_1_1, HTTP_2_0, HTTP_3_0};

    private UwsgiResponseHead() {
    }

    /**
     * The bytes that start the status line, protocol and one space ({@code "HTTP/1.1 "}), for
     * the {@code SERVER_PROTOCOL} value held in {@code length} bytes of {@code vars} at
     * {@code index}; {@code length < 0} means the variable was absent.
     */
    public static AsciiString statusLinePrefix(ByteBuf vars, int index, int length) {
        if (length == HTTP_1_0.length() - 1) {
            for (AsciiString candidate : ECHOED) {
                if (sameProtocol(vars, index, candidate)) {
                    return candidate;
                }
            }
        }
        return HTTP_1_0;
    }

    /** The prefix for a request that carried no {@code SERVER_PROTOCOL}: {@code "HTTP/1.0 "}. */
    public static AsciiString statusLinePrefix() {
        return HTTP_1_0;
    }

    private static boolean sameProtocol(ByteBuf vars, int index, AsciiString candidate) {
        for (int i = 0; i < candidate.length() - 1; i++) {
            if (vars.getByte(index + i) != candidate.byteAt(i)) {
                return false;
            }
        }
        return true;
    }
}
