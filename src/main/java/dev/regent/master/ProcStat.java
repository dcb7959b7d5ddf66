package dev.regent.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads process memory from Linux's /proc (the only place that knows a worker's RSS). */
final class ProcStat {
    private static final long PAGE = 4096;

    private ProcStat() {
    }

    /** Resident set size in bytes, or 0 when the process is gone or /proc is unreadable. */
    static long rssBytes(long pid) {
        try {
            String statm = Files.readString(Path.of("/proc/" + pid + "/statm"));
            String[] fields = statm.trim().split(" ");
            return Long.parseLong(fields[1]) * PAGE;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
