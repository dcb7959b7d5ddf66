package dev.regent.protocol.http;

import dev.regent.protocol.RequestHead;
import dev.regent.protocol.environ.EnvironWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
    private static final String HEAD = "HEAD";
    private static final String[] METHODS = {"GET", "POST", HEAD, "PUT", "DELETE", "OPTIONS", "PATCH"};
    private static final byte[][] METHOD_BYTES = new byte[METHODS.length][];

    static {
        for (int i = 0; i < METHODS.length; i++) {
            METHOD_BYTES[i] = HttpChars.ascii(METHODS[i]);
        }
    }

    private final EnvironWriter writer = new EnvironWriter();

    RequestHead encode(ByteBufAllocator alloc, byte[] in, HttpRequestDecoder line, RequestTarget target,
            HeaderTable fields, ConnectionInfo conn) {
        int targetLen = line.targetEnd - line.targetStart;
        writer.begin(alloc.buffer(line.position() + targetLen + 16 * fields.count + 256));
        writer.put(REQUEST_METHOD, in, 0, line.methodEnd);
        writer.putEncoded(SCRIPT_NAME_EMPTY);
        writer.putString(PATH_INFO);
        if (target.rootPath) {
            writer.putString(ROOT);
        } else {
            writePath(in, target.pathStart, target.pathEnd);
        }
        writer.put(QUERY_STRING, in, target.queryStart, target.queryEnd - target.queryStart);
        writer.put(REQUEST_URI, in, line.targetStart, targetLen);
        writer.putEncoded(line.minorVersion == 0 ? PROTOCOL_10 : PROTOCOL_11);
        writeServerName(in, target, fields, conn);
        writer.putEncoded(conn.fixedEntries());
        writeFields(in, fields);
        ByteBuf env = writer.end();
        boolean http10 = line.minorVersion == 0;
        boolean keepAlive = !fields.connectionClose && (!http10 || fields.connectionKeepAlive);
        RequestHead.BodyFraming framing = fields.bodyFraming;
        String method = method(in, line.methodEnd);
        return new RequestHead(env, framing,
                framing == RequestHead.BodyFraming.LENGTH ? fields.contentLength : -1,
                keepAlive, fields.expectContinue && !http10, method == HEAD, http10, method,
                new String(in, line.targetStart, targetLen, StandardCharsets.ISO_8859_1));
    }

    private void writeServerName(byte[] in, RequestTarget target, HeaderTable fields, ConnectionInfo conn) {
        writer.putString(SERVER_NAME);
        if (target.hostStart >= 0 && target.hostEnd > target.hostStart) {
            writer.putString(in, target.hostStart, target.hostEnd - target.hostStart);
            return;
        }
        int host = fields.hostIndex;
        if (host >= 0) {
            int start = fields.valueStart(host);
            int end = RequestTarget.hostEnd(in, start, fields.valueEnd(host));
            if (end > start) {
                writer.putString(in, start, end - start);
                return;
            }
        }
        writer.putString(conn.serverName());
    }

    /** PATH_INFO is the percent-decoded path; an invalid escape stays as it is. */
    private void writePath(byte[] in, int from, int to) {
        int escapes = 0;
        for (int p = from; p < to; p++) {
            if (in[p] == '%' && isEscape(in, p, to)) {
                escapes++;
                p += 2;
            }
        }
        if (escapes == 0) {
            writer.putString(in, from, to - from);
            return;
        }
        writer.stringHeader(to - from - 2 * escapes);
        for (int p = from; p < to; p++) {
            int c = in[p];
            if (c == '%' && isEscape(in, p, to)) {
                c = HttpChars.hexValue(in[p + 1]) << 4 | HttpChars.hexValue(in[p + 2]);
                p += 2;
            }
            writer.append(c);
        }
    }

    private static boolean isEscape(byte[] in, int p, int to) {
        return p + 2 < to && HttpChars.hexValue(in[p + 1]) >= 0 && HttpChars.hexValue(in[p + 2]) >= 0;
    }

    private void writeFields(byte[] in, HeaderTable fields) {
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
                    writeKey(in, fields, i);
                }
                default -> writeKey(in, fields, i);
            }
            if (kind == HeaderTable.DROP) {
                continue;
            }
            if (fields.mayRepeat) {
                writeValue(in, fields, i, kind == HeaderTable.COOKIE ? SEMICOLON : COMMA);
            } else {
                writer.putString(in, fields.valueStart(i), fields.valueEnd(i) - fields.valueStart(i));
            }
        }
    }

    private void writeKey(byte[] in, HeaderTable fields, int i) {
        writer.putHeaderKey(in, fields.nameStart(i), fields.nameEnd(i) - fields.nameStart(i));
    }

    /** Writes field {@code i}'s value joined with every later field of the same name, which are then dropped. */
    private void writeValue(byte[] in, HeaderTable fields, int i, byte[] separator) {
        int len = fields.valueEnd(i) - fields.valueStart(i);
        int total = len;
        int repeats = 0;
        for (int j = i + 1; j < fields.count; j++) {
            if (sameName(in, fields, i, j)) {
                total += separator.length + fields.valueEnd(j) - fields.valueStart(j);
                repeats++;
            }
        }
        if (repeats == 0) {
            writer.putString(in, fields.valueStart(i), len);
            return;
        }
        writer.stringHeader(total);
        writer.append(in, fields.valueStart(i), len);
        for (int j = i + 1; j < fields.count; j++) {
            if (sameName(in, fields, i, j)) {
                writer.append(separator, 0, separator.length);
                writer.append(in, fields.valueStart(j), fields.valueEnd(j) - fields.valueStart(j));
                fields.kinds[j] = HeaderTable.DROP;
            }
        }
    }

    private static boolean sameName(byte[] in, HeaderTable fields, int i, int j) {
        int len = fields.nameEnd(i) - fields.nameStart(i);
        return fields.kinds[j] != HeaderTable.DROP && fields.nameEnd(j) - fields.nameStart(j) == len
                && HttpChars.rangesEqualIgnoreCase(in, fields.nameStart(i), fields.nameStart(j), len);
    }

    private static String method(byte[] in, int len) {
        for (int m = 0; m < METHOD_BYTES.length; m++) {
            if (HttpChars.equalsExact(in, 0, len, METHOD_BYTES[m])) {
                return METHODS[m];
            }
        }
        return new String(in, 0, len, StandardCharsets.ISO_8859_1);
    }

    /** One key/value pair in marshal form, for entries that never change. */
    private static byte[] entry(String key, String value) {
        return ConnectionInfo.entries(HttpChars.ascii(key), HttpChars.ascii(value));
    }
}
