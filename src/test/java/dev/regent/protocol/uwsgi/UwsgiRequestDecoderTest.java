package dev.regent.protocol.uwsgi;

import static dev.regent.protocol.uwsgi.UwsgiPackets.concat;
import static dev.regent.protocol.uwsgi.UwsgiPackets.environBytes;
import static dev.regent.protocol.uwsgi.UwsgiPackets.feed;
import static dev.regent.protocol.uwsgi.UwsgiPackets.loadMarshal;
import static dev.regent.protocol.uwsgi.UwsgiPackets.packet;
import static dev.regent.protocol.uwsgi.UwsgiPackets.raw;
import static dev.regent.protocol.uwsgi.UwsgiPackets.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.regent.protocol.RequestHead;
import dev.regent.protocol.RequestHead.BodyFraming;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Decoded;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Failure;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult.Rejected;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UwsgiRequestDecoderTest {

    /** What nginx's stock uwsgi_params produce for {@code POST /app/x?a=1} over HTTP/1.1. */
    static final String[] NGINX = {
        "QUERY_STRING", "a=1",
        "REQUEST_METHOD", "POST",
        "CONTENT_TYPE", "text/plain",
        "CONTENT_LENGTH", "5",
        "REQUEST_URI", "/app/x?a=1",
        "PATH_INFO", "/app/x",
        "DOCUMENT_ROOT", "/srv/www",
        "SERVER_PROTOCOL", "HTTP/1.1",
        "REQUEST_SCHEME", "http",
        "REMOTE_ADDR", "192.0.2.7",
        "REMOTE_PORT", "51515",
        "SERVER_PORT", "80",
        "SERVER_NAME", "example.org",
        "HTTP_HOST", "example.org",
        "HTTP_USER_AGENT", "curl/8",
    };

    static Decoded decoded(UwsgiDecodeResult result) {
        assertThat(result).isInstanceOf(Decoded.class);
        return (Decoded) result;
    }

    static Rejected rejected(UwsgiDecodeResult result) {
        assertThat(result).isInstanceOf(Rejected.class);
        return (Rejected) result;
    }

    /** Decodes a whole packet and returns its environ as a dict, releasing the buffer. */
    static Map<String, String> environOf(byte[] packet) {
        Decoded d = decoded(feed(packet).result());
        try {
            return loadMarshal(environBytes(d));
        } finally {
            d.head().environ().release();
        }
    }

    @Test
    void nginxPacketBecomesHeadAndEnviron() {
        byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
        UwsgiPackets.Fed fed = feed(concat(packet(0, NGINX), body));
        Decoded d = decoded(fed.result());
        RequestHead head = d.head();
        try {
            assertThat(fed.rest()).isEqualTo(body);
            assertThat(head.framing()).isEqualTo(BodyFraming.LENGTH);
            assertThat(head.contentLength()).isEqualTo(5);
            assertThat(head.keepAlive()).isFalse();
            assertThat(head.expectContinue()).isFalse();
            assertThat(head.headRequest()).isFalse();
            assertThat(head.http10()).isFalse();
            assertThat(head.method()).isEqualTo("POST");
            assertThat(head.uri()).isEqualTo("/app/x?a=1");
            assertThat(d.statusLinePrefix().toString()).isEqualTo("HTTP/1.1 ");
            assertThat(d.droppedVars()).isEmpty();

            List<String> expected = new ArrayList<>(List.of(NGINX));
            expected.addAll(List.of("SCRIPT_NAME", "", "wsgi.url_scheme", "http"));
            List<String> actual = new ArrayList<>();
            loadMarshal(environBytes(d)).forEach((k, v) -> {
                actual.add(k);
                actual.add(v);
            });
            assertThat(actual).containsExactlyElementsOf(expected);
        } finally {
            head.environ().release();
        }
    }

    @Test
    void everySplitAndEveryFragmentSizeGiveTheSameResult() {
        List<byte[]> packets = List.of(
                packet(0, NGINX),
                concat(packet(30, "SCRIPT_NAME", "/app", "PATH_INFO", "/app/x", "CONTENT_LENGTH", "3"),
                        new byte[] {1, 2, 3}),
                packet(0),
                packet(0, "HTTP_X", "v".repeat(300), "REMOTE_ADDR", "1.1.1.1", "REMOTE_ADDR", "2.2.2.2",
                        "UWSGI_FILE", "/tmp/evil.py", "HTTPS", "on"));
        for (byte[] packet : packets) {
            Decoded whole = decoded(feed(packet).result());
            byte[] expectedEnviron = environBytes(whole);
            byte[] expectedRest = feed(packet).rest();
            for (int split = 0; split <= packet.length; split++) {
                UwsgiPackets.Fed fed = UwsgiPackets.feedSplit(new UwsgiRequestDecoder(), packet, split);
                assertSame(whole, expectedEnviron, expectedRest, fed, "split " + split);
            }
            for (int size = 1; size <= packet.length; size++) {
                UwsgiPackets.Fed fed = feed(new UwsgiRequestDecoder(), packet, size);
                assertSame(whole, expectedEnviron, expectedRest, fed, "fragment " + size);
            }
            whole.head().environ().release();
        }
    }

    private static void assertSame(Decoded whole, byte[] environ, byte[] rest, UwsgiPackets.Fed fed, String what) {
        Decoded d = decoded(fed.result());
        try {
            assertThat(environBytes(d)).as(what).isEqualTo(environ);
            assertThat(fed.rest()).as(what).isEqualTo(rest);
            RequestHead a = whole.head();
            RequestHead b = d.head();
            assertThat(List.of(b.framing(), b.contentLength(), b.headRequest(), b.http10(), b.method(), b.uri()))
                    .as(what)
                    .isEqualTo(List.of(a.framing(), a.contentLength(), a.headRequest(), a.http10(), a.method(),
                            a.uri()));
            assertThat(d.droppedVars()).as(what).isEqualTo(whole.droppedVars());
        } finally {
            d.head().environ().release();
        }
    }

    @Test
    void incompleteHeaderOrBlockNeedsMore() {
        byte[] packet = packet(0, NGINX);
        for (int n = 0; n < packet.length; n++) {
            UwsgiRequestDecoder decoder = new UwsgiRequestDecoder();
            ByteBuf in = Unpooled.wrappedBuffer(packet, 0, n);
            assertThat(decoder.decode(in, UwsgiPackets.CONNECTION)).isSameAs(UwsgiDecodeResult.NEED_MORE);
        }
    }

    @Test
    void modifier30StripsScriptNameFromPathInfo() {
        assertThat(environOf(packet(30, "SCRIPT_NAME", "/app", "PATH_INFO", "/app/x/y")))
                .contains(entry("SCRIPT_NAME", "/app"), entry("PATH_INFO", "/x/y"));
        assertThat(environOf(packet(30, "PATH_INFO", "/app", "SCRIPT_NAME", "/app")))
                .contains(entry("PATH_INFO", ""));
        assertThat(environOf(packet(30, "SCRIPT_NAME", "/other", "PATH_INFO", "/app/x")))
                .contains(entry("PATH_INFO", "/app/x"));
        assertThat(environOf(packet(30, "PATH_INFO", "/x")))
                .contains(entry("PATH_INFO", "/x"), entry("SCRIPT_NAME", ""));
        assertThat(environOf(packet(30, "SCRIPT_NAME", "/app"))).contains(entry("PATH_INFO", ""));
        // the last PATH_INFO wins and is written once
        Decoded d = decoded(feed(packet(30, "PATH_INFO", "/a", "SCRIPT_NAME", "/b", "PATH_INFO", "/b/c")).result());
        String text = new String(environBytes(d), StandardCharsets.ISO_8859_1);
        d.head().environ().release();
        assertThat(text.split("PATH_INFO", -1)).hasSize(2);
        assertThat(text).contains("PATH_INFO" + "z\u0002/c");
        assertThat(environOf(packet(0, "SCRIPT_NAME", "/app", "PATH_INFO", "/app/x")))
                .as("modifier 0 leaves PATH_INFO alone").contains(entry("PATH_INFO", "/app/x"));
    }

    @Test
    void missingWsgiKeysAreFilledFromTheConnection() {
        assertThat(environOf(packet(0, "REQUEST_METHOD", "GET"))).containsExactly(
                entry("REQUEST_METHOD", "GET"),
                entry("SCRIPT_NAME", ""),
                entry("PATH_INFO", ""),
                entry("QUERY_STRING", ""),
                entry("SERVER_NAME", "10.0.0.1"),
                entry("SERVER_PORT", "3031"),
                entry("REMOTE_ADDR", "10.0.0.2"),
                entry("wsgi.url_scheme", "http"));
        assertThat(new UwsgiConnectionInfo(null, null).serverName()).isEqualTo("localhost");
        assertThat(new UwsgiConnectionInfo(null, null).serverPort()).isEqualTo("0");
        assertThat(new UwsgiConnectionInfo(null, null).remoteAddr()).isEmpty();
    }

    @Test
    void urlSchemeFollowsHttpsAndUwsgiScheme() {
        assertThat(environOf(packet(0, "HTTPS", "on"))).containsEntry("wsgi.url_scheme", "https");
        assertThat(environOf(packet(0, "HTTPS", "ON"))).containsEntry("wsgi.url_scheme", "https");
        assertThat(environOf(packet(0, "HTTPS", "1"))).containsEntry("wsgi.url_scheme", "https");
        assertThat(environOf(packet(0, "HTTPS", "off"))).containsEntry("wsgi.url_scheme", "http");
        assertThat(environOf(packet(0, "HTTPS", ""))).containsEntry("wsgi.url_scheme", "http");
        assertThat(environOf(packet(0, "UWSGI_SCHEME", "https"))).containsEntry("wsgi.url_scheme", "https")
                .containsEntry("UWSGI_SCHEME", "https");
        assertThat(environOf(packet(0, "UWSGI_SCHEME", "http", "HTTPS", "on")))
                .containsEntry("wsgi.url_scheme", "http");
        assertThat(environOf(packet(0, "UWSGI_SCHEME", "gopher", "HTTPS", "on")))
                .containsEntry("wsgi.url_scheme", "https");
        Map<String, String> sent = environOf(packet(0, "wsgi.url_scheme", "https"));
        assertThat(sent).containsEntry("wsgi.url_scheme", "http");
    }

    @Test
    void codeLoadingVarsAreDroppedAndReported() {
        String[] magic = {"UWSGI_SCRIPT", "UWSGI_MODULE", "UWSGI_CALLABLE", "UWSGI_FILE", "UWSGI_PYHOME",
            "UWSGI_CHDIR", "UWSGI_SETENV", "UWSGI_POSTFILE", "UWSGI_TOUCH_RELOAD", "UWSGI_APPID", "UWSGI_CACHE_GET"};
        List<String> kv = new ArrayList<>(List.of("REQUEST_METHOD", "GET"));
        for (String name : magic) {
            kv.add(name);
            kv.add("x");
        }
        kv.addAll(List.of("UWSGI_FILE", "again", "UWSGI_ROUTER", "kept"));
        Decoded d = decoded(feed(packet(0, kv.toArray(String[]::new))).result());
        Map<String, String> environ = loadMarshal(environBytes(d));
        d.head().environ().release();
        assertThat(d.droppedVars()).containsExactly(magic);
        assertThat(environ).doesNotContainKeys(magic).containsEntry("UWSGI_ROUTER", "kept");
    }

    @Test
    void firstRemoteAddrWinsOtherwiseLast() {
        Decoded d = decoded(feed(packet(0, "REMOTE_ADDR", "1.1.1.1", "HTTP_X", "a", "REMOTE_ADDR", "2.2.2.2",
                "HTTP_X", "b", "CONTENT_LENGTH", "9", "CONTENT_LENGTH", "2", "REQUEST_METHOD", "HEAD")).result());
        Map<String, String> environ = loadMarshal(environBytes(d));
        d.head().environ().release();
        assertThat(environ).containsEntry("REMOTE_ADDR", "1.1.1.1").containsEntry("HTTP_X", "b")
                .containsEntry("CONTENT_LENGTH", "2");
        assertThat(d.head().contentLength()).as("framing agrees with what the app sees").isEqualTo(2);
        assertThat(d.head().headRequest()).isTrue();
    }

    @Test
    void contentLengthUsesLeadingDigits() {
        assertFraming("12abc", BodyFraming.LENGTH, 12);
        assertFraming("007", BodyFraming.LENGTH, 7);
        assertFraming("abc", BodyFraming.NONE, -1);
        assertFraming("", BodyFraming.NONE, -1);
        assertFraming("0", BodyFraming.NONE, -1);
        assertFraming(" 5", BodyFraming.NONE, -1);
        assertFraming("9223372036854775807", BodyFraming.LENGTH, Long.MAX_VALUE);
        Decoded d = decoded(feed(packet(0, "REQUEST_METHOD", "GET")).result());
        d.head().environ().release();
        assertThat(d.head().framing()).isEqualTo(BodyFraming.NONE);
        assertThat(d.head().contentLength()).isEqualTo(-1);
    }

    private static void assertFraming(String contentLength, BodyFraming framing, long length) {
        Decoded d = decoded(feed(packet(0, "CONTENT_LENGTH", contentLength)).result());
        d.head().environ().release();
        assertThat(d.head().framing()).as(contentLength).isEqualTo(framing);
        assertThat(d.head().contentLength()).as(contentLength).isEqualTo(length);
    }

    @Test
    void contentLengthBeyondLimitPostIsTooLarge() {
        UwsgiRequestDecoder limited = new UwsgiRequestDecoder(4096, 1000, 64);
        Rejected r = rejected(feed(limited, packet(0, "CONTENT_LENGTH", "1001"), 1000).result());
        assertThat(r.failure()).isEqualTo(Failure.BODY_TOO_LARGE);
        assertThat(r.reason()).isEqualTo("content length: 1001 (expected: <= 1000)");

        Decoded d = decoded(feed(new UwsgiRequestDecoder(4096, 1000, 64), packet(0, "CONTENT_LENGTH", "1000"), 1)
                .result());
        d.head().environ().release();
        assertThat(d.head().contentLength()).isEqualTo(1000);

        String huge = "9".repeat(5000);
        r = rejected(feed(packet(0, "CONTENT_LENGTH", huge)).result());
        assertThat(r.failure()).isEqualTo(Failure.BODY_TOO_LARGE);
        assertThat(r.reason()).doesNotContain("99999999999999999999").hasSizeLessThan(120);
    }

    @Test
    void statusLineAndHttp10FollowServerProtocol() {
        assertProtocol("HTTP/1.0", "HTTP/1.0 ", true);
        assertProtocol("HTTP/1.1", "HTTP/1.1 ", false);
        assertProtocol("HTTP/2.0", "HTTP/2.0 ", false);
        assertProtocol("HTTP/3.0", "HTTP/3.0 ", false);
        assertProtocol("HTTP/1.1\r\nX: y", "HTTP/1.0 ", true);
        assertProtocol("http/1.1", "HTTP/1.0 ", true);
        Decoded d = decoded(feed(packet(0)).result());
        d.head().environ().release();
        assertThat(d.statusLinePrefix().toString()).isEqualTo("HTTP/1.0 ");
        assertThat(d.head().http10()).isTrue();
        assertThat(d.head().method()).isEmpty();
        assertThat(d.head().uri()).isEmpty();
    }

    private static void assertProtocol(String protocol, String prefix, boolean http10) {
        Decoded d = decoded(feed(packet(0, "SERVER_PROTOCOL", protocol)).result());
        d.head().environ().release();
        assertThat(d.statusLinePrefix().toString()).as(protocol).isEqualTo(prefix);
        assertThat(d.head().http10()).as(protocol).isEqualTo(http10);
    }

    @Test
    void logUriFallsBackToPathInfoAndQuery() {
        assertThat(uri("PATH_INFO", "/p", "QUERY_STRING", "q=1")).isEqualTo("/p?q=1");
        assertThat(uri("PATH_INFO", "/p", "QUERY_STRING", "")).isEqualTo("/p");
        assertThat(uri("REQUEST_URI", "", "PATH_INFO", "/p")).isEqualTo("/p");
        assertThat(uri("REQUEST_URI", "/r?x", "PATH_INFO", "/p")).isEqualTo("/r?x");
        assertThat(uri("QUERY_STRING", "q")).isEqualTo("?q");
    }

    private static String uri(String... kv) {
        Decoded d = decoded(feed(packet(0, kv)).result());
        d.head().environ().release();
        return d.head().uri();
    }

    @Test
    void uncommonMethodIsKeptForTheLog() {
        Decoded d = decoded(feed(packet(0, "REQUEST_METHOD", "PROPFIND")).result());
        d.head().environ().release();
        assertThat(d.head().method()).isEqualTo("PROPFIND");
        assertThat(d.head().headRequest()).isFalse();
    }

    @Test
    void longAndHighBytesSurviveTheEnviron() {
        String high = "caf\u00e9 \u00ff\u0080";
        String big = "x".repeat(65535 - 200);
        Map<String, String> environ = environOf(packet(0, "HTTP_X_LATIN1", high, "HTTP_BIG", big));
        assertThat(environ).containsEntry("HTTP_X_LATIN1", high).containsEntry("HTTP_BIG", big);
    }

    @Test
    void blockLargerThanBufferSizeIsRejectedFromTheHeader() {
        UwsgiRequestDecoder decoder = new UwsgiRequestDecoder(4096, 0, 64);
        Rejected r = rejected(decoder.decode(Unpooled.wrappedBuffer(raw(0, 4097, 0, new byte[0])),
                UwsgiPackets.CONNECTION));
        assertThat(r.failure()).isEqualTo(Failure.MALFORMED);
        assertThat(r.reason()).isEqualTo("uwsgi block size: 4097 (expected: <= 4096)");
        Decoded d = decoded(feed(decoder(4096), packet(0, "K", "v".repeat(4096 - 6)), 7).result());
        d.head().environ().release();
    }

    private static UwsgiRequestDecoder decoder(int bufferSize) {
        return new UwsgiRequestDecoder(bufferSize, 0, 64);
    }

    @Test
    void malformedVarsAreRejected() {
        assertMalformed(raw(0, 6, 0, new byte[] {3, 0, 'K', 'E', 'Y', 0}), "value length: truncated at var 1");
        assertMalformed(raw(0, 5, 0, new byte[] {9, 0, 'K', 'E', 'Y'}), "key length: 9 at var 1 (expected: <= 3");
        assertMalformed(raw(0, 8, 0, new byte[] {1, 0, 'K', 9, 0, 'v', 'v', 'v'}), "value length: 9 at var 1");
        assertMalformed(raw(0, 4, 0, new byte[] {0, 0, 1, 0}), "key length: 0 (expected: > 0)");
        assertMalformed(raw(0, 1, 0, new byte[] {1}), "key length: truncated");
        byte[] ok = vars("A", "b");
        assertMalformed(raw(0, ok.length + 1, 0, concat(ok, new byte[] {7})), "key length: truncated at var 2");
        assertMalformed(raw(5, 0, 0, new byte[0]), "unavailable modifier requested: 5");
        assertMalformed("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                "unavailable modifier requested: 71");
    }

    @Test
    void tooManyVarsAreRejected() {
        String[] kv = new String[2 * 65];
        for (int i = 0; i < 65; i++) {
            kv[2 * i] = "K" + i;
            kv[2 * i + 1] = "";
        }
        Rejected r = rejected(feed(new UwsgiRequestDecoder(65536, 0, 64), packet(0, kv), 100).result());
        assertThat(r.failure()).isEqualTo(Failure.MALFORMED);
        assertThat(r.reason()).isEqualTo("uwsgi vars: more than 64 (expected: <= 64)");
        Decoded d = decoded(feed(new UwsgiRequestDecoder(65536, 0, 65), packet(0, kv), 100).result());
        d.head().environ().release();
        String[] defaults = new String[2 * 1024];
        for (int i = 0; i < 1024; i++) {
            defaults[2 * i] = "K" + i;
            defaults[2 * i + 1] = "";
        }
        d = decoded(feed(packet(0, defaults)).result());
        d.head().environ().release();
        String[] over = java.util.Arrays.copyOf(defaults, 2 * 1025);
        over[2048] = "K";
        over[2049] = "";
        assertThat(rejected(feed(packet(0, over)).result()).reason()).contains("1024");
    }

    private static void assertMalformed(byte[] packet, String reasonStart) {
        Rejected r = rejected(feed(packet).result());
        assertThat(r.failure()).isEqualTo(Failure.MALFORMED);
        assertThat(r.reason()).startsWith(reasonStart);
    }

    @Test
    void decodeAfterAResultThrowsUntilReset() {
        UwsgiRequestDecoder decoder = new UwsgiRequestDecoder();
        ByteBuf in = Unpooled.wrappedBuffer(concat(packet(0, "A", "1"), packet(0, "B", "2")));
        Decoded first = decoded(decoder.decode(in, UwsgiPackets.CONNECTION));
        first.head().environ().release();
        assertThatThrownBy(() -> decoder.decode(in, UwsgiPackets.CONNECTION))
                .isInstanceOf(IllegalStateException.class).hasMessage("state: DONE");
        decoder.reset();
        Decoded second = decoded(decoder.decode(in, UwsgiPackets.CONNECTION));
        assertThat(loadMarshal(environBytes(second))).containsEntry("B", "2").doesNotContainKey("A");
        second.head().environ().release();
        assertThat(in.readableBytes()).isZero();

        UwsgiRequestDecoder failed = new UwsgiRequestDecoder();
        rejected(failed.decode(Unpooled.wrappedBuffer(raw(9, 0, 0, new byte[0])), UwsgiPackets.CONNECTION));
        assertThatThrownBy(() -> failed.decode(Unpooled.buffer(), UwsgiPackets.CONNECTION))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void invalidLimitsAreRefused() {
        assertThatThrownBy(() -> new UwsgiRequestDecoder(0, 0, 1)).hasMessage("bufferSize: 0 (expected: > 0)");
        assertThatThrownBy(() -> new UwsgiRequestDecoder(1, -1, 1)).hasMessage("limitPost: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new UwsgiRequestDecoder(1, 0, 0)).hasMessage("maxVars: 0 (expected: > 0)");
    }
}
