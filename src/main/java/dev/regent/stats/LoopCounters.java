package dev.regent.stats;

import java.util.HashMap;
import java.util.Map;

/**
 * Request counters kept by the I/O loop: per worker id (cumulative across respawns, as uWSGI's
 * {@code requests}), per core, and the histograms behind /metrics. Updated once per finished
 * request with a handful of array increments; read by the stats and metrics endpoints, which
 * run on the same loop. Not thread-safe: every method must run on the I/O loop.
 */
public final class LoopCounters {

    /** Upper bounds (seconds) of the latency and queue-wait histogram buckets; +Inf is implied. */
    public static final double[] BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final long[] BUCKET_NANOS = new long[BUCKETS.length];

    static {
        for (int i = 0; i < BUCKETS.length; i++) {
            BUCKET_NANOS[i] = Math.round(BUCKETS[i] * 1e9);
        }
    }

    /** One worker id's totals. */
    public static final class Worker {
        long requests;
        long tx;
        long runningMicros;
        long avgRtMicros;
        final Map<Integer, Long> coreRequests = new HashMap<>();
    }

    /** A histogram: counts per bucket (the last is +Inf), and the sum in seconds. */
    public static final class Histogram {
        final long[] counts = new long[BUCKETS.length + 1];
        double sum;
        long total;

        void observe(long nanos) {
            int i = 0;
            while (i < BUCKET_NANOS.length && nanos > BUCKET_NANOS[i]) {
                i++;
            }
            counts[i]++;
            sum += nanos / 1e9;
            total++;
        }
    }

    final Map<Integer, Worker> workers = new HashMap<>();
    /** By status class: index 1..5 for 1xx..5xx, 0 for anything else (status 0: no response). */
    final long[] byClass = new long[6];
    final Histogram[] latency = new Histogram[6];
    final Histogram queueWait = new Histogram();
    long staticRequests;
    long staticBytes;

    public LoopCounters() {
        for (int i = 0; i < latency.length; i++) {
            latency[i] = new Histogram();
        }
    }

    /**
     * A request finished.
     *
     * @param workerId      the worker that served it, 0 for none (rejected, or served by the master)
     * @param core          the slot (thread) index on that worker
     * @param queueNanos    time between the head being read and a slot taking it; -1 when it never was
     */
    public void record(int workerId, int core, int status, long bytes, long nanos, long queueNanos) {
        int cls = status >= 100 && status < 600 ? status / 100 : 0;
        byClass[cls]++;
        latency[cls].observe(nanos);
        if (queueNanos >= 0) {
            queueWait.observe(queueNanos);
        }
        if (workerId <= 0) {
            return;
        }
        Worker w = workers.computeIfAbsent(workerId, k -> new Worker());
        long micros = nanos / 1000;
        w.requests++;
        w.tx += bytes;
        w.runningMicros += micros;
        // uWSGI's running average: avg = (avg + rt) / 2
        w.avgRtMicros = w.requests == 1 ? micros : (w.avgRtMicros + micros) / 2;
        w.coreRequests.merge(core, 1L, Long::sum);
    }

    /**
     * Requests a worker slot answered directly on a uwsgi socket, counted from the scoreboard
     * once a second: totals only (their latencies are not in the histograms).
     *
     * @param byClass answers by status class, index 2..5; the rest of {@code requests} had none
     */
    public void recordDirect(int workerId, int core, long requests, long tx, long[] byClass) {
        long classified = 0;
        for (int c = 2; c <= 5; c++) {
            byClass[c] = Math.max(0, byClass[c]);
            this.byClass[c] += byClass[c];
            classified += byClass[c];
        }
        this.byClass[0] += Math.max(0, requests - classified);
        Worker w = workers.computeIfAbsent(workerId, k -> new Worker());
        w.requests += requests;
        w.tx += tx;
        w.coreRequests.merge(core, requests, Long::sum);
    }

    /** A response the master sent from the file system. */
    public void recordStatic(int status, long bytes, long nanos) {
        staticRequests++;
        staticBytes += Math.max(0, bytes);
        record(0, 0, status, Math.max(0, bytes), nanos, -1);
    }

    /** Every request that finished, dynamic or static, whatever its status. */
    public long requestsTotal() {
        long n = 0;
        for (long c : byClass) {
            n += c;
        }
        return n;
    }

    public long requests(int workerId) {
        Worker w = workers.get(workerId);
        return w == null ? 0 : w.requests;
    }
}
