package dev.regent.it.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

/** A cache with {@code store} keeps its items across a restart of the whole server. */
class PersistentCacheTest {

    @Test
    void itemsSurviveARestart(@TempDir Path dir) throws Exception {
        String cache = "name=c,items=50,blocksize=256,store=" + dir.resolve("c.cache");
        try (RegentProcess first = RegentProcess.builder().app("uwsgi_api_app.py")
                .args("--processes", "2", "--cache2", cache).start()) {
            assertThat(HttpConnection.exchange(first.port(), get("/set?kept=yes")).bodyText()).isEqualTo("True");
            assertThat(first.stop("TERM", Duration.ofSeconds(20))).isZero();
        }
        try (RegentProcess second = RegentProcess.builder().app("uwsgi_api_app.py")
                .args("--processes", "2", "--cache2", cache).start()) {
            assertThat(HttpConnection.exchange(second.port(), get("/get?kept")).bodyText()).isEqualTo("yes");
            assertThat(second.stop("TERM", Duration.ofSeconds(20))).isZero();
        }
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    }
}
