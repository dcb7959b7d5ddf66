package dev.regent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.config.LogSpec;
import dev.regent.protocol.RequestHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Which requests are logged (and why), and the default, dated and JSON lines. */
class RequestLogTest {
    @TempDir
    Path dir;
    private LogSink sink;
    private Path file;
    private final ByteBuf environ = LogFormatTest.environ("REMOTE_ADDR", "10.1.2.3",
            "HTTP_X_FORWARDED_FOR", "203.0.113.9, 10.0.0.1", "SERVER_PROTOCOL", "HTTP/1.0");

    @BeforeEach
    void open() throws IOException {
        file = dir.resolve("req.log");
        sink = new LogSink(file.toString());
    }

    @AfterEach
    void close() {
        sink.close();
        environ.release();
    }

    static LogSpec spec(boolean disable, boolean l4, boolean l5, boolean zero, long slow, long big) {
        return new LogSpec(disable, l4, l5, null, null, false, zero, slow, big, false, null, false, false, 0, null,
                false);
    }

    @Test
    void filtersApplyInUwsgiOrder() {
        RequestLog all = new RequestLog(spec(true, true, true, true, 100, 1000), sink);
        // zero before slow before 4xx before 5xx before big
        assertThat(all.reason(404, 0, 500)).isEqualTo(RequestLog.Reason.ZERO);
        assertThat(all.reason(404, 10, 500)).isEqualTo(RequestLog.Reason.SLOW);
        assertThat(all.reason(404, 5000, 99)).isEqualTo(RequestLog.Reason.STATUS_4XX);
        assertThat(all.reason(503, 5000, 99)).isEqualTo(RequestLog.Reason.STATUS_5XX);
        assertThat(all.reason(200, 1000, 99)).isEqualTo(RequestLog.Reason.BIG);
        assertThat(all.reason(200, 999, 99)).isNull();
        assertThat(all.reason(200, 999, 100)).isEqualTo(RequestLog.Reason.SLOW);
        assertThat(all.reason(399, 999, 0)).isNull();
        assertThat(all.reason(600, 999, 0)).isNull();
    }

    @Test
    void enabledLogsEverythingAndFiltersAreOffAtZero() {
        RequestLog on = new RequestLog(spec(false, false, false, false, 0, 0), sink);
        assertThat(on.reason(200, 0, 0)).isEqualTo(RequestLog.Reason.ENABLED);
        RequestLog off = new RequestLog(spec(true, false, false, false, 0, 0), sink);
        assertThat(off.reason(500, 0, 1_000_000)).isNull();
        assertThat(off.needsEnviron()).isFalse();
        assertThat(off.needsHeaderCount()).isFalse();
        assertThat(on.needsEnviron()).isTrue();
    }

    @Test
    void defaultLine() {
        RequestLog log = new RequestLog(new LogSpec(false, true, true, null), sink);
        String line = log.line(record(environ, "10.1.2.3"));
        assertThat(line).matches("\\[pid: \\d+\\|worker: 2\\|req: 99] 10\\.1\\.2\\.3 \\[\\w{3} \\w{3} [ \\d]\\d "
                + "\\d\\d:\\d\\d:\\d\\d \\d{4}] POST /a => generated 1234 bytes in 2500 msecs \\(HTTP/1\\.1 201\\)");
    }

    @Test
    void logMicrosAndLogDate() {
        LogSpec micros = new LogSpec(false, true, true, null, null, false, false, 0, 0, false, "%Y@", true, false,
                0, null, false);
        String line = new RequestLog(micros, sink).line(record(environ, "x"));
        assertThat(line).matches("\\d{4}@ - \\[pid: .* in 2500250 micros \\(HTTP/1\\.1 201\\)");
        LogSpec ctime = new LogSpec(false, true, true, null, null, false, false, 0, 0, false, "", false, false,
                0, null, false);
        assertThat(new RequestLog(ctime, sink).line(record(environ, "x")))
                .matches("\\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4} - \\[pid: .*");
    }

    @Test
    void defaultJsonLine() {
        LogSpec json = new LogSpec(false, true, true, null, null, true, false, 0, 0, false, "", false, false,
                0, null, false);
        String line = new RequestLog(json, sink).line(record(null, "10.1.2.3"));
        assertThat(line).startsWith("{\"ltime\":\"").contains("\"addr\":\"10.1.2.3\",\"user\":null,"
                + "\"method\":\"POST\",\"uri\":\"/a\",\"proto\":\"HTTP/1.1\",\"status\":201,\"rsize\":1234,"
                + "\"hsize\":77,\"msecs\":2500,\"pid\":4321,\"wid\":2,\"core\":1,\"host\":null,\"uagent\":null,"
                + "\"referer\":null}");
    }

    @Test
    void addressProtocolAndForwardedForThroughLog() throws Exception {
        LogSpec xff = new LogSpec(false, true, true, null, "%(addr) %(proto) %(pid) %(cl)", false, false, 0, 0,
                true, null, false, false, 0, null, false);
        RequestHead head = new RequestHead(Unpooled.EMPTY_BUFFER, RequestHead.BodyFraming.LENGTH, 5, true, false,
                false, false, "PUT", "/x");
        new RequestLog(xff, sink).log(null, head, environ, 200, 1, 0, 0, 1000, 1, 777, 0);
        LogSpec plain = new LogSpec(false, true, true, null, "%(addr) %(proto) %(pid)", false, false, 0, 0,
                false, null, false, false, 0, null, false);
        new RequestLog(plain, sink).log(null, head, environ, 200, 1, 0, 0, 1000, 0, 0, 0);
        new RequestLog(plain, sink).log(null, head, null, 200, 1, 0, 0, 1000, 0, 0, 0);
        long master = ProcessHandle.current().pid();
        assertThat(awaitLines(3)).containsExactly("203.0.113.9, 10.0.0.1 HTTP/1.0 777 5",
                "10.1.2.3 HTTP/1.0 " + master, "- HTTP/1.1 " + master);
    }

    @Test
    void filteredRequestsAreCountedButNotWritten() throws Exception {
        RequestLog log = new RequestLog(spec(true, true, false, false, 0, 0), sink);
        RequestHead head = new RequestHead(Unpooled.EMPTY_BUFFER, RequestHead.BodyFraming.NONE, -1, true, false,
                false, false, "GET", "/");
        log.log(null, head, null, 200, 1, 0, 0, 1000, 1, 0, 0);
        log.log(null, head, null, 500, 1, 0, 0, 1000, 1, 0, 0);
        log.log(null, head, null, 404, 1, 0, 0, 1000, 1, 0, 0);
        assertThat(log.requests()).isEqualTo(3);
        assertThat(awaitLines(1)).singleElement().asString().contains("req: 3]").endsWith("(HTTP/1.1 404)");
    }

    private LogRecord record(ByteBuf env, String addr) {
        return new LogRecord("POST", "/a", "HTTP/1.1", addr, env, 201, 1234, 77, 3, 0,
                LogFormatTest.START, 2_500_250, 4321, 2, 1, 99);
    }

    private List<String> awaitLines(int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.readAllLines(file);
            if (lines.size() >= n) {
                Thread.sleep(200);
                return Files.readAllLines(file);
            }
            Thread.sleep(20);
        }
        return lines;
    }
}
