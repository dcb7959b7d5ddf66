package dev.regent.protocol.http;

import dev.regent.protocol.environ.EnvironWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The per-connection part of every environ, encoded once when the connection is accepted so that
 * nothing is formatted per request.
 *
 * @param serverName   SERVER_NAME when the request has no Host (the local address)
 * @param serverPort   SERVER_PORT, decimal ASCII
 * @param remoteAddr   REMOTE_ADDR, the peer address without brackets
 * @param remotePort   REMOTE_PORT, decimal ASCII
 * @param urlScheme    wsgi.url_scheme, {@code http} for plain TCP
 * @param fixedEntries the marshal key/value pairs SERVER_PORT, REMOTE_ADDR, REMOTE_PORT and
 *                     wsgi.url_scheme, ready to be copied into a dict; treat as read-only
 */
public record ConnectionInfo(
        byte[] serverName,
        byte[] serverPort,
        byte[] remoteAddr,
        byte[] remotePort,
        byte[] urlScheme,
        byte[] fixedEntries) {

    /** Builds the info of one connection from its address strings and ports. */
    public static ConnectionInfo of(String serverName, int serverPort, String remoteAddr, int remotePort,
            String urlScheme) {
        byte[] name = latin1(serverName);
        byte[] port = latin1(Integer.toString(serverPort));
        byte[] addr = latin1(remoteAddr);
        byte[] rport = latin1(Integer.toString(remotePort));
        byte[] scheme = latin1(urlScheme);
        byte[] fixed = entries(latin1("SERVER_PORT"), port, latin1("REMOTE_ADDR"), addr,
                latin1("REMOTE_PORT"), rport, latin1("wsgi.url_scheme"), scheme);
        return new ConnectionInfo(name, port, addr, rport, scheme, fixed);
    }

    /** Builds the info from a TCP connection's local and remote socket addresses. */
    public static ConnectionInfo of(InetSocketAddress local, InetSocketAddress remote, String urlScheme) {
        return of(local.getAddress().getHostAddress(), local.getPort(),
                remote.getAddress().getHostAddress(), remote.getPort(), urlScheme);
    }

    /** Marshal-encodes key/value pairs as they appear inside a dict, without its '{' and '0'. */
    static byte[] entries(byte[]... keysAndValues) {
        ByteBuf buf = Unpooled.buffer();
        EnvironWriter w = new EnvironWriter().begin(buf);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            w.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        w.end();
        byte[] bytes = new byte[buf.readableBytes() - 2];
        buf.getBytes(1, bytes);
        return bytes;
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
