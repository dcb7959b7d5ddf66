package dev.regent.it.observability;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.SocketReads;
import dev.regent.testkit.RegentServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The uWSGI stats JSON on a Unix socket and the health/metrics endpoints, checked field by field
 * after a known sequence of requests. One master; the tests run in order on purpose (the counts
 * are cumulative), so everything is in one test method per endpoint family.
 */
class StatsAndHealthTest {
    private static final Path STATS = tempDir().resolve("stats.sock");

    @RegisterExtension
    static final RegentServer SERVER = new RegentServer(RegentProcess.builder().app("basic.py")
            .args("--processes", "2", "--threads", "2", "--stats", STATS.toString(),
                    "--health-http", "127.0.0.1:0"));

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("regent-stats-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int healthPort(RegentProcess p) throws InterruptedException {
        Pattern port = Pattern.compile("health on [0-9.]+:(\\d+)");
        for (int i = 0; i < 500; i++) {
            Matcher m = port.matcher(p.log());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no health endpoint line in the log:\n" + p.log());
    }

    static HttpResponse health(RegentProcess p, String path) throws Exception {
        return HttpConnection.exchange(healthPort(p), "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    /** Waits until every worker id has a connected process (the stats say idle, not cheap). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> awaitStats(java.util.function.Predicate<Map<String, Object>> done)
            throws Exception {
        Map<String, Object> doc = null;
        for (int i = 0; i < 300; i++) {
            doc = (Map<String, Object>) Json.parse(SocketReads.stats(STATS));
            if (done.test(doc)) {
                return doc;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("stats never reached the expected state: " + doc);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> workers(Map<String, Object> doc) {
        return (List<Map<String, Object>>) doc.get("workers");
    }

    private static long sum(Map<String, Object> doc, String key) {
        return workers(doc).stream().mapToLong(w -> (Long) w.get(key)).sum();
    }

    @Test
    @SuppressWarnings("unchecked")
    void statsJsonHasUwsgisShapeAndRealValues() throws Exception {
        awaitStats(d -> workers(d).stream().allMatch(w -> w.get("status").equals("idle")));
        for (int i = 0; i < 5; i++) {
            assertThat(SERVER.get("/").bodyText()).isEqualTo("Hello, World!\n");
        }
        assertThat(SERVER.get("/method").bodyText()).isEqualTo("GET");
        Map<String, Object> doc = awaitStats(d -> sum(d, "requests") == 6);

        // uWSGI's keys in uWSGI's order, then Regent's own "cheaper" and "respawns_by_cause"
        // (readers ignore unknown keys)
        assertThat(doc.keySet()).containsExactly("version", "listen_queue", "listen_queue_errors", "signal_queue",
                "load", "pid", "uid", "gid", "cwd", "locks", "caches", "sockets", "workers", "cheaper",
                "respawns_by_cause");
        assertThat(doc.get("listen_queue")).isEqualTo(0L);
        assertThat(doc.get("load")).isEqualTo(0L);
        assertThat(doc.get("pid")).isEqualTo(SERVER.process().pid());
        assertThat((List<Object>) doc.get("caches")).isEmpty();
        List<Map<String, Object>> sockets = (List<Map<String, Object>>) doc.get("sockets");
        assertThat(sockets).hasSize(1);
        assertThat(sockets.get(0).get("proto")).isEqualTo("http");
        assertThat(sockets.get(0).get("max_queue")).isEqualTo(100L);

        List<Map<String, Object>> workers = workers(doc);
        assertThat(workers).hasSize(2);
        assertThat(sum(doc, "tx")).isEqualTo(5 * 14 + 3);
        assertThat(sum(doc, "delta_requests")).isEqualTo(6);
        long now = System.currentTimeMillis() / 1000;
        for (int i = 0; i < 2; i++) {
            Map<String, Object> w = workers.get(i);
            assertThat(w.keySet()).containsExactly("id", "pid", "accepting", "requests", "delta_requests",
                    "exceptions", "harakiri_count", "signals", "signal_queue", "status", "rss", "vsz",
                    "running_time", "last_spawn", "respawn_count", "tx", "avg_rt", "apps", "cores");
            assertThat(w.get("id")).isEqualTo((long) i + 1);
            assertThat((Long) w.get("pid")).isPositive().isNotEqualTo(SERVER.process().pid());
            assertThat(w.get("accepting")).isEqualTo(1L);
            assertThat(w.get("status")).isEqualTo("idle");
            assertThat(w.get("exceptions")).isEqualTo(0L);
            assertThat(w.get("harakiri_count")).isEqualTo(0L);
            assertThat(w.get("respawn_count")).isEqualTo(1L);
            assertThat((Long) w.get("rss")).isPositive();
            assertThat((Long) w.get("vsz")).isGreaterThanOrEqualTo((Long) w.get("rss"));
            assertThat((Long) w.get("last_spawn")).isBetween(now - 120, now + 1);
            long requests = (Long) w.get("requests");
            if (requests > 0) {
                assertThat((Long) w.get("running_time")).isPositive();
                assertThat((Long) w.get("avg_rt")).isPositive();
            }
            List<Map<String, Object>> cores = (List<Map<String, Object>>) w.get("cores");
            assertThat(cores).hasSize(2);
            assertThat(cores.stream().mapToLong(c -> (Long) c.get("requests")).sum()).isEqualTo(requests);
            assertThat(cores.get(0).get("in_request")).isEqualTo(0L);
            List<Map<String, Object>> apps = (List<Map<String, Object>>) w.get("apps");
            assertThat(apps.get(0).get("requests")).isEqualTo(requests);
        }
        // Pretty by default: a newline and a tab per level, as uWSGI writes it.
        assertThat(SocketReads.stats(STATS)).startsWith("{\n\t\"version\":");
    }

    @Test
    void healthAndMetricsEndpoints() throws Exception {
        awaitStats(d -> workers(d).stream().allMatch(w -> w.get("status").equals("idle")));
        assertThat(health(SERVER.process(), "/ready").status()).isEqualTo(200);
        assertThat(health(SERVER.process(), "/live").status()).isEqualTo(200);
        assertThat(health(SERVER.process(), "/nothing").status()).isEqualTo(404);
        SERVER.get("/");
        SERVER.get("/nope-404-is-still-200-in-basic");
        Map<String, Double> m = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            HttpResponse r = health(SERVER.process(), "/metrics");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
            m = parseMetrics(r.bodyText());
            if (m.getOrDefault("regent_requests_total{app=\"" + app() + "\",status_class=\"2xx\"}", 0.0) >= 2) {
                break;
            }
            Thread.sleep(50);
        }
        String a = "app=\"" + app() + "\"";
        double ok = m.get("regent_requests_total{" + a + ",status_class=\"2xx\"}");
        assertThat(ok).isGreaterThanOrEqualTo(2);
        assertThat(m.get("regent_request_duration_seconds_count{" + a + ",status_class=\"2xx\"}")).isEqualTo(ok);
        assertThat(m.get("regent_request_duration_seconds_bucket{" + a + ",status_class=\"2xx\",le=\"+Inf\"}"))
                .isEqualTo(ok);
        assertThat(m.get("regent_app_up{" + a + "}")).isEqualTo(1.0);
        assertThat(m.get("regent_queue_depth{" + a + "}")).isEqualTo(0.0);
        assertThat(m.get("regent_slots{" + a + "}")).isEqualTo(4.0);
        assertThat(m.get("regent_busy_slot_ratio{" + a + "}")).isBetween(0.0, 1.0);
        assertThat(m.get("regent_queue_wait_seconds_count{" + a + "}")).isGreaterThanOrEqualTo(ok);
        assertThat(m.get("regent_worker_id_respawns_total{" + a + ",worker=\"1\"}")).isEqualTo(0.0);
        assertThat(m.get("regent_worker_respawns_total{" + a + ",cause=\"crash\"}")).isEqualTo(0.0);
        assertThat(m.get("regent_worker_harakiri_total{" + a + ",worker=\"2\"}")).isEqualTo(0.0);
    }

    private static String app() {
        return dev.regent.testkit.Apps.path("basic.py").toString();
    }

    /** Every sample line of a Prometheus text exposition; fails on a line that is not one. */
    static Map<String, Double> parseMetrics(String text) {
        Map<String, Double> out = new HashMap<>();
        Pattern sample = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})?) (\\S+)");
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ") || line.isEmpty()) {
                continue;
            }
            Matcher m = sample.matcher(line);
            assertThat(m.matches()).as("exposition line: " + line).isTrue();
            out.put(m.group(1), Double.parseDouble(m.group(3)));
        }
        return out;
    }

    static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
