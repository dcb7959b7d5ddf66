package dev.regent.it.interop;

import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Apache 2.4 with mod_proxy_uwsgi: {@code ProxyPass / uwsgi://127.0.0.1:PORT/} to one Regent. */
class ApacheProxyUwsgiTest extends FrontEndContract {
    private static Backend backend;
    private static FrontProcess apache;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("regent-apache-");
        int uwsgiPort = FrontProcess.freePort();
        backend = Backend.start("127.0.0.1:" + uwsgiPort, RegentProcess.builder().app("interop_flask.py")
                .args("--processes", "1", "--threads", "4")).awaitReady();
        int port = FrontProcess.freePort();
        apache = FrontProcess.apache(dir.resolve("apache"), port, """
                ProxyPass / uwsgi://127.0.0.1:%d/
                """.formatted(uwsgiPort));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (apache != null) {
                apache.close();
            }
        } finally {
            if (backend != null) {
                backend.close();
            }
        }
    }

    @Override
    int frontPort() {
        return apache.port();
    }

    @Override
    String host() {
        return "apache.example.test";
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
