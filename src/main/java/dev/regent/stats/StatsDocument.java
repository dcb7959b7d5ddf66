package dev.regent.stats;

import dev.regent.Version;
import dev.regent.cheaper.Scaler;
import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.WorkerSlots;

import java.util.List;
import java.util.Map;

/**
 * The uWSGI stats JSON (reference section 5): same keys, same order, so uwsgitop and
 * uwsgi_exporter read it. Built on the I/O loop from the dispatcher (busy slots, queue, requests
 * since spawn), the loop's {@link LoopCounters} (cumulative requests, tx, times) and the master's
 * {@link MasterBoard} snapshot (pids, respawns, harakiri counts, memory).
 *
 * <p>Regent has no uWSGI locks, signals, caches (yet) or per-app counters distinct from the
 * worker's; those keys are present with zero values so consumers find every field they decode.
 */
public final class StatsDocument {

    /** What the document needs that does not change while serving. */
    public record Static(int processes, int threads, int listen, List<String[]> sockets, String cwd, boolean noCores) {
    }

    private static final long UID = unixAttribute("unix:uid");
    private static final long GID = unixAttribute("unix:gid");

    private StatsDocument() {
    }

    public static String build(Static info, Dispatcher dispatcher, LoopCounters counters, MasterBoard.Snapshot master,
                               Scaler.View scaling, boolean pretty) {
        JsonOut j = new JsonOut(pretty);
        int queued = dispatcher.queued();
        j.beginObject(null)
                .field("version", Version.VERSION)
                .field("listen_queue", queued)
                .field("listen_queue_errors", 0)
                .field("signal_queue", 0)
                .field("load", queued)
                .field("pid", ProcessHandle.current().pid())
                .field("uid", UID)
                .field("gid", GID)
                .field("cwd", info.cwd());
        j.beginArray("locks");
        for (String lock : List.of("user 0", "signal", "filemon", "timer", "rbtimer", "cron", "rpc", "snmp")) {
            j.beginObject(null).field(lock, 0).endObject();
        }
        j.endArray();
        j.beginArray("caches").endArray();
        j.beginArray("sockets");
        for (String[] s : info.sockets()) {
            j.beginObject(null).field("name", s[0]).field("proto", s[1]).field("queue", 0)
                    .field("max_queue", info.listen()).field("shared", 0).field("can_offload", 0).endObject();
        }
        j.endArray();
        List<WorkerSlots> live = dispatcher.workers();
        j.beginArray("workers");
        for (int id = 1; id <= info.processes(); id++) {
            worker(j, id, info, find(master, id), current(live, id), counters.workers.get(id));
        }
        j.endArray();
        if (scaling != null) {
            scaling(j, scaling);
        }
        // Regent's addition, like "cheaper": uWSGI readers (uwsgitop, the exporter) skip unknown keys.
        j.beginObject("respawns_by_cause");
        for (Map.Entry<String, Long> e : master.respawnsByCause().entrySet()) {
            j.field(e.getKey(), e.getValue());
        }
        j.endObject();
        return j.endObject().done();
    }

    private static void worker(JsonOut j, int id, Static info, MasterBoard.Worker m, WorkerSlots w,
                               LoopCounters.Worker c) {
        long requests = c == null ? 0 : c.requests;
        long pid = m != null ? m.pid() : w != null ? w.pid() : 0;
        String status = w == null ? "cheap" : w.busy() > 0 ? "busy" : "idle";
        j.beginObject(null)
                .field("id", id)
                .field("pid", pid)
                .field("accepting", w != null && !w.draining() ? 1 : 0)
                .field("requests", requests)
                .field("delta_requests", w == null ? 0 : w.requests())
                .field("exceptions", 0)
                .field("harakiri_count", m == null ? 0 : m.harakiris())
                .field("signals", 0)
                .field("signal_queue", 0)
                .field("status", status)
                .field("rss", m == null ? 0 : m.rss())
                .field("vsz", m == null ? 0 : m.vsz())
                .field("running_time", c == null ? 0 : c.runningMicros)
                .field("last_spawn", m == null ? 0 : m.lastSpawnEpoch())
                .field("respawn_count", m == null ? 0 : m.respawns())
                .field("tx", c == null ? 0 : c.tx)
                .field("avg_rt", c == null ? 0 : c.avgRtMicros);
        j.beginArray("apps");
        j.beginObject(null).field("id", 0).field("modifier1", 0).field("mountpoint", "").field("startup_time", 0)
                .field("requests", requests).field("exceptions", 0).field("chdir", "").endObject();
        j.endArray();
        if (!info.noCores()) {
            j.beginArray("cores");
            Map<Integer, Long> cores = c == null ? Map.of() : c.coreRequests;
            for (int core = 0; core < info.threads(); core++) {
                // The dispatcher fills a worker's slots from index 0, so the first `busy` are in a request.
                boolean inRequest = w != null && core < w.busy();
                j.beginObject(null).field("id", core).field("requests", cores.getOrDefault(core, 0L))
                        .field("static_requests", 0).field("routed_requests", 0).field("offloaded_requests", 0)
                        .field("write_errors", 0).field("read_errors", 0).field("in_request", inRequest ? 1 : 0);
                j.beginArray("vars").endArray();
                j.beginObject("req_info").endObject();
                j.endObject();
            }
            j.endArray();
        }
        j.endObject();
    }

    /** Regent's addition after uWSGI's keys: worker counts and scaling decisions by cause. */
    private static void scaling(JsonOut j, Scaler.View v) {
        j.beginObject("cheaper")
                .field("algo", v.algo())
                .field("workers", v.workers())
                .field("min", v.min())
                .field("max", v.max())
                .field("low", v.low())
                .field("high", v.high())
                .field("idle", v.asleep() ? 1 : 0)
                .field("last_decision", v.lastDecision());
        j.beginObject("decisions");
        for (Map.Entry<String, Long> e : new java.util.TreeMap<>(v.decisions()).entrySet()) {
            j.field(e.getKey(), e.getValue());
        }
        j.endObject();
        j.endObject();
    }

    private static MasterBoard.Worker find(MasterBoard.Snapshot master, int id) {
        for (MasterBoard.Worker w : master.workers()) {
            if (w.id() == id) {
                return w;
            }
        }
        return null;
    }

    /** The process serving this id: the one not draining (a retiring one may linger). */
    static WorkerSlots current(List<WorkerSlots> live, int id) {
        WorkerSlots found = null;
        for (WorkerSlots w : live) {
            if (w.workerId() == id && (found == null || found.draining())) {
                found = w;
            }
        }
        return found;
    }

    private static long unixAttribute(String name) {
        try {
            Object v = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), name);
            return ((Number) v).longValue();
        } catch (Exception e) {
            return -1;
        }
    }
}
