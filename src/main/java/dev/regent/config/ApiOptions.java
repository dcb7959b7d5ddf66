package dev.regent.config;

import static dev.regent.config.Option.Status.IMPLEMENTED;
import static dev.regent.config.Option.Status.NOT_YET_IMPLEMENTED;
import static dev.regent.config.OptionType.ANY;
import static dev.regent.config.OptionType.COUNT;
import static dev.regent.config.OptionType.NUMBER;
import static dev.regent.config.OptionType.SECONDS;
import static dev.regent.config.OptionType.TEXT;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The option table, part 5: what the {@code uwsgi} Python module shares between processes
 * (caches, locks, mules), and the parsing of their values into an {@link ApiSpec}.
 */
final class ApiOptions {

    /** cache2 keys that set a flag of the cache (bare, or =1/true/yes/on). */
    static final Set<String> CACHE_FLAGS =
            Set.of("purge_lru", "lazy_expire", "ignore_full", "sweep_on_full", "clear_on_full", "no_expire");
    private static final Map<String, String> FLAG_ALIASES = Map.of("lru", "purge_lru", "lazy", "lazy_expire");
    /** Accepted with no effect: Regent's table has its own hash function and layout. */
    private static final Set<String> CACHE_NO_EFFECT = Set.of("hash", "hashsize", "hash_size", "store_sync");
    private static final Set<String> CACHE_PLANNED =
            Set.of("bitmap", "lastmod", "node", "nodes", "udp", "udp_servers", "sync", "key_size");
    private static final int DEFAULT_KEYSIZE = 2048;
    private static final int DEFAULT_BLOCKSIZE = 65535;

    private ApiOptions() {
    }

    static List<Option> all() {
        String area = "Caches, locks and mules (the uwsgi module)";
        return Stream.of(
                Option.of("cache2", TEXT, null, IMPLEMENTED, "a shared cache: name=...,items=...[,keysize,blocksize,"
                        + "blocks,store,store_delete,math_initial,purge_lru,lazy_expire,ignore_full,sweep_on_full,"
                        + "clear_on_full,no_expire]").repeated(),
                Option.of("cache", COUNT, null, IMPLEMENTED, "the legacy cache \"default\" with this many items"),
                Option.of("cache-expire-freq", SECONDS, "3", IMPLEMENTED, "seconds between cache expiry sweeps"),
                Option.of("locks", NUMBER, "0", IMPLEMENTED, "user locks 1..N for uwsgi.lock(n), besides lock 0"),
                Option.of("mule", ANY, null, IMPLEMENTED, "a mule process, optionally running a script").repeated(),
                Option.of("mules", COUNT, null, IMPLEMENTED, "this many mule processes"),
                Option.of("farm", TEXT, null, IMPLEMENTED, "a named group of mules (name:1,2)").repeated(),
                Option.of("mule-harakiri", ANY, null, NOT_YET_IMPLEMENTED, "harakiri for mules"))
                .map(o -> o.in(area)).toList();
    }

