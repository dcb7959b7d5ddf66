package dev.regent.protocol.http;

/**
 * Splits a request-target (RFC 9112 section 3.2) into the ranges the environ needs. Offsets index
 * the decoder's copy of the head, which starts at the request line.
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

    HttpFailure check(byte[] in, int methodEnd, int start, int end, int queryMark, int fragmentMark) {
        int stop = fragmentMark >= 0 ? fragmentMark : end;
        queryStart = queryEnd = stop;
        if (queryMark >= 0) {
            queryStart = queryMark + 1;
            queryEnd = stop;
            stop = queryMark;
        }
        hostStart = hostEnd = -1;
        rootPath = false;
        boolean connect = HttpChars.equalsExact(in, 0, methodEnd, CONNECT);
        int first = in[start];
        if (connect) {
            return authorityForm(in, start, end, queryMark, fragmentMark);
        }
        if (first == '/') {
            pathStart = start;
            pathEnd = stop;
            return null;
        }
        if (first == '*' && end - start == 1) {
            if (!HttpChars.equalsExact(in, 0, methodEnd, OPTIONS)) {
                return new HttpFailure(400, "request-target: * (expected: only with OPTIONS)");
            }
            pathStart = start;
            pathEnd = end;
            return null;
        }
        return absoluteForm(in, start, stop);
    }

    private HttpFailure authorityForm(byte[] in, int start, int end, int queryMark, int fragmentMark) {
        for (int p = start; p < end; p++) {
            int c = in[p];
            if (c == '/' || c == '@' || c == '?' || c == '#') {
                return new HttpFailure(400, "request-target: not authority-form (expected: host:port with CONNECT)");
            }
        }
        pathStart = pathEnd = start;
        queryStart = queryEnd = end;
        hostStart = start;
        hostEnd = hostEnd(in, start, end);
        return null;
    }

    private HttpFailure absoluteForm(byte[] in, int start, int stop) {
        int scheme;
        if (startsWith(in, start, stop - start, HTTP)) {
            scheme = HTTP.length;
        } else if (startsWith(in, start, stop - start, HTTPS)) {
            scheme = HTTPS.length;
        } else {
            return new HttpFailure(400, "request-target: unknown form (expected: /path, http(s)://, * or CONNECT)");
        }
        int authority = start + scheme;
        int authorityEnd = authority;
        while (authorityEnd < stop && in[authorityEnd] != '/') {
            authorityEnd++;
        }
        int host = authority;
        for (int p = authority; p < authorityEnd; p++) {
            if (in[p] == '@') {
                host = p + 1;
            }
        }
        if (host == authorityEnd) {
            return new HttpFailure(400, "request-target: absolute-form without host (expected: http://host/...)");
        }
        hostStart = host;
        hostEnd = hostEnd(in, host, authorityEnd);
        pathStart = authorityEnd;
        pathEnd = stop;
        rootPath = pathStart == pathEnd;
        return null;
    }

    /** End of the host in {@code host[:port]} or {@code [v6]:port}. */
    static int hostEnd(byte[] in, int start, int end) {
        if (start < end && in[start] == '[') {
            for (int p = start; p < end; p++) {
                if (in[p] == ']') {
                    return p + 1;
                }
            }
            return end;
        }
        for (int p = start; p < end; p++) {
            if (in[p] == ':') {
                return p;
            }
        }
        return end;
    }

    private static boolean startsWith(byte[] in, int at, int len, byte[] lowerPrefix) {
        return len >= lowerPrefix.length && HttpChars.equalsIgnoreCase(in, at, lowerPrefix.length, lowerPrefix);
    }
}
