package dev.regent.it.observability;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Readiness flips to 503 the moment SIGTERM arrives; with shutdown-delay the app keeps serving meanwhile. */
class ShutdownDelayTest {

    @Test
    void readinessFailsAtSigtermAndTheAppServesUntilTheDelayEnds() throws Exception {
        try (RegentProcess p = RegentProcess.builder().app("basic.py")
                .args("--processes", "1", "--health-http", "127.0.0.1:0", "--shutdown-delay", "3").start()) {
            try {
                int ready = 0;
                for (int i = 0; i < 400 && ready != 200; i++) {
                    ready = StatsAndHealthTest.health(p, "/ready").status();
                    Thread.sleep(25);
                }
                assertThat(ready).as("ready once the worker is connected").isEqualTo(200);
                long sent = System.nanoTime();
                p.signal("TERM");
                int status = 200;
                for (int i = 0; i < 200 && status == 200; i++) {
                    status = StatsAndHealthTest.health(p, "/ready").status();
                }
                assertThat(status).isEqualTo(503);
                assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(2));
                assertThat(StatsAndHealthTest.health(p, "/live").status()).isEqualTo(200);
                HttpResponse during = HttpResponse.class.cast(
                        dev.regent.testkit.HttpConnection.exchange(p.port(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
                assertThat(during.status()).as("still serving during shutdown-delay").isEqualTo(200);
                assertThat(p.isAlive()).isTrue();
                assertThat(p.awaitExit(Duration.ofSeconds(40))).isEqualTo(0);
                assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
                assertThat(p.log()).contains("shutdown-delay");
            } finally {
                p.destroyAll();
            }
        }
    }
}
