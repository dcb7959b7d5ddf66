package dev.regent.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code touch-reload}: notices when any watched file's modification time changes, or when it
 * appears or disappears. Polled by the master loop (a stat per file per call).
 */
final class TouchWatch {
    private final List<Path> paths = new ArrayList<>();
    private final List<FileTime> seen = new ArrayList<>();

    TouchWatch(List<String> files) {
        for (String f : files) {
            Path p = Path.of(f);
            paths.add(p);
            seen.add(mtime(p));
        }
    }

    /** True when some file changed since the previous call (or since construction). */
    boolean changed() {
        boolean changed = false;
        for (int i = 0; i < paths.size(); i++) {
            FileTime now = mtime(paths.get(i));
            FileTime before = seen.get(i);
            if (now == null ? before != null : !now.equals(before)) {
                seen.set(i, now);
                changed = true;
            }
        }
        return changed;
    }

    private static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return null;
        }
    }
}
