package dev.regent.protocol.uwsgi;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The addresses of one uwsgi connection, used only to fill {@code SERVER_NAME},
 * {@code SERVER_PORT} and {@code REMOTE_ADDR} when the proxy did not send them. nginx and
 * Apache always send them, so the strings are built lazily and usually never.
 *
 * @param local  the accepted socket's local address (may be null)
 * @param remote the peer's address (may be null)
 */
public record UwsgiConnectionInfo(SocketAddress local, SocketAddress remote) {

    /** For a Unix socket or an unknown address, since PEP 3333 forbids an empty SERVER_NAME. */
    static final String NON_INET_SERVER_NAME = "localhost";
    static final String NON_INET_SERVER_PORT = "0";

    /** SERVER_NAME: the local IP address as text, or {@code "localhost"} when not TCP. */
    public String serverName() {
        return local instanceof InetSocketAddress inet ? host(inet) : NON_INET_SERVER_NAME;
    }

    /** SERVER_PORT: the local port, or {@code "0"} when not TCP. */
    public String serverPort() {
        return local instanceof InetSocketAddress inet ? Integer.toString(inet.getPort()) : NON_INET_SERVER_PORT;
    }

    /** REMOTE_ADDR: the peer's IP address as text, or {@code ""} when not TCP. */
    public String remoteAddr() {
        return remote instanceof InetSocketAddress inet ? host(inet) : "";
    }

    private static String host(InetSocketAddress inet) {
        // getHostAddress, not getHostName: never a reverse DNS lookup on the event loop.
        return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
}
