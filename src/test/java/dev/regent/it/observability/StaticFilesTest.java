package dev.regent.it.observability;

import dev.regent.testkit.Apps;
import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Static files served by a real master: a Django project's collected static under
 * {@code static-map}, conditional and range requests, HEAD, and traversal attempts over the wire.
 */
class StaticFilesTest {
    private static final Path TMP = tempDir();
    private static final Path COLLECTED = Apps.projectRoot().resolve("src/test/resources/static/collected");
    private static final Path OUTSIDE = TMP.resolve("outside");
    private static final Path SAFE = TMP.resolve("safe");
    private static final Path LINKS = TMP.resolve("links");
    private static final Path MEDIA = TMP.resolve("media");
    private static final byte[] BIG = new byte[1024 * 1024 + 17];

    static {
        try {
            Files.createDirectories(OUTSIDE);
            Files.createDirectories(SAFE);
            Files.createDirectories(LINKS);
            Files.createDirectories(MEDIA.resolve("media"));
            Files.writeString(OUTSIDE.resolve("secret.txt"), "TOP SECRET\n");
            Files.writeString(SAFE.resolve("shared.txt"), "shared file\n");
            Files.createSymbolicLink(LINKS.resolve("escape.txt"), OUTSIDE.resolve("secret.txt"));
            Files.createSymbolicLink(LINKS.resolve("allowed.txt"), SAFE.resolve("shared.txt"));
            Files.writeString(LINKS.resolve("app.py"), "print('source')\n");
            new Random(7).nextBytes(BIG);
            Files.write(MEDIA.resolve("media/big.bin"), BIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .args("--static-map", "/static=" + COLLECTED,
                    "--static-map", "/links=" + LINKS,
                    "--static-map2", "/media=" + MEDIA,
                    "--static-index", "index.html",
                    "--static-safe", SAFE.toString(),
                    "--static-skip-ext", ".py",
                    "--static-expires-uri", "\\.svg$ 3600",
                    "--processes", "1"));

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("regent-static-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse get(String target, String... headers) throws IOException {
        return request("GET", target, headers);
    }

    private static HttpResponse request(String method, String target, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: t\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        return SERVER.exchange(sb.toString());
    }

    @Test
    void collectedDjangoAdminStaticIsServedWithItsTypeAndValidators() throws Exception {
        for (String file : List.of("admin/css/base.css", "admin/css/fonts.css", "admin/js/core.js",
                "admin/img/icon-yes.svg")) {
            HttpResponse r = get("/static/" + file);
            byte[] expected = Files.readAllBytes(COLLECTED.resolve(file));
            assertThat(r.status()).as(file).isEqualTo(200);
            assertThat(r.body()).as(file).isEqualTo(expected);
            assertThat(r.header("Content-Length")).contains(String.valueOf(expected.length));
            assertThat(r.header("ETag")).isPresent();
            assertThat(r.header("Last-Modified")).isPresent();
            assertThat(r.header("Date")).isPresent();
        }
        assertThat(get("/static/admin/css/base.css").header("Content-Type")).contains("text/css; charset=utf-8");
        assertThat(get("/static/admin/js/core.js").header("Content-Type").orElseThrow()).contains("javascript");
        assertThat(get("/static/admin/img/icon-yes.svg").header("Content-Type").orElseThrow()).startsWith("image/svg+xml");
    }

    @Test
    void conditionalRequestsAnswer304() throws Exception {
        HttpResponse first = get("/static/admin/css/base.css");
        String etag = first.header("ETag").orElseThrow();
        String lastModified = first.header("Last-Modified").orElseThrow();
        HttpResponse byEtag = get("/static/admin/css/base.css", "If-None-Match: " + etag);
        assertThat(byEtag.status()).isEqualTo(304);
        assertThat(byEtag.body()).isEmpty();
        assertThat(byEtag.header("ETag")).contains(etag);
        assertThat(get("/static/admin/css/base.css", "If-None-Match: \"other\", W/" + etag).status()).isEqualTo(304);
        assertThat(get("/static/admin/css/base.css", "If-None-Match: \"other\"").status()).isEqualTo(200);
        assertThat(get("/static/admin/css/base.css", "If-Modified-Since: " + lastModified).status()).isEqualTo(304);
        assertThat(get("/static/admin/css/base.css", "If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT").status())
                .isEqualTo(200);
        // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        assertThat(get("/static/admin/css/base.css", "If-None-Match: \"other\"",
                "If-Modified-Since: " + lastModified).status()).isEqualTo(200);
    }

