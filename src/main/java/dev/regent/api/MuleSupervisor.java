package dev.regent.api;

import dev.regent.config.ApiSpec;
import dev.regent.worker.Zygote;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the configured mules alive: forked from the zygote of the current generation once it is
 * ready, and again whenever one dies. A mule that dies within a second of its start is respawned
 * a second later, so a script that exits at once does not become a fork loop.
 *
 * <p>Threading: owned by the master loop (the one thread that owns the zygotes).
 */
public final class MuleSupervisor {
    private static final long QUICK_DEATH = TimeUnit.SECONDS.toNanos(1);

    private final List<ApiSpec.MuleSpec> mules;
    private final Consumer<String> log;
    private final Map<Integer, Long> spawnedAt = new HashMap<>();
    private final Map<Integer, Long> pids = new HashMap<>();
    private final Map<Integer, Long> respawnAt = new HashMap<>();
    private boolean started;

    public MuleSupervisor(List<ApiSpec.MuleSpec> mules, Consumer<String> log) {
        this.mules = List.copyOf(mules);
        this.log = log;
    }

    /** The first generation is ready: fork every mule from it. */
    public void ready(Zygote zygote, long now) {
        if (started || zygote == null || mules.isEmpty()) {
            return;
        }
        started = true;
        for (ApiSpec.MuleSpec m : mules) {
            spawn(zygote, m.id(), now);
        }
    }

    public void spawned(int id, long pid) {
        pids.put(id, pid);
        log.accept("spawned mule " + id + " (pid " + pid + ")");
    }

    /** A mule exited; {@code current} is the zygote to respawn it from, or null when stopping. */
    public void exited(int id, long pid, int status, Zygote current, long now) {
        if (!pids.remove(id, pid)) {
            return;  // a mule of a replaced generation that had already been respawned
        }
        String how = status >= 0 ? "exited with status " + status : "was killed by signal " + -status;
        if (current == null) {
            log.accept("mule " + id + " (pid " + pid + ") " + how);
            return;
        }
        long lived = now - spawnedAt.getOrDefault(id, now);
        if (lived < QUICK_DEATH) {
            log.accept("mule " + id + " (pid " + pid + ") " + how + " after " + TimeUnit.NANOSECONDS.toMillis(lived)
                    + " ms; respawning in 1 s");
            respawnAt.put(id, now + QUICK_DEATH);
        } else {
            log.accept("mule " + id + " (pid " + pid + ") " + how + "; respawning");
            spawn(current, id, now);
        }
    }

    /** Respawns whose back-off is over. */
    public void tick(Zygote current, long now) {
        if (current == null || respawnAt.isEmpty()) {
            return;
        }
        for (var it = respawnAt.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (now >= e.getValue()) {
                it.remove();
                spawn(current, e.getKey(), now);
            }
        }
    }

    private void spawn(Zygote zygote, int id, long now) {
        spawnedAt.put(id, now);
        zygote.spawnMule(id);
    }
}
