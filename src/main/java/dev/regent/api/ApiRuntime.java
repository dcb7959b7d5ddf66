package dev.regent.api;

import dev.regent.config.ApiSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files the {@code uwsgi} module shares between processes, made by the master before the first
 * zygote starts, and the {@code "uwsgi"} object of REGENT_CONFIG that tells Python where they are:
 *
 * <ul>
 *   <li>one table per cache ({@link CacheFile}): {@code <runtime>/cache-N.mmap}, or its {@code store};</li>
 *   <li>one lock file per cache ({@code cache-N.lock}: its write lock) and {@code locks} (user lock n is
 *       a record lock on byte n);</li>
 *   <li>{@code workers}: 32 bytes per worker id that each worker fills in about itself.</li>
 * </ul>
 */
public final class ApiRuntime {
    private final String json;

    private ApiRuntime(String json) {
        this.json = json;
    }

    /**
     * Creates the files in {@code runtimeDir} for {@code spec}. {@code masterPid} is what
     * {@code uwsgi.masterpid()} answers; {@code signalPid} is the process that handles SIGHUP.
     */
    public static ApiRuntime prepare(ApiSpec spec, Path runtimeDir, int processes, int bufferSize, long masterPid,
                                     long signalPid) throws IOException {
        List<Object> caches = new ArrayList<>();
        for (int i = 0; i < spec.caches().size(); i++) {
            ApiSpec.CacheSpec c = spec.caches().get(i);
            Path file = c.store() != null ? Path.of(c.store()).toAbsolutePath() : runtimeDir.resolve("cache-" + i + ".mmap");
            CacheFile.prepare(file, c);
            Path lock = runtimeDir.resolve("cache-" + i + ".lock");
            Files.write(lock, new byte[1]);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", c.name());
            entry.put("path", file.toString());
            entry.put("lock", lock.toString());
            entry.put("store", c.store() != null);
            caches.add(entry);
        }
        Path locks = runtimeDir.resolve("locks");
        Files.write(locks, new byte[spec.locks() + 1]);
        Path workers = runtimeDir.resolve("workers");
        Files.write(workers, new byte[32 * Math.max(1, processes)]);
        List<Object> mules = new ArrayList<>();
        for (ApiSpec.MuleSpec m : spec.mules()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", m.id());
            entry.put("script", m.script());
            mules.add(entry);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "2.0.21-regent");
        root.put("masterpid", masterPid);
        root.put("signal_pid", signalPid);
        root.put("started_on", System.currentTimeMillis() / 1000);
        root.put("buffer_size", bufferSize);
        root.put("caches", caches);
        root.put("cache_expire_freq", spec.cacheExpireFreq());
        root.put("locks", spec.locks());
        root.put("locks_file", locks.toString());
        root.put("workers_file", workers.toString());
        root.put("mules", mules);
        root.put("farms", new LinkedHashMap<>(spec.farms()));
        root.put("options", new LinkedHashMap<>(spec.options()));
        return new ApiRuntime(Json.write(root));
    }

    /** The {@code "uwsgi"} value of REGENT_CONFIG (a JSON object). */
    public String json() {
        return json;
    }
}
