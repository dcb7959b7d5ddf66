package dev.regent.logging;

import dev.regent.protocol.environ.EnvironReader;
import io.netty.buffer.ByteBuf;

/**
 * What one request-log line can say about a request. Built only for a line that will be
 * written, so a filtered-out request allocates nothing.
 *
 * @param method      request method
 * @param uri         request target as the client sent it
 * @param proto       protocol of the request line ({@code HTTP/1.1})
 * @param addr        client address for the line: the peer, or X-Forwarded-For with {@code log-x-forwarded-for}
 * @param environ     the request's environ (marshal dict), or null when the format needs none;
 *                    read with {@link EnvironReader}, owned and released by the caller
 * @param status      response status (0 when none was decided)
 * @param rsize       response body bytes sent
 * @param hsize       response head bytes sent (status line and fields)
 * @param headers     response header fields the app gave
 * @param cl          request Content-Length (0 when none)
 * @param startMicros wall-clock start of the request, microseconds since the epoch
 * @param micros      how long the request took, in microseconds
 * @param pid         process that served it: the worker's pid, or the master's when no worker did
 * @param wid         worker id (0 when no worker served it)
 * @param core        the worker's thread slot that served it (0 when none)
 * @param requests    requests finished by this master so far, this one included
 */
public record LogRecord(
        String method,
        String uri,
        String proto,
        String addr,
        ByteBuf environ,
        int status,
        long rsize,
        long hsize,
        int headers,
        long cl,
        long startMicros,
        long micros,
        long pid,
        int wid,
        int core,
        long requests) {

    /** A request variable from the environ, or null when absent (or when no environ was kept). */
    public String env(String key) {
        return environ == null ? null : EnvironReader.get(environ, key);
    }

    /** Number of variables in the environ (uWSGI's {@code vars}). */
    public int varCount() {
        return environ == null ? 0 : EnvironReader.forEach(environ, null);
    }

    /** Size of the environ as passed to the worker (uWSGI's {@code pktsize}). */
    public int pktsize() {
        return environ == null ? 0 : environ.readableBytes();
    }
}
