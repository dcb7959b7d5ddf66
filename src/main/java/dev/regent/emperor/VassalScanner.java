package dev.regent.emperor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds the vassal files of the {@code emperor} monitors: a directory (every regular file with a
 * config extension in it) or a glob ({@code /etc/regent/vassals/*.ini}). Polling, as uWSGI's
 * directory monitor does every {@code emperor-freq} seconds: a scan of a few hundred entries costs
 * well under a millisecond, and it sees changes that inotify misses (NFS, bind mounts).
 */
final class VassalScanner {

    /** Extensions of vassal files (uWSGI's, minus XML, which Regent does not read). */
    private static final List<String> EXTENSIONS = List.of(".ini", ".json", ".js", ".yaml", ".yml");

    /** One vassal file as seen by a scan. */
    record Found(String name, Path path, long mtimeMillis) {
    }

    private final List<String> monitors;

    VassalScanner(List<String> monitors) {
        this.monitors = List.copyOf(monitors);
    }

    /** Vassal name (its file name) to file; the first monitor that has a name wins. */
    Map<String, Found> scan() {
        Map<String, Found> out = new LinkedHashMap<>();
        for (String monitor : monitors) {
            Path dir;
            String glob;
            Path p = Path.of(monitor);
            if (Files.isDirectory(p)) {
                dir = p;
                glob = "*";
            } else {
                dir = p.getParent() == null ? Path.of(".") : p.getParent();
                glob = p.getFileName().toString();
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
                for (Path f : entries) {
                    String name = f.getFileName().toString();
                    if (!isVassalName(name) || out.containsKey(name)) {
                        continue;
                    }
                    BasicFileAttributes a;
                    try {
                        a = Files.readAttributes(f, BasicFileAttributes.class);
                    } catch (IOException e) {
                        continue; // removed between the listing and the stat
                    }
                    if (a.isRegularFile()) {
                        out.put(name, new Found(name, f, a.lastModifiedTime().toMillis()));
                    }
                }
            } catch (IOException e) {
                // A missing directory has no vassals; it may appear later.
            }
        }
        return out;
    }

    static boolean isVassalName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && name.length() < 255 && EXTENSIONS.stream().anyMatch(lower::endsWith);
    }
}
