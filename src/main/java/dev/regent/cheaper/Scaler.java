package dev.regent.cheaper;

import dev.regent.config.CheaperSpec;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The master's cheaper controller: decides, at most every {@code check-interval}, whether the
 * app has been idle long enough to stop every worker ({@code idle}, {@code die-on-idle}) and
 * otherwise what the configured {@link Algorithm} wants. Keeps the counts behind the stats
 * (worker low/high marks, decisions by cause). Pure like the algorithms: the master passes
 * {@code now} and the samples, and carries out the returned {@link Step}. Master thread only.
 */
public final class Scaler {

    /** What the master should do after a check. */
    public sealed interface Step {
        /** Add or stop workers (through the worker table). */
        record Scale(Decision decision) implements Step { }

        /** Idle: stop every worker (and the zygote, unless idle-keep-zygote) until a request arrives. */
        record Sleep(String reason) implements Step { }

        /** Idle with die-on-idle: stop the master. */
        record Die(String reason) implements Step { }
    }

    /** The scaling state for stats and metrics, immutable. */
    public record View(String algo, int workers, int min, int max, int low, int high, boolean asleep,
                       Map<String, Long> decisions, String lastDecision) {
        public View {
            decisions = Map.copyOf(decisions);
        }
    }

    private final CheaperSpec spec;
    private final Algorithm algorithm;
    private final long interval;
    private long nextCheck = Long.MIN_VALUE;
    private final Map<String, Long> decisions = new TreeMap<>();
    private String lastDecision = "";
    private int low = Integer.MAX_VALUE;
    private int high;

    public Scaler(CheaperSpec spec) {
        this.spec = spec;
        this.algorithm = Algorithm.of(spec);
        this.interval = spec.checkInterval().toNanos();
    }

    public CheaperSpec spec() {
        return spec;
    }

    /** True (once per check-interval) when a check is due at {@code now}. */
    public boolean due(long now) {
        if (nextCheck != Long.MIN_VALUE && now < nextCheck) {
            return false;
        }
        nextCheck = now + interval;
        return true;
    }

    /**
     * The step for this check. {@code active}/{@code freeSeats} come from the worker table; the
     * algorithm does not run while asleep (nothing to measure).
     */
    public Step check(long now, Load load, int active, int freeSeats, boolean asleep) {
        if (asleep) {
            return null;
        }
        long idle = spec.idle().toNanos();
        if (idle > 0 && load.inFlight() == 0 && load.idleNanos() >= idle) {
            String why = "workers have been inactive for more than " + spec.idle().toSeconds() + " seconds";
            return spec.dieOnIdle() ? new Step.Die(why) : new Step.Sleep(why);
        }
        if (!spec.enabled()) {
            return null;
        }
        Decision d = algorithm.decide(now, new Sample(load.workers(), active, freeSeats, load.queued()));
        return d.delta() == 0 && (d.reason() == null || !spec.busyness().verbose()) ? null : new Step.Scale(d);
    }

    /** A decision (or a manual/idle change) was carried out: count it by cause. */
    public void record(String cause, String line) {
        decisions.merge(cause, 1L, Long::sum);
        lastDecision = line;
    }

    /** The number of running workers now, for the low/high marks. */
    public void observe(int workers) {
        low = Math.min(low, workers);
        high = Math.max(high, workers);
    }

    public View view(int workers, boolean asleep) {
        int min = spec.idle().isZero() && !spec.cheap() ? (spec.enabled() ? spec.min() : spec.processes()) : 0;
        return new View(spec.enabled() ? spec.algo().name().toLowerCase(Locale.ROOT) : "none", workers, min,
                spec.processes(), low == Integer.MAX_VALUE ? workers : low, high, asleep, decisions, lastDecision);
    }
}
