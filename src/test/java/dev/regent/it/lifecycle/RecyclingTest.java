package dev.regent.it.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

/** Recycling replaces workers under load without failing a single request. */
class RecyclingTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @RegisterExtension
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    @Test
    void maxRequestsReplacesWorkersWithNoFailedRequest() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder()
                .args("--wsgi-file", AppFiles.copy("v1").toString(), "--processes", "2", "--max-requests", "40",
                        "--max-requests-delta", "10", "--min-worker-lifetime", "0"));
        try (Load load = Load.start(m.port(), "/pid", 4)) {
            // Two start-up workers plus at least three replacements.
            Load.await(WAIT, "five distinct worker pids", () -> load.bodies().size() >= 5);
            load.close();
            assertThat(load.failures()).isEmpty();
        }
        assertThat(m.log()).contains("is recycled: max-requests (40 requests)", "is recycled: max-requests (50 requests)");
    }

    @Test
    void reloadOnRssReplacesABloatedWorkerGracefully() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder()
                .args("--wsgi-file", AppFiles.copy("v1").toString(), "--processes", "1", "--reload-on-rss", "80",
                        "--min-worker-lifetime", "0"));
        try (Load load = Load.start(m.port(), "/pid", 2)) {
            Load.await(WAIT, "a first answer", () -> load.ok() > 0);
            HttpResponse grown = HttpConnection.exchange(m.port(),
                    "GET /grow?150 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            assertThat(grown.status()).isEqualTo(200);
            String bloated = grown.bodyText();
            Load.await(WAIT, "the bloated worker retired", () -> m.log().contains("pid " + bloated + ") retired"));
            long okAfter = load.ok();
            Load.await(WAIT, "requests after the replacement", () -> load.ok() > okAfter + 10);
            load.close();
            assertThat(load.failures()).isEmpty();
            assertThat(load.bodies()).hasSizeGreaterThanOrEqualTo(2);
        }
        assertThat(m.log()).containsPattern("is recycled: reload-on-rss \\(\\d+ MB\\)");
    }
}
