package dev.regent.it;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input is answered by the master with its status code and never reaches the app. */
class BadRequestTest {
    private static final Path CALLS = tempFile();

    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .env("CALLS_FILE", CALLS.toString())
            .args("--processes", "1", "--threads", "2", "--buffer-size", "8192", "--limit-post", "1000",
                    "--http-header-timeout", "1"));

    private long callsBefore;

    @BeforeEach
    void countCalls() throws IOException {
        callsBefore = Files.size(CALLS);
    }

    @AfterEach
    void theAppWasNeverCalled() throws IOException {
        assertThat(Files.size(CALLS)).as("calls of the app for a request the master rejected"
                + " (bad input must never reach a worker)").isEqualTo(callsBefore);
    }

    @Test
    void aRequestHeadOverBufferSizeGets431() throws Exception {
        String big = "x".repeat(9000);
        assertThat(SERVER.exchange("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + big + "\r\n\r\n").status())
                .isEqualTo(431);
    }

    @Test
    void aContentLengthOverLimitPostGets413() throws Exception {
        assertThat(SERVER.exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n").status())
                .isEqualTo(413);
    }

    @Test
    void aMalformedRequestLineGets400() throws Exception {
        assertThat(SERVER.exchange("GET /\tHTTP/1.1 extra\r\nHost: t\r\n\r\n").status()).isEqualTo(400);
    }

    @Test
    void aMalformedHeaderLineGets400() throws Exception {
        assertThat(SERVER.exchange("GET / HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n").status()).isEqualTo(400);
    }

    @Test
    void aHeaderNameWithASpaceBeforeTheColonGets400() throws Exception {
        assertThat(SERVER.exchange("GET / HTTP/1.1\r\nHost: t\r\nX-Bad : 1\r\n\r\n").status()).isEqualTo(400);
    }

    @Test
    void aBadChunkSizeGets400() throws Exception {
        // The head is valid, so the request is dispatched; the bad chunk must fail it before the app runs.
        HttpResponse r = SERVER.exchange("POST /nothing HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\nhello\r\n0\r\n\r\n");
        assertThat(r.status()).isEqualTo(400);
    }

    @Test
    void conflictingContentLengthsGet400() throws Exception {
        assertThat(SERVER.exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"
                + "abcd").status()).isEqualTo(400);
    }

    @Test
    void contentLengthTogetherWithChunkedGets400() throws Exception {
        assertThat(SERVER.exchange("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n").status()).isEqualTo(400);
    }

    @Test
    void aClientThatSendsHalfAHeadAndStopsIsCutOffAfterTheHeaderTimeout() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow");
            long start = System.nanoTime();
            byte[] rest = c.timeout(Duration.ofSeconds(5)).readToEnd();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(millis).as("closed after --http-header-timeout 1").isBetween(500L, 3000L);
            String text = new String(rest, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(text).as("nothing, or a 408").satisfiesAnyOf(
                    t -> assertThat(t).isEmpty(), t -> assertThat(t).startsWith("HTTP/1.1 408 "));
        }
    }

    private static Path tempFile() {
        try {
            Path p = Files.createTempFile("regent-it-calls-", ".txt");
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
