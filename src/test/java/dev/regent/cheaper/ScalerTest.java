package dev.regent.cheaper;

import static dev.regent.cheaper.Specs.S;
import static dev.regent.cheaper.Specs.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.config.CheaperSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

/** The master's controller: check-interval, idle, die-on-idle, and the stats it keeps. */
class ScalerTest {

    private static CheaperSpec spec(int min, Duration idle, boolean die) {
        return new CheaperSpec(CheaperSpec.Algo.BACKLOG, min, min, 1, 2, 4, CheaperSpec.Busyness.defaults(),
                Duration.ofSeconds(2), idle, false, die, false);
    }

    private static Load load(int inFlight, long idleNanos, int queued) {
        return new Load(List.of(new WorkerSample(1, 10, inFlight > 0 ? 1 : 0, 1, 0)), queued, inFlight, idleNanos);
    }

    @Test
    void checksAtMostEveryCheckInterval() {
        Scaler scaler = new Scaler(spec(1, Duration.ZERO, false));
        assertThat(scaler.due(T0)).isTrue();
        assertThat(scaler.due(T0 + S)).isFalse();
        assertThat(scaler.due(T0 + 2 * S)).isTrue();
    }

    @Test
    void idleLongEnoughSleepsOrDies() {
        Scaler sleeper = new Scaler(spec(0, Duration.ofSeconds(30), false));
        assertThat(sleeper.check(T0, load(0, 29 * S, 0), 1, 3, false)).isNull();
        assertThat(sleeper.check(T0, load(1, 0, 0), 1, 3, false)).isNull();
        assertThat(sleeper.check(T0, load(0, 30 * S, 0), 1, 3, false)).isEqualTo(
                new Scaler.Step.Sleep("workers have been inactive for more than 30 seconds"));
        assertThat(sleeper.check(T0, load(0, 99 * S, 0), 1, 3, true)).as("already asleep").isNull();
        Scaler dier = new Scaler(spec(0, Duration.ofSeconds(30), true));
        assertThat(dier.check(T0, load(0, 31 * S, 0), 1, 3, false)).isInstanceOf(Scaler.Step.Die.class);
    }

    @Test
    void theAlgorithmRunsOnlyWithCheaperAndCountsDecisionsByCause() {
        assertThat(new Scaler(spec(0, Duration.ZERO, false)).check(T0, load(1, 0, 50), 1, 3, false)).isNull();
        Scaler scaler = new Scaler(spec(1, Duration.ZERO, false));
        Scaler.Step step = scaler.check(T0, load(1, 0, 5), 1, 3, false);
        assertThat(step).isInstanceOf(Scaler.Step.Scale.class);
        Decision d = ((Scaler.Step.Scale) step).decision();
        scaler.record(d.cause(), d.reason());
        scaler.observe(1);
        scaler.observe(2);
        Scaler.View view = scaler.view(2, false);
        assertThat(view.decisions()).containsEntry("backlog-high", 1L);
        assertThat(view.lastDecision()).contains("5 requests queued");
        assertThat(view.low()).isEqualTo(1);
        assertThat(view.high()).isEqualTo(2);
        assertThat(view.min()).isEqualTo(1);
        assertThat(view.max()).isEqualTo(4);
        assertThat(view.algo()).isEqualTo("backlog");
    }
}
