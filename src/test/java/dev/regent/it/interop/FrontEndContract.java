package dev.regent.it.interop;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.ResponseHead;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every front end layout must do in front of Regent serving apps/interop_flask.py: the same
 * requests through nginx or Apache, over a Unix or TCP uwsgi socket. A subclass starts its
 * backends and front end once per class and says where to send requests.
 */
abstract class FrontEndContract {
    private static final Pattern HTTP_PORT = Pattern.compile("http on [^ ,]*:(\\d+)");

    /** The front end's port on 127.0.0.1. */
    abstract int frontPort();

    /** The Host header to send; it selects the app in the PythonAnywhere layout. */
    abstract String host();

    /** The Regent instances that may answer {@link #host()}. */
    abstract List<Backend> backends();

    /** What "/" answers with (it names the app instance). */
    abstract String expectedGreetingPrefix();

    HttpResponse get(String path) throws IOException {
        return HttpConnection.exchange(frontPort(), "GET " + path + " HTTP/1.1\r\nHost: " + host()
                + "\r\nConnection: close\r\n\r\n");
    }

    @Test
    void getIsServedByTheApp() throws Exception {
        HttpResponse r = get("/");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.bodyText()).startsWith(expectedGreetingPrefix()).endsWith("via " + host() + "\n");
    }

    @Test
    void headHasNoBodyAndTheConnectionStaysUsable() throws Exception {
        try (HttpConnection c = HttpConnection.open(frontPort())) {
            c.send("HEAD / HTTP/1.1\r\nHost: " + host() + "\r\n\r\n");
            HttpResponse head = c.readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            // A stray body after the HEAD response would be read as the next status line here.
            c.send("GET / HTTP/1.1\r\nHost: " + host() + "\r\nConnection: close\r\n\r\n");
            HttpResponse next = c.readResponse();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText()).startsWith(expectedGreetingPrefix());
        }
    }

    @Test
    void postOfTenMebibytesReachesTheAppIntact() throws Exception {
        byte[] body = new byte[10 * 1024 * 1024];
        new Random(5).nextBytes(body);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        try (HttpConnection c = HttpConnection.open(frontPort())) {
            c.timeout(Duration.ofSeconds(30));
            c.send("POST /echo HTTP/1.1\r\nHost: " + host() + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n");
            c.send(body);
            HttpResponse r = c.readResponse();
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.bodyText()).contains("\"length\":" + body.length).contains("\"sha256\":\"" + sha + "\"");
        }
    }

    @Test
    void streamedResponseArrivesWhole() throws Exception {
        HttpResponse r = get("/stream?parts=20&delay=0.02&size=1000");
        assertThat(r.status()).isEqualTo(200);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            expected.append(String.format("%06d", i)).append("x".repeat(994)).append('\n');
        }
        assertThat(r.bodyText()).isEqualTo(expected.toString());
    }

    @Test
    void notFoundFromTheAppIs404() throws Exception {
        HttpResponse r = get("/missing");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.bodyText()).contains("Not Found");
    }

    @Test
    void exceptionInTheAppIs500() throws Exception {
        HttpResponse r = get("/boom");
        assertThat(r.status()).isEqualTo(500);
        assertThat(get("/").status()).as("served after the failure").isEqualTo(200);
    }

    @Test
    void sixtyRequestHeadersAllReachTheApp() throws Exception {
        StringBuilder req = new StringBuilder("GET /headers HTTP/1.1\r\nHost: " + host() + "\r\n");
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String v = String.format("v%02d-%s", i, "h".repeat(40));
            values.add(v);
            req.append(String.format("X-Interop-%02d: %s\r\n", i, v));
        }
        req.append("Connection: close\r\n\r\n");
        HttpResponse r = HttpConnection.exchange(frontPort(), req.toString());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.bodyText()).contains("\"count\":60").contains("\"joined\":\"" + String.join(",", values) + "\"");
    }

    @Test
    void nonAsciiPathIsDecodedAsUtf8ByTheApp() throws Exception {
        HttpResponse r = get("/path/caf%C3%A9-%E2%9C%93");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String hex = HexFormat.of().formatHex("café-✓".getBytes(StandardCharsets.UTF_8));
        assertThat(r.bodyText()).contains("\"utf8_hex\":\"" + hex + "\"");
    }

    /**
     * A client that leaves in the middle of a streamed response: the front end drops its
     * upstream connection; Regent must keep serving (a following request is answered at once),
     * free the worker's thread, and hold no more descriptors than before.
     *
     * <p>The worker channel has no "client gone" message yet, so the worker runs the app's
     * iterator to its end and the master discards the output (uWSGI instead fails the next write
     * and closes the iterator early). The stream is therefore finite: about two seconds.
     */
    @Test
    void clientDisconnectingMidResponseFreesTheWorkerAndLeaksNothing() throws Exception {
        assertThat(get("/").status()).isEqualTo(200);
        List<Integer> before = new ArrayList<>();
        for (Backend b : backends()) {
            before.add(b.openFds());
        }
        try (HttpConnection c = HttpConnection.open(frontPort())) {
            c.send("GET /stream?parts=500&delay=0.004&size=4096 HTTP/1.1\r\nHost: " + host() + "\r\n\r\n");
            ResponseHead head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            InputStream in = c.input();
            assertThat(in.readNBytes(64 * 1024)).hasSize(64 * 1024);
        }
        long t0 = System.nanoTime();
        assertThat(get("/").status()).as("served during the abandoned stream").isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        boolean idle = false;
        while (!idle && System.nanoTime() < deadline) {
            idle = true;
            for (Backend b : backends()) {
                idle &= activeState(b)[0] == 1;  // only the /active request itself
            }
            if (!idle) {
                Thread.sleep(100);
            }
        }
        assertThat(idle).as("no request left in progress (the worker thread is free again)").isTrue();
        assertThat(get("/").status()).as("served after the disconnect").isEqualTo(200);
        for (int i = 0; i < backends().size(); i++) {
            Backend b = backends().get(i);
            assertThat(b.awaitFdsAtMost(before.get(i), Duration.ofSeconds(5)))
                    .as("open descriptors of the master on " + b.socket()).isLessThanOrEqualTo(before.get(i));
        }
    }

    /** {active, closed} of one backend, asked over its own HTTP socket (not through the front end). */
    private static int[] activeState(Backend b) throws IOException {
        Matcher port = HTTP_PORT.matcher(b.log());
        assertThat(port.find()).as("the backend's http socket in its log").isTrue();
        HttpResponse r = HttpConnection.exchange(Integer.parseInt(port.group(1)),
                "GET /active HTTP/1.1\r\nHost: direct\r\nConnection: close\r\n\r\n");
        return new int[] {jsonInt(r.bodyText(), "active"), jsonInt(r.bodyText(), "closed")};
    }

    private static int jsonInt(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertThat(m.find()).as(key + " in " + json).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
