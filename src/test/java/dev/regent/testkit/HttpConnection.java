package dev.regent.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A raw HTTP/1.1 client connection: sends exactly the bytes it is given and parses what comes
 * back without normalising anything (keep-alive, pipelining, interim responses, chunking).
 */
public final class HttpConnection implements AutoCloseable {
    private static final int MAX_LINE = 64 * 1024;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private HttpConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    public static HttpConnection open(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(15_000);
        s.setTcpNoDelay(true);
        return new HttpConnection(s);
    }

    /** One request on a fresh connection, then closes it: the common case. */
    public static HttpResponse exchange(int port, String request) throws IOException {
        try (HttpConnection c = open(port)) {
            c.send(request);
            return c.readResponse(request.startsWith("HEAD "));
        }
    }

    public HttpConnection timeout(Duration timeout) throws SocketException {
        socket.setSoTimeout((int) timeout.toMillis());
        return this;
    }

    /** Sends the string's characters as bytes (latin-1), exactly. */
    public HttpConnection send(String request) throws IOException {
        return send(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    public HttpConnection send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public OutputStream output() {
        return out;
    }

    /** Half-close: the server sees EOF on its read side. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    public HttpResponse readResponse() throws IOException {
        return readResponse(false);
    }

    /** Reads one response; {@code headRequest} tells that it answers a HEAD, so it has no body. */
    public HttpResponse readResponse(boolean headRequest) throws IOException {
        ResponseHead head = readHead();
        List<Integer> chunks = new ArrayList<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (!hasNoBody(head, headRequest)) {
            if (head.chunked()) {
                byte[] chunk;
                while ((chunk = readChunk()) != null) {
                    chunks.add(chunk.length);
                    body.write(chunk);
                }
            } else if (head.contentLength() >= 0) {
                body.write(readExactly(head.contentLength()));
            } else {
                body.write(in.readAllBytes());
            }
        }
        return new HttpResponse(head, body.toByteArray(), chunks);
    }

    private static boolean hasNoBody(ResponseHead head, boolean headRequest) {
        int s = head.status();
        return headRequest || s < 200 || s == 204 || s == 304;
    }

    /** Reads a status line and header fields up to the empty line. */
    public ResponseHead readHead() throws IOException {
        String status = readLine();
        if (status == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not a status line: " + status);
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String line;
        while (!(line = requireLine()).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("not a header line: " + line);
            }
            headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).trim()));
        }
        return new ResponseHead(parts[0], Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers);
    }

    /** Reads one chunk of a chunked body; returns null at the last chunk (after its trailer section). */
    public byte[] readChunk() throws IOException {
        String sizeLine = requireLine();
        int semi = sizeLine.indexOf(';');
        long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        if (size == 0) {
            while (!requireLine().isEmpty()) {
                // trailer fields: none expected, skipped
            }
            return null;
        }
        byte[] data = readExactly(size);
        if (!requireLine().isEmpty()) {
            throw new IOException("chunk of " + size + " bytes not followed by CRLF");
        }
        return data;
    }

    /** Reads a body without keeping it: its length and CRC-32 (for very large bodies). */
    public BodyDigest consumeBody(ResponseHead head) throws IOException {
        CRC32 crc = new CRC32();
        long total = 0;
        byte[] buf = new byte[64 * 1024];
        if (head.chunked()) {
            String sizeLine;
            while (true) {
                sizeLine = requireLine();
                long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!requireLine().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                total += copy(size, buf, crc);
                requireLine();
            }
        } else {
            total = copy(head.contentLength(), buf, crc);
        }
        return new BodyDigest(total, crc.getValue());
    }

    /** Byte count and CRC-32 of a body. */
    public record BodyDigest(long length, long crc32) {
    }

    private long copy(long size, byte[] buf, CRC32 crc) throws IOException {
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException("body ended with " + left + " of " + size + " bytes missing");
            }
            crc.update(buf, 0, n);
            left -= n;
        }
        return size;
    }

    /** Everything until the server closes (for responses without framing). */
    public byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    /**
     * True when the server closes the connection (EOF or reset) within {@code timeout} without
     * sending anything more; false when it stays open. Bytes that arrive instead fail the call.
     */
    public boolean closedWithin(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            int b = in.read();
            if (b >= 0) {
                throw new IOException("expected the connection to close, but got data starting with byte " + b);
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;  // reset by peer
        }
    }

    public InputStream input() {
        return in;
    }

    private byte[] readExactly(long size) throws IOException {
        byte[] data = in.readNBytes(Math.toIntExact(size));
        if (data.length < size) {
            throw new EOFException("body ended after " + data.length + " of " + size + " bytes");
        }
        return data;
    }

    private String requireLine() throws IOException {
        String line = readLine();
        if (line == null) {
            throw new EOFException("connection closed in the middle of a response");
        }
        return line;
    }

    /** A CRLF-terminated line as latin-1, without the CRLF; null at EOF before any byte. */
    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int len = sb.length();
                if (len == 0 || sb.charAt(len - 1) != '\r') {
                    throw new IOException("bare LF in response: " + sb);
                }
                return sb.substring(0, len - 1);
            }
            sb.append((char) b);
            if (sb.length() > MAX_LINE) {
                throw new IOException("response line longer than " + MAX_LINE);
            }
        }
        if (sb.length() > 0) {
            throw new EOFException("connection closed in the middle of a line: " + sb);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
