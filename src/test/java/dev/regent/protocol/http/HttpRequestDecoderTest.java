package dev.regent.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.protocol.RequestHead.BodyFraming;
import dev.regent.protocol.http.WireDriver.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HttpRequestDecoderTest {

    private final WireDriver driver = new WireDriver();

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private List<Object> decode(String raw) {
        byte[] in = bytes(raw);
        return driver.run(in, in.length);
    }

    private Outcome only(String raw) {
        List<Object> out = decode(raw);
        assertThat(out).hasSize(1);
        return (Outcome) out.get(0);
    }

    private Map<String, String> env(String raw) {
        Outcome o = only(raw);
        assertThat(o.status()).as("status").isZero();
        return o.environ();
    }

    static Stream<Arguments> vectors() {
        return Stream.concat(HttpVectors.VALID.entrySet().stream(), HttpVectors.INVALID.entrySet().stream())
                .map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void everyFragmentationGivesTheSameResult(String name, String raw) {
        byte[] in = bytes(raw);
        List<Object> whole = driver.run(in, Math.max(1, in.length));
        for (int fragment = 1; fragment < in.length; fragment++) {
            assertThat(driver.run(in, fragment)).as("fragment size %d", fragment).isEqualTo(whole);
        }
        for (int cut = 1; cut < in.length; cut++) {
            assertThat(driver.run(in, new int[] {cut})).as("cut at %d", cut).isEqualTo(whole);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validNames")
    void validVectorsDecodeWithoutFailure(String name) {
        List<Object> out = decode(HttpVectors.VALID.get(name));
        assertThat(out).isNotEmpty().allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.class)
                .extracting(x -> ((Outcome) x).status()).isEqualTo(0));
    }

    static Stream<String> validNames() {
        return HttpVectors.VALID.keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidNames")
    void invalidVectorsEndInTheirStatus(String name) {
        String raw = HttpVectors.INVALID.get(name);
        List<Object> out = decode(raw);
        if (name.startsWith("eof")) {
            assertThat(out).last().isEqualTo("INCOMPLETE");
        } else {
            assertThat(out).last().isEqualTo(Outcome.failure(Integer.parseInt(name.substring(0, 3))));
        }
    }

    static Stream<String> invalidNames() {
        return HttpVectors.INVALID.keySet().stream();
    }

    @Test
    void simpleGetHasTheWholeEnviron() {
        Outcome o = only("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.org:8000\r\nUser-Agent: t/1\r\n"
                + "Accept: */*\r\nAccept-Encoding: gzip\r\nX-Request-Id: 42\r\n\r\n");
        assertThat(o.environ()).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("REQUEST_METHOD", "GET"), Map.entry("SCRIPT_NAME", ""), Map.entry("PATH_INFO", "/a/b"),
                Map.entry("QUERY_STRING", "x=1&y=2"), Map.entry("REQUEST_URI", "/a/b?x=1&y=2"),
                Map.entry("SERVER_PROTOCOL", "HTTP/1.1"), Map.entry("SERVER_NAME", "example.org"),
                Map.entry("SERVER_PORT", "8080"), Map.entry("REMOTE_ADDR", "192.0.2.7"),
                Map.entry("REMOTE_PORT", "40000"), Map.entry("wsgi.url_scheme", "http"),
                Map.entry("HTTP_HOST", "example.org:8000"), Map.entry("HTTP_USER_AGENT", "t/1"),
                Map.entry("HTTP_ACCEPT", "*/*"), Map.entry("HTTP_ACCEPT_ENCODING", "gzip"),
                Map.entry("HTTP_X_REQUEST_ID", "42")));
        assertThat(o.framing()).isEqualTo(BodyFraming.NONE);
        assertThat(o.contentLength()).isEqualTo(-1);
        assertThat(o.keepAlive()).isTrue();
        assertThat(o.http10()).isFalse();
        assertThat(o.method()).isEqualTo("GET");
        assertThat(o.uri()).isEqualTo("/a/b?x=1&y=2");
    }

    @Test
    void pipelinedRequestsInOneBufferAllDecode() {
        List<Object> out = decode("GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nGET /4 HTTP/1.1\r\n\r\n");
        assertThat(out).hasSize(4);
        assertThat(out).extracting(o -> ((Outcome) o).environ().get("PATH_INFO"))
                .containsExactly("/1", "/2", "/3", "/4");
        assertThat(out).extracting(o -> ((Outcome) o).body()).containsExactly("", "abc", "hi", "");
        assertThat(((Outcome) out.get(1)).environ()).containsEntry("CONTENT_LENGTH", "3");
        assertThat(((Outcome) out.get(2)).framing()).isEqualTo(BodyFraming.CHUNKED);
    }

    @Test
    void keepAliveFollowsVersionAndConnectionTokens() {
        assertThat(only("GET / HTTP/1.1\r\n\r\n").keepAlive()).isTrue();
        assertThat(only("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").keepAlive()).isFalse();
        assertThat(only("GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n").keepAlive()).isFalse();
        assertThat(only("GET / HTTP/1.0\r\n\r\n").keepAlive()).isFalse();
        assertThat(only("GET / HTTP/1.0\r\n\r\n").http10()).isTrue();
        assertThat(decode("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n")).hasSize(2);
        assertThat(only("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keepAlive()).isFalse();
        assertThat(env("GET / HTTP/1.1\r\nConnection: keep-alive\r\nKeep-Alive: 300\r\n\r\n"))
                .doesNotContainKeys("HTTP_CONNECTION", "HTTP_KEEP_ALIVE");
    }

    @Test
    void headAndExpectContinueAreFlagged() {
        Outcome head = only("HEAD /x HTTP/1.1\r\n\r\n");
        assertThat(head.headRequest()).isTrue();
        assertThat(head.method()).isSameAs("HEAD");
        Outcome expect = only("PUT /x HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok");
        assertThat(expect.expectContinue()).isTrue();
        assertThat(expect.framing()).isEqualTo(BodyFraming.LENGTH);
        assertThat(expect.contentLength()).isEqualTo(2);
        assertThat(expect.body()).isEqualTo("ok");
        assertThat(only("PUT /x HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expectContinue()).isFalse();
    }

    @Test
    void absoluteFormSplitsTargetAndNamesTheServer() {
        Map<String, String> env = env("GET http://user:pw@Example.com:81/p%41th?q=1#frag HTTP/1.1\r\n"
                + "Host: other\r\n\r\n");
        assertThat(env).containsEntry("PATH_INFO", "/pAth").containsEntry("QUERY_STRING", "q=1")
                .containsEntry("SERVER_NAME", "Example.com").containsEntry("HTTP_HOST", "other")
                .containsEntry("REQUEST_URI", "http://user:pw@Example.com:81/p%41th?q=1#frag");
        assertThat(env("GET HTTPS://[::1]:8443 HTTP/1.1\r\n\r\n")).containsEntry("PATH_INFO", "/")
                .containsEntry("SERVER_NAME", "[::1]");
        assertThat(env("GET http://h?x HTTP/1.1\r\n\r\n")).containsEntry("PATH_INFO", "/")
                .containsEntry("QUERY_STRING", "x");
    }

    @Test
    void asteriskAndAuthorityForms() {
        assertThat(env("OPTIONS * HTTP/1.1\r\n\r\n")).containsEntry("PATH_INFO", "*");
        assertThat(env("CONNECT example.com:443 HTTP/1.1\r\n\r\n")).containsEntry("PATH_INFO", "")
                .containsEntry("SERVER_NAME", "example.com").containsEntry("REQUEST_URI", "example.com:443");
    }

    @Test
    void pathIsPercentDecodedAndNonAsciiBytesPassAsLatin1() {
        Map<String, String> env = env("GET /\u00c3\u00a0%20k/a%2Fb/%zz/%4/%e9?%41 HTTP/1.1\r\n"
                + "X-Name: caf\u00c3\u00a9\r\n\r\n");
        assertThat(env).containsEntry("PATH_INFO", "/\u00c3\u00a0 k/a/b/%zz/%4/\u00e9")
                .containsEntry("QUERY_STRING", "%41").containsEntry("HTTP_X_NAME", "caf\u00c3\u00a9");
        assertThat(env("GET /%%41 HTTP/1.1\r\n\r\n")).containsEntry("PATH_INFO", "/%A");
        assertThat(env("GET /a%2 HTTP/1.1\r\n\r\n")).containsEntry("PATH_INFO", "/a%2");
    }

    @Test
    void repeatedFieldsAreJoinedAndDangerousOnesDropped() {
        Map<String, String> env = env("GET / HTTP/1.1\r\nAccept: a\r\nCookie: x=1\r\naccept: b\r\ncookie: y=2\r\n"
                + "X-Forwarded_For: evil\r\nContent_Length: 9\r\nTE: trailers\r\nUpgrade: h2c\r\nTrailer: X\r\n"
                + "Proxy-Connection: keep-alive\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
        assertThat(env).containsEntry("HTTP_ACCEPT", "a, b").containsEntry("HTTP_COOKIE", "x=1; y=2")
                .containsEntry("CONTENT_TYPE", "text/plain").containsEntry("CONTENT_LENGTH", "0")
                .doesNotContainKeys("HTTP_X_FORWARDED_FOR", "HTTP_CONTENT_LENGTH", "HTTP_TE", "HTTP_UPGRADE",
                        "HTTP_TRAILER", "HTTP_PROXY_CONNECTION", "HTTP_CONTENT_TYPE");
    }

    @Test
    void fieldValuesAreTrimmedAndMayBeEmpty() {
        Map<String, String> env = env("GET / HTTP/1.1\r\nA: \t v  1 \t \r\nB:\r\nC:   \r\nX.Y|Z: ok\r\n\r\n");
        assertThat(env).containsEntry("HTTP_A", "v  1").containsEntry("HTTP_B", "").containsEntry("HTTP_C", "")
                .containsEntry("HTTP_X.Y|Z", "ok");
    }

    @Test
    void transferCodingsBeforeChunkedPassThroughToTheApp() {
        Outcome o = only("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n");
        assertThat(o.framing()).isEqualTo(BodyFraming.CHUNKED);
        assertThat(o.environ()).containsEntry("HTTP_TRANSFER_ENCODING", "gzip, chunked");
        assertThat(o.body()).isEqualTo("abc");
        assertThat(env("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
                .doesNotContainKey("HTTP_TRANSFER_ENCODING");
        Outcome identity = only("POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nok");
        assertThat(identity.framing()).isEqualTo(BodyFraming.LENGTH);
        assertThat(identity.body()).isEqualTo("ok");
    }

    @Test
    void hostDecidesServerNameElseTheConnection() {
        assertThat(env("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n")).containsEntry("SERVER_NAME", "[::1]");
        assertThat(env("GET / HTTP/1.1\r\n\r\n")).containsEntry("SERVER_NAME", "10.0.0.1");
        assertThat(env("GET / HTTP/1.1\r\nHost: :80\r\n\r\n")).containsEntry("SERVER_NAME", "10.0.0.1");
        assertThat(env("GET / HTTP/1.0\r\n\r\n")).containsEntry("SERVER_PROTOCOL", "HTTP/1.0");
    }

    @Test
    void leadingEmptyLinesAreSkipped() {
        assertThat(env("\r\n\r\nGET /x HTTP/1.1\r\n\r\n")).containsEntry("PATH_INFO", "/x");
        assertThat(only("\n\nGET /x HTTP/1.1\r\n\r\n").status()).isEqualTo(400);
    }

    @Test
    void headOfExactlyTheLimitPassesAndOneMoreByteIs431() {
        String start = "GET / HTTP/1.1\r\nX: ";
        int limit = 256;
        String exact = start + "v".repeat(limit - start.length() - 4) + "\r\n\r\n";
        assertThat(exact).hasSize(limit);
        WireDriver small = new WireDriver(() -> new HttpRequestDecoder(limit, 0), 0);
        byte[] ok = bytes(exact);
        assertThat(small.run(ok, ok.length)).singleElement().extracting(o -> ((Outcome) o).status()).isEqualTo(0);
        byte[] over = bytes(start + "v".repeat(limit - start.length() - 3) + "\r\n\r\n");
        for (int fragment = 1; fragment <= over.length; fragment++) {
            assertThat(small.run(over, fragment)).containsExactly(Outcome.failure(431));
        }
    }

    @Test
    void oversizedHeadIsRefusedBeforeItEnds() {
        HttpRequestDecoder decoder = new HttpRequestDecoder(100, 0);
        ByteBuf in = Unpooled.copiedBuffer(bytes("GET / HTTP/1.1\r\nX: " + "a".repeat(82)));
        try {
            assertThat(in.readableBytes()).isEqualTo(101);
            assertThat(decoder.decodeHead(in, WireDriver.CONN)).isEqualTo(new HttpFailure(431,
                    "head: over 100 bytes (expected: <= 100)"));
        } finally {
            in.release();
        }
    }

    @Test
    void lineAndCountLimits() {
        WireDriver d = new WireDriver(() -> new HttpRequestDecoder(65536, 21, 12, 2, 10), 0);
        byte[] longLine = bytes("GET /123456 HTTP/1.1\r\n\r\n");
        assertThat(d.run(longLine, longLine.length)).containsExactly(Outcome.failure(414));
        byte[] okLine = bytes("GET /12345 HTTP/1.1\r\nA: 1234567\r\n\r\n");
        assertThat(d.run(okLine, okLine.length)).singleElement().extracting(o -> ((Outcome) o).status()).isEqualTo(0);
        byte[] longField = bytes("GET / HTTP/1.1\r\nA: 123456789\r\n\r\n");
        assertThat(d.run(longField, 1)).containsExactly(Outcome.failure(431));
        byte[] many = bytes("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
        assertThat(d.run(many, many.length)).containsExactly(Outcome.failure(431));
        byte[] big = bytes("POST / HTTP/1.1\r\nA: 1\r\nContent-Length: 11\r\n\r\n");
        WireDriver d2 = new WireDriver(() -> new HttpRequestDecoder(65536, 10), 0);
        assertThat(d2.run(big, big.length)).containsExactly(Outcome.failure(413));
    }

    @Test
    void callingAfterAFailureIsAStateErrorUntilReset() {
        HttpRequestDecoder decoder = new HttpRequestDecoder();
        ByteBuf in = Unpooled.buffer().writeBytes(bytes("GET / FTP/1.1\r\n\r\n"));
        try {
            assertThat(decoder.decodeHead(in, WireDriver.CONN)).isInstanceOf(HttpFailure.class);
            assertThatThrownBy(() -> decoder.decodeHead(in, WireDriver.CONN))
                    .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("state: FAILED");
            decoder.reset();
            in.clear().writeBytes(bytes("GET / HTTP/1.1\r\n\r\n"));
            HttpRequestDecoder.Result r = decoder.decodeHead(in, WireDriver.CONN);
            assertThat(r).isInstanceOf(HttpRequestDecoder.Head.class);
            ((HttpRequestDecoder.Head) r).head().environ().release();
        } finally {
            in.release();
        }
    }

    @Test
    void incompleteInputWaitsWithoutConsuming() {
        HttpRequestDecoder decoder = new HttpRequestDecoder();
        ByteBuf in = Unpooled.copiedBuffer(bytes("\r\nGET / HTTP/1.1\r\nHost: x"));
        try {
            assertThat(decoder.decodeHead(in, WireDriver.CONN)).isEqualTo(HttpRequestDecoder.NeedMore.INSTANCE);
            assertThat(in.readerIndex()).isEqualTo(2);
        } finally {
            in.release();
        }
    }
}
