package dev.regent.config;

import java.util.List;
import java.util.Map;

/**
 * What the {@code uwsgi} Python module needs from the configuration: shared caches, user locks,
 * mules and farms, and every option as written (for {@code uwsgi.opt}).
 *
 * @param caches          {@code cache2} entries and the legacy {@code cache N}, in order; the first is the default
 * @param locks           {@code locks}: user locks 0..locks exist (lock 0 always)
 * @param cacheExpireFreq seconds between expiry sweeps ({@code cache-expire-freq}, default 3)
 * @param mules           mules in id order (1..n), from {@code mules N} and {@code mule [script]}
 * @param farms           {@code farm name:1,2}: farm name to mule ids
 * @param options         every option set, canonical name to its text (a list when repeated, TRUE for a bare flag)
 */
public record ApiSpec(
        List<CacheSpec> caches,
        int locks,
        int cacheExpireFreq,
        List<MuleSpec> mules,
        Map<String, List<Integer>> farms,
        Map<String, Object> options) {

    public ApiSpec {
        caches = List.copyOf(caches);
        mules = List.copyOf(mules);
        farms = Map.copyOf(farms);
        options = Map.copyOf(options);
    }

    /** No caches, no mules, lock 0 only. */
    public static ApiSpec none() {
        return new ApiSpec(List.of(), 0, 3, List.of(), Map.of(), Map.of());
    }

    /**
     * One shared cache.
     *
     * @param name        {@code name}
     * @param items       {@code items} (aliases {@code max_items}, {@code maxitems}): slots in the table
     * @param keysize     {@code keysize}: longest key, bytes (default 2048)
     * @param blocksize   {@code blocksize}: largest value, bytes (default 65535)
     * @param blocks      {@code blocks}: value blocks (default and minimum: items)
     * @param store       {@code store}: persistent file, or null for a file in the runtime directory
     * @param storeDelete {@code store_delete}: replace a store file whose layout differs instead of failing
     * @param mathInitial {@code math_initial}: the value cache_inc and friends start from
     * @param flags       names of the boolean keys set: purge_lru, lazy_expire, ignore_full, sweep_on_full,
     *                    clear_on_full, no_expire
     */
    public record CacheSpec(String name, int items, int keysize, int blocksize, int blocks, String store,
                            boolean storeDelete, long mathInitial, List<String> flags) {
        public CacheSpec {
            flags = List.copyOf(flags);
        }
    }

    /** Mule {@code id} (1-based); {@code script} is the file it runs, or null for the message loop. */
    public record MuleSpec(int id, String script) {
    }
}
