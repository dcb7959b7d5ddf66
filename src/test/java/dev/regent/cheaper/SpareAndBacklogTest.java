package dev.regent.cheaper;

import static dev.regent.cheaper.Specs.S;
import static dev.regent.cheaper.Specs.T0;
import static dev.regent.cheaper.Specs.idleAndBusy;
import static dev.regent.cheaper.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.config.CheaperSpec;
import org.junit.jupiter.api.Test;

/** spare and backlog with made-up samples, one per check-interval. */
class SpareAndBacklogTest {

    @Test
    void spareSpawnsAStepOnlyAfterOverloadChecksWithEveryWorkerBusy() {
        Algorithm spare = Algorithm.of(spec(CheaperSpec.Algo.SPARE, 2, 8, 3, 3, CheaperSpec.Busyness.defaults()));
        long now = T0;
        for (int i = 0; i < 3; i++) {
            assertThat(spare.decide(now += S, idleAndBusy(2, 2, 8, 5)).delta()).as("check %d", i).isZero();
        }
        Decision d = spare.decide(now += S, idleAndBusy(2, 2, 8, 5));
        assertThat(d.delta()).isEqualTo(3);
        assertThat(d.cause()).isEqualTo("spare-busy");
        assertThat(d.reason()).contains("[spare]").contains("spawning 3");
        // The counter starts again: the next all-busy check does not spawn.
        assertThat(spare.decide(now + S, idleAndBusy(5, 5, 8, 5)).delta()).isZero();
    }

    @Test
    void spareSpawnsNoMoreThanTheFreeSeats() {
        Algorithm spare = Algorithm.of(spec(CheaperSpec.Algo.SPARE, 1, 3, 4, 1, CheaperSpec.Busyness.defaults()));
        spare.decide(T0, idleAndBusy(2, 2, 3, 0));
        assertThat(spare.decide(T0 + S, idleAndBusy(2, 2, 3, 0)).delta()).isEqualTo(1);
    }

    @Test
    void spareStopsOneEveryOverloadChecksWhileMoreThanOneIsIdleButKeepsTheMinimum() {
        Algorithm spare = Algorithm.of(spec(CheaperSpec.Algo.SPARE, 2, 8, 1, 3, CheaperSpec.Busyness.defaults()));
        long now = T0;
        int active = 4;
        StringBuilder trajectory = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            Decision d = spare.decide(now += S, idleAndBusy(active, 0, 8, 0));
            active += d.delta();
            trajectory.append(active).append(' ');
        }
        assertThat(trajectory.toString().trim()).isEqualTo("4 4 3 3 3 2 2 2 2 2 2 2");
    }

    @Test
    void spareKeepsOneSpareWorker() {
        Algorithm spare = Algorithm.of(spec(CheaperSpec.Algo.SPARE, 1, 8, 1, 1, CheaperSpec.Busyness.defaults()));
        for (int i = 0; i < 5; i++) {
            assertThat(spare.decide(T0 + i * S, idleAndBusy(4, 3, 8, 0)).delta()).isZero();
        }
    }

    @Test
    void backlogSpawnsAboveTheThresholdAndStopsBelowIt() {
        Algorithm backlog = Algorithm.of(spec(CheaperSpec.Algo.BACKLOG, 2, 6, 2, 3, CheaperSpec.Busyness.defaults()));
        Decision up = backlog.decide(T0, idleAndBusy(2, 2, 6, 4));
        assertThat(up.delta()).isEqualTo(2);
        assertThat(up.reason()).contains("4 requests queued");
        assertThat(backlog.decide(T0 + S, idleAndBusy(4, 4, 6, 3)).delta()).as("at the threshold").isZero();
        Decision down = backlog.decide(T0 + 2 * S, idleAndBusy(4, 1, 6, 0));
        assertThat(down.delta()).isEqualTo(-1);
        assertThat(down.cause()).isEqualTo("backlog-low");
        assertThat(backlog.decide(T0 + 3 * S, idleAndBusy(2, 0, 6, 0)).delta()).as("at cheaper").isZero();
        assertThat(backlog.decide(T0 + 4 * S, idleAndBusy(6, 6, 6, 50)).delta()).as("no free seat").isZero();
    }

    @Test
    void manualNeverDecides() {
        Algorithm manual = Algorithm.of(spec(CheaperSpec.Algo.MANUAL, 1, 4, 1, 1, CheaperSpec.Busyness.defaults()));
        assertThat(manual.decide(T0, idleAndBusy(1, 1, 4, 99))).isEqualTo(Decision.NONE);
    }
}
