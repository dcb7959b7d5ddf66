package dev.regent.it.interop;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PythonAnywhere's layout (seed-configs/pythonanywhere-nginx.conf): one Unix socket per domain at
 * {@code <root>/<domain>/socket}, and one nginx server that picks the socket from the Host header
 * with {@code server_name ~(?<domain>.+)$}. Two apps; the contract runs against the first.
 */
class PythonAnywhereLayoutTest extends FrontEndContract {
    private static final List<Backend> BACKENDS = new ArrayList<>();
    private static FrontProcess nginx;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("regent-nginx-pa-");
        Path sockets = dir.resolve("socket");
        for (String domain : List.of("alpha.example.test", "beta.example.test")) {
            Files.createDirectories(sockets.resolve(domain));
            BACKENDS.add(Backend.start(sockets.resolve(domain).resolve("socket").toString(),
                    RegentProcess.builder().env("APP_NAME", domain.substring(0, domain.indexOf('.')))
                            .app("interop_flask.py").args("--processes", "1", "--threads", "4", "--vacuum")));
        }
        for (Backend b : BACKENDS) {
            b.awaitReady();
        }
        int port = FrontProcess.freePort();
        // The published server block, with the port and paths of this test; the 502 fallback to
        // pythonanywhere.com is left out (no outside network in tests).
        nginx = FrontProcess.nginx(dir.resolve("nginx"), port, """
                server {
                    listen 127.0.0.1:%d;
                    server_name ~(?<domain>.+)$;
                    location / {
                        include /etc/nginx/uwsgi_params;
                        uwsgi_pass unix:%s/$domain/socket;
                    }
                }
                """.formatted(port, sockets));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (nginx != null) {
                nginx.close();
            }
        } finally {
            Backend.closeAll(BACKENDS);
        }
    }

    @Test
    void eachDomainIsAnsweredByItsOwnApp() throws Exception {
        for (String[] pair : new String[][] {{"alpha.example.test", "alpha"}, {"beta.example.test", "beta"}}) {
            HttpResponse r = HttpConnection.exchange(frontPort(),
                    "GET / HTTP/1.1\r\nHost: " + pair[0] + "\r\nConnection: close\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello from " + pair[1] + " via " + pair[0] + "\n");
        }
    }

    @Test
    void aDomainWithoutASocketIs502FromNginx() throws Exception {
        HttpResponse r = HttpConnection.exchange(frontPort(),
                "GET / HTTP/1.1\r\nHost: nobody.example.test\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(502);
    }

    @Override
    int frontPort() {
        return nginx.port();
    }

    @Override
    String host() {
        return "alpha.example.test";
    }

    @Override
    List<Backend> backends() {
        return BACKENDS.subList(0, 1);
    }

    @Override
    String expectedGreetingPrefix() {
        return "hello from alpha";
    }
}
