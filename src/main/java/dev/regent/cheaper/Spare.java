package dev.regent.cheaper;

import dev.regent.config.CheaperSpec;

/**
 * uWSGI's default {@code spare} algorithm ({@code core/master_utils.c}): when no worker has been
 * idle for more than {@code cheaper-overload} checks, spawn {@code cheaper-step}; while more than
 * one worker is idle, stop one every {@code cheaper-overload} checks, down to {@code cheaper}.
 */
final class Spare implements Algorithm {
    private final CheaperSpec spec;
    /** Checks in a row (net) with every worker busy. */
    private long overload;
    /** Checks with more than one idle worker since the last busy one. */
    private long idle;

    Spare(CheaperSpec spec) {
        this.spec = spec;
    }

    @Override
    public Decision decide(long now, Sample s) {
        int idleWorkers = s.idleWorkers();
        if (idleWorkers == 0) {
            overload++;
            idle = 0;
        } else if (overload > 0) {
            overload--;
        }
        if (overload > spec.overload()) {
            overload = 0;
            int n = Math.min(spec.step(), s.freeSeats());
            return Decision.spawn(n, "spare-busy", "[spare] all " + s.active() + " workers busy for "
                    + (spec.overload() + 1) + " checks: spawning " + n + " worker(s)");
        }
        if (overload == 0 && idleWorkers > 1) {
            idle++;
            if (s.active() > spec.min() && idle % spec.overload() == 0) {
                return Decision.cheap("spare-idle", "[spare] " + idleWorkers + " of " + s.active()
                        + " workers idle for " + spec.overload() + " checks: stopping one");
            }
        }
        return Decision.NONE;
    }
}
