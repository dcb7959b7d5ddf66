package dev.regent.it.interop;

import dev.regent.testkit.SocketReads;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A tiny uwsgi-protocol client, as nginx would speak it: one packet, then the raw HTTP reply until close. */
final class UwsgiClient {
    private UwsgiClient() {
    }

    /** A Unix socket path (starting with "/") or {@code host:port}. */
    static SocketAddress address(String socket) {
        if (socket.startsWith("/")) {
            return UnixDomainSocketAddress.of(socket);
        }
        int colon = socket.lastIndexOf(':');
        return new InetSocketAddress(socket.substring(0, colon), Integer.parseInt(socket.substring(colon + 1)));
    }

    /** An unconnected channel of the address's family. */
    static SocketChannel open(SocketAddress address) throws IOException {
        return SocketChannel.open(address instanceof UnixDomainSocketAddress
                ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET);
    }

    /** {@code GET path} to a TCP {@code host:port} or a Unix socket path; returns the whole reply. */
    static String get(String socket, String path) throws IOException {
        SocketAddress address = address(socket);
        SocketChannel ch = open(address);
        try (ch) {
            ch.connect(address);
            ch.write(ByteBuffer.wrap(packet(List.of("REQUEST_METHOD", "GET", "PATH_INFO", path,
                    "SERVER_PROTOCOL", "HTTP/1.1", "HTTP_HOST", "uwsgi.test"))));
            return new String(SocketReads.readToEnd(ch), StandardCharsets.ISO_8859_1);
        }
    }

    /** A modifier1 0 packet with these key, value, key, value ... pairs and no body. */
    static byte[] packet(List<String> kv) {
        ByteArrayOutputStream vars = new ByteArrayOutputStream();
        for (String s : kv) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            vars.write(b.length & 0xff);
            vars.write(b.length >>> 8);
            vars.writeBytes(b);
        }
        int size = vars.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, (byte) size, (byte) (size >>> 8), 0});
        out.writeBytes(vars.toByteArray());
        return out.toByteArray();
    }
}