    @Test
    void rangeRequestsAnswer206And416() throws Exception {
        byte[] css = Files.readAllBytes(COLLECTED.resolve("admin/css/base.css"));
        HttpResponse r = get("/static/admin/css/base.css", "Range: bytes=0-9");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(css, 0, 10));
        assertThat(r.header("Content-Range")).contains("bytes 0-9/" + css.length);
        HttpResponse tail = get("/static/admin/css/base.css", "Range: bytes=-5");
        assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(css, css.length - 5, css.length));
        HttpResponse beyond = get("/static/admin/css/base.css", "Range: bytes=" + css.length + "-");
        assertThat(beyond.status()).isEqualTo(416);
        assertThat(beyond.header("Content-Range")).contains("bytes */" + css.length);
        HttpResponse stale = get("/static/admin/css/base.css", "Range: bytes=0-9", "If-Range: \"stale\"");
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(css);
        HttpResponse big = get("/media/big.bin", "Range: bytes=1048576-");
        assertThat(big.status()).isEqualTo(206);
        assertThat(big.body()).isEqualTo(java.util.Arrays.copyOfRange(BIG, 1048576, BIG.length));
    }

    @Test
    void headHasTheHeadersAndNoBodyAndTheConnectionStaysUsable() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            HttpResponse head = c.send("HEAD /static/admin/css/base.css HTTP/1.1\r\nHost: t\r\n\r\n").readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length"))
                    .contains(String.valueOf(Files.size(COLLECTED.resolve("admin/css/base.css"))));
            HttpResponse next = c.send("GET /static/admin/css/fonts.css HTTP/1.1\r\nHost: t\r\n\r\n").readResponse();
            assertThat(next.body()).isEqualTo(Files.readAllBytes(COLLECTED.resolve("admin/css/fonts.css")));
            HttpResponse app = c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n").readResponse();
            assertThat(app.bodyText()).isEqualTo("Hello, World!\n");
        }
    }

    @Test
    void pipelinedStaticAndAppRequestsAreAnsweredInOrder() throws Exception {
        try (HttpConnection c = SERVER.connect()) {
            c.send("GET /media/big.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /method HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /static/admin/css/fonts.css HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.readResponse().body()).isEqualTo(BIG);
            assertThat(c.readResponse().bodyText()).isEqualTo("GET");
            assertThat(c.readResponse().body()).isEqualTo(Files.readAllBytes(COLLECTED.resolve("admin/css/fonts.css")));
        }
    }

    @Test
    void indexMapTwoSkipExtensionsExpiresAndFallThroughToTheApp() throws Exception {
        assertThat(get("/static/").bodyText()).contains("static index");
        assertThat(get("/static").bodyText()).contains("static index");
        assertThat(get("/media/big.bin").body()).isEqualTo(BIG);
        assertThat(get("/links/app.py").bodyText()).isEqualTo("Hello, World!\n");
        assertThat(get("/static/missing.css").bodyText()).isEqualTo("Hello, World!\n");
        assertThat(get("/static/admin/img/icon-yes.svg").header("Expires")).isPresent();
        assertThat(get("/static/admin/css/base.css").header("Expires")).isEmpty();
        assertThat(get("/static/admin/css/base.css?v=3").status()).isEqualTo(200);
        assertThat(request("POST", "/static/admin/css/base.css", "Content-Length: 0").bodyText())
                .isEqualTo("Hello, World!\n");
    }

    @Test
    void symlinksLeavingTheDocrootAreRefusedUnlessStaticSafeAllowsTheTarget() throws Exception {
        HttpResponse escape = get("/links/escape.txt");
        assertThat(escape.status()).isEqualTo(403);
        assertThat(escape.bodyText()).doesNotContain("SECRET");
        HttpResponse allowed = get("/links/allowed.txt");
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(allowed.bodyText()).isEqualTo("shared file\n");
    }

    @Test
    void traversalAttemptsOverTheWireAreAllRefused() throws Exception {
        String secret = "/" + COLLECTED.relativize(OUTSIDE.resolve("secret.txt")).toString();
        List<String> attempts = List.of(
                "/static/../../../../../../.." + OUTSIDE.resolve("secret.txt"),
                "/static/.." + secret,
                "/static/%2e%2e" + secret,
                "/static/%2E%2E" + secret,
                "/static/.%2e" + secret,
                "/static/%2e." + secret,
                "/static/..%2f..%2f..%2f..%2f..%2f..%2f..%2f" + OUTSIDE.resolve("secret.txt"),
                "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
                "/static/..%5c..%5c..%5cetc/passwd",
                "/static/%5c..%5c..%5cetc/passwd",
                "/static/%252e%252e/%252e%252e/etc/passwd",
                "/static/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
                "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
                "/static/%c0%af..%c0%afetc/passwd",
                "/static/%e0%80%ae%e0%80%ae/etc/passwd",
                "/static/admin/css/base.css%00.txt",
                "/static/%00../etc/passwd",
                "/static/admin/../../etc/passwd",
                "/static/./../../etc/passwd",
                "/static/admin/css/../../../../../../../etc/passwd",
                "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                "/links/escape.txt",
                "/links/%65scape.txt");
        for (String target : attempts) {
            HttpResponse r = get(target);
            assertThat(r.status()).as(target).isIn(400, 403, 404);
            assertThat(r.bodyText()).as(target).doesNotContain("SECRET").doesNotContain("root:");
        }
    }
}
