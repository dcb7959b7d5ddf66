package dev.regent.protocol.http;

/**
 * A request the codec refuses: the status to answer (see {@link HttpStatus#errorResponse(int)}) and
 * a message for the server log. The message names the rule that was broken and never contains
 * request bytes, so it is safe to log; it is never sent to the client.
 *
 * @param status  400, 413, 414, 431, 501 or 505
 * @param message {@code "name: value (expected: ...)"}
 */
public record HttpFailure(int status, String message)
        implements HttpRequestDecoder.Result, ChunkedBodyDecoder.Result {
}
