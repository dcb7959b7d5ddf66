package dev.regent.cheaper;

import dev.regent.config.CheaperSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Made-up configurations and time series for the algorithm tests. */
final class Specs {
    static final long S = TimeUnit.SECONDS.toNanos(1);
    static final long T0 = 10_000 * S;

    private Specs() {
    }

    static CheaperSpec spec(CheaperSpec.Algo algo, int min, int processes, int step, int overload,
                            CheaperSpec.Busyness busyness) {
        return new CheaperSpec(algo, min, min, step, overload, processes, busyness, Duration.ofSeconds(1),
                Duration.ZERO, false, false, false);
    }

    static CheaperSpec.Busyness busyness(int max, int min, int multiplier, int penalty, int backlogAlert,
                                         int backlogMultiplier, int backlogStep, int nonzeroSeconds) {
        return new CheaperSpec.Busyness(max, min, multiplier, penalty, backlogAlert, backlogMultiplier, backlogStep,
                Duration.ofSeconds(nonzeroSeconds), false);
    }

    /** {@code active} workers (pids 1..active) with the given busy slots each, one slot per worker. */
    static Sample idleAndBusy(int active, int busy, int processes, int queued) {
        List<WorkerSample> ws = new ArrayList<>();
        for (int i = 1; i <= active; i++) {
            ws.add(new WorkerSample(i, i, i <= busy ? 1 : 0, 1, 0));
        }
        return new Sample(ws, active, processes - active, queued);
    }

    /**
     * Workers whose busy time grows by {@code percent} of each second: {@link #advance} moves the
     * clock one second and adds the busy time, so each call is one sample of a made-up series.
     */
    static final class Fleet {
        final List<long[]> workers = new ArrayList<>();  // {pid, busyNanos}
        final int processes;
        long now = T0;
        long nextPid = 100;

        Fleet(int workers, int processes) {
            this.processes = processes;
            for (int i = 0; i < workers; i++) {
                add();
            }
        }

        void add() {
            workers.add(new long[] {nextPid++, 0});
        }

        void removeOne() {
            workers.removeFirst();
        }

        void advance(int percent) {
            now += S;
            for (long[] w : workers) {
                w[1] += S * percent / 100;
            }
        }

        Sample sample(int queued) {
            List<WorkerSample> ws = new ArrayList<>();
            int id = 1;
            for (long[] w : workers) {
                ws.add(new WorkerSample(id++, w[0], 0, 1, w[1]));
            }
            return new Sample(ws, workers.size(), processes - workers.size(), queued);
        }

        /** Applies a decision to the fleet, as the worker table would. */
        void apply(Decision d) {
            for (int i = 0; i < d.delta(); i++) {
                add();
            }
            if (d.delta() < 0) {
                removeOne();
            }
        }
    }
}
