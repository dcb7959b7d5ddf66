package dev.regent.cheaper;

import static dev.regent.cheaper.Specs.S;
import static dev.regent.cheaper.Specs.busyness;
import static dev.regent.cheaper.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.config.CheaperSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** busyness with made-up busy-time series: one sample per second, window (cheaper-overload) 1 s. */
class BusynessTest {

    private static Busyness algo(int min, int processes, int step, CheaperSpec.Busyness k) {
        return new Busyness(spec(CheaperSpec.Algo.BUSYNESS, min, processes, step, 1, k));
    }

    /** Runs {@code seconds} samples at {@code percent} busy; returns the decisions that changed something. */
    private static List<String> run(Busyness b, Specs.Fleet fleet, int seconds, int percent, int queued) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < seconds; i++) {
            fleet.advance(percent);
            Decision d = b.decide(fleet.now, fleet.sample(queued));
            fleet.apply(d);
            if (d.delta() != 0) {
                out.add((fleet.now - Specs.T0) / S + "s " + d.delta() + " " + d.cause());
            }
        }
        return out;
    }

    @Test
    void stopsAWorkerOnlyAfterTheMultiplierWindowsOfLowBusyness() {
        Busyness b = algo(1, 8, 1, busyness(50, 25, 4, 2, 33, 3, 1, 60));
        Specs.Fleet fleet = new Specs.Fleet(4, 8);
        b.decide(fleet.now, fleet.sample(0));  // first sample: the window and the stop timer start
        List<String> decisions = run(b, fleet, 12, 5, 0);
        // First stop after 4 windows (the multiplier), then one every 4 windows.
        assertThat(decisions).containsExactly("4s -1 busyness-low", "8s -1 busyness-low", "12s -1 busyness-low");
        assertThat(fleet.workers).hasSize(1);
        // At cheaper (1 worker) nothing more is stopped.
        assertThat(run(b, fleet, 10, 0, 0)).isEmpty();
    }

    @Test
    void busyWindowsInBetweenPushTheStopBack() {
        Busyness b = algo(1, 8, 1, busyness(50, 25, 3, 2, 33, 3, 1, 60));
        Specs.Fleet fleet = new Specs.Fleet(3, 8);
        b.decide(fleet.now, fleet.sample(0));
        assertThat(run(b, fleet, 2, 5, 0)).isEmpty();
        // Between min and max: the timer moves back one window each time, and after three such
        // windows it starts again from a full multiplier (3 windows from 5 s).
        assertThat(run(b, fleet, 3, 40, 0)).isEmpty();
        assertThat(run(b, fleet, 2, 5, 0)).isEmpty();
        assertThat(run(b, fleet, 1, 5, 0)).containsExactly("8s -1 busyness-low");
    }

    @Test
    void highBusynessSpawnsAStepAndTheFullFleetOnlyNotes() {
        Busyness b = algo(1, 4, 2, busyness(50, 25, 10, 2, 33, 3, 1, 60));
        Specs.Fleet fleet = new Specs.Fleet(1, 4);
        b.decide(fleet.now, fleet.sample(0));
        fleet.advance(90);
        Decision d = b.decide(fleet.now, fleet.sample(0));
        assertThat(d.delta()).isEqualTo(2);
        assertThat(d.reason()).isEqualTo("[busyness] 1s average busyness is at 90%, will spawn 2 new worker(s)");
        fleet.apply(d);
        fleet.advance(100);
        fleet.apply(b.decide(fleet.now, fleet.sample(0)));
        assertThat(fleet.workers).hasSize(4);
        fleet.advance(100);
        Decision full = b.decide(fleet.now, fleet.sample(0));
        assertThat(full.delta()).isZero();
        assertThat(full.reason()).contains("maximum number of workers is running (4)");
    }

    @Test
    void newWorkersCountFromZeroAndLongRequestsCountWhileTheyRun() {
        Busyness b = algo(1, 4, 1, busyness(50, 25, 10, 2, 33, 3, 1, 60));
        long now = Specs.T0;
        // pid 7 had 500 s of busy time before the first sample: only the window's growth counts.
        b.decide(now, new Sample(List.of(new WorkerSample(1, 7, 1, 1, 500 * S)), 1, 3, 0));
        Decision d = b.decide(now + S, new Sample(List.of(new WorkerSample(1, 7, 1, 1, 501 * S)), 1, 3, 0));
        assertThat(d.reason()).contains("busyness is at 100%");
    }

    @Test
    void backlogAlertSpawnsEmergencyWorkersBetweenWindows() {
        Busyness b = new Busyness(spec(CheaperSpec.Algo.BUSYNESS, 1, 8, 1, 10, busyness(50, 25, 10, 2, 5, 3, 2, 60)));
        Specs.Fleet fleet = new Specs.Fleet(2, 8);
        b.decide(fleet.now, fleet.sample(0));
        fleet.advance(30);
        assertThat(b.decide(fleet.now, fleet.sample(5)).delta()).as("5 queued is not above the alert").isZero();
        fleet.advance(30);
        Decision d = b.decide(fleet.now, fleet.sample(6));
        assertThat(d.delta()).isEqualTo(2);
        assertThat(d.cause()).isEqualTo("backlog-alert");
        assertThat(d.reason()).isEqualTo("[busyness] 6 requests in the queue (backlog-alert 5), spawning 2 emergency"
                + " worker(s)");
    }

    @Test
    void emergencyWorkersAreStoppedAfterTheBacklogMultiplier() {
        // multiplier 20 windows, backlog-multiplier 2: emergency workers go after 2 idle windows.
        Busyness b = algo(1, 8, 1, busyness(50, 25, 20, 2, 3, 2, 1, 60));
        Specs.Fleet fleet = new Specs.Fleet(2, 8);
        b.decide(fleet.now, fleet.sample(0));
        fleet.advance(40);
        Decision first = b.decide(fleet.now, fleet.sample(10));
        assertThat(first.cause()).isEqualTo("backlog-alert");
        fleet.apply(first);
        fleet.advance(40);
        fleet.apply(b.decide(fleet.now, fleet.sample(10)));  // second emergency: now the timer is 2 windows
        assertThat(fleet.workers).hasSize(4);
        assertThat(run(b, fleet, 2, 0, 0)).containsExactly("4s -1 busyness-low");
    }

    @Test
    void aQueueThatStaysNonEmptySpawnsAfterBacklogNonzeroSeconds() {
        Busyness b = new Busyness(spec(CheaperSpec.Algo.BUSYNESS, 1, 8, 1, 100, busyness(50, 25, 10, 2, 33, 3, 1, 5)));
        Specs.Fleet fleet = new Specs.Fleet(2, 8);
        b.decide(fleet.now, fleet.sample(0));
        List<String> decisions = run(b, fleet, 12, 40, 1);
        // Seen non-empty at 1 s, spawned at 6 s, then again 5 s later.
        assertThat(decisions).containsExactly("6s 1 backlog-nonzero", "11s 1 backlog-nonzero");
        fleet.advance(40);
        assertThat(b.decide(fleet.now, fleet.sample(0)).delta()).isZero();
    }

    @Test
    void respawningSoonAfterAStopRaisesTheMultiplierByThePenalty() {
        Busyness b = algo(1, 8, 1, busyness(50, 25, 2, 3, 33, 3, 1, 60));
        Specs.Fleet fleet = new Specs.Fleet(3, 8);
        b.decide(fleet.now, fleet.sample(0));
        assertThat(run(b, fleet, 2, 5, 0)).containsExactly("2s -1 busyness-low");
        fleet.advance(95);
        Decision again = b.decide(fleet.now, fleet.sample(0));
        assertThat(again.delta()).isEqualTo(1);
        assertThat(again.reason()).contains("respawned too fast, cheaper multiplier now 5 (+3)");
        assertThat(b.multiplier()).isEqualTo(5);
        fleet.apply(again);
        // Now the next stop waits 5 windows, not 2.
        assertThat(run(b, fleet, 4, 5, 0)).isEmpty();
        assertThat(run(b, fleet, 1, 5, 0)).containsExactly("8s -1 busyness-low");
        // Two stops in a row (13 s) and a spawn long after the last stop each lower it by one.
        assertThat(run(b, fleet, 30, 0, 0)).containsExactly("13s -1 busyness-low");
        assertThat(b.multiplier()).isEqualTo(4);
        fleet.advance(95);
        b.decide(fleet.now, fleet.sample(0));
        assertThat(b.multiplier()).isEqualTo(3);
    }

    @Test
    void aSingleWorkerIsNeverStopped() {
        Busyness b = algo(0, 4, 1, busyness(50, 25, 1, 2, 33, 3, 1, 60));
        Specs.Fleet fleet = new Specs.Fleet(1, 4);
        b.decide(fleet.now, fleet.sample(0));
        assertThat(run(b, fleet, 5, 0, 0)).isEmpty();
    }
}
