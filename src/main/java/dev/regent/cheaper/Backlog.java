package dev.regent.cheaper;

import dev.regent.config.CheaperSpec;

/**
 * uWSGI's {@code backlog} algorithm: more than {@code cheaper-overload} requests waiting spawns
 * {@code cheaper-step} workers; fewer stops one per check, down to {@code cheaper}. uWSGI reads the
 * kernel's TCP accept queue (0 for Unix sockets); Regent's backlog is its own central queue, exact
 * for every socket type.
 */
final class Backlog implements Algorithm {
    private final CheaperSpec spec;

    Backlog(CheaperSpec spec) {
        this.spec = spec;
    }

    @Override
    public Decision decide(long now, Sample s) {
        if (s.queued() > spec.overload()) {
            int n = Math.min(spec.step(), s.freeSeats());
            return Decision.spawn(n, "backlog-high", "[backlog] " + s.queued() + " requests queued (more than "
                    + spec.overload() + "): spawning " + n + " worker(s)");
        }
        if (s.queued() < spec.overload() && s.active() > spec.min()) {
            return Decision.cheap("backlog-low", "[backlog] " + s.queued() + " requests queued (fewer than "
                    + spec.overload() + "): stopping one of " + s.active() + " workers");
        }
        return Decision.NONE;
    }
}
