package dev.regent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.protocol.environ.EnvironWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** Every log-format variable against a fixed request record. */
class LogFormatTest {
    /** 2026-11-03 02:40:05.123456 UTC, 1 h east of UTC in the zone below. */
    static final long START = 1_793_673_605_123_456L;
    static final ZoneId ZONE = ZoneOffset.ofHours(1);

    private final ByteBuf environ = environ(
            "REQUEST_METHOD", "POST",
            "REMOTE_ADDR", "10.0.0.7",
            "REMOTE_USER", "alice",
            "HTTP_HOST", "example.org",
            "HTTP_USER_AGENT", "curl/8.5",
            "HTTP_REFERER", "http://ref/",
            "HTTP_X_EMPTY", "",
            "HTTP_X_TRACE", "t-1");

    @AfterEach
    void release() {
        environ.release();
    }

    static ByteBuf environ(String... pairs) {
        EnvironWriter w = new EnvironWriter().begin(Unpooled.buffer());
        for (int i = 0; i < pairs.length; i += 2) {
            w.put(pairs[i].getBytes(StandardCharsets.ISO_8859_1), pairs[i + 1].getBytes(StandardCharsets.ISO_8859_1));
        }
        return w.end();
    }

    LogRecord record(ByteBuf env) {
        return new LogRecord("POST", "/a?b=1", "HTTP/1.1", "10.0.0.7", env, 201, 1234, 77, 3, 42,
                START, 2_500_250, 4321, 2, 1, 99);
    }

    String render(String format) {
        StringBuilder sb = new StringBuilder();
        LogFormat.compile(format, null, false, false, ZONE).append(sb, record(environ));
        return sb.toString();
    }

    @Test
    void requestVariables() {
        assertThat(render("%(method) %(uri) %(proto) %(addr) %(user) %(host) %(uagent) %(referer)"))
                .isEqualTo("POST /a?b=1 HTTP/1.1 10.0.0.7 alice example.org curl/8.5 http://ref/");
    }

    @Test
    void sizesAndStatus() {
        assertThat(render("%(status) %(rsize) %(hsize) %(size) %(cl) %(headers) %(vars) %(pktsize)"))
                .isEqualTo("201 1234 77 1311 42 3 8 " + environ.readableBytes());
    }

    @Test
    void durations() {
        assertThat(render("%(micros) %(msecs) %(secs)")).isEqualTo("2500250 2500 2.500250");
    }

    @Test
    void startTimes() {
        assertThat(render("%(time) %(tmsecs) %(tmicros)"))
                .isEqualTo("1793673605 1793673605123 1793673605123456");
        assertThat(render("[%(ltime)] [%(ctime)] [%(ftime)]"))
                .isEqualTo("[03/Nov/2026:03:40:05 +0100] [Tue Nov  3 03:40:05 2026] [03/Nov/2026:03:40:05 +0100]");
    }

    @Test
    void ftimeUsesTheLogDatePatternWithLogFormatStrftime() {
        StringBuilder sb = new StringBuilder();
        LogFormat.compile("%(ftime)", Strftime.compile("%Y-%m-%dT%H:%M:%S"), true, false, ZONE)
                .append(sb, record(environ));
        assertThat(sb).hasToString("2026-11-03T03:40:05");
    }

    @Test
    void strftimeOnTheTextWithLogFormatStrftime() {
        StringBuilder sb = new StringBuilder();
        LogFormat.compile("%Y|%(status)|100%%", null, true, false, ZONE).append(sb, record(environ));
        assertThat(sb.toString()).matches("\\d{4}\\|201\\|100%");
    }

    @Test
    void epochIsNow() {
        long before = System.currentTimeMillis() / 1000;
        long epoch = Long.parseLong(render("%(epoch)"));
        assertThat(epoch).isBetween(before, System.currentTimeMillis() / 1000);
    }

    @Test
    void processVariables() {
        assertThat(render("%(pid) %(wid) %(core) %(switches) %(modifier1) %(modifier2) %(rss) %(vsz) %(rssM) %(vszM)"))
                .isEqualTo("4321 2 1 0 0 0 0 0 0 0");
    }

    @Test
    void requestVarsByName() {
        assertThat(render("%(var.HTTP_X_TRACE) %(var.HTTP_HOST) %(var.NOPE) %(var.HTTP_X_EMPTY)"))
                .isEqualTo("t-1 example.org - -");
    }

    @Test
    void unknownNamesAndMetricsAreMissing() {
        assertThat(render("%(my_logvar) %(metric.foo) %(werr)")).isEqualTo("- - -");
    }

    @Test
    void missingRequestValuesAreDashes() {
        StringBuilder sb = new StringBuilder();
        LogFormat.compile("%(user) %(host) %(uagent) %(referer) %(vars) %(pktsize)", null, false, false, ZONE)
                .append(sb, record(null));
        assertThat(sb).hasToString("- - - - 0 0");
    }

    @Test
    void textAroundVariablesIsKept() {
        assertThat(render("a %b %(status) %() %(status")).isEqualTo("a %b 201 %() %(status");
        assertThat(render("%(status)%(status)")).isEqualTo("201201");
        assertThat(render("")).isEmpty();
        assertThat(render("no variables")).isEqualTo("no variables");
    }

    @Test
    void environAndHeaderNeedsAreKnownAtCompileTime() {
        assertThat(LogFormat.compile("%(status) %(uri)", null, false, false, ZONE).needsEnviron()).isFalse();
        assertThat(LogFormat.compile("%(uagent)", null, false, false, ZONE).needsEnviron()).isTrue();
        assertThat(LogFormat.compile("%(var.X)", null, false, false, ZONE).needsEnviron()).isTrue();
        assertThat(LogFormat.compile("%(headers)", null, false, false, ZONE).needsHeaders()).isTrue();
        assertThat(LogFormat.compile("%(hsize)", null, false, false, ZONE).needsHeaders()).isFalse();
    }

    @Test
    void json() {
        StringBuilder sb = new StringBuilder();
        LogFormat.compile("ignored %(status) %(uri) %(var.NOPE) %(secs) %(uagent)", null, false, true, ZONE)
                .append(sb, record(environ));
        assertThat(sb).hasToString(
                "{\"status\":201,\"uri\":\"/a?b=1\",\"var.NOPE\":null,\"secs\":2.500250,\"uagent\":\"curl/8.5\"}");
    }

    @Test
    void jsonEscapes() {
        ByteBuf odd = environ("HTTP_USER_AGENT", "a\"b\\c\td\u0001\u00e9");
        try {
            StringBuilder sb = new StringBuilder();
            LogFormat.compile("%(uagent)", null, false, true, ZONE).append(sb, record(odd));
            assertThat(sb).hasToString("{\"uagent\":\"a\\\"b\\\\c\\td\\u0001\\u00e9\"}");
        } finally {
            odd.release();
        }
    }
}
