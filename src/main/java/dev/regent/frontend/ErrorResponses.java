package dev.regent.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * The complete responses the master itself sends: errors and {@code 100 Continue}. Bodies are
 * fixed text; nothing a client sent is ever echoed back.
 */
public final class ErrorResponses {
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private ErrorResponses() {
    }

    public static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "Error";
        };
    }

    /** A full {@code Connection: close} response for {@code status}. */
    public static ByteBuf error(ByteBufAllocator alloc, int status, boolean http10, byte[] dateLine) {
        String reason = reason(status);
        String body = status + " " + reason + "\n";
        StringBuilder sb = new StringBuilder(160);
        sb.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        sb.append("Content-Type: text/plain\r\nContent-Length: ").append(body.length()).append("\r\n");
        if (status == 503) {
            sb.append("Retry-After: 1\r\n");
        }
        sb.append("Connection: close\r\n");
        ByteBuf out = alloc.directBuffer(sb.length() + dateLine.length + 2 + body.length());
        out.writeCharSequence(sb, StandardCharsets.US_ASCII);
        out.writeBytes(dateLine);
        out.writeBytes(CRLF);
        out.writeCharSequence(body, StandardCharsets.US_ASCII);
        return out;
    }

    public static ByteBuf continue100(ByteBufAllocator alloc) {
        return alloc.directBuffer(CONTINUE.length).writeBytes(CONTINUE);
    }

    static final byte[] CRLF = {'\r', '\n'};
}
