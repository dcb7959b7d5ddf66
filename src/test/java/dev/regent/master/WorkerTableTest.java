package dev.regent.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.config.LifecycleSpec;
import dev.regent.config.LogSpec;
import dev.regent.logging.LogSink;
import dev.regent.logging.RequestLog;
import dev.regent.master.WorkerTable.Action;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The worker table's policy, driven with made-up times: no process, no sleep. */
class WorkerTableTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long T0 = 1_000 * S;

    private Path logFile;
    private LogSink sink;
    private RequestLog.Logger log;
    private long nextPid = 100;

    @BeforeEach
    void openLog() throws IOException {
        logFile = Files.createTempFile("worker-table", ".log");
        sink = new LogSink(logFile.toString());
        log = new RequestLog(new LogSpec(false, true, true, null), sink).logger();
    }

    @AfterEach
    void closeLog() throws IOException {
        sink.close();
        Files.deleteIfExists(logFile);
    }

    private String logText() throws IOException {
        sink.close();
        return Files.readString(logFile);
    }

    private static LifecycleSpec spec(Duration minLifetime, Duration maxLifetime, Duration lifetimeDelta,
                                      long rssMb, long evilMb, Duration mercy) {
        return new LifecycleSpec(Duration.ZERO, 0, 0, minLifetime, maxLifetime, lifetimeDelta,
                LifecycleSpec.megabytes(rssMb), LifecycleSpec.megabytes(evilMb), mercy);
    }

    private static LifecycleSpec defaults() {
        return LifecycleSpec.defaults();
    }

    /** Generation 1 is ready at T0 and every seat is spawned and connected at T0. */
    private long[] start(WorkerTable table) {
        List<Action> first = table.generationReady(1, false, T0);
        assertThat(first).hasSize(table.processes()).allMatch(a -> a instanceof Action.Spawn s && s.generation() == 1);
        long[] pids = new long[table.processes() + 1];
        for (int id = 1; id <= table.processes(); id++) {
            pids[id] = spawnAndConnect(table, 1, id, T0);
        }
        return pids;
    }

    private long spawnAndConnect(WorkerTable table, int gen, int id, long now) {
        long pid = nextPid++;
        table.spawned(gen, id, pid, now);
        table.connected(id, pid, now);
        return pid;
    }

    @Test
    void backOffGrowsWithEachYoungDeathAndResetsAfterAHealthyLife() throws IOException {
        WorkerTable table = new WorkerTable(defaults(), 1, log);
        long pid = start(table)[1];
        long now = T0;
        long previousDelay = 0;
        for (int step = 1; step <= 5; step++) {
            now += 10 * MS;  // dies young
            List<Action> out = table.exited(1, 1, pid, 3, now);
            assertThat(out).as("no immediate respawn at step " + step).isEmpty();
            long delay = WorkerTable.backoff(step);
            assertThat(delay).isGreaterThan(previousDelay);
            previousDelay = delay;
            assertThat(table.tick(now + delay - 1)).as("not before the back-off").isEmpty();
            now += delay;
            assertThat(table.tick(now)).containsExactly(new Action.Spawn(1, 1));
            pid = nextPid++;
            table.spawned(1, 1, pid, now);
        }
        // A worker that lived past the "young" threshold resets the back-off: respawn at once.
        now += 5 * S;
        assertThat(table.exited(1, 1, pid, -9, now)).containsExactly(new Action.Spawn(1, 1));
        String text = logText();
        for (int step = 1; step <= 5; step++) {
            assertThat(text).contains("back-off step " + step + ")");
        }
        assertThat(text).contains("respawning in 100 ms", "respawning in 200 ms", "respawning in 1600 ms");
        assertThat(text).contains("killed by signal 9 (out of memory");
    }

    @Test
    void backOffIsCapped() {
        assertThat(WorkerTable.backoff(0)).isZero();
        assertThat(WorkerTable.backoff(1)).isEqualTo(100 * MS);
        assertThat(WorkerTable.backoff(50)).isEqualTo(WorkerTable.MAX_BACKOFF);
    }

    @Test
    void harakiriAsksForStacksThenKillsAfterTheGraceAndRespawnsWithoutBackOff() {
        WorkerTable table = new WorkerTable(defaults(), 2, log);
        long pid = start(table)[1];
        long now = T0 + 100 * MS;
        assertThat(table.harakiri(1, pid, now)).containsExactly(new Action.Signal(1, pid, WorkerTable.SIGUSR2));
        assertThat(table.harakiri(1, pid, now + MS)).as("fired once").isEmpty();
        assertThat(table.tick(now + WorkerTable.DUMP_GRACE - 1)).isEmpty();
        assertThat(table.tick(now + WorkerTable.DUMP_GRACE))
                .containsExactly(new Action.Signal(1, pid, WorkerTable.SIGKILL));
        assertThat(table.tick(now + WorkerTable.DUMP_GRACE + S)).as("killed once").isEmpty();
        // Died young, but on purpose: respawned at once.
        assertThat(table.exited(1, 1, pid, -9, now + WorkerTable.DUMP_GRACE + MS))
                .containsExactly(new Action.Spawn(1, 1));
        assertThat(table.harakiris(1)).isEqualTo(1);
    }

    @Test
    void recycleSpawnsTheReplacementFirstAndRetiresTheOldWorker() throws IOException {
        WorkerTable table = new WorkerTable(defaults(), 2, log);
        long old = start(table)[2];
        long now = T0 + 20 * S;
        List<Action> out = table.recycle(2, old, "max-requests (5 requests)", now);
        assertThat(out).containsExactly(new Action.Retire(2, old), new Action.Spawn(1, 2));
        assertThat(table.liveWorkers(1)).as("old still counted until it exits, the replacement once asked for")
                .isEqualTo(3);
        long fresh = spawnAndConnect(table, 1, 2, now + S);
        assertThat(table.liveWorkers(1)).isEqualTo(3);
        // The retired worker exits after draining: no respawn.
        assertThat(table.exited(1, 2, old, 0, now + 2 * S)).isEmpty();
        assertThat(table.liveWorkers(1)).isEqualTo(2);
        assertThat(table.recycle(2, old, "again", now + 3 * S)).as("stale pid").isEmpty();
        assertThat(table.currentWorkers()).extracting(w -> w[1]).contains(fresh);
        assertThat(logText()).contains("worker 2 (pid " + old + ") retired (max-requests (5 requests)), exit status 0");
    }

    @Test
    void mercyKillCountsFromTheReplacementsConnection() throws IOException {
        WorkerTable table = new WorkerTable(spec(Duration.ZERO, Duration.ZERO, Duration.ZERO, 0, 0,
                Duration.ofSeconds(5)), 1, log);
        long old = start(table)[1];
        long now = T0 + S;
        table.recycle(1, old, "test", now);
        // The replacement is slow to come up: the old worker keeps serving, no mercy clock yet.
        assertThat(table.tick(now + 60 * S)).isEmpty();
        long fresh = nextPid++;
        table.spawned(1, 1, fresh, now + 60 * S);
        table.connected(1, fresh, now + 61 * S);
        assertThat(table.tick(now + 61 * S + 5 * S - 1)).isEmpty();
        assertThat(table.tick(now + 66 * S)).containsExactly(new Action.Signal(1, old, WorkerTable.SIGKILL));
        assertThat(table.tick(now + 70 * S)).as("killed once").isEmpty();
        assertThat(logText()).contains("is taking too long to finish after test: killing it (worker-reload-mercy 5 s)");
    }

    @Test
    void maxWorkerLifetimeRecyclesEachWorkerAtItsOwnAgeWithTheDelta() {
        WorkerTable table = new WorkerTable(spec(Duration.ZERO, Duration.ofSeconds(60), Duration.ofSeconds(10),
                0, 0, Duration.ofSeconds(60)), 3, log);
        long[] pids = start(table);
        assertThat(table.tick(T0 + 59 * S)).isEmpty();
        assertThat(table.tick(T0 + 60 * S)).containsExactly(new Action.Retire(1, pids[1]), new Action.Spawn(1, 1));
        assertThat(table.tick(T0 + 69 * S)).as("worker 2 lives 70 s").isEmpty();
        assertThat(table.tick(T0 + 70 * S)).containsExactly(new Action.Retire(2, pids[2]), new Action.Spawn(1, 2));
        assertThat(table.tick(T0 + 80 * S)).containsExactly(new Action.Retire(3, pids[3]), new Action.Spawn(1, 3));
        assertThat(table.tick(T0 + 81 * S)).as("each once while its replacement starts").isEmpty();
    }

    @Test
    void minWorkerLifetimeGatesRecyclingButNotHarakiriOrEvilKills() {
        WorkerTable table = new WorkerTable(spec(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ZERO,
                100, 500, Duration.ofSeconds(60)), 1, log);
        long pid = start(table)[1];
        assertThat(table.oldEnough(pid, T0 + 9 * S)).isFalse();
        assertThat(table.tick(T0 + 9 * S)).as("lifetime reached, but younger than min-worker-lifetime").isEmpty();
        assertThat(table.rss(1, pid, LifecycleSpec.megabytes(200), T0 + 9 * S)).isEmpty();
        assertThat(table.oldEnough(pid, T0 + 10 * S)).isTrue();
        assertThat(table.tick(T0 + 10 * S)).containsExactly(new Action.Retire(1, pid), new Action.Spawn(1, 1));
        long fresh = spawnAndConnect(table, 1, 1, T0 + 11 * S);
        assertThat(table.harakiri(1, fresh, T0 + 12 * S)).hasSize(1);
    }

    @Test
    void evilRssKillsAtOnceAndReloadOnRssRecyclesGracefully() throws IOException {
        WorkerTable table = new WorkerTable(spec(Duration.ZERO, Duration.ZERO, Duration.ZERO, 100, 500,
                Duration.ofSeconds(60)), 2, log);
        long[] pids = start(table);
        long now = T0 + S;
        assertThat(table.rss(1, pids[1], LifecycleSpec.megabytes(99), now)).isEmpty();
        assertThat(table.rss(1, pids[1], LifecycleSpec.megabytes(100), now))
                .containsExactly(new Action.Retire(1, pids[1]), new Action.Spawn(1, 1));
        assertThat(table.rss(2, pids[2], LifecycleSpec.megabytes(600), now))
                .containsExactly(new Action.Signal(1, pids[2], WorkerTable.SIGKILL));
        assertThat(table.rss(2, pids[2], LifecycleSpec.megabytes(600), now + MS)).as("killed once").isEmpty();
        // Killed young on purpose: no back-off.
        assertThat(table.exited(1, 2, pids[2], -9, now + 2 * MS)).containsExactly(new Action.Spawn(1, 2));
        assertThat(logText()).contains("*** EVIL RELOAD ON WORKER 2 (pid " + pids[2] + ") RSS: 600 MB",
                "worker 1 (pid " + pids[1] + ") is recycled: reload-on-rss (100 MB)");
    }

    @Test
    void aReloadReplacesEverySeatFromTheNewGeneration() {
        WorkerTable table = new WorkerTable(defaults(), 3, log);
        long[] pids = start(table);
        List<Action> out = table.generationReady(2, false, T0 + S);
        assertThat(out).containsExactly(
                new Action.Retire(1, pids[1]), new Action.Spawn(2, 1),
                new Action.Retire(2, pids[2]), new Action.Spawn(2, 2),
                new Action.Retire(3, pids[3]), new Action.Spawn(2, 3));
        assertThat(table.generation()).isEqualTo(2);
        assertThat(table.generationReady(2, false, T0 + 2 * S)).as("same generation twice").isEmpty();
        for (int id = 1; id <= 3; id++) {
            spawnAndConnect(table, 2, id, T0 + 2 * S);
            table.exited(1, id, pids[id], 0, T0 + 3 * S);
        }
        assertThat(table.liveWorkers(1)).isZero();
        assertThat(table.liveWorkers(2)).isEqualTo(3);
    }

    @Test
    void aSpawnOfAnOldGenerationThatReportsAfterANewerIsReadyIsRetiredAndKeepsItsZygoteAlive() throws IOException {
        // Reloads back to back: generation 2 is ready and asks for its workers, generation 3 is
        // ready before generation 2's forks have reported.
        WorkerTable table = new WorkerTable(defaults(), 2, log);
        long[] pids = start(table);
        table.generationReady(2, false, T0 + S);
        assertThat(table.liveWorkers(2)).as("two spawns asked of generation 2").isEqualTo(2);
        List<Action> third = table.generationReady(3, false, T0 + S + 10 * MS);
        assertThat(third).containsExactly(new Action.Spawn(3, 1), new Action.Spawn(3, 2));
        assertThat(table.liveWorkers(2)).as("its zygote must wait for the forks in flight").isEqualTo(2);

        long late = nextPid++;
        assertThat(table.spawned(2, 1, late, T0 + S + 20 * MS)).as("retired at once, never serving")
                .containsExactly(new Action.Retire(1, late));
        assertThat(table.liveWorkers(2)).as("one fork still to report, one retiring").isEqualTo(2);
        long fresh = spawnAndConnect(table, 3, 1, T0 + S + 30 * MS);
        assertThat(table.spawned(2, 2, nextPid++, T0 + S + 40 * MS)).hasSize(1);
        assertThat(table.exited(2, 1, late, 0, T0 + S + 50 * MS)).as("no respawn for it").isEmpty();
        assertThat(table.liveWorkers(2)).isEqualTo(1);
        assertThat(table.liveWorkers(3)).as("seat 1 is generation 3's, seat 2 still spawning").isEqualTo(2);
        assertThat(table.currentWorkers()).extracting(w -> w[1]).contains(fresh).doesNotContain(late);
        assertThat(logText()).contains("worker 1 (pid " + late + ") retired (superseded by generation 3)");
        assertThat(pids[1]).isPositive();
    }

    @Test
    void spawnsThatCannotHappenDoNotHoldAGenerationAlive() {
        WorkerTable table = new WorkerTable(defaults(), 2, log);
        start(table);
        table.generationReady(2, false, T0 + S);
        table.generationReady(3, false, T0 + 2 * S);
        table.spawnLost(2);
        assertThat(table.liveWorkers(2)).as("one lost, one asked").isEqualTo(1);
        table.zygoteGone(2);
        assertThat(table.liveWorkers(2)).isZero();
    }

    @Test
    void chainReloadReplacesOneWorkerAtATimeOnlyAfterTheReplacementConnected() throws IOException {
        WorkerTable table = new WorkerTable(defaults(), 3, log);
        long[] pids = start(table);
        long now = T0 + S;
        assertThat(table.generationReady(2, true, now))
                .containsExactly(new Action.Retire(1, pids[1]), new Action.Spawn(2, 1));
        assertThat(table.chaining()).isTrue();
        long fresh1 = nextPid++;
        table.spawned(2, 1, fresh1, now);
        assertThat(table.tick(now + 10 * S)).as("waits for the connection, not for time").isEmpty();
        assertThat(table.connected(1, fresh1, now + 10 * S))
                .containsExactly(new Action.Retire(2, pids[2]), new Action.Spawn(2, 2));
        long fresh2 = spawnAndConnect(table, 2, 2, now + 11 * S);
        assertThat(fresh2).isPositive();
        // Seat 3 is the last one; its replacement's connection completes the chain.
        long fresh3 = nextPid++;
        table.spawned(2, 3, fresh3, now + 12 * S);
        assertThat(table.connected(3, fresh3, now + 12 * S)).isEmpty();
        assertThat(table.chaining()).isFalse();
        assertThat(logText()).contains("chain reload: next victim is worker 2", "chain reload complete");
    }

    @Test
    void chainReloadWithinOneGenerationForLazyApps() {
        WorkerTable table = new WorkerTable(defaults(), 2, log);
        long[] pids = start(table);
        assertThat(table.chainReload(T0 + S)).containsExactly(new Action.Retire(1, pids[1]), new Action.Spawn(1, 1));
        assertThat(table.chainReload(T0 + S)).as("one chain at a time").isEmpty();
        long fresh = spawnAndConnect(table, 1, 1, T0 + 2 * S);
        assertThat(fresh).isPositive();
        assertThat(table.chaining()).isTrue();
    }

    @Test
    void aReplacementThatKeepsDyingStallsTheChainAndTheOldWorkerKeepsItsSeat() {
        WorkerTable table = new WorkerTable(defaults(), 2, log);
        long[] pids = start(table);
        table.chainReload(T0 + S);
        long broken = nextPid++;
        table.spawned(1, 1, broken, T0 + S);
        assertThat(table.exited(1, 1, broken, 22, T0 + S + 50 * MS)).as("back-off").isEmpty();
        assertThat(table.liveWorkers(1)).as("old worker 1 still alive, worker 2 untouched").isEqualTo(2);
        assertThat(table.tick(T0 + 100 * S)).as("no mercy kill while no replacement serves")
                .containsExactly(new Action.Spawn(1, 1));
        assertThat(table.chaining()).isTrue();
        assertThat(pids[2]).isPositive();
    }

    @Test
    void stoppingMeansNoRespawn() {
        WorkerTable table = new WorkerTable(defaults(), 1, log);
        long pid = start(table)[1];
        table.stop();
        assertThat(table.exited(1, 1, pid, 0, T0 + S)).isEmpty();
        assertThat(table.tick(T0 + 100 * S)).isEmpty();
    }

    @Test
    void respawnsAreCountedByCauseWhenTheMasterDecides() {
        WorkerTable table = new WorkerTable(spec(Duration.ZERO, Duration.ofSeconds(100), Duration.ZERO, 100, 500,
                Duration.ofSeconds(60)), 3, log);
        long[] pids = start(table);
        assertThat(table.respawnsByCause()).as("every cause present from the start")
                .containsOnlyKeys("harakiri", "max-requests", "max-lifetime", "rss", "crash", "reload", "cheaper")
                .allSatisfy((cause, n) -> assertThat(n).isZero());
        long now = T0 + 10 * S;
        // A crash counts at once, also when the respawn waits out a back-off (a second young death).
        table.exited(1, 1, pids[1], -9, now);
        long again = spawnAndConnect(table, 1, 1, now);
        assertThat(table.exited(1, 1, again, 1, now + 10 * MS)).as("back-off, no spawn yet").isEmpty();
        assertThat(table.respawns(WorkerTable.Cause.CRASH)).isEqualTo(2);
        long w1 = spawnAndConnect(table, 1, 1, now + S);
        // Harakiri is counted when its kill is reaped, not when the request ran over.
        table.harakiri(2, pids[2], now);
        assertThat(table.respawns(WorkerTable.Cause.HARAKIRI)).isZero();
        table.exited(1, 2, pids[2], -9, now + S);
        long w2 = spawnAndConnect(table, 1, 2, now + S);
        // Recycling: max-requests (the dispatcher's reason), reload-on-rss, and evil-reload-on-rss.
        table.recycle(3, pids[3], "max-requests (5 requests)", now + S);
        long w3 = spawnAndConnect(table, 1, 3, now + S);
        table.rss(1, w1, LifecycleSpec.megabytes(150), now + 2 * S);
        w1 = spawnAndConnect(table, 1, 1, now + 2 * S);
        table.rss(2, w2, LifecycleSpec.megabytes(600), now + 2 * S);
        table.exited(1, 2, w2, -9, now + 2 * S);
        w2 = spawnAndConnect(table, 1, 2, now + 2 * S);
        // A retired worker's own exit is not counted twice.
        table.exited(1, 3, pids[3], 0, now + 3 * S);
        assertThat(table.respawns(WorkerTable.Cause.CRASH)).isEqualTo(2);
        // max-worker-lifetime (100 s) for worker 3, spawned at now + 1 s.
        table.tick(now + S + 100 * S);
        assertThat(table.respawns(WorkerTable.Cause.MAX_LIFETIME)).isEqualTo(1);
        spawnAndConnect(table, 1, 3, now + 101 * S);
        // A reload replaces all three; a chain reload one at a time, each counted.
        long later = now + 200 * S;
        table.generationReady(2, false, later);
        for (int id = 1; id <= 3; id++) {
            spawnAndConnect(table, 2, id, later);
        }
        table.generationReady(3, true, later + S);
        assertThat(table.respawnsByCause()).containsExactly(
                java.util.Map.entry("harakiri", 1L), java.util.Map.entry("max-requests", 1L),
                java.util.Map.entry("max-lifetime", 1L), java.util.Map.entry("rss", 2L),
                java.util.Map.entry("crash", 2L), java.util.Map.entry("reload", 4L),
                java.util.Map.entry("cheaper", 0L));
    }
}
