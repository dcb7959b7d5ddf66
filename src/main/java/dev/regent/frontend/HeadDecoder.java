package dev.regent.frontend;

import io.netty.buffer.ByteBuf;

/**
 * The seam between a connection and its wire protocol (HTTP/1.1 or uwsgi): turns the bytes of a
 * connection into request heads. One instance per connection; it keeps its parse position
 * between calls, so bytes are never scanned twice.
 */
public interface HeadDecoder {

    /**
     * Consumes bytes of the next request head from {@code in}.
     *
     * @return a {@link dev.regent.protocol.RequestHead}, a {@link DecodeError}, or null when more
     *         bytes are needed
     */
    Object decode(ByteBuf in);

    /** A decoder for a chunked request body; only HTTP has one. */
    BodyDecoder chunkedBody();

    /** Whether responses on this protocol are raw, close-delimited HTTP (the uwsgi protocol). */
    boolean rawResponses();
}
