package dev.regent.protocol.http;

import dev.regent.protocol.RequestHead;
import dev.regent.protocol.environ.EnvironWriter;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes the environ of a complete, validated head, copying every value straight from the receive
 * buffer. Repeated fields are joined into one value with ", " ("; " for Cookie), in arrival order,
 * under the key of their first occurrence.
 */
final class HeadEnvironEncoder {

    private static final byte[] REQUEST_METHOD = HttpChars.ascii("REQUEST_METHOD");
    private static final byte[] PATH_INFO = HttpChars.ascii("PATH_INFO");
    private static final byte[] QUERY_STRING = HttpChars.ascii("QUERY_STRING");
    private static final byte[] REQUEST_URI = HttpChars.ascii("REQUEST_URI");
    private static final byte[] SERVER_NAME = HttpChars.ascii("SERVER_NAME");
    private static final byte[] CONTENT_TYPE = HttpChars.ascii("CONTENT_TYPE");
    private static final byte[] CONTENT_LENGTH = HttpChars.ascii("CONTENT_LENGTH");
    private static final byte[] SCRIPT_NAME_EMPTY = entry("SCRIPT_NAME", "");
    private static final byte[] PROTOCOL_10 = entry("SERVER_PROTOCOL", "HTTP/1.0");
    private static final byte[] PROTOCOL_11 = entry("SERVER_PROTOCOL", "HTTP/1.1");
    private static final byte[] ROOT = HttpChars.ascii("/");
    private static final byte[] COMMA = HttpChars.ascii(", ");
    private static final byte[] SEMICOLON = HttpChars.ascii("; ");
    /** Shared method strings, so the common methods cost no allocation. */
    private static final String[] METHODS = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"};
    private static final byte[][] METHOD_BYTES = new byte[METHODS.length][];

    static {
        for (int i = 0; i < METHODS.length; i++) {
            METHOD_BYTES[i] = HttpChars.ascii(METHODS[i]);
        }
    }

    private final EnvironWriter writer = new EnvironWriter();

    RequestHead encode(ByteBuf in, HttpRequestDecoder line, RequestTarget target, HeaderTable fields,
            ConnectionInfo conn) {
        int base = in.readerIndex();
        int targetLen = line.targetEnd - line.targetStart;
        ByteBuf env = in.alloc().buffer(line.position() + targetLen + 16 * fields.count + 256);
        try {
            writer.begin(env);
            writer.put(REQUEST_METHOD, in, base, line.methodEnd);
            env.writeBytes(SCRIPT_NAME_EMPTY);
            writer.putString(PATH_INFO);
            if (target.rootPath) {
                writer.putString(ROOT);
            } else {
                writePath(in, base + target.pathStart, base + target.pathEnd);
            }
            writer.put(QUERY_STRING, in, base + target.queryStart, target.queryEnd - target.queryStart);
            writer.put(REQUEST_URI, in, base + line.targetStart, targetLen);
            env.writeBytes(line.minorVersion == 0 ? PROTOCOL_10 : PROTOCOL_11);
            writeServerName(in, base, target, fields, conn);
            env.writeBytes(conn.fixedEntries());
            writeFields(in, base, fields);
            writer.end();
        } catch (RuntimeException e) {
            env.release();
            throw e;
        }
        boolean http10 = line.minorVersion == 0;
        boolean keepAlive = !fields.connectionClose && (!http10 || fields.connectionKeepAlive);
        RequestHead.BodyFraming framing = fields.bodyFraming;
        String method = method(in, base, line.methodEnd);
        return new RequestHead(env, framing,
                framing == RequestHead.BodyFraming.LENGTH ? fields.contentLength : -1,
                keepAlive, fields.expectContinue && !http10, "HEAD".equals(method), http10, method,
                in.toString(base + line.targetStart, targetLen, StandardCharsets.ISO_8859_1));
    }

    private void writeServerName(ByteBuf in, int base, RequestTarget target, HeaderTable fields,
            ConnectionInfo conn) {
        writer.putString(SERVER_NAME);
        if (target.hostStart >= 0 && target.hostEnd > target.hostStart) {
            writer.putString(in, base + target.hostStart, target.hostEnd - target.hostStart);
            return;
        }
        int host = fields.hostIndex;
        if (host >= 0) {
            int start = fields.valueStart(host);
            int end = RequestTarget.hostEnd(in, base, start, fields.valueEnd(host));
            if (end > start) {
                writer.putString(in, base + start, end - start);
                return;
            }
        }
        writer.putString(conn.serverName());
    }

