package dev.regent.it;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import dev.regent.testkit.ResponseHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/1.1 semantics through a real master and a real Python worker (one process, so pids compare). */
class HttpProtocolTest {
    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .args("--processes", "1", "--threads", "4"));

    private static final String HELLO = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";

    @Test
    void helloGetIsAnsweredWithTheAppsBodyAndFraming() throws Exception {
        HttpResponse r = SERVER.get("/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("Hello, World!\n");
        assertThat(r.header("Content-Length")).contains("14");
        assertThat(r.header("Date")).isPresent();
    }

    @Test
    void twoRequestsShareOneKeepAliveConnection() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            HttpResponse first = c.send(HELLO).readResponse();
            HttpResponse second = c.send("GET /method HTTP/1.1\r\nHost: test\r\n\r\n").readResponse();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.head().closes()).isFalse();
            assertThat(second.bodyText()).isEqualTo("GET");
        }
    }

    @Test
    void threePipelinedRequestsThenAHalfCloseAreAllAnsweredInOrderBeforeTheClose() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            c.send("GET /sleep?s=0.3 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /method HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
                    + "GET /caf%C3%A9 HTTP/1.1\r\nHost: t\r\n\r\n");
            c.shutdownOutput();
            assertThat(c.readResponse().bodyText()).isEqualTo("slept");
            assertThat(c.readResponse().bodyText()).isEqualTo("POST");
            assertThat(c.readResponse().status()).isEqualTo(200);
            assertThat(c.closedWithin(Duration.ofSeconds(5))).as("closed after the last response").isTrue();
        }
    }

    @Test
    void headAnswersWithoutABodyButKeepsContentLength() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            HttpResponse head = c.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n").readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).contains("14");
            // Had the server sent a body, it would now be read as the next status line.
            HttpResponse next = c.send(HELLO).readResponse();
            assertThat(next.bodyText()).isEqualTo("Hello, World!\n");
        }
    }

    @Test
    void aChunkedRequestBodyReachesTheAppDechunked() throws Exception {
        HttpResponse r = SERVER.exchange("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("hello, world");
    }

    @Test
    void expectContinueGetsTheInterim100BeforeTheFinalResponse() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            ResponseHead interim = c.readHead();
            assertThat(interim.status()).isEqualTo(100);
            c.send("ping");
            HttpResponse r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("ping");
        }
    }

    @Test
    void aStreamingGeneratorIsSentChunkedAndEachChunkArrivesAsItIsYielded() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            c.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
            long start = System.nanoTime();
            ResponseHead head = c.readHead();
            assertThat(head.chunked()).isTrue();
            byte[] first = c.readChunk();
            long firstMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("part 0\n");
            assertThat(firstMillis).as("the first chunk is not held back until the app finishes (1 s)")
                    .isLessThan(700);
            assertThat(new String(c.readChunk(), StandardCharsets.US_ASCII)).isEqualTo("part 1\n");
            assertThat(new String(c.readChunk(), StandardCharsets.US_ASCII)).isEqualTo("part 2\n");
            assertThat(c.readChunk()).isNull();
        }
    }

    @Test
    void anAppExceptionGives500AndTheSameWorkerServesTheNextRequest() throws Exception {
        String pidBefore = SERVER.get("/pid").bodyText();
        try (HttpConnection c = SERVER.connect()) {
            HttpResponse failed = c.send("GET /fail HTTP/1.1\r\nHost: t\r\n\r\n").readResponse();
            assertThat(failed.status()).isEqualTo(500);
            HttpResponse next = c.send("GET /pid HTTP/1.1\r\nHost: t\r\n\r\n").readResponse();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText()).isEqualTo(pidBefore);
        }
        assertThat(SERVER.process().log()).contains("RuntimeError: deliberate failure for the test");
    }

    @Test
    void nonAsciiPathBytesReachTheAppAsLatin1() throws Exception {
        HttpResponse r = SERVER.get("/caf%C3%A9");
        // The app returns PATH_INFO encoded as UTF-8: the two bytes C3 A9 became the two characters Ã ©.
        assertThat(r.bodyText()).isEqualTo("/caf\u00c3\u00a9");
    }
}
