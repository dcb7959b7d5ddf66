package dev.regent.config;

import java.time.Duration;
import java.util.List;

/**
 * How workers are timed, recycled and reloaded (uWSGI's harakiri, max-requests, reload-on-rss,
 * touch-reload...). Zero durations and limits mean "off".
 *
 * @param harakiri               request time limit ({@code harakiri}, {@code -t}; default off)
 * @param maxRequests            recycle a worker after this many requests ({@code max-requests}, {@code -R})
 * @param maxRequestsDelta       worker N recycles after {@code maxRequests + (N-1) * delta} requests,
 *                               so workers do not all recycle at once ({@code max-requests-delta})
 * @param minWorkerLifetime      no recycling (except evil-reload-on-rss and harakiri) before this age
 *                               ({@code min-worker-lifetime}; default 10 s)
 * @param maxWorkerLifetime      recycle a worker at this age ({@code max-worker-lifetime})
 * @param maxWorkerLifetimeDelta worker N recycles at {@code max + (N-1) * delta} ({@code max-worker-lifetime-delta})
 * @param reloadOnRssBytes       recycle gracefully above this resident size ({@code reload-on-rss}, MB)
 * @param evilReloadOnRssBytes   kill at once above this resident size ({@code evil-reload-on-rss}, MB)
 * @param workerReloadMercy      how long a retiring worker may finish its requests
 *                               ({@code worker-reload-mercy}; default 60 s)
 * @param touchReload            files whose mtime change triggers a graceful reload ({@code touch-reload})
 * @param touchChainReload       files whose mtime change triggers a chain reload ({@code touch-chain-reload})
 * @param masterFifo             control FIFOs; the first is read until a digit command selects another
 *                               ({@code master-fifo})
 */
public record LifecycleSpec(
        Duration harakiri,
        long maxRequests,
        long maxRequestsDelta,
        Duration minWorkerLifetime,
        Duration maxWorkerLifetime,
        Duration maxWorkerLifetimeDelta,
        long reloadOnRssBytes,
        long evilReloadOnRssBytes,
        Duration workerReloadMercy,
        List<String> touchReload,
        List<String> touchChainReload,
        List<String> masterFifo) {

    private static final long MB = 1024L * 1024L;

    public LifecycleSpec {
        touchReload = List.copyOf(touchReload);
        touchChainReload = List.copyOf(touchChainReload);
        masterFifo = List.copyOf(masterFifo);
    }

    /** The same settings without touch files or FIFOs (what the worker table needs; handy in tests). */
    public LifecycleSpec(Duration harakiri, long maxRequests, long maxRequestsDelta, Duration minWorkerLifetime,
                         Duration maxWorkerLifetime, Duration maxWorkerLifetimeDelta, long reloadOnRssBytes,
                         long evilReloadOnRssBytes, Duration workerReloadMercy) {
        this(harakiri, maxRequests, maxRequestsDelta, minWorkerLifetime, maxWorkerLifetime, maxWorkerLifetimeDelta,
                reloadOnRssBytes, evilReloadOnRssBytes, workerReloadMercy, List.of(), List.of(), List.of());
    }

    /** Regent's defaults: nothing recycles, no time limit, 10 s minimum lifetime, 60 s mercy. */
    public static LifecycleSpec defaults() {
        return new LifecycleSpec(Duration.ZERO, 0, 0, Duration.ofSeconds(10), Duration.ZERO, Duration.ZERO, 0, 0,
                Duration.ofSeconds(60));
    }

    /** Megabytes (as {@code reload-on-rss} takes them) in bytes. */
    public static long megabytes(long mb) {
        return mb * MB;
    }

    /** The request count at which worker {@code workerId} (1-based) is recycled; 0 = never. */
    public long maxRequestsFor(int workerId) {
        return maxRequests <= 0 ? 0 : maxRequests + (long) (workerId - 1) * maxRequestsDelta;
    }

    /** The age at which worker {@code workerId} is recycled; zero = never. */
    public Duration maxLifetimeFor(int workerId) {
        return maxWorkerLifetime.isZero() ? Duration.ZERO
                : maxWorkerLifetime.plus(maxWorkerLifetimeDelta.multipliedBy(workerId - 1L));
    }
}
