package dev.regent.staticfiles;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.DefaultFileRegion;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * One response the master sends itself: a file (200, 206, 304, 416) or a refusal (403).
 * The body is a {@link DefaultFileRegion}, which the epoll transport sends with sendfile(2):
 * the bytes go from the page cache to the socket without being read into the JVM.
 */
public final class StaticReply {
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final int status;
    private final String reason;
    private final Path file;
    private final long offset;
    private final long length;
    private final boolean sendBody;
    private final StringBuilder headers;

    private StaticReply(int status, String reason, Path file, long offset, long length, boolean sendBody,
                        StringBuilder headers) {
        this.status = status;
        this.reason = reason;
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.sendBody = sendBody;
        this.headers = headers;
    }

    static StaticReply refused(int status, String why) {
        String body = status + " Forbidden\n";
        StringBuilder h = new StringBuilder("Content-Type: text/plain\r\nContent-Length: ").append(body.length())
                .append("\r\n");
        return new StaticReply(status, why, null, 0, body.length(), true, h);
    }

    static StaticReply file(Path file, BasicFileAttributes attrs, String contentType, long expiresSeconds,
                            boolean head, String ifNoneMatch, String ifModifiedSince, String range,
                            String ifRange) {
        long size = attrs.size();
        long mtime = attrs.lastModifiedTime().toMillis() / 1000;
        String etag = "\"" + Long.toHexString(mtime) + "-" + Long.toHexString(size) + "\"";
        String lastModified = HTTP_DATE.format(Instant.ofEpochSecond(mtime));
        StringBuilder h = new StringBuilder(256);
        h.append("ETag: ").append(etag).append("\r\nLast-Modified: ").append(lastModified).append("\r\n");
        if (expiresSeconds >= 0) {
            h.append("Expires: ").append(HTTP_DATE.format(Instant.now().plusSeconds(expiresSeconds)))
                    .append("\r\nCache-Control: max-age=").append(expiresSeconds).append("\r\n");
        }
        // RFC 9110 13.2.2: If-None-Match is evaluated first and, when present, If-Modified-Since is ignored.
        boolean notModified = ifNoneMatch != null ? etagMatches(ifNoneMatch, etag)
                : ifModifiedSince != null && notModifiedSince(ifModifiedSince, mtime);
        if (notModified) {
            return new StaticReply(304, null, file, 0, 0, false, h);
        }
        h.append("Accept-Ranges: bytes\r\nContent-Type: ").append(contentType).append("\r\n");
        long[] r = range == null || !rangeApplies(ifRange, etag, mtime) ? null : Ranges.parse(range, size);
        if (r == Ranges.UNSATISFIABLE) {
            h.append("Content-Range: bytes */").append(size).append("\r\nContent-Length: 0\r\n");
            return new StaticReply(416, null, file, 0, 0, false, h);
        }
        if (r != null) {
            long len = r[1] - r[0] + 1;
            h.append("Content-Range: bytes ").append(r[0]).append('-').append(r[1]).append('/').append(size)
                    .append("\r\nContent-Length: ").append(len).append("\r\n");
            return new StaticReply(206, null, file, r[0], len, !head, h);
        }
        h.append("Content-Length: ").append(size).append("\r\n");
        return new StaticReply(200, null, file, 0, size, !head && size > 0, h);
    }

    public int status() {
        return status;
    }

    /** Why the request was refused (for the log), or null for a file response. */
    public String refusal() {
        return reason;
    }

    /**
     * Writes the response (not flushed). Returns the body bytes that will be sent, or -1 when the
     * file could not be opened (the caller answers with an error instead).
     */
    public long write(Channel ch, boolean http10, boolean close, byte[] dateLine) {
        FileChannel fc = null;
        if (file != null && sendBody) {
            try {
                fc = FileChannel.open(file, StandardOpenOption.READ);
            } catch (IOException | SecurityException e) {
                return -1;
            }
        }
        StringBuilder line = new StringBuilder(64 + headers.length());
        line.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(status).append(' ').append(reasonPhrase(status))
                .append("\r\n").append(headers);
        if (close) {
            line.append("Connection: close\r\n");
        } else if (http10) {
            line.append("Connection: keep-alive\r\n");
        }
        ByteBuf out = ch.alloc().directBuffer(line.length() + dateLine.length + 2 + (file == null ? 32 : 0));
        out.writeCharSequence(line, StandardCharsets.US_ASCII);
        out.writeBytes(dateLine);
        out.writeByte('\r').writeByte('\n');
        if (file == null) {
            out.writeCharSequence(status + " Forbidden\n", StandardCharsets.US_ASCII);
            ch.write(out, ch.voidPromise());
            return length;
        }
        ch.write(out, ch.voidPromise());
        if (fc == null) {
            return 0;
        }
        ch.write(new DefaultFileRegion(fc, offset, length), ch.voidPromise());
        return length;
    }

    private static boolean etagMatches(String header, String etag) {
        for (String candidate : header.split(",")) {
            String c = candidate.trim();
            if (c.equals("*")) {
                return true;
            }
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static boolean notModifiedSince(String header, long mtime) {
        Long since = parseDate(header);
        return since != null && mtime <= since;
    }

    /** If-Range: the range applies only while the file is still the one the client has. */
    private static boolean rangeApplies(String ifRange, String etag, long mtime) {
        if (ifRange == null) {
            return true;
        }
        String v = ifRange.trim();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return v.equals(etag);
        }
        Long date = parseDate(v);
        return date != null && date == mtime;
    }

    static Long parseDate(String header) {
        try {
            return ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static String reasonPhrase(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 206 -> "Partial Content";
            case 304 -> "Not Modified";
            case 403 -> "Forbidden";
            case 416 -> "Range Not Satisfiable";
            default -> "Error";
        };
    }
}
