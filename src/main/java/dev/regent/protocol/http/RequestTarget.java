package dev.regent.protocol.http;

import io.netty.buffer.ByteBuf;

/**
 * Splits a request-target (RFC 9112 section 3.2) into the ranges the environ needs. Offsets are
 * relative to the reader index, as in {@link HttpRequestDecoder}.
 *
 * <pre>
 *   origin-form     /path?query#fragment                 any method
 *   absolute-form   http://user@host:port/path?query     any method; SERVER_NAME from host
 *   asterisk-form   *                                    OPTIONS only; PATH_INFO "*"
 *   authority-form  host:port                            CONNECT only; PATH_INFO ""
 * </pre>
 *
 * Fragments are not part of a request-target, but clients send them; they are dropped.
 */
final class RequestTarget {

    private static final byte[] OPTIONS = HttpChars.ascii("OPTIONS");
    private static final byte[] CONNECT = HttpChars.ascii("CONNECT");
    private static final byte[] HTTP = HttpChars.ascii("http://");
    private static final byte[] HTTPS = HttpChars.ascii("https://");

    int pathStart;
    /** Equal to {@link #pathStart} for an empty path; an absolute-form empty path means "/". */
    int pathEnd;
    boolean rootPath;
    int queryStart;
    int queryEnd;
    /** Host of an absolute-form or authority-form target, or -1: it overrides the Host field. */
    int hostStart;
    int hostEnd;

    HttpFailure check(ByteBuf in, int base, int methodEnd, int start, int end, int queryMark, int fragmentMark) {
        int stop = fragmentMark >= 0 ? fragmentMark : end;
        queryStart = queryEnd = stop;
        if (queryMark >= 0) {
            queryStart = queryMark + 1;
            queryEnd = stop;
            stop = queryMark;
        }
        hostStart = hostEnd = -1;
        rootPath = false;
        boolean connect = HttpChars.equalsExact(in, base, methodEnd, CONNECT);
        int first = in.getByte(base + start);
        if (connect) {
            return authorityForm(in, base, start, end, queryMark, fragmentMark);
        }
        if (first == '/') {
            pathStart = start;
            pathEnd = stop;
            return null;
        }
        if (first == '*' && end - start == 1) {
            if (!HttpChars.equalsExact(in, base, methodEnd, OPTIONS)) {
                return new HttpFailure(400, "request-target: * (expected: only with OPTIONS)");
            }
            pathStart = start;
            pathEnd = end;
            return null;
        }
        return absoluteForm(in, base, start, stop);
    }

    private HttpFailure authorityForm(ByteBuf in, int base, int start, int end, int queryMark, int fragmentMark) {
        for (int p = start; p < end; p++) {
            int c = in.getByte(base + p);
            if (c == '/' || c == '@' || c == '?' || c == '#') {
                return new HttpFailure(400, "request-target: not authority-form (expected: host:port with CONNECT)");
            }
        }
        pathStart = pathEnd = start;
        queryStart = queryEnd = end;
        hostStart = start;
        hostEnd = hostEnd(in, base, start, end);
        return null;
    }

    private HttpFailure absoluteForm(ByteBuf in, int base, int start, int stop) {
        int scheme;
        if (startsWith(in, base + start, stop - start, HTTP)) {
            scheme = HTTP.length;
        } else if (startsWith(in, base + start, stop - start, HTTPS)) {
            scheme = HTTPS.length;
        } else {
            return new HttpFailure(400, "request-target: unknown form (expected: /path, http(s)://, * or CONNECT)");
        }
        int authority = start + scheme;
        int authorityEnd = authority;
        while (authorityEnd < stop && in.getByte(base + authorityEnd) != '/') {
            authorityEnd++;
        }
        int host = authority;
        for (int p = authority; p < authorityEnd; p++) {
            if (in.getByte(base + p) == '@') {
                host = p + 1;
            }
        }
        if (host == authorityEnd) {
            return new HttpFailure(400, "request-target: absolute-form without host (expected: http://host/...)");
        }
        hostStart = host;
        hostEnd = hostEnd(in, base, host, authorityEnd);
        pathStart = authorityEnd;
        pathEnd = stop;
        rootPath = pathStart == pathEnd;
        return null;
    }

    /** End of the host in {@code host[:port]} or {@code [v6]:port}. */
    static int hostEnd(ByteBuf in, int base, int start, int end) {
        if (start < end && in.getByte(base + start) == '[') {
            for (int p = start; p < end; p++) {
                if (in.getByte(base + p) == ']') {
                    return p + 1;
                }
            }
            return end;
        }
        for (int p = start; p < end; p++) {
            if (in.getByte(base + p) == ':') {
                return p;
            }
        }
        return end;
    }

    private static boolean startsWith(ByteBuf in, int at, int len, byte[] lowerPrefix) {
        return len >= lowerPrefix.length && HttpChars.equalsIgnoreCase(in, at, lowerPrefix.length, lowerPrefix);
    }
}
