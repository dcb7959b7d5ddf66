package dev.regent.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A request head decoded by a front-end codec (HTTP or uwsgi), ready to be dispatched to a
 * worker slot.
 *
 * @param environ        the environ as one marshal dict (see docs/worker-protocol.md), from
 *                       {@code '{'} to the closing {@code '0'}; the receiver owns it and releases it
 * @param framing        how the request body is delimited
 * @param contentLength  body length for {@link BodyFraming#LENGTH}, else -1
 * @param keepAlive      the connection may carry another request after this one
 * @param expectContinue the client sent {@code Expect: 100-continue}
 * @param headRequest    the method is HEAD: the response carries no body
 * @param http10         the response status line says HTTP/1.0 (and chunked framing is unavailable)
 * @param method         request method, for the request log
 * @param uri            raw request target, for the request log
 */
public record RequestHead(
        ByteBuf environ,
        BodyFraming framing,
        long contentLength,
        boolean keepAlive,
        boolean expectContinue,
        boolean headRequest,
        boolean http10,
        String method,
        String uri) {

    /** How a request body is delimited on the wire. */
    public enum BodyFraming {
        /** No body. */
        NONE,
        /** Exactly {@code contentLength} bytes follow the head. */
        LENGTH,
        /** HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1). */
        CHUNKED
    }
}
