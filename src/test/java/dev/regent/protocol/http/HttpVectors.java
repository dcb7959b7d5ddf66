package dev.regent.protocol.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Request byte streams for the codec tests. Strings are latin-1: each char is one byte. An invalid
 * vector's name starts with the status it must end in, or with "eof" when it is a stream that
 * never completes (the connection handler answers 400 when the peer closes).
 */
final class HttpVectors {

    static final Map<String, String> VALID = new LinkedHashMap<>();
    static final Map<String, String> INVALID = new LinkedHashMap<>();

    private HttpVectors() {
    }

    private static void valid(String name, String raw) {
        VALID.put(name, raw);
    }

    private static void invalid(String name, String raw) {
        INVALID.put(name, raw);
    }

    static {
        valid("get five fields", "GET /a?b=c HTTP/1.1\r\nHost: h:1\r\nUser-Agent: u\r\nAccept: */*\r\n"
                + "Accept-Language: en\r\nCookie: a=b\r\n\r\n");
        valid("pipelined", "GET /1 HTTP/1.1\r\n\r\nPUT /2 HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
                + "POST /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=\"a b\"\r\nabc\r\n0\r\nT: v\r\n\r\n"
                + "HEAD /4 HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
        valid("http10 stops", "GET /first HTTP/1.0\r\n\r\nGET /second HTTP/1.1\r\n\r\n");
        valid("http10 keep-alive", "GET /first HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /second HTTP/1.1\r\n\r\n");
        valid("http10 body", "GET /first HTTP/1.0\r\nContent-Length: 24\r\n\r\nGET /second HTTP/1.1\r\n\r\n");
        valid("leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        valid("expect continue", "PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
        valid("absolute form", "GET http://u:p@example.com:8080/foo?q=1#f HTTP/1.1\r\nHost: example.com\r\n\r\n");
        valid("absolute ipv6", "GET http://[::1]:8080/foo HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
        valid("options asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
        valid("connect authority", "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n");
        valid("non-ascii", "GET /\u00c3\u00a0%20k%2F?\u00e9 HTTP/1.1\r\nX-V: caf\u00c3\u00a9\r\n\r\n");
        valid("repeats and drops", "GET / HTTP/1.1\r\nIf-Match: a\r\nIf-Match: b\r\nX_Y: 1\r\nCookie: a=1\r\n"
                + "Cookie: b=2\r\nContent-Length: 0\r\n\r\n");
        valid("padding", "GET / HTTP/1.1\r\nName: \t value \t \r\nX:\tabc\t\r\nEmpty:\r\n\r\n");
        valid("chunked extensions and trailers", "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5; some; parameters=stuff\r\nhello\r\n6;blah\r\n world\r\n000\r\nVary: *\r\n"
                + "Content-Type: text/plain\r\n\r\n");
        valid("chunked big hex", "POST /c HTTP/1.1\r\nTransfer-Encoding: identity, chunked\r\n\r\n"
                + "0A\r\n0123456789\r\n1a\r\n" + "z".repeat(26) + "\r\n0\r\n\r\n");
        valid("gzip chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");
        valid("lower-case fields", "GET / HTTP/1.1\r\nconTENT-Length: 2\r\nhOST: x\r\n\r\nok");
        valid("unusual method", "-BLARGH /foo HTTP/1.1\r\n\r\n");
        valid("quotes and slashes", "GET ///with_\"quotes\"?foo=\"bar\" HTTP/1.1\r\n\r\n");

        invalid("eof truncated field", "GET /foo HTTP/1.0\r\nbaz");
        invalid("eof missing final CRLF", chunked("0\r\n"));
        invalid("400 missing target", "GET HTTP/1.1\r\n\r\n");
        invalid("400 bare LF request line", "GET\n/\nHTTP/1.1\r\n\r\n");
        invalid("400 bare LF end of request line", "GET / HTTP/1.1\n\r\n");
        invalid("400 bare LF field", "GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n");
        invalid("400 bare LF end of head", "GET / HTTP/1.1\r\nA: b\r\n\n");
        invalid("400 bare CR field", "GET / HTTP/1.1\r\nA: b\rC: d\r\n\r\n");
        invalid("400 bare CR leading", "\rGET / HTTP/1.1\r\n\r\n");
        invalid("400 colon in method", "bla:rgh /foo HTTP/1.1\r\n\r\n");
        invalid("400 lower-case method", "-bl /foo HTTP/1.1\r\n\r\n");
        invalid("400 NUL in method", "GET\0 /foo HTTP/1.1\r\n\r\n");
        invalid("400 non-ascii method", "GET\u00c3\u009f /foo HTTP/1.1\r\n\r\n");
        invalid("400 two spaces", "GET  /foo HTTP/1.1\r\n\r\n");
        invalid("400 FTP version", "GET /foo FTP/1.1\r\n\r\n");
        invalid("400 three digit version", "GET /test HTTP/111\r\n\r\n");
        invalid("400 long version", "GET /test HTTP/1111111111111.1\r\n\r\n");
        invalid("400 minor 99", "GET /foo HTTP/0.99\r\n\r\n");
        invalid("505 http 2", "GET /foo HTTP/2.0\r\n\r\n");
        invalid("505 http 1.2", "GET /foo HTTP/1.2\r\n\r\n");
        invalid("505 http 0.9", "GET /foo HTTP/0.9\r\n\r\n");
        invalid("400 NUL in name", "GET / HTTP/1.1\r\nba\0z: bar\r\n\r\n");
        invalid("400 space before colon", "GET / HTTP/1.1\r\nContent-Length : 3\r\n\r\nxyz");
        invalid("400 non-ascii name", "GET / HTTP/1.1\r\nContent-Length\u00c3\u009f: 3\r\n\r\n");
        invalid("400 empty name", "GET / HTTP/1.1\r\n: x\r\n\r\n");
        invalid("400 no colon", "GET / HTTP/1.1\r\nNoColon\r\n\r\n");
        invalid("400 obs-fold", "GET / HTTP/1.1\r\nLong: one\r\n two\r\nHost: h\r\n\r\n");
        invalid("400 fold first line", "GET / HTTP/1.1\r\n Host: h\r\n\r\n");
        invalid("400 BEL in value", "GET / HTTP/1.1\r\nX: a\u0007b\r\n\r\n");
        invalid("400 DEL in value", "GET / HTTP/1.1\r\nX: a\u007fb\r\n\r\n");
        invalid("400 NUL in value", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n");
        invalid("400 negative length", "PUT / HTTP/1.0\r\nCONTENT-LENGTH: -1\r\n\r\n{}");
        invalid("400 minus zero length", "GET / HTTP/1.0\r\nContent-Length: -0\r\n\r\n");
        invalid("400 plus length", "GET / HTTP/1.0\r\nContent-Length: +1\r\n\r\n");
        invalid("400 underscore length", "GET / HTTP/1.0\r\nContent-Length: 0_1\r\n\r\n");
        invalid("400 word length", "POST / HTTP/1.0\r\nContent-Length: bla\r\n\r\n");
        invalid("400 spaced length", "GET / HTTP/1.1\r\nContent-Length: 3 1\r\n\r\nxyz");
        invalid("400 empty length", "GET / HTTP/1.1\r\nContent-Length:\r\n\r\n");
        invalid("400 huge length", "GET / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n");
        invalid("400 conflicting lengths", "GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 2\r\n\r\nxyz");
        invalid("400 equal lengths", "GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nxyz");
        invalid("400 list length", "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello");
        invalid("400 te and cl", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        invalid("400 tab te and cl", "POST / HTTP/1.1\r\nContent-Length: 12\r\nTransfer-Encoding: \tchunked\r\n\r\n");
        invalid("400 chunked twice", "POST / HTTP/1.1\r\n"
                + "Transfer-Encoding: identity, chunked, identity, chunked\r\n\r\n");
        invalid("400 chunked twice fields", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
        invalid("400 chunked not last", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: gzip\r\n\r\n");
        invalid("400 identity after chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n");
        invalid("400 gzip without chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
        invalid("400 chunked on http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        invalid("501 unknown coding", "POST / HTTP/1.1\r\nTransfer-Encoding: br, chunked\r\n\r\n0\r\n\r\n");
        invalid("400 two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
        invalid("400 two content types", "GET / HTTP/1.1\r\nContent-Type: a\r\nContent-Type: b\r\n\r\n");
        invalid("400 asterisk with GET", "GET * HTTP/1.1\r\n\r\n");
        invalid("400 authority with GET", "GET example.com:443 HTTP/1.1\r\n\r\n");
        invalid("400 relative target", "GET foo/bar HTTP/1.1\r\n\r\n");
        invalid("400 odd scheme", "PUT s://]ufd/: HTTP/1.1\r\n\r\n");
        invalid("400 absolute without host", "GET http:///x HTTP/1.1\r\n\r\n");
        invalid("400 connect with path", "CONNECT /x HTTP/1.1\r\n\r\n");
        invalid("400 control in target", "GET /a\u0001b HTTP/1.1\r\n\r\n");
        invalid("400 chunk size underscore", chunked("5\r\nhello\r\n6_0\r\n world\r\n0\r\n\r\n"));
        invalid("400 chunk size trailing space", chunked("5\r\nhello\r\n0 \r\n\r\n"));
        invalid("400 chunk size leading space", chunked("5\r\nhello\r\n 0\r\n\r\n"));
        invalid("400 chunk size bare LF", chunked("5\n;\r\nhello\r\n0\r\n\r\n"));
        invalid("400 chunk ext without size", chunked(" ;foo=bar\r\nhello\r\n0\r\n\r\n"));
        invalid("400 chunk size empty", chunked("\r\nhello\r\n0\r\n\r\n"));
        invalid("400 chunk ext bare CR", chunked("5;ext=val\rue\r\nhello\r\n0\r\n\r\n"));
        invalid("400 chunk ext control", chunked("5;ext=\u0001\r\nhello\r\n0\r\n\r\n"));
        invalid("400 chunk size minus", chunked("-5\r\nhello\r\n0\r\n\r\n"));
        invalid("400 chunk size plus", chunked("+5\r\nhello\r\n0\r\n\r\n"));
        invalid("400 chunk size overflow", chunked("10000000000000000\r\nhello\r\n0\r\n\r\n"));
        invalid("400 chunk data too long", chunked("5\r\nhello!\r\n0\r\n\r\n"));
        invalid("400 chunk data bare CR", chunked("5\r\nhello\r0\r\n\r\n"));
        invalid("400 trailer content-length", chunked("5\r\nhello\r\n0\r\nContent-Length: 99\r\n\r\n"));
        invalid("400 trailer host", chunked("5\r\nhello\r\n0\r\nHost: evil\r\n\r\n"));
        invalid("400 trailer te", chunked("5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"));
        invalid("400 trailer bare LF", chunked("0\r\nA: b\n\r\n"));
        invalid("400 trailer fold", chunked("0\r\nA: b\r\n c\r\n\r\n"));
        invalid("400 trailer bad value", chunked("0\r\nA: b\u0000\r\n\r\n"));
    }

    private static String chunked(String body) {
        return "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
    }
}
