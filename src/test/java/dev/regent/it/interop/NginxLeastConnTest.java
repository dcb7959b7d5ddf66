package dev.regent.it.interop;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sentry's layout (seed-configs/sentry-*): one single-process Regent per TCP port, started with
 * Sentry's own command line, and nginx {@code least_conn} over them with its uwsgi_param lines.
 */
class NginxLeastConnTest extends FrontEndContract {
    private static final int NODES = 3;
    private static final List<Backend> BACKENDS = new ArrayList<>();
    private static FrontProcess nginx;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("regent-nginx-sentry-");
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < NODES; i++) {
            int port = FrontProcess.freePort();
            // Sentry: uwsgi -s 127.0.0.1:90NN --need-app --disable-logging --wsgi-file ... --processes 1 --threads N
            BACKENDS.add(Backend.start("127.0.0.1:" + port, RegentProcess.builder()
                    .env("APP_NAME", "node" + i)
                    .args("--need-app", "--disable-logging").app("interop_flask.py")
                    .args("--processes", "1", "--threads", "4")));
            servers.append("    server 127.0.0.1:").append(port).append(";\n");
        }
        for (Backend b : BACKENDS) {
            b.awaitReady();
        }
        int port = FrontProcess.freePort();
        nginx = FrontProcess.nginx(dir.resolve("nginx"), port, """
                upstream internal {
                    least_conn;
                %s}
                server {
                    listen 127.0.0.1:%d;
                    location / {
                        uwsgi_pass         internal;

                        uwsgi_param   Host                 $host;
                        uwsgi_param   X-Real-IP            $remote_addr;
                        uwsgi_param   X-Forwarded-For      $proxy_add_x_forwarded_for;
                        uwsgi_param   X-Forwarded-Proto    $http_x_forwarded_proto;

                        include /etc/nginx/uwsgi_params;
                    }
                }
                """.formatted(servers, port));
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
    void requestsAreSpreadOverTheInstances() throws Exception {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 3 * NODES; i++) {
            HttpResponse r = get("/");
            assertThat(r.status()).isEqualTo(200);
            names.add(r.bodyText().split(" ")[2]);
        }
        assertThat(names).as("instances that answered").hasSizeGreaterThan(1);
    }

    @Override
    int frontPort() {
        return nginx.port();
    }

    @Override
    String host() {
        return "sentry.test";
    }

    @Override
    List<Backend> backends() {
        return BACKENDS;
    }

    @Override
    String expectedGreetingPrefix() {
        return "hello from node";
    }
}
