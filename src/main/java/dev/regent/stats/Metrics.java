package dev.regent.stats;

import dev.regent.cheaper.Scaler;
import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.WorkerSlots;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Prometheus text exposition format (version 0.0.4): {@code # HELP}, {@code # TYPE}, then
 * {@code name{labels} value} lines. Written by hand because the format is a few lines of text
 * and Regent takes no dependency for it. Built on the I/O loop at scrape time.
 */
public final class Metrics {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String[] CLASSES = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

    private Metrics() {
    }

    public static String build(String app, int slotsPerWorker, Dispatcher dispatcher, LoopCounters c,
                               MasterBoard.Snapshot master, Scaler.View scaling, boolean ready) {
        StringBuilder sb = new StringBuilder(8192);
        String appLabel = "app=\"" + escape(app) + "\"";
        header(sb, "regent_app_up", "gauge", "1 when the app is imported and a worker can take requests");
        sb.append("regent_app_up{").append(appLabel).append("} ").append(ready ? 1 : 0).append('\n');

        header(sb, "regent_requests_total", "counter", "Requests finished, by status class");
        for (int i = 0; i < CLASSES.length; i++) {
            if (c.byClass[i] > 0 || (i >= 2 && i <= 5)) {
                sb.append("regent_requests_total{").append(appLabel).append(",status_class=\"").append(CLASSES[i])
                        .append("\"} ").append(c.byClass[i]).append('\n');
            }
        }
        header(sb, "regent_request_duration_seconds", "histogram",
                "Time from the request head being read to the end of the response, by status class");
        for (int i = 0; i < CLASSES.length; i++) {
            if (c.latency[i].total > 0) {
                histogram(sb, "regent_request_duration_seconds",
                        appLabel + ",status_class=\"" + CLASSES[i] + "\"", c.latency[i]);
            }
        }
        header(sb, "regent_queue_depth", "gauge", "Requests waiting for a free worker slot");
        sb.append("regent_queue_depth{").append(appLabel).append("} ").append(dispatcher.queued()).append('\n');
        header(sb, "regent_queue_rejected_total", "counter", "Requests refused with 503 because the queue was full");
        sb.append("regent_queue_rejected_total{").append(appLabel).append("} ").append(dispatcher.rejectedTotal())
                .append('\n');
        header(sb, "regent_queue_wait_seconds", "histogram", "Time a request waited for a worker slot");
        histogram(sb, "regent_queue_wait_seconds", appLabel, c.queueWait);

        int busy = 0;
        int slots = 0;
        List<WorkerSlots> live = dispatcher.workers();
        for (WorkerSlots w : live) {
            if (!w.draining()) {
                busy += w.busy();
                slots += slotsPerWorker;
            }
        }
        header(sb, "regent_busy_slots", "gauge", "Worker slots (threads) serving a request");
        sb.append("regent_busy_slots{").append(appLabel).append("} ").append(busy).append('\n');
        header(sb, "regent_slots", "gauge", "Worker slots (threads) of the connected workers");
        sb.append("regent_slots{").append(appLabel).append("} ").append(slots).append('\n');
        header(sb, "regent_busy_slot_ratio", "gauge", "Busy slots over all slots: the autoscaling signal");
        sb.append("regent_busy_slot_ratio{").append(appLabel).append("} ")
                .append(slots == 0 ? "0" : String.format(Locale.ROOT, "%.4f", busy / (double) slots)).append('\n');

        header(sb, "regent_worker_respawns_total", "counter",
                "Worker processes replaced, by cause (harakiri, max-requests, max-lifetime, rss, crash, reload;"
                        + " cheaper: stopped without replacement)");
        for (Map.Entry<String, Long> e : master.respawnsByCause().entrySet()) {
            sb.append("regent_worker_respawns_total{").append(appLabel).append(",cause=\"").append(escape(e.getKey()))
                    .append("\"} ").append(e.getValue()).append('\n');
        }
        // The per-id total, under its own name: one metric name must not mix label sets.
        header(sb, "regent_worker_id_respawns_total", "counter",
                "Processes spawned for a worker id after its first (any cause), by worker id");
        for (MasterBoard.Worker w : master.workers()) {
            sb.append("regent_worker_id_respawns_total{").append(appLabel).append(",worker=\"").append(w.id())
                    .append("\"} ").append(Math.max(0, w.respawns() - 1)).append('\n');
        }
        header(sb, "regent_worker_harakiri_total", "counter", "Workers killed by harakiri, by worker id");
        for (MasterBoard.Worker w : master.workers()) {
            sb.append("regent_worker_harakiri_total{").append(appLabel).append(",worker=\"").append(w.id())
                    .append("\"} ").append(w.harakiris()).append('\n');
        }
        header(sb, "regent_worker_rss_bytes", "gauge", "Resident memory of each worker process");
        for (MasterBoard.Worker w : master.workers()) {
            sb.append("regent_worker_rss_bytes{").append(appLabel).append(",worker=\"").append(w.id())
                    .append("\"} ").append(w.rss()).append('\n');
        }
        if (scaling != null) {
            header(sb, "regent_workers", "gauge", "Worker processes running");
            sb.append("regent_workers{").append(appLabel).append("} ").append(scaling.workers()).append('\n');
            header(sb, "regent_workers_min", "gauge", "Fewest workers the cheaper subsystem keeps (0 with idle or cheap)");
            sb.append("regent_workers_min{").append(appLabel).append("} ").append(scaling.min()).append('\n');
            header(sb, "regent_workers_max", "gauge", "Most workers (processes)");
            sb.append("regent_workers_max{").append(appLabel).append("} ").append(scaling.max()).append('\n');
            header(sb, "regent_scaling_decisions_total", "counter",
                    "Worker count changes carried out, by cause (busyness-high, backlog-alert, idle, wake, fifo ...)");
            for (Map.Entry<String, Long> e : new TreeMap<>(scaling.decisions()).entrySet()) {
                sb.append("regent_scaling_decisions_total{").append(appLabel).append(",cause=\"")
                        .append(escape(e.getKey())).append("\"} ").append(e.getValue()).append('\n');
            }
        }
        header(sb, "regent_static_requests_total", "counter", "Requests answered by the master from static files");
        sb.append("regent_static_requests_total{").append(appLabel).append("} ").append(c.staticRequests).append('\n');
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void histogram(StringBuilder sb, String name, String labels, LoopCounters.Histogram h) {
        long cumulative = 0;
        for (int i = 0; i <= LoopCounters.BUCKETS.length; i++) {
            cumulative += h.counts[i];
            String le = i < LoopCounters.BUCKETS.length ? Double.toString(LoopCounters.BUCKETS[i]) : "+Inf";
            sb.append(name).append("_bucket{").append(labels).append(",le=\"").append(le).append("\"} ")
                    .append(cumulative).append('\n');
        }
        sb.append(name).append("_sum{").append(labels).append("} ").append(h.sum).append('\n');
        sb.append(name).append("_count{").append(labels).append("} ").append(h.total).append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
