package dev.regent.it.observability;

import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentServer;
import dev.regent.testkit.SocketReads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Respawns by cause: a worker killed with SIGKILL from outside shows up as cause="crash" in the
 * Prometheus metrics and in the stats JSON's respawns_by_cause, and is replaced. Its own master,
 * so the kill does not disturb the counts {@link StatsAndHealthTest} checks.
 */
class RespawnMetricsTest {
    private static final Path STATS = tempDir().resolve("stats.sock");

    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .args("--processes", "2", "--stats", STATS.toString(), "--health-http", "127.0.0.1:0"));

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("regent-respawn-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stats() throws IOException {
        return (Map<String, Object>) Json.parse(SocketReads.stats(STATS));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> workers(Map<String, Object> doc) {
        return (List<Map<String, Object>>) doc.get("workers");
    }

    private static Map<String, Double> metrics() throws Exception {
        HttpResponse r = StatsAndHealthTest.health(SERVER.process(), "/metrics");
        assertThat(r.status()).isEqualTo(200);
        return StatsAndHealthTest.parseMetrics(r.bodyText());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aKilledWorkerIsCountedAsACrash() throws Exception {
        String a = "app=\"" + dev.regent.testkit.Apps.path("basic.py") + "\",cause=";
        long victim = 0;
        for (int i = 0; i < 300 && victim == 0; i++) {
            for (Map<String, Object> w : workers(stats())) {
                if ((Long) w.get("id") == 1 && (Long) w.get("pid") > 0 && w.get("status").equals("idle")) {
                    victim = (Long) w.get("pid");
                }
            }
            Thread.sleep(50);
        }
        assertThat(victim).as("worker 1 connected").isPositive();
        Map<String, Double> before = metrics();
        assertThat(before.get("regent_worker_respawns_total{" + a + "\"crash\"}")).isEqualTo(0.0);
        assertThat(before.get("regent_worker_respawns_total{" + a + "\"harakiri\"}")).isEqualTo(0.0);

        new ProcessBuilder("kill", "-9", Long.toString(victim)).inheritIO().start().waitFor();

        Map<String, Double> m = before;
        for (int i = 0; i < 200; i++) {
            m = metrics();
            if (m.get("regent_worker_respawns_total{" + a + "\"crash\"}") >= 1) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(m.get("regent_worker_respawns_total{" + a + "\"crash\"}")).isEqualTo(1.0);
        for (String other : List.of("harakiri", "max-requests", "max-lifetime", "rss", "reload", "cheaper")) {
            assertThat(m.get("regent_worker_respawns_total{" + a + "\"" + other + "\"}")).as(other).isEqualTo(0.0);
        }
        Map<String, Object> byCause = (Map<String, Object>) stats().get("respawns_by_cause");
        assertThat(byCause).containsEntry("crash", 1L).containsEntry("reload", 0L);
        // The replacement serves.
        assertThat(SERVER.get("/").status()).isEqualTo(200);
    }
}
