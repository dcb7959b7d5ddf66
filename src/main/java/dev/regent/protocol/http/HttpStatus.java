package dev.regent.protocol.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Reason phrases and the complete error responses the front end sends on its own: one status line,
 * {@code Content-Type: text/plain}, {@code Content-Length}, {@code Connection: close} and a fixed
 * body naming the status. Every response is encoded once; the body never repeats request bytes.
 */
public final class HttpStatus {

    private static final int[] CODES = {400, 404, 408, 413, 414, 417, 431, 500, 501, 502, 503, 504, 505};
    private static final String[] REASONS = {
        "Bad Request", "Not Found", "Request Timeout", "Content Too Large", "URI Too Long", "Expectation Failed",
        "Request Header Fields Too Large", "Internal Server Error", "Not Implemented", "Bad Gateway",
        "Service Unavailable", "Gateway Timeout", "HTTP Version Not Supported",
    };
    private static final byte[][] RESPONSES = new byte[CODES.length][];

    static {
        for (int i = 0; i < CODES.length; i++) {
            String body = CODES[i] + " " + REASONS[i] + "\n";
            String response = "HTTP/1.1 " + CODES[i] + " " + REASONS[i] + "\r\n"
                    + "Content-Type: text/plain\r\n"
                    + "Content-Length: " + body.length() + "\r\n"
                    + "Connection: close\r\n"
                    + "\r\n"
                    + body;
            RESPONSES[i] = response.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private HttpStatus() {
    }

    /** The reason phrase of {@code status}, or {@code null} when it is not one this server sends. */
    public static String reasonPhrase(int status) {
        int i = indexOf(status);
        return i < 0 ? null : REASONS[i];
    }

    /**
     * A complete response for {@code status}, wrapping the shared pre-encoded bytes (no copy); the
     * caller writes it and Netty releases the wrapper.
     *
     * @throws IllegalArgumentException for a status without a pre-encoded response
     */
    public static ByteBuf errorResponse(int status) {
        int i = indexOf(status);
        if (i < 0) {
            throw new IllegalArgumentException("status: " + status + " (expected: one of "
                    + java.util.Arrays.toString(CODES) + ")");
        }
        return Unpooled.wrappedBuffer(RESPONSES[i]).asReadOnly();
    }

    private static int indexOf(int status) {
        for (int i = 0; i < CODES.length; i++) {
            if (CODES[i] == status) {
                return i;
            }
        }
        return -1;
    }
}
