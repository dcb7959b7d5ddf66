package dev.regent.cheaper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.config.LifecycleSpec;
import dev.regent.config.LogSpec;
import dev.regent.logging.LogSink;
import dev.regent.logging.RequestLog;
import dev.regent.master.WorkerTable;
import dev.regent.master.WorkerTable.Action;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** How the worker table carries out cheaper decisions: seats, oldest idle worker, sleep and wake. */
class CheaperSeatsTest {
    private static final long S = 1_000_000_000L;
    private Path logFile;
    private LogSink sink;
    private WorkerTable table;

    @BeforeEach
    void setUp() throws IOException {
        logFile = Files.createTempFile("cheaper-seats", ".log");
        sink = new LogSink(logFile.toString());
        table = new WorkerTable(LifecycleSpec.defaults(), 5,
                new RequestLog(new LogSpec(false, true, true, null), sink).logger());
    }

    @AfterEach
    void tearDown() throws IOException {
        sink.close();
        Files.deleteIfExists(logFile);
    }

    private void spawnAll(List<Action> actions, long now) {
        for (Action a : actions) {
            if (a instanceof Action.Spawn s) {
                table.spawned(s.generation(), s.workerId(), 100L * s.workerId() + s.generation(), now);
            }
        }
    }

    @Test
    void onlyTheInitialSeatsStartAndGrowthFillsTheLowestFreeSeats() {
        table.startWith(2);
        List<Action> first = table.generationReady(1, false, 0);
        assertThat(first).containsExactly(new Action.Spawn(1, 1), new Action.Spawn(1, 2));
        spawnAll(first, 0);
        assertThat(table.activeSeats()).isEqualTo(2);
        assertThat(table.grow(2, S)).containsExactly(new Action.Spawn(1, 3), new Action.Spawn(1, 4));
        assertThat(table.grow(5, S)).containsExactly(new Action.Spawn(1, 5));
        assertThat(table.grow(1, S)).isEmpty();
    }

    @Test
    void shrinkStopsTheIdleWorkerSpawnedFirstAndNeverABusyOne() {
        table.startWith(3);
        List<Action> first = table.generationReady(1, false, 0);
        table.spawned(1, 1, 101, 5 * S);
        table.spawned(1, 2, 102, 1 * S);   // the oldest, but busy below
        table.spawned(1, 3, 103, 3 * S);
        assertThat(first).hasSize(3);
        assertThat(table.shrink(Set.of(101L, 103L), 10 * S)).containsExactly(new Action.Cheap(3, 103));
        assertThat(table.shrink(Set.of(), 11 * S)).as("nobody idle: nothing stopped").isEmpty();
        // The stopped worker's exit is not a crash: no respawn.
        assertThat(table.exited(1, 3, 103, 0, 12 * S)).isEmpty();
        assertThat(table.tick(20 * S)).isEmpty();
        assertThat(table.activeSeats()).isEqualTo(2);
        // The freed seat is the first one filled again.
        assertThat(table.grow(1, 30 * S)).containsExactly(new Action.Spawn(1, 3));
    }

    @Test
    void sleepEmptiesEverySeatAndWakeFillsTheInitialOnes() {
        table.startWith(2);
        spawnAll(table.generationReady(1, false, 0), 0);
        table.sleep(S);
        assertThat(table.activeSeats()).isZero();
        assertThat(table.liveWorkers(1)).as("draining until they exit").isEqualTo(2);
        assertThat(table.exited(1, 1, 101, 0, 2 * S)).isEmpty();
        assertThat(table.exited(1, 2, 201, 0, 2 * S)).isEmpty();
        assertThat(table.liveWorkers(1)).isZero();
        // Zygote kept: spawn at once. Zygote gone: the next generation fills the seats.
        assertThat(table.wake(2, true, 3 * S)).containsExactly(new Action.Spawn(1, 1), new Action.Spawn(1, 2));
        table.sleep(4 * S);
        assertThat(table.wake(2, false, 5 * S)).isEmpty();
        assertThat(table.generationReady(2, false, 6 * S)).containsExactly(new Action.Spawn(2, 1),
                new Action.Spawn(2, 2));
    }
}
