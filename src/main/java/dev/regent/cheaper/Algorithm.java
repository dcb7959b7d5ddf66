package dev.regent.cheaper;

import dev.regent.config.CheaperSpec;

/**
 * A cheaper algorithm: given the time and a {@link Sample}, how many workers to add or stop.
 * Implementations keep their counters between calls but never read a clock or touch a process,
 * so tests feed them made-up time series. Called by the master at most every check-interval.
 */
public interface Algorithm {

    /** The decision for {@code now} (System.nanoTime() scale). */
    Decision decide(long now, Sample sample);

    static Algorithm of(CheaperSpec spec) {
        return switch (spec.algo()) {
            case SPARE -> new Spare(spec);
            case BACKLOG -> new Backlog(spec);
            case BUSYNESS -> new Busyness(spec);
            case MANUAL -> (now, sample) -> Decision.NONE;
        };
    }
}
