package dev.regent.master;

import dev.regent.dispatch.Dispatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The text of SIGUSR1 (stats) and SIGUSR2 (what every worker is doing), built from the master's
 * table and the dispatcher's view. Pure formatting: the caller gathers the data on the owning
 * threads first.
 */
final class StatusReport {
    private StatusReport() {
    }

    /** SIGUSR1 / fifo {@code s}: a summary line, then one line per worker process. */
    static List<String> stats(List<WorkerTable.WorkerInfo> table, List<Dispatcher.WorkerStatus> dispatch,
                              int generation, int queued) {
        List<String> lines = new ArrayList<>();
        long requests = 0;
        int busy = 0;
        for (Dispatcher.WorkerStatus w : dispatch) {
            requests += w.requests();
            busy += w.busy();
        }
        lines.add("stats: generation " + generation + ", " + table.size() + " worker processes, " + busy
                + " busy, " + queued + " requests queued, " + requests + " requests served by live workers");
        for (WorkerTable.WorkerInfo info : table) {
            Dispatcher.WorkerStatus w = find(dispatch, info.pid());
            String state = w == null ? "starting" : w.busy() > 0 ? "busy " + w.busy() + "/" + w.slots() : "idle";
            lines.add("stats: worker " + info.id() + " pid " + info.pid() + " generation " + info.generation()
                    + " requests " + (w == null ? 0 : w.requests()) + " " + state
                    + (info.retiring() ? " (retiring)" : "") + " age " + seconds(info.ageNanos()) + " s"
                    + " respawns " + Math.max(0, info.respawns() - 1) + " harakiris " + info.harakiris());
        }
        return lines;
    }

    /** SIGUSR2: one line per worker process: busy or idle, and for how long each request has run. */
    static List<String> status(List<WorkerTable.WorkerInfo> table, List<Dispatcher.WorkerStatus> dispatch) {
        List<String> lines = new ArrayList<>();
        for (WorkerTable.WorkerInfo info : table) {
            Dispatcher.WorkerStatus w = find(dispatch, info.pid());
            StringBuilder sb = new StringBuilder("status: worker ").append(info.id()).append(" (pid ")
                    .append(info.pid()).append(")").append(info.retiring() ? " retiring" : "");
            if (w == null) {
                sb.append(" starting (not connected yet)");
            } else if (w.running().isEmpty()) {
                sb.append(" idle");
            } else {
                sb.append(" busy");
                String sep = ": ";
                for (Dispatcher.SlotStatus s : w.running()) {
                    sb.append(sep).append("[slot ").append(s.index()).append("] ").append(s.request())
                            .append(" for ").append(TimeUnit.NANOSECONDS.toMillis(s.runningNanos())).append(" ms");
                    sep = "; ";
                }
            }
            lines.add(sb.toString());
        }
        if (table.isEmpty()) {
            lines.add("status: no worker running");
        }
        return lines;
    }

    private static Dispatcher.WorkerStatus find(List<Dispatcher.WorkerStatus> dispatch, long pid) {
        for (Dispatcher.WorkerStatus w : dispatch) {
            if (w.pid() == pid) {
                return w;
            }
        }
        return null;
    }

    private static long seconds(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(nanos);
    }
}
