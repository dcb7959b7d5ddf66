package dev.regent.stats;

import dev.regent.cheaper.Scaler;
import dev.regent.master.WorkerTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the master thread knows, published for the I/O loop's stats, health and metrics
 * endpoints: the lifecycle phase and, per worker id, its pid, spawn and harakiri counts and
 * memory. The master thread calls {@link #publish} after every event (at least every 100 ms);
 * readers get an immutable {@link Snapshot} through one volatile read, so neither thread waits
 * for the other. Memory comes from /proc, read on the master thread at most once a second.
 */
public final class MasterBoard {

    /** One worker id as the master sees it. */
    public record Worker(int id, long pid, long respawns, long harakiris, long rss, long vsz, long lastSpawnEpoch) {
    }

    /**
     * An immutable view of the master's state. {@code respawnsByCause}: worker processes ended or
     * replaced since start, by {@link WorkerTable.Cause} label (every cause present, zeros too).
     */
    public record Snapshot(String phase, List<Worker> workers, Map<String, Long> respawnsByCause,
                           long publishedNanos) {
        public boolean running() {
            return phase.equals("RUNNING");
        }
    }

    private static final long SAMPLE_PERIOD = TimeUnit.SECONDS.toNanos(1);
    private static final long PAGE = 4096;

    private volatile Snapshot current = new Snapshot("STARTING", List.of(), Map.of(), System.nanoTime());
    private volatile boolean stopRequested;
    private volatile Scaler.View scaling;
    // Master-thread only:
    private final Map<Long, long[]> memory = new HashMap<>();
    private final Map<Long, Long> firstSeen = new HashMap<>();
    private long nextSample;

    public Snapshot snapshot() {
        return current;
    }

    /** Worker counts and scaling decisions (cheaper, idle); null before the master's first publish. */
    public Scaler.View scaling() {
        return scaling;
    }

    /** Master thread: publish the scaling state. */
    public void scaling(Scaler.View view) {
        scaling = view;
    }

    /** A stop signal arrived (called from the signal thread): readiness fails from this moment. */
    public void stopRequested() {
        stopRequested = true;
    }

    public boolean stopping() {
        return stopRequested || current.phase().equals("STOPPING") || current.phase().equals("DONE");
    }

    /** Master thread: publish the table's current state. */
    public void publish(String phase, WorkerTable table) {
        long now = System.nanoTime();
        boolean sample = now >= nextSample;
        if (sample) {
            nextSample = now + SAMPLE_PERIOD;
        }
        List<Worker> workers = new ArrayList<>();
        Map<Long, Long> seen = new HashMap<>();
        for (long[] w : table.currentWorkers()) {
            int id = (int) w[0];
            long pid = w[1];
            long spawned = firstSeen.getOrDefault(pid, System.currentTimeMillis() / 1000);
            seen.put(pid, spawned);
            long[] mem = sample || !memory.containsKey(pid) ? readMemory(pid) : memory.get(pid);
            memory.put(pid, mem);
            workers.add(new Worker(id, pid, table.respawns(id), table.harakiris(id), mem[0], mem[1], spawned));
        }
        firstSeen.keySet().retainAll(seen.keySet());
        firstSeen.putAll(seen);
        memory.keySet().retainAll(seen.keySet());
        workers.sort((a, b) -> Integer.compare(a.id(), b.id()));
        current = new Snapshot(phase, List.copyOf(workers), java.util.Collections.unmodifiableMap(
                table.respawnsByCause()), now);
    }

    /** {rss, vsz} in bytes from /proc/PID/statm; zeros when the process is gone. */
    private static long[] readMemory(long pid) {
        try {
            String[] f = Files.readString(Path.of("/proc/" + pid + "/statm")).trim().split(" ");
            return new long[] {Long.parseLong(f[1]) * PAGE, Long.parseLong(f[0]) * PAGE};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
