package dev.regent.it.interop;

import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** nginx {@code uwsgi_pass unix:...} with the stock uwsgi_params to one Regent on a Unix socket. */
class NginxUnixSocketTest extends FrontEndContract {
    private static Path dir;
    private static Backend backend;
    private static FrontProcess nginx;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("regent-nginx-unix-");
        String socket = dir.resolve("app.sock").toString();
        backend = Backend.start(socket, RegentProcess.builder().app("interop_flask.py")
                .args("--processes", "1", "--threads", "4")).awaitReady();
        int port = FrontProcess.freePort();
        nginx = FrontProcess.nginx(dir.resolve("nginx"), port, """
                server {
                    listen 127.0.0.1:%d;
                    server_name localhost;
                    location / {
                        include /etc/nginx/uwsgi_params;
                        uwsgi_pass unix:%s;
                    }
                }
                """.formatted(port, socket));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (nginx != null) {
                nginx.close();
            }
        } finally {
            if (backend != null) {
                backend.close();
            }
        }
    }

    @Override
    int frontPort() {
        return nginx.port();
    }

    @Override
    String host() {
        return "localhost";
    }

    @Override
    List<Backend> backends() {
        return List.of(backend);
    }

    @Override
    String expectedGreetingPrefix() {
        return "hello from app";
    }
}
