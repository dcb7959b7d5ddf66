package dev.regent.it.cheaper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

/**
 * A real master and workers driven idle -> burst -> idle: the worker count follows the load
 * between cheaper and processes, and no request fails on the way.
 */
class CheaperTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final RegentProcesses masters = new RegentProcesses().stoppedAtTeardown();

    @Test
    void spareFollowsABurstUpToProcessesAndBackDownToCheaper() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder().app("basic.py").args("--processes", "4",
                "--cheaper", "1", "--cheaper-algo", "spare", "--cheaper-overload", "1", "--cheaper-step", "1"));
        // Settled at one worker (on a loaded machine the start-up probe alone can look like load
        // to spare for a check or two), so the trajectory below starts from a known state.
        Fleet.await(WAIT, "one worker for 2 s", () -> Fleet.steadily(m, 1, Duration.ofSeconds(2)), m);
        try (Fleet.Recorder recorder = new Fleet.Recorder(m)) {
            try (Fleet.Load load = new Fleet.Load(m.port(), "/sleep?s=0.3", 6)) {
                Fleet.await(WAIT, "four workers under load", () -> Fleet.workers(m) == 4, m);
                load.close();
                assertThat(load.failures).isEmpty();
                assertThat(load.ok.get()).isPositive();
            }
            Fleet.await(WAIT, "back to one worker", () -> Fleet.workers(m) == 1, m);
            recorder.close();
            List<Integer> t = recorder.trajectory();
            assertThat(t.getFirst()).isEqualTo(1);
            assertThat(t.getLast()).isEqualTo(1);
            assertThat(t).contains(4).allMatch(n -> n >= 1 && n <= 4);
            // Up one at a time, then down one at a time.
            int peak = t.indexOf(4);
            assertThat(t.subList(0, peak + 1)).isSorted();
        }
        assertThat(m.log()).contains("[spare] all", "[spare] ", "workers idle for 1 checks: stopping one");
        System.out.println("spawn decision -> worker serving (ms), spare burst: " + Fleet.spawnDelays(m.log()));
    }

    @Test
    void busynessSpawnsOnLoadAndStopsOnlyAfterTheMultiplierWindows() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder().app("basic.py").args("--processes", "4",
                "--cheaper", "1", "--cheaper-initial", "1", "--cheaper-algo", "busyness", "--cheaper-overload", "1",
                "--cheaper-step", "1", "--cheaper-busyness-max", "50", "--cheaper-busyness-min", "25",
                "--cheaper-busyness-multiplier", "3", "--cheaper-busyness-backlog-alert", "3",
                "--cheaper-busyness-backlog-step", "1"));
        Fleet.await(WAIT, "one worker", () -> Fleet.workers(m) == 1, m);
        try (Fleet.Load load = new Fleet.Load(m.port(), "/sleep?s=0.2", 8)) {
            Fleet.await(WAIT, "four workers under load", () -> Fleet.workers(m) == 4, m);
            load.close();
            assertThat(load.failures).isEmpty();
        }
        long idleSince = System.nanoTime();
        Fleet.await(WAIT, "back to one worker", () -> Fleet.workers(m) == 1, m);
        // Three workers stopped, each after 3 windows of 1 s at the least.
        assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isGreaterThan(Duration.ofSeconds(5));
        String log = m.log();
        assertThat(log).contains("will spawn 1 new worker(s)", "cheap one of");
        assertThat(log.indexOf("cheap one of")).isGreaterThan(log.lastIndexOf("will spawn"));
        System.out.println("spawn decision -> worker serving (ms), busyness burst: " + Fleet.spawnDelays(log));
    }

    @Test
    void aLongQueueSpawnsEmergencyWorkersBeforeTheWindowEnds() throws Exception {
        // A 30 s window: only the backlog alert (checked every second) can add workers in time.
        RegentProcess m = masters.start(RegentProcess.builder().app("basic.py").args("--processes", "3",
                "--cheaper", "1", "--cheaper-algo", "busyness", "--cheaper-overload", "30",
                "--cheaper-busyness-backlog-alert", "2", "--cheaper-busyness-backlog-step", "2"));
        Fleet.await(WAIT, "one worker", () -> Fleet.workers(m) == 1, m);
        try (Fleet.Load load = new Fleet.Load(m.port(), "/sleep?s=0.5", 6)) {
            Fleet.await(WAIT, "three workers", () -> Fleet.workers(m) == 3, m);
            load.close();
            assertThat(load.failures).isEmpty();
        }
        assertThat(m.log()).containsPattern("\\[busyness\\] \\d+ requests in the queue \\(backlog-alert 2\\),"
                + " spawning 2 emergency worker\\(s\\) \\(workers 2, 3\\)");
    }

    @Test
    void cheaperMustBeLowerThanProcesses() throws Exception {
        RegentProcess m = masters.start(RegentProcess.builder().app("basic.py").noWait()
                .args("--processes", "2", "--cheaper", "2"));
        assertThat(m.awaitExit(WAIT)).isNotZero();
        assertThat(m.log()).contains("invalid cheaper value: cheaper = 2 must be lower than processes = 2");
    }
}