    /** PATH_INFO is the percent-decoded path; an invalid escape stays as it is. */
    private void writePath(ByteBuf in, int from, int to) {
        int escapes = 0;
        for (int p = from; p < to; p++) {
            if (in.getByte(p) == '%' && isEscape(in, p, to)) {
                escapes++;
                p += 2;
            }
        }
        writer.stringHeader(to - from - 2 * escapes);
        ByteBuf out = writer.raw();
        if (escapes == 0) {
            out.writeBytes(in, from, to - from);
            return;
        }
        for (int p = from; p < to; p++) {
            int c = in.getByte(p);
            if (c == '%' && isEscape(in, p, to)) {
                c = HttpChars.hexValue(in.getByte(p + 1)) << 4 | HttpChars.hexValue(in.getByte(p + 2));
                p += 2;
            }
            out.writeByte(c);
        }
    }

    private static boolean isEscape(ByteBuf in, int p, int to) {
        return p + 2 < to && HttpChars.hexValue(in.getByte(p + 1)) >= 0 && HttpChars.hexValue(in.getByte(p + 2)) >= 0;
    }

    private void writeFields(ByteBuf in, int base, HeaderTable fields) {
        for (int i = 0; i < fields.count; i++) {
            byte kind = fields.kinds[i];
            switch (kind) {
                case HeaderTable.DROP -> {
                    // hop-by-hop, underscore, or already joined into an earlier field
                }
                case HeaderTable.CONTENT_TYPE -> writer.putString(CONTENT_TYPE);
                case HeaderTable.CONTENT_LENGTH -> writer.putString(CONTENT_LENGTH);
                case HeaderTable.TRANSFER_ENCODING -> {
                    if (!fields.teOther) {
                        continue;
                    }
                    writeKey(in, base, fields, i);
                }
                default -> writeKey(in, base, fields, i);
            }
            if (kind != HeaderTable.DROP) {
                writeValue(in, base, fields, i, kind == HeaderTable.COOKIE ? SEMICOLON : COMMA);
            }
        }
    }

    private void writeKey(ByteBuf in, int base, HeaderTable fields, int i) {
        writer.putHeaderKey(in, base + fields.nameStart(i), fields.nameEnd(i) - fields.nameStart(i));
    }

    /** Writes field {@code i}'s value joined with every later field of the same name, which are then dropped. */
    private void writeValue(ByteBuf in, int base, HeaderTable fields, int i, byte[] separator) {
        int len = fields.valueEnd(i) - fields.valueStart(i);
        int total = len;
        int repeats = 0;
        for (int j = i + 1; j < fields.count; j++) {
            if (sameName(in, base, fields, i, j)) {
                total += separator.length + fields.valueEnd(j) - fields.valueStart(j);
                repeats++;
            }
        }
        if (repeats == 0) {
            writer.putString(in, base + fields.valueStart(i), len);
            return;
        }
        writer.stringHeader(total);
        ByteBuf out = writer.raw();
        out.writeBytes(in, base + fields.valueStart(i), len);
        for (int j = i + 1; j < fields.count; j++) {
            if (sameName(in, base, fields, i, j)) {
                out.writeBytes(separator);
                out.writeBytes(in, base + fields.valueStart(j), fields.valueEnd(j) - fields.valueStart(j));
                fields.kinds[j] = HeaderTable.DROP;
            }
        }
    }

    private static boolean sameName(ByteBuf in, int base, HeaderTable fields, int i, int j) {
        int len = fields.nameEnd(i) - fields.nameStart(i);
        return fields.kinds[j] != HeaderTable.DROP && fields.hashes[j] == fields.hashes[i]
                && fields.nameEnd(j) - fields.nameStart(j) == len
                && HttpChars.rangesEqualIgnoreCase(in, base + fields.nameStart(i), base + fields.nameStart(j), len);
    }

    private static String method(ByteBuf in, int base, int len) {
        for (int m = 0; m < METHOD_BYTES.length; m++) {
            if (HttpChars.equalsExact(in, base, len, METHOD_BYTES[m])) {
                return METHODS[m];
            }
        }
        return in.toString(base, len, StandardCharsets.ISO_8859_1);
    }

    /** One key/value pair in marshal form, for entries that never change. */
    private static byte[] entry(String key, String value) {
        ByteBuf buf = io.netty.buffer.Unpooled.buffer();
        new EnvironWriter().begin(buf).put(HttpChars.ascii(key), HttpChars.ascii(value));
        byte[] bytes = new byte[buf.readableBytes() - 1];
        buf.getBytes(1, bytes);
        return bytes;
    }
}
