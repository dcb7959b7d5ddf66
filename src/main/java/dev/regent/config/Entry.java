package dev.regent.config;

/**
 * One {@code key = value} as read from any source, before expansion and typing. The loaders
 * produce these in order; later stages never see the source format.
 *
 * @param key    the key as written (an option name, an alias, or an unknown word)
 * @param value  the raw value; empty for a bare key or flag
 * @param source where it was written
 */
record Entry(String key, String value, Source source) {

    Entry withValue(String newValue) {
        return new Entry(key, newValue, source);
    }
}