    static ApiSpec spec(Settings s) throws ConfigException {
        List<String> errors = new ArrayList<>();
        List<ApiSpec.CacheSpec> caches = new ArrayList<>();
        List<ApiSpec.MuleSpec> mules = new ArrayList<>();
        Map<String, List<Integer>> farms = new LinkedHashMap<>();
        for (Settings.Setting setting : s.ordered()) {
            String raw = setting.raw() == null ? "" : setting.raw().strip();
            switch (setting.option().name()) {
                case "cache" -> caches.add(new ApiSpec.CacheSpec("default", (Integer) setting.value(),
                        DEFAULT_KEYSIZE, 65536, (Integer) setting.value(), null, false, 0, List.of()));
                case "cache2" -> {
                    try {
                        caches.add(cache2(raw));
                    } catch (IllegalArgumentException e) {
                        errors.add("cache2 \"" + raw + "\" (" + setting.source() + "): " + e.getMessage());
                    }
                }
                case "mules" -> {
                    for (int i = 0; i < (Integer) setting.value(); i++) {
                        mules.add(new ApiSpec.MuleSpec(mules.size() + 1, null));
                    }
                }
                case "mule" -> mules.add(new ApiSpec.MuleSpec(mules.size() + 1, muleScript(raw)));
                default -> { }
            }
        }
        for (String raw : s.all("farm", String.class)) {
            int colon = raw.indexOf(':');
            try {
                if (colon <= 0) {
                    throw new IllegalArgumentException("expected name:1,2");
                }
                List<Integer> ids = new ArrayList<>();
                for (String id : raw.substring(colon + 1).split(",")) {
                    int n = Integer.parseInt(id.strip());
                    if (n < 1 || n > mules.size()) {
                        throw new IllegalArgumentException("mule " + n + " does not exist (" + mules.size()
                                + " mules configured)");
                    }
                    ids.add(n);
                }
                farms.put(raw.substring(0, colon).strip(), ids);
            } catch (NumberFormatException e) {
                errors.add("farm \"" + raw + "\": expected name:1,2 (mule ids)");
            } catch (IllegalArgumentException e) {
                errors.add("farm \"" + raw + "\": " + e.getMessage());
            }
        }
        Set<String> names = new java.util.HashSet<>();
        for (ApiSpec.CacheSpec c : caches) {
            if (!names.add(c.name())) {
                errors.add("cache \"" + c.name() + "\" is defined twice");
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        Duration freq = s.get("cache-expire-freq", Duration.class);
        return new ApiSpec(caches, s.get("locks", Integer.class), (int) Math.max(1, freq.toSeconds()), mules, farms,
                options(s));
    }

    private static String muleScript(String raw) {
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "", "true", "1", "yes", "on" -> null;
            default -> raw;
        };
    }

    /** One cache2 value: {@code key=value} pairs separated by commas. */
    static ApiSpec.CacheSpec cache2(String value) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            kv.put(FLAG_ALIASES.getOrDefault(key, key), eq < 0 ? "1" : p.substring(eq + 1).strip());
        }
        String name = kv.remove("name");
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name is required");
        }
        String items = first(kv, "items", "max_items", "maxitems");
        if (items == null) {
            throw new IllegalArgumentException("items is required");
        }
        int n = number(items, "items", 1);
        int keysize = kv.containsKey("keysize") ? number(kv.remove("keysize"), "keysize", 1) : DEFAULT_KEYSIZE;
        if (keysize >= 65535) {
            throw new IllegalArgumentException("keysize " + keysize + " (expected: below 65535)");
        }
        int blocksize = kv.containsKey("blocksize") ? number(kv.remove("blocksize"), "blocksize", 1)
                : DEFAULT_BLOCKSIZE;
        int blocks = kv.containsKey("blocks") ? number(kv.remove("blocks"), "blocks", 1) : n;
        if (blocks < n) {
            throw new IllegalArgumentException("blocks " + blocks + " (expected: at least items, " + n + ")");
        }
        if ((long) blocks * blocksize > (1L << 40)) {
            throw new IllegalArgumentException("blocks x blocksize is over 1 TiB");
        }
        String store = kv.remove("store");
        boolean storeDelete = on(kv.remove("store_delete"));
        long math = 0;
        if (kv.containsKey("math_initial")) {
            try {
                math = Long.parseLong(kv.remove("math_initial"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("math_initial: expected a whole number");
            }
        }
        List<String> flags = new ArrayList<>();
        for (String key : List.copyOf(kv.keySet())) {
            String v = kv.remove(key);
            if (CACHE_FLAGS.contains(key)) {
                if (on(v)) {
                    flags.add(key);
                }
            } else if (CACHE_PLANNED.contains(key)) {
                throw new IllegalArgumentException("key " + key + " is not implemented yet");
            } else if (!CACHE_NO_EFFECT.contains(key)) {
                throw new IllegalArgumentException("unknown key " + key);
            }
        }
        return new ApiSpec.CacheSpec(name, n, keysize, blocksize, blocks, store == null || store.isEmpty() ? null
                : store, storeDelete, math, flags);
    }

    private static String first(Map<String, String> kv, String... keys) {
        String found = null;
        for (String k : keys) {
            String v = kv.remove(k);
            if (v != null) {
                found = v;
            }
        }
        return found;
    }

    private static int number(String v, String key, int min) {
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(key + " " + v + " (expected: a whole number, " + min + " or more)");
    }

    private static boolean on(String v) {
        return v != null && switch (v.toLowerCase(Locale.ROOT)) {
            case "", "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }

    /** Every option set, as uwsgi.opt shows it: text, a list of texts when repeated, TRUE for a bare flag. */
    private static Map<String, Object> options(Settings s) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Settings.Setting setting : s.ordered()) {
            Option o = setting.option();
            String raw = setting.raw() == null ? "" : setting.raw();
            Object v = raw.isEmpty() && (o.type() == OptionType.FLAG || o.valueOnlyAttached()) ? Boolean.TRUE : raw;
            if (o.repeatable()) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) out.computeIfAbsent(o.name(), k -> new ArrayList<>());
                list.add(v);
            } else {
                out.put(o.name(), v);
            }
        }
        return out;
    }
}
