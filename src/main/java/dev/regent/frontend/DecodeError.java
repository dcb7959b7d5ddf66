package dev.regent.frontend;

/**
 * A request that cannot be served because the client sent something broken.
 *
 * @param status the HTTP status to answer, or 0 to close the connection without an answer
 *               (the uwsgi protocol has no way to say "bad request" to a proxy)
 * @param reason one short line for the log; never echoes the client's bytes at length
 */
public record DecodeError(int status, String reason) {
}
