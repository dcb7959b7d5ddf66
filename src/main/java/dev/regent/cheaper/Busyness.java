package dev.regent.cheaper;

import dev.regent.config.CheaperSpec;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * uWSGI's {@code busyness} algorithm ({@code plugins/cheaper_busyness/cheaper_busyness.c}), with
 * its knobs and log lines. Every window of {@code cheaper-overload} seconds it averages the share
 * of time each active worker was busy:
 * <ul>
 *   <li>above {@code max}: spawn up to {@code cheaper-step}; if a worker was stopped less than
 *       {@code multiplier} windows ago, the multiplier grows by {@code penalty} (stopping was
 *       premature), else it shrinks by one towards its configured value;</li>
 *   <li>queue longer than {@code backlog-alert}: spawn {@code backlog-step} emergency workers (also
 *       checked between windows), multiplier back to its configured value;</li>
 *   <li>below {@code min}: stop one worker, but only once {@code multiplier} windows have passed
 *       since the last spawn or stop ({@code backlog-multiplier} while emergency workers run);</li>
 *   <li>in between: the stop timer is pushed back one window (after three such windows, reset).</li>
 * </ul>
 * Between windows a queue that stays non-empty for {@code backlog-nonzero} seconds spawns an
 * emergency worker too.
 *
 * <p>Busy time comes from the dispatcher and includes requests still running, so uWSGI's
 * "busy but no request completed, counting 100%" patch-up (and its miscounts, uWSGI #1463/#880)
 * is not needed. A worker with several threads is 100% busy when all its slots are.
 */
final class Busyness implements Algorithm {
    private static final int SPAWNED = 1;
    private static final int CHEAPED = 2;

    private final CheaperSpec spec;
    private final CheaperSpec.Busyness k;
    private final long window;
    private long windowStart = Long.MIN_VALUE;
    /** Busy time of each process (by pid) at the start of the window. */
    private Map<Long, Long> lastBusy = new HashMap<>();
    private int multiplier;
    private long nextCheap;
    private boolean everCheaped;
    private long lastCheaped;
    private int lastAction;
    private int tolerance;
    private int emergency;
    private boolean backlogNonzero;
    private long backlogSince;

    Busyness(CheaperSpec spec) {
        this.spec = spec;
        this.k = spec.busyness();
        this.window = TimeUnit.SECONDS.toNanos(spec.overload());
        this.multiplier = k.multiplier();
    }

    /** The current multiplier (windows of low busyness before a stop); for tests and stats. */
    int multiplier() {
        return multiplier;
    }

    @Override
    public Decision decide(long now, Sample s) {
        if (windowStart == Long.MIN_VALUE) {
            windowStart = now;
            remember(s);
            setNextCheap(now);
            return Decision.NONE;
        }
        if (now - windowStart >= window) {
            long elapsed = now - windowStart;
            windowStart = now;
            return endOfWindow(now, s, average(s, elapsed));
        }
        return betweenWindows(now, s);
    }

    private int average(Sample s, long elapsed) {
        long total = 0;
        for (WorkerSample w : s.workers()) {
            long delta = w.busyNanos() - lastBusy.getOrDefault(w.pid(), 0L);
            total += Math.min(100, Math.max(0, delta) * 100 / (elapsed * Math.max(1, w.slots())));
        }
        remember(s);
        return s.active() == 0 ? 0 : (int) (total / s.active());
    }

    private Decision endOfWindow(long now, Sample s, int avg) {
        String head = "[busyness] " + spec.overload() + "s average busyness is at " + avg + "%";
        if (avg > k.max()) {
            tolerance = 0;
            int n = Math.min(spec.step(), s.freeSeats());
            if (n == 0) {
                return Decision.note(head + " but the maximum number of workers is running (" + spec.processes() + ")");
            }
            lastAction = SPAWNED;
            String penalty = "";
            if (everCheaped && now - lastCheaped <= window * multiplier) {
                multiplier += k.penalty();
                penalty = "; worker(s) respawned too fast, cheaper multiplier now " + multiplier
                        + " (+" + k.penalty() + ")";
            } else {
                decreaseMultiplier();
            }
            setNextCheap(now);
            return Decision.spawn(n, "busyness-high", head + ", will spawn " + n + " new worker(s)" + penalty);
        }
        if (s.freeSeats() > 0 && s.queued() > k.backlogAlert() && s.active() < spec.processes()) {
            return emergency(now, s, "backlog-alert");
        }
        if (avg < k.min()) {
            if (s.active() <= 1) {
                return Decision.note(head);
            }
            tolerance = 0;
            if (s.active() > spec.min()) {
                if (now >= nextCheap) {
                    if (lastAction == CHEAPED) {
                        decreaseMultiplier();
                    }
                    setNextCheap(now);
                    everCheaped = true;
                    lastCheaped = now;
                    lastAction = CHEAPED;
                    if (emergency > 0) {
                        emergency--;
                    }
                    return Decision.cheap("busyness-low", head + ", cheap one of " + s.active() + " running workers");
                }
                return Decision.note(head + ", " + TimeUnit.NANOSECONDS.toSeconds(nextCheap - now)
                        + " second(s) remaining before cheaping a worker");
            }
            return Decision.note(head);
        }
        if (s.active() <= 1) {
            return Decision.note(head);
        }
        if (emergency > 0) {
            emergency--;
        }
        // Busy enough to keep every worker: stop only after a stable run of idle windows.
        tolerance++;
        if (tolerance >= 3) {
            setNextCheap(now);
            tolerance = 0;
        } else {
            nextCheap += window;
        }
        return Decision.note(head);
    }

    private Decision betweenWindows(long now, Sample s) {
        if (s.freeSeats() > 0 && s.queued() > k.backlogAlert() && s.active() < spec.processes()) {
            return emergency(now, s, "backlog-alert");
        }
        if (s.queued() > 0) {
            if (!backlogNonzero) {
                backlogNonzero = true;
                backlogSince = now;
            } else if (s.freeSeats() > 0 && now - backlogSince >= k.backlogNonzero().toNanos()) {
                backlogSince = now;
                return emergency(now, s, "backlog-nonzero");
            }
        } else {
            backlogNonzero = false;
        }
        return Decision.NONE;
    }

    private Decision emergency(long now, Sample s, String cause) {
        multiplier = k.multiplier();
        lastAction = SPAWNED;
        int n = Math.min(k.backlogStep(), s.freeSeats());
        setNextCheap(now);
        emergency += n;
        String why = cause.equals("backlog-nonzero")
                ? "backlog was non-zero for " + k.backlogNonzero().toSeconds() + " second(s)"
                : s.queued() + " requests in the queue (backlog-alert " + k.backlogAlert() + ")";
        return Decision.spawn(n, cause, "[busyness] " + why + ", spawning " + n + " emergency worker(s)");
    }

    private void setNextCheap(long now) {
        // Emergency workers are stopped sooner: a short spike should not leave them running long.
        nextCheap = now + window * (emergency > 0 ? k.backlogMultiplier() : multiplier);
    }

    private void decreaseMultiplier() {
        if (multiplier > k.multiplier()) {
            multiplier--;
        }
    }

    private void remember(Sample s) {
        Map<Long, Long> next = new HashMap<>();
        for (WorkerSample w : s.workers()) {
            next.put(w.pid(), w.busyNanos());
        }
        lastBusy = next;
    }
}
