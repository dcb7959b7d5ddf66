package dev.regent.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Reads sockets to their end: the stats server's document, a uwsgi answer. */
public final class SocketReads {
    private SocketReads() {
    }

    /** The stats server on a Unix socket: one JSON document, then the server closes. */
    public static String stats(Path socket) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new String(readToEnd(ch), StandardCharsets.UTF_8);
        }
    }

    /** Everything {@code ch} delivers until the peer closes (a blocking channel). */
    public static byte[] readToEnd(ReadableByteChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (ch.read(buf) >= 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return out.toByteArray();
    }
}
