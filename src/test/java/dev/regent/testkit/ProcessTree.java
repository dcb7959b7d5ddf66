package dev.regent.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything a master ever had under it: descendants sampled while it ran, plus a final scan
 * of /proc for processes whose environment carries the test's unique marker (Python workers
 * inherit the master's environment, so they carry it even after being reparented).
 */
public final class ProcessTree {
    /** The environment variable that tags every process of one test's server. */
    public static final String MARKER_VARIABLE = "RGNT_TEST_MARKER";

    private final String marker;
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();

    public ProcessTree(String marker) {
        this.marker = marker;
    }

    /** Records the current descendants of {@code root}; called periodically while it runs. */
    public void sample(ProcessHandle root) {
        root.descendants().forEach(p -> seen.add(p.pid()));
    }

    public Set<Long> seen() {
        return Set.copyOf(seen);
    }

    /** Processes that are still present (alive or zombie): sampled ones and marked ones. */
    public List<String> leftovers() {
        Set<Long> pids = new TreeSet<>(seen);
        pids.addAll(markedPids());
        List<String> left = new ArrayList<>();
        for (long pid : pids) {
            String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
            if (stat != null && (seen.contains(pid) || carriesMarker(pid))) {
                left.add(describe(pid, stat));
            }
        }
        return left;
    }

    /** Waits up to {@code millis} for every process of the tree to disappear; returns what is left. */
    public List<String> awaitGone(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        List<String> left = leftovers();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = leftovers();
        }
        return left;
    }

    private Set<Long> markedPids() {
        Set<Long> pids = new TreeSet<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : dirs) {
                long pid = Long.parseLong(dir.getFileName().toString());
                if (carriesMarker(pid)) {
                    pids.add(pid);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot scan /proc", e);
        }
        return pids;
    }

    private boolean carriesMarker(long pid) {
        try {
            byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
            return new String(env, StandardCharsets.ISO_8859_1).contains(MARKER_VARIABLE + "=" + marker);
        } catch (IOException e) {
            return false;  // gone, or a zombie (whose environ reads as empty)
        }
    }

    private static String describe(long pid, String stat) {
        // stat: "pid (comm) S ppid ..."; comm may contain spaces, so split after the last ')'.
        int close = stat.lastIndexOf(')');
        String comm = stat.substring(stat.indexOf('(') + 1, close);
        String[] rest = stat.substring(close + 2).split(" ");
        String state = rest[0];
        String cmdline = read(Path.of("/proc", Long.toString(pid), "cmdline"));
        return "pid " + pid + " (" + comm + ") state " + state + ("Z".equals(state) ? " [zombie]" : "")
                + " ppid " + rest[1] + " cmd: " + (cmdline == null ? "?" : cmdline.replace('\0', ' ').trim());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return null;
        }
    }
}
